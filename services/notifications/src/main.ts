/**
 * The notifications API and its real-time gateway on one HTTP server: `runApi` boots it
 * (logger → db → redis → gateway → app → listen).
 */
import { appOptionsFrom, loadConfigOrExit, runApi } from '@faena/platform';
import { createApp } from './app.ts';
import { notificationsConfigSchema, type NotificationsConfig } from './config.ts';
import { createGateway } from './realtime/gateway.ts';
import { createNotificationsDeps, createNotificationsOrm } from './wiring.ts';

const config = loadConfigOrExit<NotificationsConfig>(notificationsConfigSchema);
await runApi({
  config,
  orm: createNotificationsOrm,
  build: ({ orm, redis, logger }) => {
    const options = appOptionsFrom(config);
    // The API publishes through its own gateway (created next: the gateway needs the deps' guard).
    const deps = createNotificationsDeps(config, {
      orm,
      redis,
      logger,
      realtime: { publish: (event) => gateway.publish(event) },
    });
    const gateway = createGateway({
      redis,
      guard: deps.guard,
      logger,
      streamPrefix: config.REALTIME_STREAM,
      recoverySeconds: config.REALTIME_RECOVERY_SECONDS,
      corsOrigins: options.corsOrigins ?? [],
    });
    // On stop, hand sockets over at once: clients reconnect to another replica and resume there.
    for (const signal of ['SIGTERM', 'SIGINT'] as const)
      process.once(signal, () => gateway.io.engine.close());
    return {
      app: createApp(deps, options),
      closers: [
        { name: 'gateway', close: () => gateway.close() },
        { name: 'guard', close: () => deps.close() },
      ],
      onListening: (running) => gateway.attach(running.server),
    };
  },
});
