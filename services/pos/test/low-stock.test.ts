/**
 * POS low stock, delivered durably, on the real stack: PostgreSQL, Redis, identity over HTTP, a
 * Temporal namespace of its own on the dev server running the production `lowStockAlert` workflow,
 * identity's real activities (who holds `inventory.manage` in the branch) and notifications' real
 * activities with a local SMTP server. A movement crossing an item's threshold writes one
 * `inventory_alerts` row in its transaction; after the commit the API starts the alert's process,
 * which emails each inventory manager of the branch once (`inventory.low_stock`) — not its waiter or
 * kitchen. The sweeper starts what a failed start left behind, and settles an alert whose stock came
 * back above its threshold first (nobody told).
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createWorker } from '@faena/platform';
import { captureLogger, registerTestNamespace, testStack } from '@faena/platform/testing';
import {
  LOW_STOCK_TASK_QUEUE,
  LOW_STOCK_WORKFLOW_TYPE,
  lowStockWorkflowId,
  type LowStockStatus,
} from '@faena/workflows/stock/contract';
import { TASK_QUEUES } from '@faena/workflows/queues';
import { createActivities as identityActivities } from '../../identity/src/activities.ts';
import { bearer } from '../../identity/test/harness.ts';
import { createActivities as notificationActivities } from '../../notifications/src/activities.ts';
import {
  startNotifications,
  startSmtp,
  type Harness as Notifications,
  type Smtp,
} from '../../notifications/test/harness.ts';
import { sweepLowStock } from '../src/low-stock.ts';
import { API, ok, restaurant, startPos, startPosApi, type PosHarness, type Restaurant } from './harness.ts';

const workflowsPath = fileURLToPath(new URL('../../../workflows/src/index.ts', import.meta.url));
const namespace = `${testStack.temporalNamespace}-pos-low-stock`;

let connection: Connection;
let client: Client;
let smtp: Smtp;
let h: PosHarness;
let n: Notifications;
let r: Restaurant;
let workers: Worker[] = [];
let running: Promise<unknown>;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  connection = await Connection.connect({ address: testStack.temporalAddress });
  await registerTestNamespace(connection, namespace);
  client = new Client({ connection, namespace });
  smtp = await startSmtp();
  h = await startPos({ temporal: client, lowStockTaskQueue: LOW_STOCK_TASK_QUEUE });
  n = await startNotifications({ smtpPort: smtp.port, identityUrl: h.identityUrl });
  r = await restaurant(h);
  const logger = captureLogger('pos-low-stock').logger;
  const config = { TEMPORAL_ADDRESS: testStack.temporalAddress, TEMPORAL_NAMESPACE: namespace };
  const created = await Promise.all([
    createWorker({ config, logger, taskQueue: LOW_STOCK_TASK_QUEUE, workflowsPath }),
    createWorker({
      config,
      logger,
      taskQueue: TASK_QUEUES.identity,
      activities: identityActivities({ orm: h.identity.orm, logger }),
    }),
    createWorker({
      config,
      logger,
      taskQueue: TASK_QUEUES.notifications,
      activities: notificationActivities(n.deps.notify),
    }),
  ]);
  workers = created.map((c) => c.worker);
  running = Promise.all(workers.map((w) => w.run()));
  closers.push(async () => {
    workers.forEach((w) => w.shutdown());
    await running;
    await Promise.all(created.map((c) => c.connection.close()));
  });
}, 180_000);
afterAll(async () => {
  for (const close of closers) await close();
  await n?.close();
  await h?.close();
  await smtp?.stop();
  await connection?.close();
});

let names = 0;
/** An item in litres with a threshold of 1 l and `stock` litres bought in branch A. */
async function milk(stock: string): Promise<{ id: string; name: string }> {
  const name = `Leche ${++names}-${randomUUID().slice(0, 6)}`;
  const item = ok<{ id: string }>(
    await h.agent
      .post(`${API}/inventory/items`)
      .set(bearer(r.manager.token))
      .send({ name, baseUnit: 'l', currency: 'CLP', lowStockThreshold: '1' }),
    'item',
  );
  ok(await move(h.agent, item.id, 'purchases', { quantity: stock, unitCost: 1200 }), 'purchase');
  return { id: item.id, name };
}
const move = (agent: PosHarness['agent'], itemId: string, kind: string, body: Record<string, unknown>) =>
  agent
    .post(`${API}/inventory/items/${itemId}/${kind}`)
    .set(bearer(r.manager.token))
    .set('Idempotency-Key', randomUUID())
    .send({ branchId: r.branchA, ...body });

interface AlertRow {
  id: string;
  movement_id: string;
  quantity: string;
  threshold: string;
  delivered_at: Date | null;
}
const alertsOf = async (itemId: string): Promise<AlertRow[]> =>
  h.orm.em
    .fork()
    .getConnection()
    .execute<AlertRow[]>(
      `select id, movement_id, quantity::text, threshold::text, delivered_at from pos.inventory_alerts
        where item_id = ? order by created_at, id`,
      [itemId],
    );
const told = (alertId: string) =>
  n.orm.em
    .fork()
    .getConnection()
    .execute<
      Array<{ user_id: string; channel: string; event_type: string; status: string; subject: string }>
    >(
      `select user_id, channel, event_type, status, subject from notifications.notifications
        where key like ? order by user_id, channel`,
      [`low-stock/${alertId}/%`],
    );
const processOf = (alertId: string) => client.workflow.getHandle(lowStockWorkflowId(r.biz.tenantId, alertId));
const sweep = () =>
  sweepLowStock(
    { orm: h.orm, temporal: client, taskQueue: LOW_STOCK_TASK_QUEUE, logger: h.logger },
    { graceMs: 0 },
  );

