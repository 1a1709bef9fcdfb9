import {
  createHttpApp,
  dbHealthCheck,
  metricsMiddleware,
  redisHealthCheck,
  requestContextMiddleware,
  temporalHealthCheck,
  type HttpApp,
} from '@faena/platform';
import type { PaymentsDeps } from './deps.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { paymentRoutes } from './routes/payments.ts';
import { webhookRoutes } from './routes/webhooks.ts';

export const BASE_PATH = '/api/payments/v1';

/** The payments HTTP API; main.ts and the tests wire `deps` differently. */
export function createApp(
  deps: PaymentsDeps,
  opts: { version?: string; corsOrigins?: string[]; bodyLimit?: string } = {},
): HttpApp {
  return createHttpApp({
    service: 'payments',
    version: opts.version,
    basePath: BASE_PATH,
    logger: deps.logger,
    corsOrigins: opts.corsOrigins,
    bodyLimit: opts.bodyLimit,
    middleware: [requestContextMiddleware(deps.orm)],
    metrics: metricsMiddleware(),
    health: [
      dbHealthCheck(deps.orm),
      redisHealthCheck(deps.redis),
      temporalHealthCheck(deps.temporal.connection),
    ],
    routes: [...paymentRoutes(deps), ...ledgerRoutes(deps), ...webhookRoutes(deps)],
  });
}
