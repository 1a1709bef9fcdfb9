/**
 * Incident escalations on the live dev server (live/incidents.ts): acknowledged in time, escalated
 * to the owner and late, resolved after one escalation, taken without a signal, a missing incident —
 * then every history the server wrote is replayed against today's code with the production worker
 * options.
 */
import { fileURLToPath } from 'node:url';
import { replayHistories } from '@faena/platform';
import { testStack } from '@faena/platform/testing';
import {
  INCIDENT_SCENARIOS,
  runIncidentScenarios,
  startIncidentStack,
  type IncidentStack,
} from './live/incidents.ts';

const workflowsPath = fileURLToPath(new URL('../src/index.ts', import.meta.url));
let stack: IncidentStack;

beforeAll(async () => {
  stack = await startIncidentStack({ namespace: `${testStack.temporalNamespace}-incident`, workflowsPath });
}, 120000);
afterAll(() => stack?.close());

describe('incident escalation on the live dev server', () => {
  it('drives every path to its end and replays every history the server wrote', async () => {
    const runs = await runIncidentScenarios(stack);
    expect(runs.map((r) => r.name).sort()).toEqual(INCIDENT_SCENARIOS.map((s) => s.name).sort());
    for (const r of runs) expect({ name: r.name, ...r.final }).toMatchObject({ name: r.name, ...r.expect });
    // The escalation to the owner told the branch's manager at step 1 and the owner at step 2, once each.
    const late = runs.find((r) => r.name === 'escalated-to-owner-late-then-acknowledged')!;
    const incidentId = late.final.incidentId;
    expect(
      stack.notified
        .filter((n) => n.key.startsWith(`incident/${incidentId}/`))
        .map((n) => n.key)
        .sort(),
    ).toEqual(
      [
        `incident/${incidentId}/escalated/1/${stack.manager.id}`,
        `incident/${incidentId}/escalated/2/${stack.ownerId}`,
      ].sort(),
    );
    const histories = await Promise.all(
      runs.map(async (r) => ({ workflowId: r.handle.workflowId, history: await r.handle.fetchHistory() })),
    );
    const replayed = await replayHistories({ workflowsPath }, histories);
    expect(replayed.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error!.message}`)).toEqual([]);
  }, 180000);
});
