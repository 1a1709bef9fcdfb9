/** The workflow worker: every workflow on task queue `workflows`, no activities (they live with their services). */
import { fileURLToPath } from 'node:url';
import Joi from 'joi';
import {
  baseConfigSchema,
  createLogger,
  createWorker,
  loadConfigOrExit,
  serveWorkerHealth,
  setRootLogger,
  temporalConfigSchema,
  temporalHealthCheck,
  workerConfigSchema,
  type TemporalConfig,
} from '@faena/platform';
import { TASK_QUEUES } from './queues.ts';

const config = loadConfigOrExit<
  TemporalConfig & { SERVICE_NAME: string; LOG_LEVEL: string; WORKFLOW_BUNDLE_PATH: string; PORT?: number }
>(
  baseConfigSchema.keys({
    ...workerConfigSchema,
    ...temporalConfigSchema,
    WORKFLOW_BUNDLE_PATH: Joi.string().allow('').default(''),
  }),
);
const logger = setRootLogger(createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL }));
const { worker, connection } = await createWorker({
  config,
  logger,
  taskQueue: TASK_QUEUES.workflows,
  // Production loads the bundle prebuilt by workflows/scripts/bundle.ts; dev bundles the sources at start.
  ...(config.WORKFLOW_BUNDLE_PATH
    ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: fileURLToPath(new URL('./index.ts', import.meta.url)) }),
});
const health = await serveWorkerHealth({
  service: 'workflows',
  port: config.PORT,
  logger,
  health: [temporalHealthCheck(connection)],
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => worker.shutdown());
logger.info('workflow worker running', { taskQueue: TASK_QUEUES.workflows });
await worker.run();
await health?.stop();
await connection.close();
logger.info('stopped');
