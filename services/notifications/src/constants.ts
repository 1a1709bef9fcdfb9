/**
 * notifications's names, side-effect free (importing this starts nothing): where its API is mounted, its
 * PostgreSQL schema and the task queue its worker serves (owned by the process contract).
 */
export const SERVICE = 'notifications';
export const BASE_PATH = '/api/notifications/v1';
export const SCHEMA = 'notifications';
export { NOTIFICATIONS_TASK_QUEUE as TASK_QUEUE } from '@faena/workflows/notifications/contract';
