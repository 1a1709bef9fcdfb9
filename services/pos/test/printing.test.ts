/**
 * Kitchen printing on the real stack: PostgreSQL, Redis, identity over HTTP, a Temporal namespace
 * of its own on the dev server running the production `printJob` and `printer` workflows, POS's
 * printing activities sending over real TCP to test printers (test/support/tcp-printer.ts),
 * identity's and notifications' real activities and a local SMTP server. Orders are sent by a
 * waiter of branch A; print jobs and printers are operated by A's manager (`printing.operate`
 * scoped to A). The kitchen expiry is shortened to a few seconds (a real-time wait: no timer of
 * these processes is skipped on the dev server).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { Worker } from '@temporalio/worker';
import { jest } from '@jest/globals';
import { createWorker } from '@faena/platform';
import {
  captureLogger,
  eventually,
  registerTestNamespace,
  testStack,
  uniqueTaskQueue,
} from '@faena/platform/testing';
import {
  printJobStatusQuery,
  printJobWorkflowId,
  printerWorkflowId,
  printerStatusQuery,
} from '@faena/workflows/printing/contract';
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
import { posActivities, type PosActivities } from '../src/activities.ts';
import { REPRINT_MARK } from '../src/printing/render.ts';
import { sweepPrinting } from '../src/printing/start.ts';
import { createPrinterGuard } from '../src/wiring.ts';
import {
  API,
  ok,
  posWorkerTestGuardConfig,
  restaurant,
  startPos,
  type PosHarness,
  type Restaurant,
} from './harness.ts';
import { parseEscPos, startTestPrinter, type TestPrinter } from './support/tcp-printer.ts';

const workflowsPath = fileURLToPath(new URL('../../../workflows/src/index.ts', import.meta.url));
const namespace = `${testStack.temporalNamespace}-pos-printing`;
const printQueue = uniqueTaskQueue('pos-printing');
const EXPIRY_MS = 15_000;

let connection: Connection;
let client: Client;
let smtp: Smtp;
let h: PosHarness;
let n: Notifications;
let r: Restaurant;
let running: Promise<unknown>;
/** The POS worker's activities (the production ones). */
let pos: PosActivities;
/** Runs before each `recordPrintJob` of the worker (a test's hold), then the real one runs. */
let beforeRecord: ((input: { ticketId: string; state: string }) => Promise<void>) | undefined;
const closers: Array<() => Promise<void>> = [];
const printers: TestPrinter[] = [];

