import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import {
  RECONCILE_TASK_QUEUE,
  RECONCILE_WORKFLOW_TYPE,
  type ReconcileInput,
} from '@faena/workflows/payments/contract';

export const RECONCILIATION_SCHEDULE_ID = 'payments-reconciliation';

/** Creates (or updates) the reconciliation schedule: `reconcilePayments` every `everyMinutes`, never overlapping. */
export async function ensureReconciliationSchedule(
  client: Client,
  opts: { everyMinutes: number; olderThanMinutes: number },
): Promise<void> {
  const action = {
    type: 'startWorkflow' as const,
    workflowType: RECONCILE_WORKFLOW_TYPE,
    taskQueue: RECONCILE_TASK_QUEUE,
    args: [{ olderThanMinutes: opts.olderThanMinutes } satisfies ReconcileInput],
  };
  const spec = { intervals: [{ every: `${opts.everyMinutes}m` }] };
  try {
    await client.schedule.create({
      scheduleId: RECONCILIATION_SCHEDULE_ID,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID).update((prev) => ({ ...prev, spec, action }));
  }
}
