/**
 * payments's names, side-effect free (importing this starts nothing): where its API is mounted, its
 * PostgreSQL schema and the task queue its worker serves (owned by the process contract).
 */
export const SERVICE = 'payments';
export const BASE_PATH = '/api/payments/v1';
export const SCHEMA = 'payments';
export { PAYMENTS_TASK_QUEUE as TASK_QUEUE } from '@faena/workflows/payments/contract';
