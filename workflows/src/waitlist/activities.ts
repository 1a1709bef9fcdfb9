import { proxyActivities } from '@temporalio/workflow';
import { GYM_TASK_QUEUE, type GymWaitlistActivities } from './contract.ts';

/** The gym's waitlist activities on the `gym` queue: database steps, retried through outages. */
export const gym = proxyActivities<GymWaitlistActivities>({
  taskQueue: GYM_TASK_QUEUE,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});
