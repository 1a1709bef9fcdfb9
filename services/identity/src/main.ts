/** The identity API: `runApi` boots it (logger → db → redis → signing key → app → listen). */
import { appOptionsFrom, loadConfigOrExit, runApi } from '@faena/platform';
import { createApp } from './app.ts';
import { identityConfigSchema, type IdentityConfig } from './config.ts';
import { createIdentityDeps, createIdentityOrm } from './wiring.ts';

const config = loadConfigOrExit<IdentityConfig>(identityConfigSchema);
await runApi({
  config,
  orm: createIdentityOrm,
  build: async (infra) => {
    const deps = createIdentityDeps(config, infra);
    await deps.keys.signingKey(); // creates the first signing key if there is none
    const app = createApp(deps, {
      ...appOptionsFrom(config),
      passwordReset: {
        notificationsUrl: config.NOTIFICATIONS_URL,
        serviceToken: config.NOTIFICATIONS_SERVICE_TOKEN,
        resetUrl: config.PASSWORD_RESET_URL,
      },
    });
    // identity builds its own guard (it is the authority): closed with the app.
    return { app, closers: [{ name: 'auth-guard', close: () => deps.guard.close() }] };
  },
});
