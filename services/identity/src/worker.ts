/** The identity worker: what processes ask of identity, on the identity queue (PostgreSQL and Temporal only). */
import { loadConfigOrExit, runWorker } from '@faena/platform';
import { createActivities } from './activities.ts';
import { identityWorkerConfigSchema, type IdentityWorkerConfig } from './config.ts';
import { TASK_QUEUE } from './constants.ts';
import { createIdentityActivityDeps, createIdentityOrm } from './wiring.ts';

const config = loadConfigOrExit<IdentityWorkerConfig>(identityWorkerConfigSchema);
await runWorker({
  config,
  taskQueue: TASK_QUEUE,
  orm: createIdentityOrm,
  build: (infra) => ({ activities: createActivities(createIdentityActivityDeps(infra)) }),
});
