/** The POS API: `runApi` boots it (logger → db → redis → Temporal → auth guard → app → listen). */
import { appOptionsFrom, loadConfigOrExit, runApi } from '@faena/platform';
import { createApp } from './app.ts';
import { posConfigSchema, type PosConfig } from './config.ts';
import { createPosDeps, createPosOrm } from './wiring.ts';

const config = loadConfigOrExit<PosConfig>(posConfigSchema);
await runApi({
  config,
  orm: createPosOrm,
  temporal: true,
  authGuard: true,
  build: (infra) => ({ app: createApp(createPosDeps(config, infra), appOptionsFrom(config)) }),
});
