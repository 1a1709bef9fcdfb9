import { isErrnoException } from '../guards.ts';
import { errorMessage } from '../logger.ts';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { testStack } from './env.ts';
import { registerTestNamespace } from './temporal.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrnoException(err) && err.code === 'EPERM';
  }
};

/**
 * Runs once before the suite: checks the local stack answers (a clear message instead of a hundred
 * timeouts), names this run (workers inherit FAENA_TEST_RUN) and drops the databases of runs whose
 * process is gone — never those of another run still going on this machine.
 */
export default async function globalSetup(globalConfig?: { maxWorkers?: number }): Promise<void> {
  const client = new pg.Client({
    connectionString: testStack.postgresAdminUrl,
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${testStack.postgresAdminUrl} (${errorMessage(err)}). Run the tests with \`make test\`, which starts the stack.`,
      { cause: err },
    );
  }
  try {
    process.env.FAENA_TEST_RUN = String(process.pid);
    const { rows } = await client.query<{ datname: string }>(
      "select datname from pg_database where datname like 'faena\\_test\\_%'",
    );
    for (const { datname } of rows) {
      const pid = Number(/^faena_test_(\d+)_/.exec(datname)?.[1]);
      if (!pid || !alive(pid)) await client.query(`drop database if exists "${datname}" with (force)`);
    }
  } finally {
    await client.end();
  }
  await temporalNamespaceForRun(Math.max(1, globalConfig?.maxWorkers ?? 1));
}

/**
 * A Temporal namespace per jest worker of this run (`faena-test-<pid>-w<n>`, with Faena's search
 * attributes), so that workers of another run, of `make dev`, or of a test file running at the
 * same time in another jest worker never take this file's tasks from shared queues such as
 * `payments` or `workflows`. Namespaces of finished runs (and their suffixed siblings, see
 * `registerTestNamespace`) are deleted.
 */
async function temporalNamespaceForRun(workers: number): Promise<void> {
  const connection = await Connection.connect({ address: testStack.temporalAddress });
  try {
    const run = `faena-test-${process.pid}`;
    const { namespaces } = await connection.workflowService.listNamespaces({ pageSize: 1000 });
    for (const n of namespaces ?? []) {
      const name = n.namespaceInfo?.name ?? '';
      const pid = Number(/^faena-test-(\d+)(-[a-z0-9-]+)?$/.exec(name)?.[1]);
      if (pid && !alive(pid) && Number(n.namespaceInfo?.state) === 1 /* REGISTERED */)
        await connection.operatorService.deleteNamespace({ namespace: name }).catch(() => undefined);
    }
    for (let w = 1; w <= workers; w++) await registerTestNamespace(connection, `${run}-w${w}`);
    process.env.FAENA_TEST_TEMPORAL_RUN = run;
  } finally {
    await connection.close();
  }
}
