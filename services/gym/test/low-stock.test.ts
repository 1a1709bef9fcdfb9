/**
 * Low stock by email, durably, on the real stack: a movement out that crosses a product's threshold
 * writes one `low_stock_alerts` row in its own transaction (once per crossing: not again while the
 * stock stays below, again after it went back above), the API starts the alert's `lowStockAlert`
 * process after the commit (on a queue no worker polls: the process itself is tested in
 * workflows/test/low-stock.test.ts), and the sweeper starts what a failed start left behind — or
 * settles an alert whose units came back (a refused payment).
 */
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { lowStockWorkflowId, LOW_STOCK_WORKFLOW_TYPE } from '@faena/workflows/stock/contract';
import { sweepLowStock } from '../src/low-stock.ts';
import {
  API,
  bearer,
  clientUser,
  fundWallet,
  gym,
  member,
  newKey,
  payerCode,
  sql,
  startGym,
  startGymApi,
  type Gym,
  type GymHarness,
  type User,
} from './harness.ts';

let h: GymHarness;
let g: Gym;
beforeAll(async () => {
  h = await startGym();
  g = await gym(h);
}, 90_000);
afterAll(() => h.close());

interface AlertRow {
  id: string;
  movement_id: string;
  quantity: number;
  threshold: number;
  process_started_at: string | null;
}
const alertsOf = (productId: string) =>
  sql<AlertRow>(
    h,
    `select id, movement_id, quantity, threshold, process_started_at from gym.low_stock_alerts
      where product_id = ? order by created_at, id`,
    [productId],
  );

async function product(threshold: number, stock: number): Promise<string> {
  const res = await h.agent
    .post(`${API}/store/products`)
    .set(bearer(g.manager.token))
    .send({
      sku: `LOW-${newKey('sku').slice(-12)}`,
      name: 'Barra de cereal',
      category: 'snacks',
      price: 1000,
      currency: 'CLP',
      lowStockThreshold: threshold,
    });
  expect(res.status).toBe(201);
  const id = res.body.data.id as string;
  expect((await receive(id, stock)).status).toBe(201);
  return id;
}
const receive = (productId: string, quantity: number, reason = 'received') =>
  h.agent
    .post(`${API}/store/products/${productId}/movements`)
    .set(bearer(g.manager.token))
    .send({ branchId: g.branchA, reason, quantity });
async function buyer(funds: number): Promise<{ user: User; memberId: string }> {
  const user = await clientUser(h, g);
  const m = await member(h, g.receptionist, g.branchA, { userId: user.id });
  if (funds) await fundWallet(h, g, user.id, funds);
  return { user, memberId: m.id };
}
const sell = async (
  agent: GymHarness['agent'],
  b: { user: User; memberId: string },
  productId: string,
  quantity: number,
) =>
  agent
    .post(`${API}/store/sales`)
    .set(bearer(g.receptionist.token))
    .set('Idempotency-Key', newKey('sale'))
    .send({
      branchId: g.branchA,
      memberId: b.memberId,
      payerCode: await payerCode(h, b.user),
      lines: [{ productId, quantity }],
    });
const processOf = (alertId: string) =>
  h.p.temporal.workflow.getHandle(lowStockWorkflowId(g.biz.tenantId, alertId));

