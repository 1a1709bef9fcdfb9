/**
 * Every Temporal task queue, named once. `workflows` runs every workflow (workflows/src/worker.ts);
 * each service's worker serves its own activity queue. Contracts re-export the ones they use.
 */
export const TASK_QUEUES = {
  workflows: 'workflows',
  identity: 'identity',
  payments: 'payments',
  marketplace: 'marketplace',
  gym: 'gym',
  pos: 'pos',
  notifications: 'notifications',
} as const;
export type TaskQueue = (typeof TASK_QUEUES)[keyof typeof TASK_QUEUES];
