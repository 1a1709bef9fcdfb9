/**
 * One low-stock alert (see contract.ts): asks identity who holds the notice's permission in the
 * branch and notifies each of them once (the notice's event, es/en: email and in-app; key
 * `low-stock/<alertId>/<userId>`). Both calls are retried for `ALERT_RETRY_WINDOW` (the durable
 * path of the email: SMTP or identity being down delays it, the sale never waits). The outcome is a
 * state, never a Failed workflow: `notified` (`on_time`) or `nobody_to_tell` (`failed`).
 */
import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { IDENTITY_TASK_QUEUE, type IdentityActivities, type UserProfile } from '../identity/contract.ts';
import { processMetrics } from '../metrics.ts';
import {
  NOTIFICATIONS_TASK_QUEUE,
  type NotificationActivities,
  type ProcessNotification,
} from '../notifications/contract.ts';
import {
  ALERT_RETRY_WINDOW,
  gymLowStockNotice,
  type GymLowStockInputV1,
  type LowStockEvent,
  type LowStockInput,
  type LowStockNotice,
  type LowStockNoticeOf,
  type LowStockState,
  type LowStockStatus,
  type LowStockWorkflow,
} from './contract.ts';

const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' } as const;
const identity = proxyActivities<IdentityActivities>({
  taskQueue: IDENTITY_TASK_QUEUE,
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: ALERT_RETRY_WINDOW,
  retry,
});
const notifications = proxyActivities<NotificationActivities>({
  taskQueue: NOTIFICATIONS_TASK_QUEUE,
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: ALERT_RETRY_WINDOW,
  retry,
});

/** The input's notice; a history recorded before `notice` existed is the gym store's product. */
const noticeOf = (input: LowStockInput | GymLowStockInputV1): LowStockNotice =>
  'notice' in input ? input.notice : gymLowStockNotice(input);

/** The notice's template and variables, with the rest of one recipient's notification. */
const notification = <E extends LowStockEvent>(
  notice: LowStockNoticeOf<E>,
  rest: Omit<ProcessNotification<E>, 'event' | 'variables'>,
): ProcessNotification<E> => ({ ...rest, event: notice.event, variables: notice.variables });

export const lowStockAlert: LowStockWorkflow = async function lowStockAlert(input: LowStockInput) {
  const metrics = processMetrics();
  metrics.started();
  const notice = noticeOf(input);
  const { head, audience } = notice;
  upsertSearchAttributes({
    TenantId: [input.tenantId],
    BusinessKey: [`low-stock:${input.alertId}`],
    ProcessStatus: ['notifying'],
  });
  setCurrentDetails(
    `**notifying**\n\n${head}: asking identity for the ${audience}s of branch ${input.branchId}.`,
  );

  let holders: UserProfile[] = [];
  let truncated = false;
  try {
    ({ holders, truncated } = await identity.roleHolders({
      tenantId: input.tenantId,
      branchId: input.branchId,
      permission: notice.permission,
    }));
  } catch {
    // identity could not answer within the window: nobody can be told (the state says so).
  }
  const results = await Promise.allSettled(
    holders.map((u) =>
      notifications.notify(
        notification(notice, {
          key: `low-stock/${input.alertId}/${u.id}`,
          tenantId: input.tenantId,
          recipient: { userId: u.id, email: u.email, ...(u.locale && { locale: u.locale }) },
          data: { alertId: input.alertId, ...notice.data, branchId: input.branchId },
        }),
      ),
    ),
  );
  const told = results.filter((r) => r.status === 'fulfilled').length;
  const failed = results.length - told;
  const state: LowStockState = told ? 'notified' : 'nobody_to_tell';
  const summary = told
    ? `${head}: told ${told} ${audience}(s)${failed ? `, ${failed} could not be reached` : ''}${truncated ? ' (capped)' : ''}`
    : `${head}: nobody to tell (no ${audience} in the branch${failed ? ` could be reached` : ''})`;
  metrics.outcome(told ? 'on_time' : 'failed');
  upsertSearchAttributes({ ProcessStatus: [state] });
  setCurrentDetails(`**${state}**\n\n${summary}.`);
  const status: LowStockStatus = { state, alertId: input.alertId, told, failed, truncated, summary };
  return status;
};
