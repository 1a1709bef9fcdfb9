/**
 * Starting a business process exactly once per id. Every process of ours has one workflow id per
 * business record (`low-stock/<tenant>/<alert>`, `incident/<tenant>/<id>`, a deal's id…), and its
 * start is retried: by the request that caused it, by a sweeper after a crash, by a concurrent
 * request. `REJECT_DUPLICATE` keeps an id that ran to its end from ever running again; a start of
 * an id that is running finds that run (`USE_EXISTING`, the default here) or is told so (`FAIL`).
 * Either way a repeat is not an error: the answer says whether this call started it.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Workflow } from '@temporalio/common';

export type ProcessStartOptions<T extends Workflow> = Omit<WorkflowStartOptions<T>, 'workflowIdReusePolicy'>;

/**
 * Starts `workflowType` under `options.workflowId` unless a run of that id ran or runs: `true` when
 * this call started it (or, with `USE_EXISTING`, found it running), `false` when the id was taken.
 * Anything else (Temporal unreachable) throws: the caller keeps its outbox row for a retry.
 */
export async function startProcessOnce<T extends Workflow>(
  temporal: Client,
  workflowType: string,
  options: ProcessStartOptions<T>,
): Promise<boolean> {
  try {
    await temporal.workflow.start<T>(workflowType, {
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      ...options,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    } as WorkflowStartOptions<T>);
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}
