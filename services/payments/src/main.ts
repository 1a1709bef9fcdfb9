/** Boots the payments API: config → logger → db → redis → temporal → app → listen, with graceful shutdown. */
import {
  authGuardFromConfig,
  createLogger,
  createRedis,
  createTemporalClient,
  loadConfigOrExit,
  serve,
  setRootLogger,
} from '@faena/platform';
import { createApp } from './app.ts';
import { paymentsConfigSchema, type PaymentsConfig } from './config.ts';
import { mercadoPagoProvider } from './providers/mercadopago.ts';
import { createPaymentsOrm } from './wiring-orm.ts';

const config = loadConfigOrExit<PaymentsConfig>(paymentsConfigSchema);
const logger = setRootLogger(createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL }));
const orm = await createPaymentsOrm(config, logger);
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
    providers: { mercadopago: mercadoPagoProvider({ baseUrl: config.MERCADOPAGO_BASE_URL }) },
    secretKey: config.PAYMENTS_SECRET_KEY,
    publicUrl: config.PAYMENTS_PUBLIC_URL,
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
