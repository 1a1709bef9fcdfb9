import { createServiceApp, type AppOptions, type HttpApp } from '@faena/platform';
import { BASE_PATH, SERVICE } from './constants.ts';
import type { PaymentsDeps } from './deps.ts';
import { cashRoutes } from './routes/cash.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { paymentRoutes } from './routes/payments.ts';
import { webhookRoutes } from './routes/webhooks.ts';

/** The payments HTTP API; main.ts and the tests wire `deps` differently. */
export function createApp(deps: PaymentsDeps, options: AppOptions = {}): HttpApp {
  return createServiceApp({
    service: SERVICE,
    basePath: BASE_PATH,
    deps,
    options,
    routes: [...paymentRoutes(deps), ...cashRoutes(deps), ...ledgerRoutes(deps), ...webhookRoutes(deps)],
  });
}
