/**
 * marketplace's names, side-effect free (importing this starts nothing): where its API is mounted, its
 * PostgreSQL schema and the task queue its worker serves (owned by the process contract).
 */
export const SERVICE = 'marketplace';
export const BASE_PATH = '/api/marketplace/v1';
export const SCHEMA = 'marketplace';
export { MARKETPLACE_TASK_QUEUE as TASK_QUEUE } from '@faena/workflows/escrow/contract';
