/** The gym worker: the gym's activities of every process (renewal, waitlist…), on the gym queue. */
import { loadConfigOrExit, runWorker } from '@faena/platform';
import { gymActivities } from './activities.ts';
import { gymWorkerConfigSchema, type GymWorkerConfig } from './config.ts';
import { TASK_QUEUE } from './constants.ts';
import { createGymActivityDeps, createGymOrm } from './wiring.ts';

const config = loadConfigOrExit<GymWorkerConfig>(gymWorkerConfigSchema);
await runWorker({
  config,
  taskQueue: TASK_QUEUE,
  orm: createGymOrm,
  build: (infra) => ({ activities: gymActivities(createGymActivityDeps(infra)) }),
});
