import { createServiceApp, type AppOptions, type HttpApp } from '@faena/platform';
import { BASE_PATH, SERVICE } from './constants.ts';
import type { GymDeps } from './deps.ts';
import { classRoutes } from './routes/classes.ts';
import { memberRoutes } from './routes/members.ts';
import { membershipRoutes } from './routes/memberships.ts';
import { nutritionRoutes } from './routes/nutrition.ts';
import { photoRoutes } from './routes/photos.ts';
import { planRoutes } from './routes/plans.ts';
import { renewalRoutes } from './routes/renewals.ts';
import { receptionRoutes } from './routes/reception.ts';
import { storeRoutes } from './routes/store.ts';
import { incidentRoutes } from './routes/incidents.ts';
import { routineRoutes } from './routes/routines.ts';
import { trainerRoutes } from './routes/trainers.ts';
import { waitlistRoutes } from './routes/waitlist.ts';

/** The gym HTTP API; main.ts and the tests wire `deps` differently. */
export function createApp(deps: GymDeps, options: AppOptions = {}): HttpApp {
  return createServiceApp({
    service: SERVICE,
    basePath: BASE_PATH,
    deps,
    options,
    routes: [
      ...memberRoutes(deps),
      ...planRoutes(deps),
      ...membershipRoutes(deps),
      ...renewalRoutes(deps),
      ...classRoutes(deps),
      ...receptionRoutes(deps),
      ...storeRoutes(deps),
      ...incidentRoutes(deps),
      ...waitlistRoutes(deps),
      ...trainerRoutes(deps),
      ...routineRoutes(deps),
      ...nutritionRoutes(deps),
      ...photoRoutes(deps),
    ],
  });
}
