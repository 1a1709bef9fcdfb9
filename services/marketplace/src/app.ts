import { createServiceApp, type AppOptions, type HttpApp } from '@faena/platform';
import { BASE_PATH, SERVICE } from './constants.ts';
import type { MarketplaceDeps } from './deps.ts';
import { jobRoutes } from './routes/jobs.ts';
import { offerRoutes } from './routes/offers.ts';
import { professionalRoutes } from './routes/professionals.ts';

/** The marketplace HTTP API; main.ts and the tests wire `deps` differently. */
export function createApp(deps: MarketplaceDeps, options: AppOptions = {}): HttpApp {
  return createServiceApp({
    service: SERVICE,
    basePath: BASE_PATH,
    deps,
    options,
    routes: [...professionalRoutes(deps), ...offerRoutes(deps), ...jobRoutes(deps)],
  });
}
