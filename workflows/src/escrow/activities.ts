import { proxyActivities } from '@temporalio/workflow';
import { NOTIFICATIONS_TASK_QUEUE, type NotificationActivities } from '../notifications/contract.ts';
import { MARKETPLACE_TASK_QUEUE, type JobActivities } from './contract.ts';

/**
 * Marketplace activities (job state and timeline) on the `marketplace` queue: one small write each
 * (idempotent by key), so a try lost with a SIGKILLed worker is tried again after 10 s — not after
 * 30 s, which held the next step (an approval's payout) past the API's 10 s answer (restart.test).
 */
export const marketplace = proxyActivities<JobActivities>({
  taskQueue: MARKETPLACE_TASK_QUEUE,
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Notifications are best effort for the deal: a few tries, then the workflow moves on. */
export const notifications = proxyActivities<NotificationActivities>({
  taskQueue: NOTIFICATIONS_TASK_QUEUE,
  startToCloseTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumAttempts: 5 },
});
