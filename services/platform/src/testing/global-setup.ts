import pg from 'pg';
import { testStack } from './env.ts';

/**
 * Runs once before the suite: checks the local stack answers (a clear message instead of a hundred
 * timeouts) and drops the per-worker databases of the previous run.
 */
export default async function globalSetup(): Promise<void> {
  const client = new pg.Client({
    connectionString: testStack.postgresAdminUrl,
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${testStack.postgresAdminUrl} (${(err as Error).message}). Run the tests with \`make test\`, which starts the stack.`,
      { cause: err },
    );
  }
  try {
    const { rows } = await client.query<{ datname: string }>(
      "select datname from pg_database where datname like 'faena\\_test\\_%'",
    );
    for (const { datname } of rows) await client.query(`drop database if exists "${datname}" with (force)`);
  } finally {
    await client.end();
  }
}
