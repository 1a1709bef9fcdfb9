import { TestWorkflowEnvironment } from '@temporalio/testing';
import { testStack } from './env.ts';

/**
 * The time-skipping test server (installed from PyPI by scripts/install.sh; @temporalio/testing
 * would otherwise try to download it). Timers complete as soon as the workflow is blocked on them.
 */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testStack.temporalTestServer } },
  });
}

/** A unique task queue per test, so parallel tests on the shared dev server never steal each other's tasks. */
export const uniqueTaskQueue = (prefix: string): string =>
  `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
