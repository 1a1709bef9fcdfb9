import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, whatever the current directory. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Where the local stack (scripts/stack.sh) listens; overridable for a remote stack. */
export const testStack = {
  postgresAdminUrl: process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://faena:faena@127.0.0.1:5432/faena',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  temporalAddress: process.env.TEST_TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  /** This run's namespace (see global-setup), so no other worker takes its tasks. */
  get temporalNamespace(): string {
    return process.env.FAENA_TEST_TEMPORAL_NAMESPACE ?? 'default';
  },
  /** The time-skipping test server, installed by scripts/install.sh from PyPI. */
  temporalTestServer:
    process.env.TEMPORAL_TEST_SERVER_PATH ?? path.join(ROOT, '.cache/tools/venv/bin/temporal-test-server'),
};
