/** The identity API: `runApi` boots it (logger → db → redis → signing key → app → listen). */
import { appOptionsFrom, createTemporalClient, loadConfigOrExit, runApi } from '@faena/platform';
import { RENEWAL_TASK_QUEUE } from '@faena/workflows/renewal/contract';
import { createApp } from './app.ts';
import { identityConfigSchema, type IdentityConfig } from './config.ts';
import { createIdentityDeps, createIdentityOrm } from './wiring.ts';

const config = loadConfigOrExit<IdentityConfig>(identityConfigSchema);
await runApi({
  config,
  orm: createIdentityOrm,
  build: async (infra) => {
    // Lazy: logins never wait for Temporal (only the SaaS subscriptions' chains need it; a sign-up's
    // chain is started by the worker's sweeper while Temporal is away). Not a readiness check.
    const temporal = await createTemporalClient(config, { lazy: true });
    const deps = createIdentityDeps(config, infra, {
      temporal,
      taskQueue: RENEWAL_TASK_QUEUE,
      platformSlug: config.PLATFORM_TENANT_SLUG,
      logger: infra.logger,
    });
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
    return {
      app,
      closers: [
        { name: 'auth-guard', close: () => deps.guard.close() },
        { name: 'temporal', close: () => temporal.connection.close() },
      ],
    };
  },
});
