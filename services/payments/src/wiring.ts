/**
 * How payments is assembled — the one place main.ts, worker.ts, the seed and the test harness
 * build it from: its ORM, the API's dependencies and the worker's activity dependencies.
 */
import type { Client } from '@temporalio/client';
import { serviceOrm, type AuthGuard, type Logger, type Orm, type Redis } from '@faena/platform';
import type { ActivityDeps } from './activities.ts';
import type { PaymentsConfig } from './config.ts';
import { SCHEMA } from './constants.ts';
import type { PaymentsDeps } from './deps.ts';
import { entities } from './domain/entities.ts';
import type { Providers } from './domain/providers.ts';
import { mercadoPagoProvider } from './providers/mercadopago.ts';

export const createPaymentsOrm = serviceOrm({ schema: SCHEMA, entities, moduleUrl: import.meta.url });

type ProviderConfig = Pick<
  PaymentsConfig,
  'MERCADOPAGO_BASE_URL' | 'PAYMENTS_SECRET_KEY' | 'PAYMENTS_PUBLIC_URL'
>;

/** The payment providers payments talks to (MercadoPago, or the sandbox in dev and tests). */
export const createProviders = (config: Pick<ProviderConfig, 'MERCADOPAGO_BASE_URL'>): Providers => ({
  mercadopago: mercadoPagoProvider({ baseUrl: config.MERCADOPAGO_BASE_URL }),
});

/** The API's dependencies. */
export function createPaymentsDeps(
  config: ProviderConfig,
  infra: { orm: Orm; redis: Redis; logger: Logger; guard: AuthGuard; temporal: Client },
): PaymentsDeps {
  return {
    ...infra,
    providers: createProviders(config),
    secretKey: config.PAYMENTS_SECRET_KEY,
    publicUrl: config.PAYMENTS_PUBLIC_URL,
  };
}

/** The worker's activity dependencies. */
export function createPaymentsActivityDeps(
  config: ProviderConfig,
  infra: { orm: Orm; logger: Logger },
): ActivityDeps {
  return {
    ...infra,
    providers: createProviders(config),
    secretKey: config.PAYMENTS_SECRET_KEY,
    publicUrl: config.PAYMENTS_PUBLIC_URL,
  };
}
