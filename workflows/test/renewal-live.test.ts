/**
 * Renewals as production writes them, replayed: every scenario of live/renewals.ts driven on the
 * real Temporal dev server by production-configured workers, then each history the server wrote
 * replayed against today's code with the production worker options.
 */
import { fileURLToPath } from 'node:url';
import { replayHistories } from '@faena/platform';
import { testStack } from '@faena/platform/testing';
import {
  RENEWAL_SCENARIOS,
  runRenewalScenarios,
  startRenewalStack,
  type RenewalStack,
} from './live/renewals.ts';

const workflowsPath = fileURLToPath(new URL('../src/index.ts', import.meta.url));
let stack: RenewalStack;

beforeAll(async () => {
  // A namespace of its own: other suites run workers on the same queue names on the dev server.
  stack = await startRenewalStack({
    namespace: `${testStack.temporalNamespace}-renewal-live`,
    workflowsPath,
  });
}, 120000);
afterAll(() => stack?.close());

test('renewals on the live dev server reach their states and every history replays', async () => {
  const runs = await runRenewalScenarios(stack);
  expect(runs.map((r) => r.name).sort()).toEqual(RENEWAL_SCENARIOS.map((s) => s.name).sort());
  for (const r of runs) expect({ name: r.name, ...r.final }).toMatchObject({ name: r.name, ...r.expect });
  const histories = await Promise.all(
    runs.map(async (r) => ({ workflowId: r.name, history: await r.handle.fetchHistory() })),
  );
  const replayed = await replayHistories({ workflowsPath }, histories);
  expect(replayed).toHaveLength(runs.length);
  expect(replayed.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error!.message}`)).toEqual([]);
}, 120000);
