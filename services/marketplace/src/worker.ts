/** The marketplace worker: its activities on task queue `marketplace`, and a health port. */
import {
  baseConfigSchema,
  createLogger,
  createWorker,
  databaseConfigSchema,
  dbHealthCheck,
  loadConfigOrExit,
  serveWorkerHealth,
  setRootLogger,
  temporalConfigSchema,
  temporalHealthCheck,
  workerConfigSchema,
  type TemporalConfig,
} from '@faena/platform';
import { MARKETPLACE_TASK_QUEUE } from '@faena/workflows/escrow/contract';
import { createActivities } from './activities.ts';
import { createMarketplaceOrm } from './wiring-orm.ts';

const config = loadConfigOrExit<
  TemporalConfig & {
    SERVICE_NAME: string;
    LOG_LEVEL: string;
    PORT?: number;
    DATABASE_URL: string;
    DATABASE_POOL_MAX: number;
  }
>(baseConfigSchema.keys({ ...workerConfigSchema, ...databaseConfigSchema, ...temporalConfigSchema }));
const logger = setRootLogger(createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL }));
const orm = await createMarketplaceOrm(config, logger);

const { worker, connection } = await createWorker({
  config,
  logger,
  taskQueue: MARKETPLACE_TASK_QUEUE,
  activities: createActivities({ orm, logger }),
});
const health = await serveWorkerHealth({
  service: 'marketplace-worker',
  port: config.PORT,
  logger,
  health: [dbHealthCheck(orm), temporalHealthCheck(connection)],
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => worker.shutdown());
logger.info('marketplace worker running', { taskQueue: MARKETPLACE_TASK_QUEUE });
await worker.run();
await health?.stop();
await connection.close();
await orm.close();
logger.info('stopped');
