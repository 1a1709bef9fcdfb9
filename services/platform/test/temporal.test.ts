import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import {
  DomainError,
  createTemporalClient,
  installTemporalRuntime,
  processCallError,
  runWithContext,
} from '../src/index.ts';
import { captureLogger, createTimeSkippingEnv, createWorker, testStack, uniqueTaskQueue } from './support.ts';
import { createFixtureActivities } from './fixtures/activities.ts';

const workflowsPath = fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url));

describe('Temporal on the time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    installTemporalRuntime(captureLogger().logger); // SDK logs go through our logger, not the console
    env = await createTimeSkippingEnv();
  }, 60000);
  afterAll(() => env?.teardown());

  it('completes a one-day timer without waiting a day', async () => {
    const { logger } = captureLogger();
    const taskQueue = uniqueTaskQueue('timer');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
      activities: createFixtureActivities({ logger }),
    });
    const before = await env.currentTimeMs();
    const result = await worker.runUntil(
      env.client.workflow.execute('waitOneDay', { taskQueue, workflowId: `timer-${taskQueue}` }),
    );
    expect(result).toBe('woke up');
    expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(24 * 3600 * 1000);
  }, 60000);
});

describe('Temporal on the dev server', () => {
  it('runs a workflow whose activity receives the tenant and correlation id of the code that started it', async () => {
    const cfg = {
      TEMPORAL_ADDRESS: testStack.temporalAddress,
      TEMPORAL_NAMESPACE: testStack.temporalNamespace,
    };
    const { logger, lines } = captureLogger();
    const taskQueue = uniqueTaskQueue('ctx');
    const client = await createTemporalClient(cfg);
    const { worker, connection } = await createWorker({
      config: cfg,
      logger,
      taskQueue,
      workflowsPath,
      activities: createFixtureActivities({ logger }),
    });
    try {
      const result = await worker.runUntil(
        runWithContext({ correlationId: 'corr-wf-1', tenantId: '0190b5a4-0000-7000-8000-000000000001' }, () =>
          client.workflow.execute('observeContext', {
            taskQueue,
            workflowId: `ctx-${taskQueue}`,
            args: ['direct'],
          }),
        ),
      );
      expect(result).toMatchObject({
        label: 'direct',
        correlationId: 'corr-wf-1',
        tenantId: '0190b5a4-0000-7000-8000-000000000001',
      });
      expect(lines().find((l) => l.message === 'observed')).toMatchObject({
        correlationId: 'corr-wf-1',
        tenantId: '0190b5a4-0000-7000-8000-000000000001',
      });
    } finally {
      await client.connection.close();
      await connection.close();
    }
  }, 60000);

  it('bounds a query and an Update to a process no worker serves: 503 within the deadline, not a request held open', async () => {
    const client = await createTemporalClient({
      TEMPORAL_ADDRESS: testStack.temporalAddress,
      TEMPORAL_NAMESPACE: testStack.temporalNamespace,
      TEMPORAL_CALL_TIMEOUT_MS: 1500,
    });
    try {
      // Started on a queue nobody polls: the server would hold both calls for as long as it waits.
      const handle = await client.workflow.start('observeContext', {
        taskQueue: uniqueTaskQueue('nobody'),
        workflowId: `no-worker-${uniqueTaskQueue('id')}`,
        args: ['never'],
      });
      const mapped = async (call: () => Promise<unknown>) => {
        const began = Date.now();
        const err = await call().then(
          () => null,
          (e: unknown) => e,
        );
        return {
          code: processCallError(err, 'test', new DomainError('NOT_FOUND', 'gone')).code,
          withinDeadline: Date.now() - began < 6000,
        };
      };
      const expected = { code: 'SERVICE_UNAVAILABLE', withinDeadline: true };
      expect(await mapped(() => handle.query(defineQuery<string>('status')))).toEqual(expected);
      expect(await mapped(() => handle.executeUpdate(defineUpdate<string>('act')))).toEqual(expected);
      // A process that does not exist is still the caller's 404, not an outage.
      const missing = client.workflow.getHandle(`missing-${uniqueTaskQueue('id')}`);
      expect((await mapped(() => missing.query(defineQuery<string>('status')))).code).toBe('NOT_FOUND');
      await handle.terminate('test over');
    } finally {
      await client.connection.close();
    }
  }, 60000);
});
