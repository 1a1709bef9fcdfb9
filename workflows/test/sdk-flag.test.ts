/**
 * A Temporal TypeScript SDK bug (1.24.0) reduced to `fixtures/flag-repro.ts`, on the real dev server:
 * with the OpenTelemetry workflow interceptors, an Update rejected by its validator before any
 * accepted one makes the history unreplayable (its speculative workflow task is dropped by the
 * server together with the SDK flag it recorded). Our interceptor module records the flag in the
 * first workflow task. If the "without the workaround" case ever replays, the SDK is fixed: drop
 * `recordOtelFlagEarly` (docs/architecture.md, "Replay and SDK flags").
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { workflowWorkerOptions } from '@faena/platform';
import { testStack, uniqueTaskQueue } from '@faena/platform/testing';
import { finish } from './fixtures/flag-repro.ts';

const workflowsPath = fileURLToPath(new URL('./fixtures/flag-repro.ts', import.meta.url));
const bugHistory = fileURLToPath(new URL('./fixtures/flag-repro-otel-only.json', import.meta.url));
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
  it('without the workaround, a history the live worker wrote does not replay (the SDK bug)', async () => {
    // Recorded on the dev server with OpenTelemetry's plugin alone (the refused Update's speculative
    // task was dropped, with the flag it recorded). Whether a live run drops that task depends on
    // how the server batches its tasks (about one run in twenty here), so the proof is this recorded
    // history, not a live run: if it ever replays, the SDK is fixed and the workaround can go.
    const history = JSON.parse(readFileSync(bugHistory, 'utf8')) as unknown;
    await expect(Worker.runReplayHistory(otelOnly(), history)).rejects.toThrow(
      /Nondeterminism error: Update machine does not handle this event: HistoryEvent\(id: \d+, TimerCanceled\)/,
    );
  });

  it('with our interceptor module (production workers), every live run replays', async () => {
    for (let run = 0; run < 3; run++) {
      const history = await liveHistory(workflowWorkerOptions({ workflowsPath }));
      await Worker.runReplayHistory(workflowWorkerOptions({ workflowsPath }), history);
    }
  }, 120000);
});
