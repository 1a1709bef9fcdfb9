/** Boots the identity API: config → logger → db → redis → app → listen, with graceful shutdown. */
import { createLogger, createRedis, loadConfigOrExit, serve, setRootLogger } from '@faena/platform';
import { createApp } from './app.ts';
import { identityConfigSchema, type IdentityConfig } from './config.ts';
import { createIdentityDeps, createIdentityOrm } from './wiring.ts';

const config = loadConfigOrExit<IdentityConfig>(identityConfigSchema);
const logger = setRootLogger(createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL }));
const orm = await createIdentityOrm(config, logger);
const redis = createRedis(config.REDIS_URL, { name: config.SERVICE_NAME });
await redis.connect();
const deps = createIdentityDeps(config, { orm, redis, logger });
await deps.keys.signingKey(); // creates the first signing key if there is none

const app = createApp(deps, {
  version: config.SERVICE_VERSION,
  corsOrigins: config.CORS_ORIGINS.split(',').filter(Boolean),
  bodyLimit: config.BODY_LIMIT,
  passwordReset: {
    notificationsUrl: config.NOTIFICATIONS_URL,
    serviceToken: config.NOTIFICATIONS_SERVICE_TOKEN,
    resetUrl: config.PASSWORD_RESET_URL,
  },
});
await serve(app, {
  port: config.PORT,
  host: config.HOST,
  logger,
  drainMs: config.SHUTDOWN_DRAIN_MS,
  graceMs: config.SHUTDOWN_GRACE_MS,
  closers: [
    { name: 'postgres', close: () => orm.close() },
    { name: 'redis', close: () => redis.quit() },
  ],
});
