/**
 * Workflow interceptors (run inside the workflow sandbox, registered by `createWorker` through
 * `interceptors.workflowModules`): copy the context header a workflow was started with onto every
 * activity, child workflow and continue-as-new it schedules.
 */
import type { Payload, WorkflowInterceptors } from '@temporalio/workflow';
// Internal SDK modules (no public API does this; see `recordOtelFlagEarly`).
import { SdkFlags } from '@temporalio/workflow/lib/flags.js';
import { getActivator } from '@temporalio/workflow/lib/global-attributes.js';
import { CONTEXT_HEADER } from './context-header.ts';

/**
 * Workaround for a Temporal TypeScript SDK bug (1.24.0, docs/architecture.md "Replay and SDK flags"):
 * the OpenTelemetry interceptors' Update/Query instrumentation is gated by the SDK flag
 * `OpenTelemetryInterceptorsInstrumentsAllMethods`, which the SDK records in history the first time
 * it is used. When that first use is an Update rejected by its validator, the workflow task is
 * speculative and the server drops it — with the flag — while the worker believes it recorded it.
 * Live runs then instrument later Updates (extra yield points: a timer cancel lands before the
 * Update's completion) and replays do not, so the history never replays again
 * (`Update machine does not handle this event: TimerCanceled`). Asking for the flag when the
 * workflow starts records it in the first, never speculative, workflow task. Replaying an older
 * history is unaffected: while replaying, the SDK only reports what the history says.
 */
function recordOtelFlagEarly(): void {
  getActivator().hasFlag(SdkFlags.OpenTelemetryInterceptorsInstrumentsAllMethods);
}

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
          recordOtelFlagEarly();
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
