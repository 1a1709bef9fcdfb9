import { proxyActivities } from '@temporalio/workflow';
import { IDENTITY_TASK_QUEUE, type IdentityActivities } from './contract.ts';

/**
 * Identity lookups from a workflow: quick, retried for at most a minute (also while no identity
 * worker polls), then the caller decides (a view without names, an operator asked to try again).
 */
export const identity = proxyActivities<IdentityActivities>({
  taskQueue: IDENTITY_TASK_QUEUE,
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '15s' },
});
