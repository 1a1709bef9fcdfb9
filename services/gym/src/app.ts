import { createServiceApp, type AppOptions, type HttpApp } from '@faena/platform';
import { BASE_PATH, SERVICE } from './constants.ts';
import type { GymDeps } from './deps.ts';
import { classRoutes } from './routes/classes.ts';
import { memberRoutes } from './routes/members.ts';
import { membershipRoutes } from './routes/memberships.ts';
import { planRoutes } from './routes/plans.ts';

/** The gym HTTP API; main.ts and the tests wire `deps` differently. */
export function createApp(deps: GymDeps, options: AppOptions = {}): HttpApp {
  return createServiceApp({
    service: SERVICE,
    basePath: BASE_PATH,
    deps,
    options,
    routes: [...memberRoutes(deps), ...planRoutes(deps), ...membershipRoutes(deps), ...classRoutes(deps)],
  });
}
