/**
 * A Temporal TypeScript SDK bug (1.24.0) reduced to `fixtures/flag-repro.ts`, on the real dev server:
 * with the OpenTelemetry workflow interceptors, an Update rejected by its validator before any
 * accepted one makes the history unreplayable (its speculative workflow task is dropped by the
 * server together with the SDK flag it recorded). Our interceptor module records the flag in the
 * first workflow task. If the "without the workaround" case ever replays, the SDK is fixed: drop
 * `recordOtelFlagEarly` (docs/architecture.md, "Replay and SDK flags").
 */
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { workflowWorkerOptions } from '@faena/platform';
import { testStack, uniqueTaskQueue } from '@faena/platform/testing';
import { finish } from './fixtures/flag-repro.ts';

const workflowsPath = fileURLToPath(new URL('./fixtures/flag-repro.ts', import.meta.url));
const noopProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
/** OpenTelemetry's plugin alone: what a worker without our interceptor module runs. */
const otelOnly = (): Pick<WorkerOptions, 'workflowsPath' | 'plugins'> => ({
  workflowsPath,
  plugins: [
    new OpenTelemetryPlugin({
      resource: resourceFromAttributes({}) as never,
      spanProcessor: noopProcessor,
    }),
  ],
});

let connection: NativeConnection;
let clientConnection: Connection;
let client: Client;

beforeAll(async () => {
  connection = await NativeConnection.connect({ address: testStack.temporalAddress });
  clientConnection = await Connection.connect({ address: testStack.temporalAddress });
  client = new Client({ connection: clientConnection, namespace: testStack.temporalNamespace });
});
afterAll(async () => {
  await clientConnection?.close();
  await connection?.close();
});

/** Runs the workflow on a live worker: a refused Update first, then an accepted one; returns its history. */
async function liveHistory(options: Pick<WorkerOptions, 'workflowsPath' | 'plugins' | 'interceptors'>) {
  const taskQueue = uniqueTaskQueue('flag-repro');
  const worker = await Worker.create({
    connection,
    namespace: testStack.temporalNamespace,
    taskQueue,
    ...options,
  });
  return worker.runUntil(async () => {
    const handle = await client.workflow.start('flagRepro', { taskQueue, workflowId: `${taskQueue}/run` });
    await expect(handle.executeUpdate(finish, { args: [false] })).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );
    await expect(handle.executeUpdate(finish, { args: [true] })).resolves.toBe('finished');
    await expect(handle.result()).resolves.toBe('done');
    return handle.fetchHistory();
  });
}

describe('SDK flag recorded in a dropped speculative workflow task', () => {
  it('without the workaround, the history the live worker wrote does not replay (the SDK bug)', async () => {
    // The bug needs the refused Update's speculative task to be dropped, which depends on how the
    // server batches the tasks of a live run (one clean CI run in a few got a history that
    // replays). Up to three live runs: one unreplayable history proves the bug is still there;
    // three that replay mean the SDK is fixed (or the batching changed) and the workaround can go.
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const history = await liveHistory(otelOnly());
      const replay = await Worker.runReplayHistory(otelOnly(), history).then(
        () => 'replayed',
        (err: unknown) => String(err),
      );
      outcomes.push(replay);
      if (replay !== 'replayed') break;
    }
    expect(outcomes[outcomes.length - 1]).toMatch(
      /Nondeterminism error: Update machine does not handle this event: HistoryEvent\(id: \d+, TimerCanceled\)/,
    );
  }, 120000);

  it('with our interceptor module (production workers), the same run replays', async () => {
    const history = await liveHistory(workflowWorkerOptions({ workflowsPath }));
    await Worker.runReplayHistory(workflowWorkerOptions({ workflowsPath }), history);
  }, 60000);
});
