/**
 * The class waitlist on the live dev server (live/waitlists.ts): offers, a decline, an accept, an
 * expiry, attendance settled at the start, a cancelled class — then every history the server wrote
 * is replayed against today's code with the production worker options.
 */
import { fileURLToPath } from 'node:url';
import { replayHistories } from '@faena/platform';
import { testStack } from '@faena/platform/testing';
import {
  runWaitlistScenarios,
  startWaitlistStack,
  WAITLIST_SCENARIOS,
  type WaitlistStack,
} from './live/waitlists.ts';

const workflowsPath = fileURLToPath(new URL('../src/index.ts', import.meta.url));
let stack: WaitlistStack;

beforeAll(async () => {
  stack = await startWaitlistStack({ namespace: `${testStack.temporalNamespace}-waitlist`, workflowsPath });
}, 120000);
afterAll(() => stack?.close());

describe('class waitlist on the live dev server', () => {
  it('drives every path to its end and replays every history the server wrote', async () => {
    const runs = await runWaitlistScenarios(stack);
    expect(runs.map((r) => r.name).sort()).toEqual(WAITLIST_SCENARIOS.map((s) => s.name).sort());
    for (const r of runs) expect({ name: r.name, ...r.final }).toMatchObject({ name: r.name, ...r.expect });
    // The long history continued as new at least once, under the same id.
    expect(runs.find((r) => r.name === 'continues-as-new')!.final.runs).toBeGreaterThanOrEqual(2);
    const histories = await Promise.all(
      runs.map(async (r) => ({ workflowId: r.handle.workflowId, history: await r.handle.fetchHistory() })),
    );
    const replayed = await replayHistories({ workflowsPath }, histories);
    expect(replayed.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error!.message}`)).toEqual([]);
  }, 300000);
});
