/** The identity worker: the activities processes need of identity on task queue `identity`, and a health port. */
import {
  createLogger,
  createWorker,
  dbHealthCheck,
  loadConfigOrExit,
  serveWorkerHealth,
  setRootLogger,
  temporalHealthCheck,
} from '@faena/platform';
import { IDENTITY_TASK_QUEUE } from '@faena/workflows/identity/contract';
import { createActivities } from './activities.ts';
import { identityWorkerConfigSchema, type IdentityWorkerConfig } from './config.ts';
import { createIdentityOrm } from './wiring.ts';

const config = loadConfigOrExit<IdentityWorkerConfig>(identityWorkerConfigSchema);
const logger = setRootLogger(createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL }));
const orm = await createIdentityOrm(config, logger);

const { worker, connection } = await createWorker({
  config,
  logger,
  taskQueue: IDENTITY_TASK_QUEUE,
  activities: createActivities({ orm, logger }),
  shutdownGraceTime: config.SHUTDOWN_GRACE_MS,
});
const health = await serveWorkerHealth({
  service: 'identity-worker',
  port: config.PORT,
  logger,
  health: [dbHealthCheck(orm), temporalHealthCheck(connection)],
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => worker.shutdown());
logger.info('identity worker running', { taskQueue: IDENTITY_TASK_QUEUE });
await worker.run();
await health?.stop();
await connection.close();
await orm.close();
logger.info('stopped');
