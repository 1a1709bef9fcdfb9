/**
 * How gym is assembled — the one place main.ts, worker.ts, the seed and the test harness build it
 * from: its ORM, the API's dependencies and the worker's activity dependencies.
 */
import type { Client } from '@temporalio/client';
import { RENEWAL_TASK_QUEUE } from '@faena/workflows/renewal/contract';
import { INCIDENT_TASK_QUEUE } from '@faena/workflows/incident/contract';
import { LOW_STOCK_TASK_QUEUE } from '@faena/workflows/stock/contract';
import { WAITLIST_TASK_QUEUE } from '@faena/workflows/waitlist/contract';
import {
  createPaymentsClient,
  createStorage,
  serviceOrm,
  uploadLimits,
  type AuthGuard,
  type Logger,
  type Orm,
  type Redis,
} from '@faena/platform';
import type { ActivityDeps } from './activities.ts';
import type { GymKeys } from './config.ts';
import { SCHEMA } from './constants.ts';
import type { GymDeps } from './deps.ts';
import { entities } from './domain/entities.ts';

export const createGymOrm = serviceOrm({ schema: SCHEMA, entities, moduleUrl: import.meta.url });

/**
 * The API's dependencies. `renewalTaskQueue` is the contract's queue; tests pass a queue no worker
 * polls to see a renewal started without running it.
 */
export function createGymDeps(
  config: GymKeys,
  infra: { orm: Orm; redis: Redis; logger: Logger; guard: AuthGuard; temporal: Client },
  opts: {
    renewalTaskQueue?: string;
    waitlistTaskQueue?: string;
    incidentTaskQueue?: string;
    lowStockTaskQueue?: string;
  } = {},
): GymDeps {
  return {
    ...infra,
    renewalTaskQueue: opts.renewalTaskQueue ?? RENEWAL_TASK_QUEUE,
    waitlistTaskQueue: opts.waitlistTaskQueue ?? WAITLIST_TASK_QUEUE,
    incidentTaskQueue: opts.incidentTaskQueue ?? INCIDENT_TASK_QUEUE,
    lowStockTaskQueue: opts.lowStockTaskQueue ?? LOW_STOCK_TASK_QUEUE,
    checkinToken: { secret: config.CHECKIN_TOKEN_SECRET, ttlSeconds: config.CHECKIN_TOKEN_TTL_SECONDS },
    payments: createPaymentsClient({ baseUrl: config.PAYMENTS_URL, timeoutMs: config.PAYMENTS_TIMEOUT_MS }),
    occurrenceWeeksAhead: config.OCCURRENCE_WEEKS_AHEAD,
    storage: createStorage(config),
    uploads: uploadLimits(config),
  };
}

/** The worker's activity dependencies. */
export const createGymActivityDeps = (infra: { orm: Orm; logger: Logger }): ActivityDeps => infra;
