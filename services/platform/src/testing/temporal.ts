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
