/**
 * Every activity the gym worker serves (task queue `gym`), one object per process, each in its own
 * file and implementing its contract's activity interface with `satisfies`. A new process adds its
 * object here with one line.
 */
import type { Logger, Orm } from '@faena/platform';
import { renewalActivities } from './renewal-activities.ts';
import { waitlistActivities } from './waitlist-activities.ts';
import { incidentActivities } from './incident-activities.ts';

export interface ActivityDeps {
  orm: Orm;
  logger: Logger;
}

export function gymActivities(deps: ActivityDeps) {
  return {
    ...renewalActivities(deps),
    ...waitlistActivities(deps),
    ...incidentActivities(deps),
  };
}

export type GymActivities = ReturnType<typeof gymActivities>;
