/**
 * pos's names, side-effect free (importing this starts nothing): where its API is mounted, its
 * PostgreSQL schema and its worker's activity queue.
 */
import { TASK_QUEUES } from '@faena/workflows/queues';

export const SERVICE = 'pos';
export const BASE_PATH = '/api/pos/v1';
export const SCHEMA = 'pos';
/** The POS worker's activity queue (src/worker.ts): POS's activities of every process. */
export const TASK_QUEUE = TASK_QUEUES.pos;
