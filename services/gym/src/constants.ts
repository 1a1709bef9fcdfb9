/**
 * gym's names, side-effect free (importing this starts nothing): where its API is mounted and its
 * PostgreSQL schema. Its task queue comes with its first process contract (renewal, waitlist).
 */
export const SERVICE = 'gym';
export const BASE_PATH = '/api/gym/v1';
export const SCHEMA = 'gym';