describe('POS low-stock delivery', () => {
  it("a crossing starts its process after the commit: the branch's inventory managers are emailed once, not its waiter or kitchen", async () => {
    const item = await milk('3');
    const above = ok<{ lowStock: boolean }>(
      await move(h.agent, item.id, 'waste', { quantity: '1.5' }),
      'waste',
    );
    expect(above.lowStock).toBe(false);
    expect(await alertsOf(item.id)).toEqual([]);
    // 0.5 l left, threshold 1 l: crossed.
    const crossed = ok<{ id: string; lowStock: boolean }>(
      await move(h.agent, item.id, 'waste', { quantity: '1000', unit: 'ml' }),
      'waste',
    );
    expect(crossed.lowStock).toBe(true);
    const [alert] = await alertsOf(item.id);
    expect(alert).toMatchObject({ movement_id: crossed.id, quantity: '500', threshold: '1000' });
    expect(alert!.delivered_at).not.toBeNull();

    const handle = processOf(alert!.id);
    const status: LowStockStatus = await handle.result();
    // Holders of inventory.manage in branch A: the tenant-wide manager, A's manager, the owner.
    expect(status).toMatchObject({
      state: 'notified',
      alertId: alert!.id,
      told: 3,
      failed: 0,
      truncated: false,
    });
    expect(status.summary).toBe(`«${item.name}»: 0.5 l left, threshold 1 l: told 3 inventory manager(s)`);
    const described = await handle.describe();
    expect(described.type).toBe(LOW_STOCK_WORKFLOW_TYPE);
    expect(described.searchAttributes).toMatchObject({
      TenantId: [r.biz.tenantId],
      BusinessKey: [`low-stock:${alert!.id}`],
      ProcessStatus: ['notified'],
    });

    const rows = await told(alert!.id);
    const recipients = [r.owner.id, r.manager.id, r.managerA.id].sort();
    expect([...new Set(rows.map((x) => x.user_id))].sort()).toEqual(recipients);
    for (const u of [r.waiter.id, r.kitchen.id]) expect(rows.map((x) => x.user_id)).not.toContain(u);
    expect(rows.every((x) => x.event_type === 'inventory.low_stock')).toBe(true);
    // Email and in-app, once each per person.
    expect(rows.filter((x) => x.channel === 'email')).toHaveLength(3);
    expect(rows.filter((x) => x.channel === 'in_app')).toHaveLength(3);
    const subjects = rows.filter((x) => x.channel === 'email').map((x) => x.subject);
    for (const s of subjects)
      expect(s).toMatch(new RegExp(`^(Inventario bajo|Low inventory): ${item.name} `));
    const emails = (await smtp.mails()).filter((m) => m.subject.includes(item.name));
    expect(emails).toHaveLength(3);
    expect(emails[0]!.text).toMatch(/0\.5 l/);

    // Still below: another movement is no new crossing.
    ok(await move(h.agent, item.id, 'waste', { quantity: '0.1' }), 'waste');
    expect(await alertsOf(item.id)).toHaveLength(1);
  }, 120_000);

  it('an alert whose start failed is started by the sweeper (once); the movement stood', async () => {
    // A POS whose Temporal client points at a namespace that does not exist: every start fails.
    const broken = new Client({ connection, namespace: `no-such-${randomUUID()}` });
    const down = await startPosApi(h.identityUrl, h.logger, {
      temporal: broken,
      lowStockTaskQueue: LOW_STOCK_TASK_QUEUE,
    });
    try {
      const item = await milk('2');
      const res = await move(down.agent, item.id, 'waste', { quantity: '1.25' });
      expect(res.status).toBe(201);
      const [alert] = await alertsOf(item.id);
      expect(alert!.delivered_at).toBeNull();
      await expect(processOf(alert!.id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

      const swept = await sweep();
      expect(swept.started).toBeGreaterThanOrEqual(1);
      const [after] = await alertsOf(item.id);
      expect(after!.delivered_at).not.toBeNull();
      const status = await processOf(alert!.id).result();
      expect(status).toMatchObject({ state: 'notified', told: 3 });
      expect(status.summary).toContain(`«${item.name}»: 0.75 l left, threshold 1 l`);
      // A second pass leaves it as it is (started once).
      await sweep();
      expect((await alertsOf(item.id)).map((a) => a.delivered_at)).toEqual([after!.delivered_at]);
      expect((await told(alert!.id)).filter((x) => x.channel === 'email')).toHaveLength(3);
    } finally {
      await down.close();
    }
  }, 120_000);

  it('an alert whose stock came back above its threshold before its process started is settled: nobody is told', async () => {
    const broken = new Client({ connection, namespace: `no-such-${randomUUID()}` });
    const down = await startPosApi(h.identityUrl, h.logger, {
      temporal: broken,
      lowStockTaskQueue: LOW_STOCK_TASK_QUEUE,
    });
    try {
      const item = await milk('1.5');
      expect((await move(down.agent, item.id, 'waste', { quantity: '1' })).status).toBe(201);
      expect((await move(down.agent, item.id, 'purchases', { quantity: '4', unitCost: 1200 })).status).toBe(
        201,
      );
      const [alert] = await alertsOf(item.id);
      expect(alert!.delivered_at).toBeNull();
      await sweep();
      const [after] = await alertsOf(item.id);
      expect(after!.delivered_at).not.toBeNull();
      await expect(processOf(alert!.id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
      expect(await told(alert!.id)).toEqual([]);
    } finally {
      await down.close();
    }
  }, 120_000);
});
