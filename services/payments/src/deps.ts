import type { Client } from '@temporalio/client';
import type { AuthGuard, Logger, Orm, Redis } from '@faena/platform';
import type { Providers } from './domain/providers.ts';

export interface PaymentsDeps {
  orm: Orm;
  redis: Redis;
  logger: Logger;
  guard: AuthGuard;
  temporal: Client;
  providers: Providers;
  /** Seals provider credentials at rest. */
  secretKey: string;
  /** Base URL providers call back (webhooks). */
  publicUrl: string;
}
