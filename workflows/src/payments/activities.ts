import { proxyActivities } from '@temporalio/workflow';
import type { PaymentsActivities } from '@faena/payments/activities';

/** Payments activities as workflows call them: on the `payments` task queue, retried with backoff. */
export const payments = proxyActivities<PaymentsActivities>({
  taskQueue: 'payments',
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 30 },
});
