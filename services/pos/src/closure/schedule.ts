/**
 * The schedule manager: one Temporal Schedule per branch (`cash-closure-schedule/<tenant>/<branch>`)
 * firing `cashClosureTrigger` at the branch's closing time **in its IANA zone** (the schedule's
 * `timezone`: Temporal applies the zone's DST rules, so 23:00 in Santiago stays 23:00 local when the
 * offset changes). Created or updated whenever the branch's closure settings or zone change.
 * Firings missed while the cluster was down are taken when it is back within `catchupWindow`
 * (`BUFFER_ALL`: one after another); older ones by the trigger's own catch-up (`CATCH_UP_DAYS`).
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import {
  CASH_CLOSURE_TASK_QUEUE,
  CASH_CLOSURE_TRIGGER_WORKFLOW_TYPE,
  cashClosureScheduleId,
  cashClosureTriggerId,
  type CashClosureTriggerInput,
} from '@faena/workflows/cash-closure/contract';
import type { ClosureClock } from './calendar.ts';

export const CLOSURE_CATCHUP_WINDOW = '1 day';

export function closureScheduleSpec(clock: ClosureClock) {
  const [hour, minute] = clock.closingTime.split(':').map(Number) as [number, number];
  return {
    calendars: [{ hour, minute, comment: `closing time ${clock.closingTime}` }],
    timezone: clock.timeZone,
  };
}

/** Creates the branch's schedule, or updates its spec (and action) when it exists. */
export async function syncClosureSchedule(
  temporal: Client,
  tenantId: string,
  branchId: string,
  clock: ClosureClock,
): Promise<string> {
  const scheduleId = cashClosureScheduleId(tenantId, branchId);
  const spec = closureScheduleSpec(clock);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: CASH_CLOSURE_TRIGGER_WORKFLOW_TYPE,
    workflowId: cashClosureTriggerId(tenantId, branchId),
    taskQueue: CASH_CLOSURE_TASK_QUEUE,
    args: [{ tenantId, branchId } satisfies CashClosureTriggerInput],
  };
  const policies = { overlap: ScheduleOverlapPolicy.BUFFER_ALL, catchupWindow: CLOSURE_CATCHUP_WINDOW };
  try {
    await temporal.schedule.create({ scheduleId, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await temporal.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action, policies }));
  }
  return scheduleId;
}