beforeAll(async () => {
  connection = await Connection.connect({ address: testStack.temporalAddress });
  await registerTestNamespace(connection, namespace);
  client = new Client({ connection, namespace });
  smtp = await startSmtp();
  h = await startPos({ temporal: client, printTaskQueue: printQueue, printExpiryMs: EXPIRY_MS });
  n = await startNotifications({ smtpPort: smtp.port, identityUrl: h.identityUrl });
  r = await restaurant(h);
  const logger = captureLogger('pos-printing').logger;
  const config = { TEMPORAL_ADDRESS: testStack.temporalAddress, TEMPORAL_NAMESPACE: namespace };
  pos = posActivities({
    orm: h.orm,
    logger,
    printing: {
      redis: h.redis,
      temporal: client,
      printingTaskQueue: printQueue,
      // The worker's guard as wiring.ts builds it; the test printers are on loopback (exempt).
      guard: createPrinterGuard(posWorkerTestGuardConfig()),
      send: { connectTimeoutMs: 500, ioTimeoutMs: 500 },
    },
  });
  const created = await Promise.all([
    createWorker({ config, logger, taskQueue: printQueue, workflowsPath }),
    createWorker({
      config,
      logger,
      taskQueue: TASK_QUEUES.pos,
      // The real activities; a test may hold a job's record until something happened first.
      activities: {
        ...pos,
        recordPrintJob: async (input: Parameters<NonNullable<PosActivities['recordPrintJob']>>[0]) => {
          await beforeRecord?.(input);
          return pos.recordPrintJob!(input);
        },
      },
    }),
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
  const workers: Worker[] = created.map((c) => c.worker);
  running = Promise.all(workers.map((w) => w.run()));
  closers.push(async () => {
    workers.forEach((w) => w.shutdown());
    await running;
    await Promise.all(created.map((c) => c.connection.close()));
  });
  await menu();
}, 180_000);
/**
 * Histories recorded live on the dev server by this suite (production worker options), replayed by
 * workflows/test/replay.test.ts: `RECORD_PRINTING_HISTORIES=1 /tmp/j services/pos/test/printing.test.ts`
 * writes them to workflows/src/printing/histories/ (commit the files).
 */
const recorded: Record<string, string> = {};
const record = (name: string, workflowId: string) => {
  recorded[name] = workflowId;
};
async function saveHistories(): Promise<void> {
  if (!process.env.RECORD_PRINTING_HISTORIES) return;
  const dir = fileURLToPath(new URL('../../../workflows/src/printing/histories/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  for (const [name, workflowId] of Object.entries(recorded)) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    writeFileSync(`${dir}${name}.json`, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
  }
}

afterAll(async () => {
  await saveHistories();
  for (const close of closers) await close();
  for (const p of printers) await p.close();
  await n?.close();
  await h?.close();
  await smtp?.stop();
  await connection?.close();
});

const call = (method: 'get' | 'post' | 'put' | 'patch', token: string, path: string, body?: unknown) => {
  const req = h.agent[method](`${API}${path}`).set(bearer(token));
  return body === undefined ? req : req.send(body as object);
};

let food = '';
let drinks = '';
let bife = '';
let agua = '';
/** Branch A sells a dish (Fondos) and a drink (Bebidas). */
async function menu(): Promise<void> {
  const t = r.manager.token;
  ok(await call('put', t, `/branches/${r.branchA}/settings`, { timeZone: 'America/Santiago' }), 'settings');
  food = ok<{ id: string }>(await call('post', t, '/categories', { name: 'Fondos' }), 'category').id;
  drinks = ok<{ id: string }>(await call('post', t, '/categories', { name: 'Bebidas' }), 'category').id;
  bife = ok<{ id: string }>(
    await call('post', t, '/products', { categoryId: food, name: 'Bife con ñoquis' }),
    'product',
  ).id;
  agua = ok<{ id: string }>(
    await call('post', t, '/products', { categoryId: drinks, name: 'Agua' }),
    'product',
  ).id;
  for (const id of [bife, agua])
    ok(
      await call('put', t, `/branches/${r.branchA}/products/${id}`, { price: 9900, currency: 'CLP' }),
      'price',
    );
}

interface Station {
  id: string;
  name: string;
}
/** A kitchen (default) and a bar station of branch A, each with a test printer of its own. */
async function stations(kitchenMode: 'accept' | 'refuse' | 'stall' = 'accept') {
  const kitchenPrinter = await startTestPrinter({ mode: kitchenMode });
  const barPrinter = await startTestPrinter();
  printers.push(kitchenPrinter, barPrinter);
  const t = r.manager.token;
  const suffix = randomUUID().slice(0, 6);
  const kitchen = ok<Station>(
    await call('post', t, '/stations', {
      branchId: r.branchA,
      name: `Cocina ${suffix}`,
      kind: 'printer',
      printerAddress: kitchenPrinter.address,
      isDefault: true,
    }),
    'station',
  );
  const bar = ok<Station>(
    await call('post', t, '/stations', {
      branchId: r.branchA,
      name: `Barra ${suffix}`,
      kind: 'both',
      printerAddress: barPrinter.address,
    }),
    'station',
  );
  ok(
    await call('put', t, `/stations/${kitchen.id}/categories`, { categoryIds: [food] }),
    'kitchen categories',
  );
  ok(await call('put', t, `/stations/${bar.id}/categories`, { categoryIds: [drinks] }), 'bar categories');
  return { kitchen, bar, kitchenPrinter, barPrinter };
}

interface Ticket {
  id: string;
  stationId: string;
  orderNumber: string;
}
/** A takeaway order by the waiter: a dish with a note, and optionally a drink; sent. */
async function sendOrder(withDrink: boolean): Promise<{ orderId: string; tickets: Ticket[] }> {
  const w = r.waiter.token;
  const order = ok<{ id: string }>(
    await call('post', w, '/orders', { branchId: r.branchA, kind: 'takeaway', customerName: 'Ana' }),
    'order',
  );
  ok(
    await call('post', w, `/orders/${order.id}/lines`, { productId: bife, quantity: 2, notes: 'sin sal' }),
    'line',
  );
  if (withDrink)
    ok(await call('post', w, `/orders/${order.id}/lines`, { productId: agua, quantity: 1 }), 'line');
  ok(await call('post', w, `/orders/${order.id}/send`), 'send');
  const rows = await h.orm.em
    .fork()
    .getConnection()
    .execute<Array<{ id: string; station_id: string; order_number: string }>>(
      `select id, station_id, order_number from pos.kitchen_tickets where order_id = ? order by created_at, id`,
      [order.id],
    );
  return {
    orderId: order.id,
    tickets: rows.map((t) => ({ id: t.id, stationId: t.station_id, orderNumber: t.order_number })),
  };
}

interface Job {
  state: string;
  attempts: number;
  lastError: string | null;
  prints: number;
  printerAddress: string;
  summary: string;
}
const job = async (ticketId: string) =>
  ok<Job>(await call('get', r.managerA.token, `/kitchen/tickets/${ticketId}/print`), 'job');
const jobIn = (ticketId: string, state: string, withinMs = 20_000) =>
  eventually(
    async () => {
      const j = await job(ticketId);
      if (j.state !== state) throw new Error(`job ${j.state}, not ${state}: ${j.summary}`);
      return j;
    },
    withinMs,
    200,
  );
const ticketOf = (all: Ticket[], s: Station) => all.find((t) => t.stationId === s.id)!;
const textOf = (p: TestPrinter, i: number) => parseEscPos(p.printed()[i]!.bytes).lines.join('\n');

/** A kitchen ticket printed, then put back as the API left it before its job row: pending, no row. */
async function printedThenPendingWithoutJob() {
  const { kitchen, kitchenPrinter } = await stations();
  const { tickets } = await sendOrder(false);
  const t = ticketOf(tickets, kitchen);
  await jobIn(t.id, 'printed');
  // The process is done with it (printed, its outcome recorded, lingering on its timer): nothing
  // of it writes the row again once it is deleted.
  const process = client.workflow.getHandle(printJobWorkflowId(r.biz.tenantId, t.id));
  await eventually(
    async () => {
      expect((await process.query(printJobStatusQuery)).state).toBe('printed');
      const events = (await process.fetchHistory()).events!;
      expect(events.at(-1)?.timerStartedEventAttributes).toBeTruthy();
    },
    20_000,
    100,
  );
  const conn = h.orm.em.fork().getConnection();
  await conn.execute(`delete from pos.print_jobs where ticket_id = ?`, [t.id]);
  await conn.execute(
    `update pos.kitchen_tickets set print_status = 'pending', printed_at = null where id = ?`,
    [t.id],
  );
  return { t, conn, kitchenPrinter };
}

describe('kitchen printing', () => {
  it('a printer that is up prints the ticket once, in Spanish, with its cut; the job says printed', async () => {
    const { kitchen, kitchenPrinter } = await stations();
    const { tickets } = await sendOrder(false);
    const t = ticketOf(tickets, kitchen);
    const done = await jobIn(t.id, 'printed');
    expect(done).toMatchObject({ attempts: 1, prints: 1, lastError: null });
    record('job-printed', printJobWorkflowId(r.biz.tenantId, t.id));
    expect(kitchenPrinter.printed()).toHaveLength(1);
    const parsed = parseEscPos(kitchenPrinter.printed()[0]!.bytes);
    expect(parsed.cuts).toBe(1);
    const text = parsed.lines.join('\n');
    expect(text).toContain(kitchen.name.toUpperCase());
    expect(text).toContain(`Pedido / Order #${t.orderNumber}`);
    expect(text).toContain('Para llevar / Takeaway');
    expect(text).toContain('2 x Bife con ñoquis');
    expect(text).toContain('! sin sal');
    expect(text).not.toContain(REPRINT_MARK);
    const row = await h.orm.em
      .fork()
      .getConnection()
      .execute<Array<{ print_status: string }>>(`select print_status from pos.kitchen_tickets where id = ?`, [
        t.id,
      ]);
    expect(row[0]!.print_status).toBe('printed');
  });

  it("a 58 mm printer that answers no status: the station's profile renders 32 columns and asks no status", async () => {
    const { kitchen, kitchenPrinter } = await stations();
    const t0 = r.manager.token;
    const saved = ok<{ paperWidth: number; printerAnswersStatus: boolean }>(
      await call('patch', t0, `/stations/${kitchen.id}`, { paperWidth: 58, printerAnswersStatus: false }),
      'profile',
    );
    expect(saved).toMatchObject({ paperWidth: 58, printerAnswersStatus: false });
    expect((await call('patch', t0, `/stations/${kitchen.id}`, { paperWidth: 57 })).status).toBe(400);
    const { tickets } = await sendOrder(false);
    const t = ticketOf(tickets, kitchen);
    expect(await jobIn(t.id, 'printed')).toMatchObject({ attempts: 1, prints: 1 });
    const bytes = kitchenPrinter.printed()[0]!.bytes;
    const parsed = parseEscPos(bytes);
    expect(parsed.lines.join('\n')).toContain('2 x Bife con ñoquis');
    expect(Math.max(...parsed.lines.map((l) => l.length))).toBeLessThanOrEqual(32);
    // No DLE EOT status request (0x10 0x04) went to a printer that does not answer it.
    expect(bytes.includes(Buffer.from([0x10, 0x04]))).toBe(false);
  });

  it('a refusing printer: retries, its breaker opens, the bar prints on time; past the expiry the ticket falls back (screen event + PDF mail) and never prints later; a reroute prints it on the bar with the reprint mark', async () => {
    const { kitchen, bar, kitchenPrinter, barPrinter } = await stations('refuse');
    const since = (await h.redis.xrevrange('faena:realtime:intake', '+', '-', 'COUNT', 1))[0]?.[0] ?? '0';
    const { tickets } = await sendOrder(true);
    const food = ticketOf(tickets, kitchen);
    const drink = ticketOf(tickets, bar);

    // The bar's printer is another process: its ticket prints while the kitchen's keeps failing.
    await jobIn(drink.id, 'printed');
    expect(barPrinter.printed()).toHaveLength(1);

    // The kitchen's printer: failures in a row open its breaker, visible to the manager of A.
    const printer = await eventually(
      async () => {
        const p = ok<{ breaker: string; failures: number; lastError: string; queue: unknown[] }>(
          await call('get', r.managerA.token, `/stations/${kitchen.id}/printer`),
          'printer',
        );
        if (p.breaker !== 'open')
          throw new Error(`breaker ${JSON.stringify(p)} ${JSON.stringify(await job(food.id))}`);
        return p;
      },
      20_000,
      200,
    );
    expect(printer.failures).toBeGreaterThanOrEqual(3);
    expect(printer.lastError).toBe('The printer refused the connection (is it on?)');
    const queued = await job(food.id);
    expect(queued).toMatchObject({
      state: 'queued',
      lastError: 'The printer refused the connection (is it on?)',
    });
    expect(queued.summary).toContain(`order ${food.orderNumber}`);

    // Past the expiry: fallen back — the kitchen screen's event and the PDF mail to A's manager.
    const fallen = await jobIn(food.id, 'fallen_back', EXPIRY_MS + 20_000);
    expect(fallen.summary).toContain('kitchen screen');
    const events = await eventually(
      async () => {
        const found = (await h.redis.xrange('faena:realtime:intake', `(${since}`, '+'))
          .map(
            ([, fields]) =>
              JSON.parse(fields[1]!) as { event: string; room: string; data: { id: string; reason: string } },
          )
          .filter((e) => e.event === 'kitchen:print_failed');
        if (!found.length) throw new Error('no kitchen:print_failed event yet');
        return found;
      },
      20_000,
      200,
    );
    expect(events).toEqual([
      expect.objectContaining({
        room: `tenant:${r.biz.tenantId}:kitchen:${r.branchA}:${kitchen.id}`,
        data: expect.objectContaining({
          id: food.id,
          reason: 'The printer refused the connection (is it on?)',
        }),
      }),
    ]);
    const mail = await eventually(
      async () => {
        const m = (await smtp.mails()).find((x) => x.subject.includes(food.orderNumber));
        if (!m) throw new Error('no fallback mail yet');
        return m;
      },
      20_000,
      200,
    );
    const pdf = mail.attachments?.find((a) => a.contentType === 'application/pdf');
    expect(pdf).toBeDefined();
    expect((await smtp.attachment(mail.id, pdf!.generatedFileName)).subarray(0, 5).toString()).toBe('%PDF-');

    // The printer comes back and its breaker is reset: nothing is left to print (no backlog flood).
    await kitchenPrinter.setMode('accept');
    const reset = ok<{ breaker: string; queue: unknown[] }>(
      await call('post', r.managerA.token, `/stations/${kitchen.id}/printer/reset`),
      'reset',
    );
    expect(reset).toMatchObject({ breaker: 'closed', queue: [] });
    const status = await client.workflow
      .getHandle(printerWorkflowId(r.biz.tenantId, kitchenPrinter.address))
      .query(printerStatusQuery);
    expect(status.queue).toEqual([]);
    expect(kitchenPrinter.printed()).toHaveLength(0);

    // The manager reroutes it to the bar: it prints there, marked as a reprint.
    const rerouted = ok<Job>(
      await call('post', r.managerA.token, `/kitchen/tickets/${food.id}/print/reroute`, {
        stationId: bar.id,
      }),
      'reroute',
    );
    expect(rerouted).toMatchObject({ state: 'queued', printerAddress: barPrinter.address });
    await jobIn(food.id, 'printed');
    await barPrinter.waitForPrinted(2);
    expect(textOf(barPrinter, 1)).toContain(REPRINT_MARK);
    expect(textOf(barPrinter, 1)).toContain(`Pedido / Order #${food.orderNumber}`);
    expect(kitchenPrinter.printed()).toHaveLength(0);
    record('job-fallen-back-rerouted', printJobWorkflowId(r.biz.tenantId, food.id));
    record('printer-breaker-open-reset', printerWorkflowId(r.biz.tenantId, kitchenPrinter.address));
    record('printer-printed-twice', printerWorkflowId(r.biz.tenantId, barPrinter.address));
  }, 90_000);

  it('a stalled printer past the expiry falls back and prints nothing later; the waiter cannot operate printing; another branch is 404', async () => {
    const { kitchen, kitchenPrinter } = await stations('stall');
    const { tickets } = await sendOrder(false);
    const t = ticketOf(tickets, kitchen);
    expect((await call('get', r.waiter.token, `/kitchen/tickets/${t.id}/print`)).status).toBe(403);
    const fallen = await jobIn(t.id, 'fallen_back', EXPIRY_MS + 20_000);
    expect(fallen.lastError).toMatch(/did not answer its status/);
    await kitchenPrinter.setMode('accept');
    ok(await call('post', r.managerA.token, `/stations/${kitchen.id}/printer/reset`), 'reset');
    expect(kitchenPrinter.printed()).toHaveLength(0);
    // The manager cancels it; a cancelled job takes no retry (409, the envelope's code).
    const cancelled = ok<Job>(
      await call('post', r.managerA.token, `/kitchen/tickets/${t.id}/print/cancel`, {
        reason: 'cooked from the screen',
      }),
      'cancel',
    );
    expect(cancelled.state).toBe('cancelled');
    const refused = await call('post', r.managerA.token, `/kitchen/tickets/${t.id}/print/retry`);
    expect(refused.status).toBe(409);
    expect((refused.body as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('PRINT_JOB_CLOSED');
    record('job-fallen-back-cancelled', printJobWorkflowId(r.biz.tenantId, t.id));
    // A manager of another branch only: not found.
    const other = await restaurant(h);
    expect((await call('get', other.managerA.token, `/kitchen/tickets/${t.id}/print`)).status).toBe(404);
  }, 60_000);

  it('a printer at the cloud metadata address is refused by the SSRF guard before any connection: the job falls back at once (screen event + PDF mail), the breaker untouched', async () => {
    const connect = jest.spyOn(net, 'connect');
    try {
      const t0 = r.manager.token;
      const suffix = randomUUID().slice(0, 6);
      const metadata = ok<Station>(
        await call('post', t0, '/stations', {
          branchId: r.branchA,
          name: `Metadata ${suffix}`,
          kind: 'printer',
          printerAddress: '169.254.169.254:9100',
          isDefault: true,
        }),
        'station',
      );
      ok(await call('put', t0, `/stations/${metadata.id}/categories`, { categoryIds: [food] }), 'categories');
      const since = (await h.redis.xrevrange('faena:realtime:intake', '+', '-', 'COUNT', 1))[0]?.[0] ?? '0';
      const { tickets } = await sendOrder(false);
      const t = ticketOf(tickets, metadata);
      const reason =
        "The printer address 169.254.169.254 is not allowed (link-local); a printer must be on the restaurant's network or at a public address";
      // Tried once, never retried: the refusal is final.
      const fallen = await jobIn(t.id, 'fallen_back', EXPIRY_MS + 20_000);
      expect(fallen).toMatchObject({ attempts: 1, prints: 0, lastError: reason });
      const events = await eventually(
        async () => {
          const found = (await h.redis.xrange('faena:realtime:intake', `(${since}`, '+'))
            .map(([streamId, fields]) => ({
              streamId,
              ...(JSON.parse(fields[1]!) as { event: string; data: { id: string; reason: string } }),
            }))
            .filter((e) => e.event === 'kitchen:print_failed' && e.data.id === t.id);
          if (!found.length) throw new Error('no kitchen:print_failed event yet');
          return found;
        },
        20_000,
        200,
      );
      expect(events).toEqual([expect.objectContaining({ data: expect.objectContaining({ reason }) })]);
      // Before the ticket's expiry (its time + the window), not at it: the stream id is the event's time.
      const ticketRows = await h.orm.em
        .fork()
        .getConnection()
        .execute<Array<{ created_at: Date }>>(`select created_at from pos.kitchen_tickets where id = ?`, [
          t.id,
        ]);
      expect(Number(events[0]!.streamId.split('-')[0])).toBeLessThan(
        new Date(ticketRows[0]!.created_at).getTime() + EXPIRY_MS,
      );
      const mail = await eventually(
        async () => {
          const m = (await smtp.mails()).find((x) => x.subject.includes(t.orderNumber));
          if (!m) throw new Error('no fallback mail yet');
          return m;
        },
        20_000,
        200,
      );
      expect(mail.attachments?.some((a) => a.contentType === 'application/pdf')).toBe(true);
      // Its printer's process dropped the job and did not count it against the printer's breaker.
      const status = await client.workflow
        .getHandle(printerWorkflowId(r.biz.tenantId, '169.254.169.254:9100'))
        .query(printerStatusQuery);
      expect(status).toMatchObject({
        breaker: 'closed',
        failures: 0,
        queue: [],
        printed: 0,
        lastError: reason,
      });
      // No socket was ever opened towards it.
      const towards = connect.mock.calls.filter((c) => JSON.stringify(c).includes('169.254.169.254'));
      expect(towards).toEqual([]);
      record('job-refused-fallen-back', printJobWorkflowId(r.biz.tenantId, t.id));
      record('printer-address-refused', printerWorkflowId(r.biz.tenantId, '169.254.169.254:9100'));
    } finally {
      connect.mockRestore();
    }
  }, 60_000);

  it('the sweeper starts the print process of a pending ticket whose start was lost, once', async () => {
    // As if the API had crashed after the commit: the ticket pending again, without its job.
    const { kitchenPrinter } = await printedThenPendingWithoutJob();
    const sweep = () =>
      sweepPrinting(
        {
          orm: h.orm,
          temporal: client,
          printTaskQueue: printQueue,
          logger: h.logger,
          printExpiryMs: EXPIRY_MS,
        },
        { graceMs: 0 },
      );
    expect((await sweep()).started).toBeGreaterThanOrEqual(1);
    // Its process had run already (REJECT_DUPLICATE): the job row is back, nothing printed twice.
    expect((await sweep()).started).toBe(0);
    expect(kitchenPrinter.printed()).toHaveLength(1);
  });

  it("a print reported while the job records its hand-over to the printer ends recorded printed (the job's queued write landing after the printer's printed one is written over)", async () => {
    const { kitchen, kitchenPrinter } = await stations();
    // The job's `queued` record after the hand-over waits until the printer has printed and the
    // printer's process has told the job: the order the chaos run met (the signal while it ran).
    let held = 0;
    beforeRecord = async (input) => {
      if (input.state !== 'queued' || held++) return;
      await eventually(async () => expect(kitchenPrinter.printed()).toHaveLength(1), 20_000, 50);
      await new Promise((r) => setTimeout(r, 500));
    };
    try {
      const { tickets } = await sendOrder(false);
      const t = ticketOf(tickets, kitchen);
      record('job-printed-while-recording', printJobWorkflowId(r.biz.tenantId, t.id));
      await eventually(
        async () => {
          const [row] = await h.orm.em
            .fork()
            .getConnection()
            .execute<Array<{ state: string; attempts: number }>>(
              `select state, attempts from pos.print_jobs where ticket_id = ?`,
              [t.id],
            );
          expect(row).toEqual({ state: 'printed', attempts: 1 });
        },
        20_000,
        200,
      );
      expect(held).toBeGreaterThanOrEqual(1);
      expect(kitchenPrinter.printed()).toHaveLength(1);
    } finally {
      beforeRecord = undefined;
    }
  });

  it('a process that prints before its job row is written (the API died after the start, or was slow) writes the row itself: printed, one write, nothing for the sweeper', async () => {
    // As if the API had died between the process's start and its row: pending, no row.
    const { t, conn, kitchenPrinter } = await printedThenPendingWithoutJob();
    // The process's send, as its printer's process runs it (the worker's activity).
    await pos.printTicket!({
      tenantId: r.biz.tenantId,
      ticketId: t.id,
      printerAddress: kitchenPrinter.address,
      reprint: false,
    });
    const rows = await conn.execute<Array<{ state: string; writes: number; print_status: string }>>(
      `select j.state, j.writes, k.print_status from pos.kitchen_tickets k
         left join pos.print_jobs j on j.ticket_id = k.id where k.id = ?`,
      [t.id],
    );
    expect(rows).toEqual([{ state: 'printed', writes: 1, print_status: 'printed' }]);
    expect(kitchenPrinter.printed()).toHaveLength(2);
    // Printed: the sweeper has nothing to start for it, and the job is an operator's to see.
    expect((await job(t.id)).state).toBe('printed');
  });
});