describe('low-stock alerts', () => {
  it('a sale crossing the threshold writes one alert and starts its process; sales below it do not, a new crossing does', async () => {
    const p = await product(2, 4);
    const b = await buyer(50_000);
    expect((await sell(h.agent, b, p, 1)).status).toBe(201); // 3 left: above
    expect(await alertsOf(p)).toEqual([]);
    expect((await sell(h.agent, b, p, 1)).status).toBe(201); // 2 left: crossed
    const [first] = await alertsOf(p);
    expect(first).toMatchObject({ quantity: 2, threshold: 2 });
    expect(first!.process_started_at).not.toBeNull();
    // The crossing's own kardex line is the alert's.
    const [line] = await sql<{ id: string; balance_after: number }>(
      h,
      `select id, balance_after from gym.stock_movements where id = ?`,
      [first!.movement_id],
    );
    expect(line).toMatchObject({ balance_after: 2 });
    const described = await processOf(first!.id).describe();
    expect(described.type).toBe(LOW_STOCK_WORKFLOW_TYPE);
    expect(described.searchAttributes).toMatchObject({
      TenantId: [g.biz.tenantId],
      BusinessKey: [`low-stock:${first!.id}`],
    });
    // Still below: no new crossing, however many sales.
    expect((await sell(h.agent, b, p, 1)).status).toBe(201);
    expect((await sell(h.agent, b, p, 1)).status).toBe(201);
    expect(await alertsOf(p)).toHaveLength(1);
    // Back above (restocked) and down again: a second crossing, a second alert and process.
    expect((await receive(p, 5)).status).toBe(201);
    expect((await sell(h.agent, b, p, 4)).status).toBe(201);
    const alerts = await alertsOf(p);
    expect(alerts).toHaveLength(2);
    expect(alerts[1]).toMatchObject({ quantity: 1, threshold: 2 });
    expect((await processOf(alerts[1]!.id).describe()).type).toBe(LOW_STOCK_WORKFLOW_TYPE);
    for (const a of alerts) await processOf(a.id).terminate('test done');
  }, 90_000);

  it('a movement by hand (a loss) crossing it writes an alert too; a threshold of 0 never alerts', async () => {
    const p = await product(3, 5);
    expect((await receive(p, -2, 'loss')).status).toBe(201);
    const [alert] = await alertsOf(p);
    expect(alert).toMatchObject({ quantity: 3, threshold: 3 });
    await processOf(alert!.id).terminate('test done');
    const never = await product(0, 2);
    expect((await receive(never, -2, 'loss')).status).toBe(201);
    expect(await alertsOf(never)).toEqual([]);
  }, 60_000);

  it('an alert whose start failed is started by the sweeper; the sale stood', async () => {
    // A gym instance whose Temporal client points at a namespace that does not exist: every start fails.
    const broken = new Client({ connection: h.p.temporal.connection, namespace: `no-such-${newKey('ns')}` });
    const down = await startGymApi(h.p, h.p.logs.logger, {
      temporal: broken,
      lowStockTaskQueue: h.deps.lowStockTaskQueue,
    });
    try {
      const p = await product(1, 2);
      const b = await buyer(10_000);
      expect((await sell(down.agent, b, p, 1)).status).toBe(201);
      const [alert] = await alertsOf(p);
      expect(alert!.process_started_at).toBeNull();
      await expect(processOf(alert!.id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
      const swept = await sweepLowStock(
        { orm: h.orm, temporal: h.p.temporal, taskQueue: h.deps.lowStockTaskQueue, logger: h.p.logs.logger },
        { graceMs: 0 },
      );
      expect(swept.started).toBeGreaterThanOrEqual(1);
      const [after] = await alertsOf(p);
      expect(after!.process_started_at).not.toBeNull();
      expect((await processOf(alert!.id).describe()).type).toBe(LOW_STOCK_WORKFLOW_TYPE);
      // A second pass finds nothing of it to do (started once).
      await sweepLowStock(
        { orm: h.orm, temporal: h.p.temporal, taskQueue: h.deps.lowStockTaskQueue, logger: h.p.logs.logger },
        { graceMs: 0 },
      );
      expect((await alertsOf(p)).map((a) => a.process_started_at)).toEqual([after!.process_started_at]);
      await processOf(alert!.id).terminate('test done');
    } finally {
      await down.close();
    }
  }, 90_000);

  it('a sale whose payment is refused gives its units back: its alert is settled, nobody is told', async () => {
    const p = await product(1, 2);
    const poor = await buyer(0);
    const refused = await sell(h.agent, poor, p, 1);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    const [alert] = await alertsOf(p);
    expect(alert!.process_started_at).toBeNull();
    await sweepLowStock(
      { orm: h.orm, temporal: h.p.temporal, taskQueue: h.deps.lowStockTaskQueue, logger: h.p.logs.logger },
      { graceMs: 0 },
    );
    const [after] = await alertsOf(p);
    expect(after!.process_started_at).not.toBeNull();
    await expect(processOf(alert!.id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  }, 60_000);
});
