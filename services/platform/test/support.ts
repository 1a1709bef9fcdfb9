// Imports shared by the platform's own tests.
export { captureLogger, createTimeSkippingEnv, testStack, uniqueTaskQueue } from '../src/testing/index.ts';
export { createWorker } from '../src/index.ts';
