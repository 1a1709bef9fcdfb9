import type { AuthGuard, Logger, Orm, Redis } from '@faena/platform';
import type { PaymentsClient } from './domain/payments-client.ts';

export interface GymDeps {
  orm: Orm;
  redis: Redis;
  logger: Logger;
  guard: AuthGuard;
  /** The payments service over HTTP, called with the caller's token. */
  payments: PaymentsClient;
  /** How many weeks of a schedule's classes are put on the calendar ahead. */
  occurrenceWeeksAhead: number;
}
