import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, whatever the current directory. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Where the local stack (scripts/stack.sh) listens; overridable for a remote stack. */
export const testStack = {
  postgresAdminUrl: process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://faena:faena@127.0.0.1:5432/faena',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  temporalAddress: process.env.TEST_TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  /**
   * This jest worker's namespace (`<run>-w<JEST_WORKER_ID>`, registered by global-setup), so that no
   * other run, and no test file running at the same time in another jest worker, takes its tasks
   * from shared queue names. A suite may set FAENA_TEST_TEMPORAL_NAMESPACE to one of its own.
   */
  get temporalNamespace(): string {
    const run = process.env.FAENA_TEST_TEMPORAL_RUN;
    return (
      process.env.FAENA_TEST_TEMPORAL_NAMESPACE ??
      (run ? `${run}-w${process.env.JEST_WORKER_ID ?? '1'}` : 'default')
    );
  },
  /** The time-skipping test server, installed by scripts/install.sh from PyPI. */
  temporalTestServer:
    process.env.TEMPORAL_TEST_SERVER_PATH ?? path.join(ROOT, '.cache/tools/venv/bin/temporal-test-server'),
};
