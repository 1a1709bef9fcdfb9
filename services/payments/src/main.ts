/** The payments API: `runApi` boots it (logger → db → redis → temporal → auth guard → app → listen). */
import { appOptionsFrom, loadConfigOrExit, runApi } from '@faena/platform';
import { createApp } from './app.ts';
import { paymentsConfigSchema, type PaymentsConfig } from './config.ts';
import { createPaymentsDeps, createPaymentsOrm } from './wiring.ts';

const config = loadConfigOrExit<PaymentsConfig>(paymentsConfigSchema);
await runApi({
  config,
  orm: createPaymentsOrm,
  temporal: true,
  authGuard: true,
  build: (infra) => ({ app: createApp(createPaymentsDeps(config, infra), appOptionsFrom(config)) }),
});
