import { proxyActivities } from '@temporalio/workflow';
import type { PaymentsActivities } from '@faena/payments/activities';

/** Payments activities as workflows call them: on the `payments` task queue, retried with backoff. */
export const payments = proxyActivities<PaymentsActivities>({
  taskQueue: 'payments',
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 30 },
});

/**
 * The same activities for the reconciliation janitor: a couple of quick tries per payment, so one
 * payment its provider keeps refusing never holds up the others (the next run tries it again).
 */
export const paymentsOnce = proxyActivities<PaymentsActivities>({
  taskQueue: 'payments',
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 2 },
});
