/**
 * Boots the notifications API and its real-time gateway on one HTTP server:
 * config → logger → db → redis → gateway → app → listen, with graceful shutdown.
 */
import { createLogger, createRedis, loadConfigOrExit, serve, setRootLogger } from '@faena/platform';
import { createApp } from './app.ts';
import { apiConfigSchema, type ApiConfig } from './config.ts';
import { createGateway } from './realtime/gateway.ts';
import { createNotificationsDeps, createNotificationsOrm } from './wiring.ts';

const config = loadConfigOrExit<ApiConfig>(apiConfigSchema);
const logger = setRootLogger(createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL }));
const orm = await createNotificationsOrm(config, logger);
const redis = createRedis(config.REDIS_URL, { name: config.SERVICE_NAME });
await redis.connect();
const corsOrigins = config.CORS_ORIGINS.split(',').filter(Boolean);

// The API publishes through its own gateway (declared below: the gateway needs the deps' guard).
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
  corsOrigins,
});

const app = createApp(deps, { version: config.SERVICE_VERSION, corsOrigins, bodyLimit: config.BODY_LIMIT });
const running = await serve(app, {
  port: config.PORT,
  host: config.HOST,
  logger,
  drainMs: config.SHUTDOWN_DRAIN_MS,
  graceMs: config.SHUTDOWN_GRACE_MS,
  closers: [
    { name: 'gateway', close: () => gateway.close() },
    { name: 'guard', close: () => deps.close() },
    { name: 'postgres', close: () => orm.close() },
    { name: 'redis', close: () => redis.quit() },
  ],
});
gateway.attach(running.server);
// On stop, hand sockets over at once: clients reconnect to another replica and resume there.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => gateway.io.engine.close());
