/**
 * How gym is assembled — the one place main.ts, the seed and the test harness build it from: its
 * ORM and the API's dependencies.
 */
import { serviceOrm, type AuthGuard, type Logger, type Orm, type Redis } from '@faena/platform';
import type { GymKeys } from './config.ts';
import { SCHEMA } from './constants.ts';
import type { GymDeps } from './deps.ts';
import { entities } from './domain/entities.ts';
import { createPaymentsClient } from './domain/payments-client.ts';

export const createGymOrm = serviceOrm({ schema: SCHEMA, entities, moduleUrl: import.meta.url });

/** The API's dependencies. */
export function createGymDeps(
  config: GymKeys,
  infra: { orm: Orm; redis: Redis; logger: Logger; guard: AuthGuard },
): GymDeps {
  return {
    ...infra,
    payments: createPaymentsClient({ baseUrl: config.PAYMENTS_URL, timeoutMs: config.PAYMENTS_TIMEOUT_MS }),
    occurrenceWeeksAhead: config.OCCURRENCE_WEEKS_AHEAD,
  };
}
