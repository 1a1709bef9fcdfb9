/** Boots the marketplace API: config → logger → db → redis → temporal → storage → app → listen, with graceful shutdown. */
import {
  authGuardFromConfig,
  createLogger,
  createRedis,
  createTemporalClient,
  loadConfigOrExit,
  serve,
  setRootLogger,
} from '@faena/platform';
import { ESCROW_TASK_QUEUE } from '@faena/workflows/escrow/contract';
import { createApp } from './app.ts';
import { createStorage, escrowWindows, marketplaceConfigSchema, type MarketplaceConfig } from './config.ts';
import { createMarketplaceOrm } from './wiring-orm.ts';

const config = loadConfigOrExit<MarketplaceConfig>(marketplaceConfigSchema);
const logger = setRootLogger(createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL }));
const orm = await createMarketplaceOrm(config, logger);
const redis = createRedis(config.REDIS_URL, { name: config.SERVICE_NAME });
await redis.connect();
const temporal = await createTemporalClient(config);
const guard = authGuardFromConfig(config, redis);
const app = createApp(
  {
    orm,
    redis,
    logger,
    guard,
    temporal,
    storage: createStorage(config),
    uploads: { maxFileBytes: config.UPLOAD_MAX_FILE_BYTES, maxFiles: config.UPLOAD_MAX_FILES },
    escrowTaskQueue: ESCROW_TASK_QUEUE,
    escrowWindows: escrowWindows(config),
  },
  {
    version: config.SERVICE_VERSION,
    corsOrigins: config.CORS_ORIGINS.split(',').filter(Boolean),
    bodyLimit: config.BODY_LIMIT,
  },
);
await serve(app, {
  port: config.PORT,
  host: config.HOST,
  logger,
  drainMs: config.SHUTDOWN_DRAIN_MS,
  graceMs: config.SHUTDOWN_GRACE_MS,
  closers: [
    { name: 'auth-guard', close: () => guard.close() },
    { name: 'temporal', close: () => temporal.connection.close() },
    { name: 'postgres', close: () => orm.close() },
    { name: 'redis', close: () => redis.quit() },
  ],
});
