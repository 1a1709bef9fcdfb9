import pg from 'pg';
import { isErrnoException } from '../guards.ts';
import { testStack } from './env.ts';

/** The test run: globalSetup stamps it (the jest parent's pid) so two runs on one machine never share databases. */
export const testRunId = (): string => process.env.FAENA_TEST_RUN ?? String(process.ppid);

/** `faena_test_<run>_<worker>`. */
export const testDatabaseName = (worker = process.env.JEST_WORKER_ID ?? '1'): string =>
  `faena_test_${testRunId()}_${worker}`;

/**
 * A database of this jest worker's own, created on first use, so that parallel workers never see
 * each other's rows. Test files of one worker share it; each service's migrations create its own
 * schema inside.
 */
export async function testDatabaseUrl(): Promise<string> {
  const name = testDatabaseName();
  const admin = new pg.Client({ connectionString: testStack.postgresAdminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) {
      try {
        await admin.query(`create database "${name}"`);
      } catch (err) {
        if (!isErrnoException(err) || err.code !== '42P04') throw err; // created meanwhile
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(testStack.postgresAdminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
