/**
 * gym's names, side-effect free (importing this starts nothing): where its API is mounted, its
 * PostgreSQL schema and the task queue its worker serves (owned by the process contracts).
 */
export const SERVICE = 'gym';
export const BASE_PATH = '/api/gym/v1';
export const SCHEMA = 'gym';
export { GYM_TASK_QUEUE as TASK_QUEUE } from '@faena/workflows/renewal/contract';
