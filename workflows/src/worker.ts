/** The workflow worker: every workflow on the workflows queue, no activities (they live with their services). */
import { fileURLToPath } from 'node:url';
import Joi from 'joi';
import {
  baseConfigSchema,
  loadConfigOrExit,
  runWorker,
  temporalConfigSchema,
  workerConfigSchema,
  type BaseConfig,
  type TemporalConfig,
  type WorkerConfig,
} from '@faena/platform';
import { TASK_QUEUES } from './queues.ts';

const config = loadConfigOrExit<
  BaseConfig & WorkerConfig & TemporalConfig & { WORKFLOW_BUNDLE_PATH: string }
>(
  baseConfigSchema.keys({
    ...workerConfigSchema,
    ...temporalConfigSchema,
    WORKFLOW_BUNDLE_PATH: Joi.string().allow('').default(''),
  }),
);
await runWorker({
  config,
  taskQueue: TASK_QUEUES.workflows,
  // Production loads the bundle prebuilt by workflows/scripts/bundle.ts; dev bundles the sources at start.
  worker: config.WORKFLOW_BUNDLE_PATH
    ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: fileURLToPath(new URL('./index.ts', import.meta.url)) },
});
