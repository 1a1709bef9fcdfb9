/** The payments worker: its activities on task queue `payments`, the reconciliation schedule, and a health port. */
import Joi from 'joi';
import {
  baseConfigSchema,
  createLogger,
  createTemporalClient,
  createWorker,
  databaseConfigSchema,
  dbHealthCheck,
  loadConfigOrExit,
  serveWorkerHealth,
  setRootLogger,
  temporalConfigSchema,
  temporalHealthCheck,
  workerConfigSchema,
} from '@faena/platform';
import { PAYMENTS_TASK_QUEUE } from '@faena/workflows/payments/contract';
import { createActivities } from './activities.ts';
import type { PaymentsConfig } from './config.ts';
import { mercadoPagoProvider } from './providers/mercadopago.ts';
import { ensureReconciliationSchedule } from './schedules.ts';
import { createPaymentsOrm } from './wiring-orm.ts';

const config = loadConfigOrExit<Omit<PaymentsConfig, 'PORT'> & { PORT?: number }>(
  baseConfigSchema.keys({
    ...workerConfigSchema,
    ...databaseConfigSchema,
    ...temporalConfigSchema,
    MERCADOPAGO_BASE_URL: Joi.string().uri().required(),
    PAYMENTS_SECRET_KEY: Joi.string().min(32).required(),
    PAYMENTS_PUBLIC_URL: Joi.string().uri().required(),
    RECONCILE_EVERY_MINUTES: Joi.number().integer().min(1).default(10),
    RECONCILE_PENDING_AFTER_MINUTES: Joi.number().integer().min(1).default(30),
  }),
);
const logger = setRootLogger(createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL }));
const orm = await createPaymentsOrm(config, logger);
const client = await createTemporalClient(config);
await ensureReconciliationSchedule(client, {
  everyMinutes: config.RECONCILE_EVERY_MINUTES,
  olderThanMinutes: config.RECONCILE_PENDING_AFTER_MINUTES,
});
await client.connection.close();

const { worker, connection } = await createWorker({
  config,
  logger,
  taskQueue: PAYMENTS_TASK_QUEUE,
  activities: createActivities({
    orm,
    logger,
    providers: { mercadopago: mercadoPagoProvider({ baseUrl: config.MERCADOPAGO_BASE_URL }) },
    secretKey: config.PAYMENTS_SECRET_KEY,
    publicUrl: config.PAYMENTS_PUBLIC_URL,
  }),
});
const health = await serveWorkerHealth({
  service: 'payments-worker',
  port: config.PORT,
  logger,
  health: [dbHealthCheck(orm), temporalHealthCheck(connection)],
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => worker.shutdown());
logger.info('payments worker running', { taskQueue: PAYMENTS_TASK_QUEUE });
await worker.run();
await health?.stop();
await connection.close();
await orm.close();
logger.info('stopped');
