/**
 * pos's names, side-effect free (importing this starts nothing): where its API is mounted and its
 * PostgreSQL schema. POS has no process yet (printing and the nightly closure are issue 18), so no
 * task queue and no worker.
 */
export const SERVICE = 'pos';
export const BASE_PATH = '/api/pos/v1';
export const SCHEMA = 'pos';
