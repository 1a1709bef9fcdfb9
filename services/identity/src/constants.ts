/**
 * identity's names, side-effect free (importing this starts nothing): where its API is mounted, its
 * PostgreSQL schema and the task queue its worker serves (owned by the process contract).
 */
export const SERVICE = 'identity';
export const BASE_PATH = '/api/identity/v1';
export const SCHEMA = 'identity';
export { IDENTITY_TASK_QUEUE as TASK_QUEUE } from '@faena/workflows/identity/contract';
