/**
 * The nightly cash closure end to end on the real stack: a Temporal namespace of its own on the dev
 * server (Schedules run there, not on the time-skipping server), the production workflows, POS's
 * (printing included, to a real TCP printer), payments', identity's and notifications' real
 * activities, the real payments service over HTTP and a local SMTP server. A manager of branch A
 * sets its closing time: the branch's Schedule fires at that local time in the branch's zone
 * (described on the server, across the DST changes of America/Santiago). Issue 18's end to end: a
 * waiter's order is sent and its kitchen ticket's ESC/POS bytes reach the station's printer, a
 * cashier's cash payment goes through payments, the recipe's stock goes down, the drawer is
 * counted short, the schedule fires (triggered now), the closure lists the sale and the difference,
 * mails the PDF and CSV to the branch's readers, waits for approval and is approved through the
 * API by the manager of A. The timers (reminder, escalation) are the time-skipping test's
 * (workflows/test/cash-closure.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { Worker } from '@temporalio/worker';
import { DateTime } from 'luxon';
import { createWorker, replayHistories } from '@faena/platform';
import { captureLogger, eventually, registerTestNamespace, testStack } from '@faena/platform/testing';
import {
  CASH_CLOSURE_TASK_QUEUE,
  CASH_CLOSURE_TRIGGER_WORKFLOW_TYPE,
  cashClosureScheduleId,
  cashClosureStatusQuery,
  cashClosureWorkflowId,
} from '@faena/workflows/cash-closure/contract';
import { TASK_QUEUES } from '@faena/workflows/queues';
import { createActivities as identityActivities } from '../../identity/src/activities.ts';
import { addUser, bearer, roleId } from '../../identity/test/harness.ts';
import { createActivities as notificationActivities } from '../../notifications/src/activities.ts';
import {
  startNotifications,
  startSmtp,
  type Harness as Notifications,
  type Smtp,
} from '../../notifications/test/harness.ts';
import { createActivities as paymentActivities } from '../../payments/src/activities.ts';
import { createPaymentsActivityDeps } from '../../payments/src/wiring.ts';
import { SECRET_KEY, openDrawer, startPayments, type PaymentsHarness } from '../../payments/test/harness.ts';
import { posActivities } from '../src/activities.ts';
import { closureScheduleSpec } from '../src/closure/schedule.ts';
import { createPrinterGuard } from '../src/wiring.ts';
import {
  API,
  ok,
  posWorkerTestGuardConfig,
  restaurant,
  startPosApi,
  type PosApi,
  type PosHarness,
  type Restaurant,
  type User,
} from './harness.ts';
import { parseEscPos, startTestPrinter, type TestPrinter } from './support/tcp-printer.ts';

const PAYMENTS = '/api/payments/v1';
const ZONE = 'America/Santiago';
const workflowsPath = fileURLToPath(new URL('../../../workflows/src/index.ts', import.meta.url));
const namespace = `${testStack.temporalNamespace}-pos-closure`;

let connection: Connection;
let client: Client;
let smtp: Smtp;
let p: PaymentsHarness;
let api: PosApi;
let h: PosHarness;
let n: Notifications;
let r: Restaurant;
let cashier: User;
let printer: TestPrinter;
let workers: Worker[] = [];
let running: Promise<unknown>;
const closers: Array<() => Promise<void>> = [];
const as = (u: User) => bearer(u.token);
const code = (res: { body: unknown }) =>
  (res.body as { errors: Array<{ code: string; field?: string }> }).errors[0];

beforeAll(async () => {
  connection = await Connection.connect({ address: testStack.temporalAddress });
  await registerTestNamespace(connection, namespace);
  client = new Client({ connection, namespace });
  smtp = await startSmtp();
  printer = await startTestPrinter();
  p = await startPayments();
  // Print processes on the closure's queue: production's workflow worker serves both.
  api = await startPosApi(p.identityUrl, p.logs.logger, {
    paymentsUrl: `http://127.0.0.1:${p.server.port}`,
    temporal: client,
    printTaskQueue: CASH_CLOSURE_TASK_QUEUE,
  });
  h = { ...api, identity: p.identity, identityUrl: p.identityUrl, logger: p.logs.logger };
  n = await startNotifications({ smtpPort: smtp.port, identityUrl: p.identityUrl });
  r = await restaurant(h);
  const c = await addUser(p.identity, r.biz, [
    { roleId: await roleId(p.identity, r.biz, 'cashier'), branchId: r.branchA },
  ]);
  cashier = { id: c.id, token: c.token };
  const logger = captureLogger('pos-closure').logger;
  const config = { TEMPORAL_ADDRESS: testStack.temporalAddress, TEMPORAL_NAMESPACE: namespace };
  const created = await Promise.all([
    createWorker({ config, logger, taskQueue: CASH_CLOSURE_TASK_QUEUE, workflowsPath }),
    createWorker({
      config,
      logger,
      taskQueue: TASK_QUEUES.pos,
      activities: posActivities({
        orm: api.orm,
        logger,
        printing: {
          redis: api.redis,
          temporal: client,
          printingTaskQueue: CASH_CLOSURE_TASK_QUEUE,
          guard: createPrinterGuard(posWorkerTestGuardConfig()),
          send: { connectTimeoutMs: 1000, ioTimeoutMs: 1000 },
        },
      }),
    }),
    createWorker({
      config,
      logger,
      taskQueue: TASK_QUEUES.payments,
      activities: paymentActivities(
        createPaymentsActivityDeps(
          {
            MERCADOPAGO_BASE_URL: p.sandbox.url,
            PAYMENTS_SECRET_KEY: SECRET_KEY,
            PAYMENTS_PUBLIC_URL: p.deps.publicUrl,
          },
          { orm: p.orm, logger },
        ),
      ),
    }),
    createWorker({
      config,
      logger,
      taskQueue: TASK_QUEUES.identity,
      activities: identityActivities({ orm: p.identity.orm, logger }),
    }),
    createWorker({
      config,
      logger,
      taskQueue: TASK_QUEUES.notifications,
      activities: notificationActivities(n.deps.notify),
    }),
  ]);
  workers = created.map((w) => w.worker);
  running = Promise.all(workers.map((w) => w.run()));
  closers.push(async () => {
    workers.forEach((w) => w.shutdown());
    await running;
    await Promise.all(created.map((w) => w.connection.close()));
  });
}, 180_000);
afterAll(async () => {
  for (const close of closers) await close();
  await n?.close();
  await api?.close();
  await p?.close();
  await smtp?.stop();
  await printer?.close();
  await connection?.close();
});

const localTimes = (times: Date[]) =>
  times.map((t) => DateTime.fromJSDate(t, { zone: ZONE }).toFormat('HH:mm'));

describe('cash closure settings and the branch schedule', () => {
  it('a manager of the branch sets its closing time; its schedule fires then on the branch clock', async () => {
    ok(
      await h.agent.put(`${API}/branches/${r.branchA}/settings`).set(as(r.manager)).send({ timeZone: ZONE }),
      'zone',
    );
    const set = await h.agent
      .put(`${API}/branches/${r.branchA}/closure-settings`)
      .set(as(r.managerA))
      .send({ closingTime: '23:30' });
    expect(set.status).toBe(200);
    expect(set.body.data).toMatchObject({ closingTime: '23:30', closesNextDay: false, timeZone: ZONE });
    const d = await client.schedule.getHandle(cashClosureScheduleId(r.biz.tenantId, r.branchA)).describe();
    expect(d.spec.timezone).toBe(ZONE);
    expect(d.action).toMatchObject({ workflowType: CASH_CLOSURE_TRIGGER_WORKFLOW_TYPE });
    expect(d.info.nextActionTimes.length).toBeGreaterThan(0);
    expect(new Set(localTimes(d.info.nextActionTimes))).toEqual(new Set(['23:30']));
    // Changing the hours moves the schedule.
    ok(
      await h.agent
        .put(`${API}/branches/${r.branchA}/closure-settings`)
        .set(as(r.managerA))
        .send({ closingTime: '22:15' }),
      'new hours',
    );
    const moved = await client.schedule
      .getHandle(cashClosureScheduleId(r.biz.tenantId, r.branchA))
      .describe();
    expect(new Set(localTimes(moved.info.nextActionTimes))).toEqual(new Set(['22:15']));
  });

  it('keeps the local closing time across the DST changes of the zone (described on the server)', async () => {
    // The branch's spec, starting before Santiago leaves DST (first Sunday of April 2027, 00:00 →
    // 23:00 of Saturday) and before it enters it again (first Sunday of September 2027).
    const spec = closureScheduleSpec({ timeZone: ZONE, closingTime: '23:30', closesNextDay: false });
    for (const [startAt, before, after] of [
      ['2027-04-01T12:00:00Z', '02:30', '03:30'], // -03 → -04: 23:30 local is one hour later in UTC
      ['2027-09-02T12:00:00Z', '03:30', '02:30'], // -04 → -03
    ] as const) {
      const scheduleId = `dst-${randomUUID()}`;
      const handle = await client.schedule.create({
        scheduleId,
        spec: { ...spec, startAt: new Date(startAt) },
        action: {
          type: 'startWorkflow',
          workflowType: CASH_CLOSURE_TRIGGER_WORKFLOW_TYPE,
          taskQueue: 'never-polled',
          args: [{ tenantId: r.biz.tenantId, branchId: r.branchB }],
        },
        state: { paused: true },
      });
      const times = (await handle.describe()).info.nextActionTimes;
      await handle.delete();
      expect(new Set(localTimes(times))).toEqual(new Set(['23:30']));
      const utc = times.map((t) => t.toISOString().slice(11, 16));
      expect(utc[0]).toBe(before);
      expect(utc.at(-1)).toBe(after);
    }
  });

  it('refuses what the schema cannot say and what the caller may not do', async () => {
    const bad = await h.agent
      .put(`${API}/branches/${r.branchA}/closure-settings`)
      .set(as(r.managerA))
      .send({ closingTime: '23:30', remindAfterMinutes: 300, escalateAfterMinutes: 120 });
    expect(bad.status).toBe(422);
    expect(code(bad)).toMatchObject({ code: 'INVALID_RANGE', field: 'body.escalateAfterMinutes' });
    const badTime = await h.agent
      .put(`${API}/branches/${r.branchA}/closure-settings`)
      .set(as(r.managerA))
      .send({ closingTime: '24:00' });
    expect(badTime.status).toBe(400);
    // A manager of A does not configure B; a waiter configures nothing.
    expect(
      (
        await h.agent
          .put(`${API}/branches/${r.branchB}/closure-settings`)
          .set(as(r.managerA))
          .send({ closingTime: '23:00' })
      ).status,
    ).toBe(403);
    expect(
      (await h.agent.get(`${API}/branches/${r.branchA}/closure-settings`).set(as(r.waiter))).status,
    ).toBe(403);
    // B has no zone yet.
    const noZone = await h.agent
      .put(`${API}/branches/${r.branchB}/closure-settings`)
      .set(as(r.manager))
      .send({ closingTime: '23:00' });
    expect(noZone.status).toBe(422);
    expect(code(noZone)!.code).toBe('BRANCH_NOT_CONFIGURED');
  });
});

describe('the nightly closure of a day', () => {
  it('order → ticket bytes on the kitchen printer → payment → stock deducted → the closure report lists it, mails PDF + CSV, waits for approval of the short count, approved through the API', async () => {
    const m = as(r.manager);
    // A product sold in A with a recipe on stocked milk, a printing station, a drawer with an open
    // session (float 10.000 CLP).
    ok(
      await h.agent.post(`${API}/stations`).set(m).send({
        branchId: r.branchA,
        name: 'Barra',
        kind: 'both',
        printerAddress: printer.address,
        isDefault: true,
      }),
      'station',
    );
    const category = ok<{ id: string }>(
      await h.agent.post(`${API}/categories`).set(m).send({ name: 'Cafés' }),
      'category',
    );
    const product = ok<{ id: string }>(
      await h.agent.post(`${API}/products`).set(m).send({ categoryId: category.id, name: 'Cortado' }),
      'product',
    );
    ok(
      await h.agent
        .put(`${API}/branches/${r.branchA}/products/${product.id}`)
        .set(m)
        .send({ price: 2_500, currency: 'CLP' }),
      'price',
    );
    const milk = ok<{ id: string }>(
      await h.agent
        .post(`${API}/inventory/items`)
        .set(m)
        .send({ name: 'Leche', baseUnit: 'l', currency: 'CLP' }),
      'item',
    );
    ok(
      await h.agent
        .post(`${API}/inventory/items/${milk.id}/purchases`)
        .set(m)
        .set('Idempotency-Key', randomUUID())
        .send({ branchId: r.branchA, quantity: '2', unitCost: 1200 }),
      'purchase',
    );
    ok(
      await h.agent
        .put(`${API}/products/${product.id}/recipe`)
        .set(m)
        .send({ lines: [{ itemId: milk.id, quantity: '150', unit: 'ml' }] }),
      'recipe',
    );
    const milkInA = async () =>
      ok<Array<{ itemId: string; quantity: string }>>(
        await h.agent.get(`${API}/inventory/stock`).query({ branchId: r.branchA, limit: 100 }).set(m),
        'stock',
      ).find((x) => x.itemId === milk.id)?.quantity;
    expect(await milkInA()).toBe('2');
    const { drawerId, sessionId } = await openDrawer(p, r.owner.token, r.branchA, { openingFloat: 10_000 });
    const order = ok<{ id: string }>(
      await h.agent.post(`${API}/orders`).set(as(r.waiter)).send({ branchId: r.branchA, kind: 'takeaway' }),
      'order',
    );
    ok(
      await h.agent
        .post(`${API}/orders/${order.id}/lines`)
        .set(as(r.waiter))
        .send({ productId: product.id, quantity: 2, notes: 'con leche tibia' }),
      'line',
    );
    const sent = ok<{ number: number | string }>(
      await h.agent.post(`${API}/orders/${order.id}/send`).set(as(r.waiter)),
      'send',
    );
    // The ticket's bytes at the bar's printer: parsed back to its order, line, note and cut.
    const printed = await eventually(
      async () => {
        const jobs = printer.printed();
        expect(jobs).toHaveLength(1);
        return parseEscPos(jobs[0]!.bytes);
      },
      30_000,
      100,
    );
    expect(printed.cuts).toBe(1);
    expect(printed.lines).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`Pedido / Order #${sent.number}`),
        expect.stringContaining('2 x Cortado'),
        expect.stringContaining('! con leche tibia'),
      ]),
    );
    ok(
      await h.agent
        .post(`${API}/orders/${order.id}/payments`)
        .set(as(cashier))
        .set('Idempotency-Key', randomUUID())
        .send({ tenders: [{ method: 'cash', amount: '5000', drawerId }] }),
      'pay',
    );
    // Two cortados took 2 × 150 ml of the 2 l bought.
    expect(await milkInA()).toBe('1.7');
    // Counted 200 short (expected 15.000): beyond the default threshold of 0.
    ok(
      await p.agent
        .post(`${PAYMENTS}/cash-sessions/${sessionId}/close`)
        .set(as(cashier))
        .send({ counted: { cash: 14_800 } }),
      'count',
    );

    // The day closes at a time already past today on the branch's clock; the schedule fires now.
    const now = DateTime.now().setZone(ZONE);
    const closingTime = now.minus({ minutes: 2 }).toFormat('HH:mm');
    ok(
      await h.agent
        .put(`${API}/branches/${r.branchA}/closure-settings`)
        .set(as(r.managerA))
        .send({ closingTime }),
      'settings',
    );
    await client.schedule.getHandle(cashClosureScheduleId(r.biz.tenantId, r.branchA)).trigger();
    const businessDate = now.minus({ minutes: 2 }).toISODate()!;
    const closureRun = client.workflow.getHandle(
      cashClosureWorkflowId(r.biz.tenantId, r.branchA, businessDate),
    );
    await eventually(
      async () => expect((await closureRun.query(cashClosureStatusQuery)).state).toBe('awaiting_approval'),
      60_000,
      250,
    );

    // The closure as managers read it: the sale by method and product, the session short by 200.
    const list = ok<Array<{ id: string; businessDate: string; state: string }>>(
      await h.agent.get(`${API}/closures`).query({ branchId: r.branchA }).set(as(r.managerA)),
      'closures',
    );
    expect(list).toEqual([expect.objectContaining({ businessDate, state: 'awaiting_approval' })]);
    const closure = ok<{
      id: string;
      report: {
        sales: {
          totals: { orders: number; sales: string };
          byPaymentMethod: Array<{ method: string; net: string }>;
          byProduct: Array<{ name: string; quantity: number }>;
        };
        sessions: Array<{ id: string; difference: Record<string, string> }>;
        needsApproval: boolean;
      };
    }>(await h.agent.get(`${API}/closures/${list[0]!.id}`).set(as(r.managerA)), 'closure');
    expect(closure.report.sales.totals).toMatchObject({ orders: 1, sales: '5000' });
    expect(closure.report.sales.byPaymentMethod).toEqual([
      expect.objectContaining({ method: 'cash', net: '5000' }),
    ]);
    expect(closure.report.sales.byProduct).toEqual([
      expect.objectContaining({ name: 'Cortado', quantity: 2 }),
    ]);
    expect(closure.report.sessions).toEqual([
      expect.objectContaining({ id: sessionId, difference: { cash: '-200' } }),
    ]);
    expect(closure.report.needsApproval).toBe(true);
    // Readers only, and only of their branches.
    expect((await h.agent.get(`${API}/closures/${closure.id}`).set(as(r.waiter))).status).toBe(403);

    // The mail: each reader of A (A's manager, the tenant-wide manager, the owner) once, with the
    // PDF and the CSV files; never the waiter.
    const mails = await eventually(
      async () => {
        const all = (await smtp.mails()).filter(
          (x) => x.subject.includes(businessDate.slice(0, 4)) && x.attachments?.length,
        );
        expect(all).toHaveLength(3);
        return all;
      },
      30_000,
      250,
    );
    const to = (x: (typeof mails)[number]) => x.to.map((t) => t.address);
    const emails = await Promise.all(
      [r.managerA, r.manager, r.owner].map(
        async (u) =>
          (
            await p.identity.orm.em
              .fork()
              .getConnection()
              .execute<Array<{ email: string }>>('select email from identity.users where id = ?', [u.id])
          )[0]!.email,
      ),
    );
    expect(mails.flatMap(to).sort()).toEqual(emails.sort());
    const mail = mails[0]!;
    const file = (suffix: string) => {
      const a = mail.attachments.find((x) => x.filename.endsWith(suffix));
      if (!a)
        throw new Error(`no attachment ${suffix} in ${mail.attachments.map((x) => x.filename).join(', ')}`);
      return smtp.attachment(mail.id, a.generatedFileName);
    };
    expect(mail.attachments.map((a) => a.filename)).toEqual(
      ['.pdf', '-summary.csv', '-sessions.csv', '-payment-methods.csv', '-products.csv'].map(
        (x) => `cash-closure-${businessDate}${x}`,
      ),
    );
    expect((await file('.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    const csv = (await file('-sessions.csv')).toString('utf8');
    expect(csv).toContain(`${sessionId},${drawerId},pending_approval`);
    expect(csv).toContain('cash,15000,14800,-200,CLP');

    // Approved by A's manager through the process (the Update), once.
    expect(
      (await h.agent.post(`${API}/closures/${closure.id}/approve`).set(as(cashier)).send({ note: 'ok' }))
        .status,
    ).toBe(403);
    const approved = await h.agent
      .post(`${API}/closures/${closure.id}/approve`)
      .set(as(r.managerA))
      .send({ note: 'Vuelto mal dado' });
    expect(approved.status).toBe(200);
    expect(approved.body.data).toMatchObject({
      state: 'approved',
      approvedBy: r.managerA.id,
      approvalNote: 'Vuelto mal dado',
    });
    expect(await closureRun.result()).toMatchObject({ state: 'approved' });
    const again = await h.agent
      .post(`${API}/closures/${closure.id}/approve`)
      .set(as(r.managerA))
      .send({ note: 'otra' });
    expect(again.status).toBe(409);
    expect(code(again)!.code).toBe('INVALID_STATE_TRANSITION');

    // The schedule firing again for the same day closes nothing twice.
    const schedule = client.schedule.getHandle(cashClosureScheduleId(r.biz.tenantId, r.branchA));
    await schedule.trigger();
    const second = await eventually(
      async () => {
        const actions = (await schedule.describe()).info.recentActions;
        expect(actions).toHaveLength(2);
        return actions[1]!.action.workflow.workflowId;
      },
      30_000,
      250,
    );
    expect(await client.workflow.getHandle(second).result()).toEqual({ started: [], alreadyClosed: [] });
    expect(
      ok<unknown[]>(
        await h.agent.get(`${API}/closures`).query({ branchId: r.branchA }).set(as(r.managerA)),
        'closures',
      ),
    ).toHaveLength(1);

    // Every history the server wrote replays against today's code with the production options;
    // `RECORD_CLOSURE_HISTORIES=1` saves them beside the workflow for workflows/test/replay.test.ts.
    const firstTrigger = (await schedule.describe()).info.recentActions[0]!.action.workflow.workflowId;
    const runs = [
      { name: 'closure-approved-through-the-api', workflowId: closureRun.workflowId },
      { name: 'trigger-closes-the-due-date', workflowId: firstTrigger },
      { name: 'trigger-finds-it-closed', workflowId: second },
    ];
    const histories = await Promise.all(
      runs.map(async (x) => ({
        ...x,
        history: await client.workflow.getHandle(x.workflowId).fetchHistory(),
      })),
    );
    const replayed = await replayHistories({ workflowsPath }, histories);
    expect(replayed.filter((x) => x.error).map((x) => `${x.workflowId}: ${x.error!.message}`)).toEqual([]);
    if (process.env.RECORD_CLOSURE_HISTORIES === '1') {
      const dir = fileURLToPath(new URL('../../../workflows/src/cash-closure/histories/', import.meta.url));
      mkdirSync(dir, { recursive: true });
      for (const x of histories)
        writeFileSync(
          `${dir}${x.name}.json`,
          `${JSON.stringify(JSON.parse(historyToJSON(x.history)), null, 2)}\n`,
        );
    }
    expect((await smtp.mails()).filter((x) => x.attachments?.length)).toHaveLength(3);
  });
});
