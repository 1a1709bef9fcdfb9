import {
  createHttpApp,
  dbHealthCheck,
  metricsMiddleware,
  redisHealthCheck,
  requestContextMiddleware,
  temporalHealthCheck,
  type HttpApp,
} from '@faena/platform';
import type { MarketplaceDeps } from './deps.ts';
import { jobRoutes } from './routes/jobs.ts';
import { offerRoutes } from './routes/offers.ts';
import { professionalRoutes } from './routes/professionals.ts';

export const BASE_PATH = '/api/marketplace/v1';

/** The marketplace HTTP API; main.ts and the tests wire `deps` differently. */
export function createApp(
  deps: MarketplaceDeps,
  opts: { version?: string; corsOrigins?: string[]; bodyLimit?: string } = {},
): HttpApp {
  return createHttpApp({
    service: 'marketplace',
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
    routes: [...professionalRoutes(deps), ...offerRoutes(deps), ...jobRoutes(deps)],
  });
}
