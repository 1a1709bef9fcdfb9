import { createServiceApp, type AppOptions, type HttpApp } from '@faena/platform';
import { BASE_PATH, SERVICE } from './constants.ts';
import type { NotificationsDeps } from './deps.ts';
import { inboxRoutes } from './routes/inbox.ts';
import { notifyRoutes } from './routes/notify.ts';
import { preferenceRoutes } from './routes/preferences.ts';
import { webhookRoutes } from './routes/webhooks.ts';

/** The notifications HTTP API; main.ts also serves the real-time gateway on the same server. */
export function createApp(deps: NotificationsDeps, options: AppOptions = {}): HttpApp {
  return createServiceApp({
    service: SERVICE,
    basePath: BASE_PATH,
    deps,
    options,
    routes: [...notifyRoutes(deps), ...inboxRoutes(deps), ...preferenceRoutes(deps), ...webhookRoutes(deps)],
  });
}
