/**
 * Workflow interceptors (run inside the workflow sandbox, registered by `createWorker` through
 * `interceptors.workflowModules`): copy the context header a workflow was started with onto every
 * activity, child workflow and continue-as-new it schedules.
 */
import type { Payload, WorkflowInterceptors } from '@temporalio/workflow';
import { CONTEXT_HEADER } from './context-header.ts';

export const interceptors = (): WorkflowInterceptors => {
  let header: Payload | undefined;
  const withHeader = <T extends { headers: Record<string, Payload> }>(input: T): T =>
    header && !input.headers[CONTEXT_HEADER]
      ? { ...input, headers: { ...input.headers, [CONTEXT_HEADER]: header } }
      : input;
  return {
    inbound: [
      {
        execute: (input, next) => {
          header = input.headers[CONTEXT_HEADER];
          return next(input);
        },
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) => next(withHeader(input)),
        scheduleLocalActivity: (input, next) => next(withHeader(input)),
        startChildWorkflowExecution: (input, next) => next(withHeader(input)),
        continueAsNew: (input, next) => next(withHeader(input)),
      },
    ],
  };
};
