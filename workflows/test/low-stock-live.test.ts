/**
 * Low-stock alerts on the live dev server (live/low-stock.ts), with identity's real activities: the
 * branch's store managers (its manager, the tenant-wide admin, the owner) are each told once —
 * not its receptionist, not another branch's manager — a broken mailbox never stops the others, a
 * branch with nobody ends as a state; then every history the server wrote is replayed against
 * today's code with the production worker options.
 */
import { fileURLToPath } from 'node:url';
import { replayHistories } from '@faena/platform';
import { testStack } from '@faena/platform/testing';
import {
  LOW_STOCK_SCENARIOS,
  runLowStockScenarios,
  startLowStockStack,
  type LowStockStack,
} from './live/low-stock.ts';

const workflowsPath = fileURLToPath(new URL('../src/index.ts', import.meta.url));
let stack: LowStockStack;

beforeAll(async () => {
  stack = await startLowStockStack({ namespace: `${testStack.temporalNamespace}-low-stock`, workflowsPath });
}, 120000);
afterAll(() => stack?.close());

describe('low-stock alerts on the live dev server', () => {
  it('tells each store manager of the branch once, and replays every history the server wrote', async () => {
    const runs = await runLowStockScenarios(stack);
    expect(runs.map((r) => r.name).sort()).toEqual(LOW_STOCK_SCENARIOS.map((s) => s.name).sort());
    for (const r of runs) expect({ name: r.name, ...r.final }).toMatchObject({ name: r.name, ...r.expect });

    const told = runs.find((r) => r.name === 'store-managers-told')!;
    const { manager, admin, desk, elsewhere, broken } = stack.people;
    const mine = stack.notified.filter((n) => n.key.startsWith(`low-stock/${told.input.alertId}/`));
    expect(mine.map((n) => n.key).sort()).toEqual(
      [manager.id, admin.id, stack.identity.ownerId]
        .map((id) => `low-stock/${told.input.alertId}/${id}`)
        .sort(),
    );
    expect(mine.find((n) => n.userId === manager.id)).toMatchObject({ email: manager.email });
    for (const u of [desk, elsewhere, broken]) expect(mine.map((n) => n.userId)).not.toContain(u.id);
    expect(told.final.summary).toContain(
      '«Barra de cereal» (SKU BAR-01): 2 left, threshold 3: told 3 store manager(s), 1 could not be reached',
    );
    const nobody = runs.find((r) => r.name === 'nobody-to-tell')!;
    expect(stack.notified.some((n) => n.key.startsWith(`low-stock/${nobody.input.alertId}/`))).toBe(false);
    const described = await told.handle.describe();
    expect(described.searchAttributes).toMatchObject({
      TenantId: [stack.identity.tenantId],
      BusinessKey: [`low-stock:${told.input.alertId}`],
      ProcessStatus: ['notified'],
    });

    const histories = await Promise.all(
      runs.map(async (r) => ({ workflowId: r.handle.workflowId, history: await r.handle.fetchHistory() })),
    );
    const replayed = await replayHistories({ workflowsPath }, histories);
    expect(replayed.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error!.message}`)).toEqual([]);
  }, 180000);
});
