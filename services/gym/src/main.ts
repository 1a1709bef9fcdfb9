/** The gym API: `runApi` boots it (logger → db → redis → Temporal → auth guard → app → listen). */
import { appOptionsFrom, loadConfigOrExit, runApi } from '@faena/platform';
import { createApp } from './app.ts';
import { gymConfigSchema, type GymConfig } from './config.ts';
import { createGymDeps, createGymOrm } from './wiring.ts';

const config = loadConfigOrExit<GymConfig>(gymConfigSchema);
await runApi({
  config,
  orm: createGymOrm,
  temporal: true,
  authGuard: true,
  build: (infra) => ({ app: createApp(createGymDeps(config, infra), appOptionsFrom(config)) }),
});
