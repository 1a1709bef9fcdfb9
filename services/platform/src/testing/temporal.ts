import type { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { testStack } from './env.ts';

/**
 * The time-skipping test server (installed from PyPI by scripts/install.sh; @temporalio/testing
 * would otherwise try to download it). Timers complete as soon as the workflow is blocked on them.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testStack.temporalTestServer } },
  });
  // The search attributes Faena's workflows keep current, as scripts/stack.sh registers on the dev server.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: { TenantId: 2, BusinessKey: 2, ProcessStatus: 2 }, // 2 = KEYWORD
  });
  return env;
}

/** A unique task queue per test, so parallel tests on the shared dev server never steal each other's tasks. */
export const uniqueTaskQueue = (prefix: string): string =>
  `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/** Registers a namespace on the dev server with Faena's search attributes (idempotent). */
export async function registerTestNamespace(
  connection: Pick<Connection, 'workflowService' | 'operatorService'>,
  namespace: string,
): Promise<string> {
  await connection.workflowService
    .registerNamespace(
      {
        namespace,
        workflowExecutionRetentionPeriod: { seconds: 86400 as never },
      } /* cast kept: the int64 is typed Long, protobufjs takes a number */,
    )
    .catch((err: unknown) => {
      if (!/already exists|AlreadyExists/i.test(String(err))) throw err;
    });
  // The frontend may take a moment to see a new namespace.
  for (let i = 0; ; i++) {
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: { TenantId: 2, BusinessKey: 2, ProcessStatus: 2 }, // 2 = KEYWORD
      });
      return namespace;
    } catch (err) {
      if (/already exists/i.test(String(err))) return namespace;
      if (i >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
