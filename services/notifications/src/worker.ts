/**
 * The notifications worker: the `notify` activity on task queue `notifications`, and the webhook
 * dispatcher delivering the outbox (every WEBHOOK_POLL_MS).
 */
import {
  createLogger,
  createRedis,
  createWorker,
  dbHealthCheck,
  loadConfigOrExit,
  redisHealthCheck,
  serveWorkerHealth,
  setRootLogger,
  temporalHealthCheck,
} from '@faena/platform';
import { NOTIFICATIONS_TASK_QUEUE } from '@faena/workflows/notifications/contract';
import { createActivities } from './activities.ts';
import { workerConfigSchema, type WorkerConfig } from './config.ts';
import { createRealtimePublisher } from './realtime/publish.ts';
import { createDispatcher, createNotificationsOrm, createNotifyDeps } from './wiring.ts';

const config = loadConfigOrExit<WorkerConfig>(workerConfigSchema);
const logger = setRootLogger(createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL }));
const orm = await createNotificationsOrm(config, logger);
const redis = createRedis(config.REDIS_URL, { name: config.SERVICE_NAME });
await redis.connect();
const notifyDeps = createNotifyDeps(config, {
  orm,
  logger,
  realtime: createRealtimePublisher(redis, config.REALTIME_STREAM),
});
const { worker, connection } = await createWorker({
  config,
  logger,
  taskQueue: NOTIFICATIONS_TASK_QUEUE,
  activities: createActivities(notifyDeps),
});

const dispatcher = createDispatcher(config, { orm, logger });
let stopping = false;
const loop = (async () => {
  while (!stopping) {
    try {
      const r = await dispatcher.runDue(new Date());
      if (r.attempted) continue; // more may be due
    } catch (err) {
      logger.error('webhook dispatch failed', { error: (err as Error).message });
    }
    await new Promise((resolve) => setTimeout(resolve, config.WEBHOOK_POLL_MS));
  }
})();

const stop = () => {
  stopping = true;
  worker.shutdown();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
const health = await serveWorkerHealth({
  service: 'notifications-worker',
  port: config.PORT,
  logger,
  health: [dbHealthCheck(orm), redisHealthCheck(redis), temporalHealthCheck(connection)],
});
logger.info('worker started', { taskQueue: NOTIFICATIONS_TASK_QUEUE });
await worker.run();
await loop;
await health?.stop();
notifyDeps.close();
await connection.close();
await orm.close();
await redis.quit();
logger.info('stopped');
