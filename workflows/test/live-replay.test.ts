/**
 * What production writes, replayed: every escrow path and race (live/deals.ts) driven on the real
 * Temporal dev server by workers configured as in production, then each history the server wrote
 * is replayed against today's code with the production worker options. A nondeterminism a future
 * change brings shows here, from the event order the real server produces.
 */
import { fileURLToPath } from 'node:url';
import { replayHistories } from '@faena/platform';
import { testStack } from '@faena/platform/testing';
import { runScenarios, SCENARIOS, startLiveStack, type LiveStack } from './live/deals.ts';

const workflowsPath = fileURLToPath(new URL('../src/index.ts', import.meta.url));
let stack: LiveStack;

beforeAll(async () => {
  // A namespace of its own: other suites run workers on the same queue names on the dev server.
  stack = await startLiveStack({ namespace: `${testStack.temporalNamespace}-live`, workflowsPath });
}, 120000);
afterAll(() => stack?.close());

describe('escrow on the live dev server', () => {
  it('drives every path to its final state and replays every history the server wrote', async () => {
    const runs = await runScenarios(stack);
    expect(runs.map((r) => r.name).sort()).toEqual(SCENARIOS.map((s) => s.name).sort());
    for (const r of runs) {
      expect({ name: r.name, ...r.final }).toMatchObject({ name: r.name, ...r.expect });
      expect(r.queried).toEqual(r.final); // a query on the closed deal answers from a full replay
    }
    // The deals and the paymentSync runs their provider notifications started.
    const handles = [...runs.map((r) => r.handle), ...stack.syncRuns];
    expect(stack.syncRuns.length).toBeGreaterThanOrEqual(2);
    const histories = await Promise.all(
      handles.map(async (h) => ({ workflowId: h.workflowId, history: await h.fetchHistory() })),
    );
    const replayed = await replayHistories({ workflowsPath }, histories);
    expect(replayed).toHaveLength(handles.length);
    expect(replayed.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error!.message}`)).toEqual([]);
  }, 120000);
});
