import {
  createHttpApp,
  dbHealthCheck,
  metricsMiddleware,
  redisHealthCheck,
  requestContextMiddleware,
  type HttpApp,
} from '@faena/platform';
import type { NotificationsDeps } from './deps.ts';
import { inboxRoutes } from './routes/inbox.ts';
import { notifyRoutes } from './routes/notify.ts';
import { preferenceRoutes } from './routes/preferences.ts';
import { webhookRoutes } from './routes/webhooks.ts';

export const BASE_PATH = '/api/notifications/v1';

/** The notifications HTTP API; main.ts also serves the real-time gateway on the same server. */
export function createApp(
  deps: NotificationsDeps,
  opts: { version?: string; corsOrigins?: string[]; bodyLimit?: string } = {},
): HttpApp {
  return createHttpApp({
    service: 'notifications',
    version: opts.version,
    basePath: BASE_PATH,
    logger: deps.logger,
    corsOrigins: opts.corsOrigins,
    bodyLimit: opts.bodyLimit,
    middleware: [requestContextMiddleware(deps.orm)],
    metrics: metricsMiddleware(),
    health: [dbHealthCheck(deps.orm), redisHealthCheck(deps.redis)],
    routes: [...notifyRoutes(deps), ...inboxRoutes(deps), ...preferenceRoutes(deps), ...webhookRoutes(deps)],
  });
}
