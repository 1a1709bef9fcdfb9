import { proxyActivities } from '@temporalio/workflow';
import { PAYMENTS_TASK_QUEUE, type PaymentsActivities } from './contract.ts';

/** Payments activities as workflows call them: on the `payments` task queue, retried with backoff. */
export const payments = proxyActivities<PaymentsActivities>({
  taskQueue: PAYMENTS_TASK_QUEUE,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 30 },
});

/**
 * The deal's money steps (take the payment, refund, pay out): retried through outages for about a
 * minute and a half (a restart of the database or of the payments worker), then handed back to the
 * workflow, which names the state (`payment_failed`, `refund_blocked`, `payout_blocked`) instead of
 * failing. Non-retryable refusals (typed ApplicationFailures) come back at once.
 */
export const paymentsMoney = proxyActivities<PaymentsActivities>({
  taskQueue: PAYMENTS_TASK_QUEUE,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});

/**
 * The same activities for the reconciliation janitor: a couple of quick tries per payment, so one
 * payment its provider keeps refusing never holds up the others (the next run tries it again).
 */
export const paymentsOnce = proxyActivities<PaymentsActivities>({
  taskQueue: PAYMENTS_TASK_QUEUE,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 2 },
});
