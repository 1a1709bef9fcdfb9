/**
 * K1: kitchen print. An order sent → its ticket's ESC/POS bytes received by a network printer (the
 * real TCP listener of services/pos/test/support/tcp-printer.ts, in this process), in:
 *
 * - **Faena**: the POS API (support/pos.ts: identity + `startPosApi`, and the production workflow
 *   worker running `printJob` / `printer`), the order sent by branch A's waiter over HTTP
 *   (`POST /orders/:id/send`: routing, the ticket, the print process started after the commit), and
 *   the production POS worker (`services/pos/src/worker.ts`, its own process) whose `printTicket`
 *   renders the ticket and writes it to the printer.
 * - **Celery + Redis** (peers/celery, as fastops-pos.txt prescribes it): a producer enqueues one
 *   `print_order_task` per ticket with the same ticket's bytes (rendered here by the POS's own
 *   `renderTicketEscPos`, the same dish, note and station); a Celery worker (prefork, one process
 *   per core) sends them over the same wire protocol to the same kind of printer.
 *
 * Latency: `K1_TICKETS` tickets (default 5 × BENCH_SECONDS, at least 20) one at a time, after a
 * warm-up of 3; from the send (the request leaves / the job is written to the producer) to the
 * ticket's bytes at the printer (the connection's last bytes), p50/p99. Goal: Faena's p99 <= 300
 * ms. Throughput: `K1_BURST` tickets (20) sent at once, until the last is out: tickets/s.
 *
 * Crash: `K1_JOBS` tickets (default 30) at `K1_RATE` per second (2); the moment the printer accepts the
 * connection of the third of them, the worker's whole process group is SIGKILLed (mid-job: it is
 * connected to the printer) and started again. When each side has settled, every ticket is counted
 * printed once, twice or more, or never. Faena's side settles when every print job's state is final
 * (printed / fallen back); Celery's when its queue is empty and nothing printed for 5 s (or every
 * ticket printed and nothing left unacknowledged). Celery is measured twice: its defaults (a message
 * acknowledged on receipt) and at-least-once (`task_acks_late` + `task_reject_on_worker_lost`,
 * visibility timeout 30 s, Faena's activity timeout). Goal: 0 lost for Faena.
 */
process.env.FAENA_TEST_RUN ??= `${process.pid}`; // this run's database: faena_test_<pid>_1, dropped at the end
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createRedis } from '@faena/platform';
import { testDatabaseName, testStack } from '@faena/platform/testing';
import {
  BENCH_DIR,
  CACHE,
  ROOT,
  SETTINGS,
  SUPPORT,
  atMost,
  record,
  say,
  start,
  type Figure,
  type Started,
} from './support/bench.ts';
import {
  DEFAULT_PRINTER_PROFILE,
  REPRINT_MARK,
  renderTicketEscPos,
} from '../../services/pos/src/printing/render.ts';
import {
  parseEscPos,
  startTestPrinter,
  type PrinterJob,
  type TestPrinter,
} from '../../services/pos/test/support/tcp-printer.ts';

/** Tickets per second of the crash run on the one printer (a kitchen at its rush: one every half second). */
const RATE = Number(process.env.K1_RATE ?? 2);
/** Tickets measured one at a time per side (after a warm-up of 3), at least 20. */
const TICKETS = Number(process.env.K1_TICKETS ?? Math.max(20, 5 * SETTINGS.seconds));
/** Tickets sent at once for the throughput figure. */
const BURST = Number(process.env.K1_BURST ?? 20);
const JOBS = Number(process.env.K1_JOBS ?? 30);
const SETTLE_MS = Number(process.env.K1_SETTLE_MS ?? 180_000);
const PEER = path.join(BENCH_DIR, 'peers/celery');
const VENV = path.join(CACHE, 'celery-venv');
const namespace = `faena-test-${process.pid}-k1`;
const dbUrl = (() => {
  const u = new URL(testStack.postgresAdminUrl);
  u.pathname = `/${testDatabaseName()}`;
  return u.toString();
})();
const BROKER_DB = 13;
const broker = `${testStack.redisUrl}/${BROKER_DB}`;
const queue = `k1-${process.pid}`;

function installPeer() {
  const requirements = path.join(PEER, 'requirements.txt');
  const stamp = path.join(VENV, '.requirements');
  const wanted = readFileSync(requirements, 'utf8');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
    say('installing the Celery peer (pip, pinned) into .cache/bench/celery-venv');
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    execFileSync(path.join(VENV, 'bin/pip'), ['install', '-q', '-r', requirements], { stdio: 'inherit' });
    writeFileSync(stamp, wanted);
  }
}

// ---- the printer and what it received ----------------------------------------------------------
interface Copy {
  at: number;
  reprint: boolean;
}
/** Every printed ticket by its order number, with when its bytes arrived; hooks on new connections. */
function watch(printer: TestPrinter) {
  const copies = new Map<string, Copy[]>();
  const seen = new Set<PrinterJob>();
  let onConnection: (() => void) | undefined;
  let lastPrintAt = 0;
  const push = printer.jobs.push.bind(printer.jobs);
  printer.jobs.push = (...jobs: PrinterJob[]) => {
    const n = push(...jobs);
    onConnection?.();
    return n;
  };
  void (async () => {
    for (;;) {
      try {
        await printer.waitForPrinted(seen.size + 1, 60_000);
      } catch {
        continue;
      }
      for (const job of printer.printed()) {
        if (seen.has(job)) continue;
        seen.add(job);
        const lines = parseEscPos(job.bytes).lines;
        const number = lines.map((l) => /Order #(\S+)/.exec(l)?.[1]).find(Boolean);
        if (!number) throw new Error(`a ticket without its order number: ${lines.join(' | ')}`);
        const list = copies.get(number) ?? [];
        list.push({ at: job.at.getTime(), reprint: lines.includes(REPRINT_MARK) });
        copies.set(number, list);
        lastPrintAt = Date.now();
      }
    }
  })();
  return {
    copies,
    lastPrintAt: () => lastPrintAt,
    /** Calls `fn` when the printer accepts its `n`-th connection from now. */
    afterConnections(n: number, fn: () => void) {
      let left = n;
      onConnection = () => {
        if (--left > 0) return;
        onConnection = undefined;
        fn();
      };
    },
  };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (cond: () => Promise<boolean> | boolean, withinMs: number, everyMs = 100) => {
  const deadline = Date.now() + withinMs;
  while (!(await cond())) {
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
};

/** A side of the comparison: something that sends a ticket now, and a worker that can be killed. */
interface Side {
  name: string;
  /** Makes what `send` needs (not timed): an order with its line, or nothing. */
  prepare(n: number): Promise<string[]>;
  /** Sends the ticket of `key` now; answers its order number. */
  send(key: string): Promise<string>;
  startWorker(): Promise<Started<unknown>>;
  /** What the side's own records say (for an error). */
  diagnose(): Promise<string>;
  /** Whether the side says it is done with `numbers` (every job final / nothing left to run). */
  settled(numbers: string[], printedAll: boolean): Promise<boolean>;
}

/** `count` tickets at RATE per second; answers each one's order number and send time. */
async function sendAtRate(side: Side, keys: string[]) {
  const sent: Array<{ number: string; at: number }> = [];
  const started = Date.now();
  await Promise.all(
    keys.map(async (key, i) => {
      const wait = started + (i * 1000) / RATE - Date.now();
      if (wait > 0) await sleep(wait);
      const at = Date.now();
      sent.push({ number: await side.send(key), at });
    }),
  );
  return sent;
}

/**
 * Latency: one ticket at a time (the next is sent once the previous one is out), so the figure is
 * the path's own time, not a queue's; after a warm-up of 3. Throughput: BURST tickets sent at once,
 * from the first send to the last ticket out: what one printer's path sustains.
 */
async function latency(side: Side, w: ReturnType<typeof watch>) {
  const ms: number[] = [];
  const keys = await side.prepare(TICKETS + 3);
  for (const [i, key] of keys.entries()) {
    const at = Date.now();
    const number = await side.send(key);
    if (!(await until(() => w.copies.has(number), 60_000, 5)))
      throw new Error(
        `${side.name}: ticket ${number} not printed within 60 s (${printer.jobs.length} connections; ${await side.diagnose()})`,
      );
    if (i >= 3) ms.push(w.copies.get(number)![0]!.at - at);
  }
  const burst = await side.prepare(BURST);
  const t0 = Date.now();
  const sent = await Promise.all(burst.map((k) => side.send(k)));
  if (!(await until(() => sent.every((n) => w.copies.has(n)), 120_000, 5)))
    throw new Error(`${side.name}: a burst of ${BURST} not printed within 120 s`);
  const lastAt = Math.max(...sent.map((n) => w.copies.get(n)![0]!.at));
  const out = {
    tickets: ms.length,
    p50Ms: quantile(ms, 0.5),
    p99Ms: quantile(ms, 0.99),
    maxMs: Math.max(...ms),
    burst: BURST,
    burstTicketsPerSecond: Math.round((BURST / ((lastAt - t0) / 1000)) * 10) / 10,
  };
  say(
    `  ${side.name.padEnd(34)} ${out.tickets} tickets one at a time: send → bytes at the printer p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms; a burst of ${BURST}: ${out.burstTicketsPerSecond} tickets/s`,
  );
  return out;
}

async function crash(side: Side, w: ReturnType<typeof watch>, worker: { current: Started<unknown> }) {
  const keys = await side.prepare(JOBS);
  let killedAt = 0;
  let restarted: Promise<void> | undefined;
  w.afterConnections(Math.ceil(JOBS / 3), () => {
    killedAt = Date.now();
    restarted = (async () => {
      await worker.current.kill();
      worker.current = await side.startWorker();
    })();
  });
  const sent = await sendAtRate(side, keys);
  await until(() => killedAt > 0, 60_000);
  await restarted;
  const numbers = sent.map((s) => s.number);
  const ok = await until(
    async () =>
      side.settled(
        numbers,
        numbers.every((n) => w.copies.has(n)),
      ),
    SETTLE_MS,
  );
  await sleep(1000); // a copy on its way
  const counts = numbers.map((n) => w.copies.get(n)?.length ?? 0);
  const out = {
    tickets: numbers.length,
    once: counts.filter((c) => c === 1).length,
    twiceOrMore: counts.filter((c) => c >= 2).length,
    never: counts.filter((c) => c === 0).length,
    duplicatesMarkedReprint: numbers.filter(
      (n) => (w.copies.get(n) ?? []).slice(1).every((c) => c.reprint) && (w.copies.get(n)?.length ?? 0) >= 2,
    ).length,
    settled: ok,
    settledAfterKillS: Math.round((Date.now() - killedAt) / 100) / 10,
  };
  say(
    `  ${side.name.padEnd(34)} SIGKILL mid-job, ${out.tickets} tickets: once ${out.once}, twice+ ${out.twiceOrMore} (${out.duplicatesMarkedReprint} marked reprint), never ${out.never}${ok ? '' : ' (not settled within the deadline)'}; ${out.settledAfterKillS} s after the kill`,
  );
  return out;
}

// ---- run --------------------------------------------------------------------------------------
installPeer();
say(
  `K1: ${TICKETS} tickets one at a time and a burst of ${BURST} per side; crash run ${JOBS} tickets at ${RATE}/s; namespace ${namespace}`,
);
const printer = await startTestPrinter();
const w = watch(printer);
const redis = createRedis(broker);
const db = new pg.Pool({ connectionString: dbUrl, max: 2 });
const started: Array<Started<unknown>> = [];
const results: Record<string, unknown> = {};

try {
  // ---- Faena ----------------------------------------------------------------------------------
  const env = {
    FAENA_TEST_RUN: process.env.FAENA_TEST_RUN,
    FAENA_TEST_TEMPORAL_NAMESPACE: namespace,
    NODE_ENV: 'production',
    K1_PRINTER: printer.address,
    TENANT_URL_ALLOW_CIDRS: '127.0.0.1/32',
  };
  const pos = await start<{ url: string; token: string; productId: string; branchId: string }>(
    'pos',
    process.execPath,
    ['--disable-warning=ExperimentalWarning', path.join(SUPPORT, 'pos.ts')],
    { env },
  );
  started.push(pos);
  const { url, token, productId, branchId } = pos.info;
  const call = async <T>(p: string, body?: object): Promise<T> => {
    const r = await fetch(`${url}/api/pos/v1${p}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    const j = (await r.json()) as { data: T };
    if (!r.ok) throw new Error(`POST ${p}: ${r.status} ${JSON.stringify(j)}`);
    return j.data;
  };
  const orders = new Map<string, string>(); // order id → number
  const posWorker = () =>
    start(
      'pos-worker',
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        '--import',
        path.join(ROOT, 'services/platform/src/telemetry/register.ts'),
        path.join(ROOT, 'services/pos/src/worker.ts'),
      ],
      {
        env: {
          NODE_ENV: 'production',
          SERVICE_NAME: 'pos-worker',
          LOG_LEVEL: 'info',
          DATABASE_URL: dbUrl,
          DATABASE_POOL_MAX: String(SETTINGS.pool),
          REDIS_URL: testStack.redisUrl,
          TEMPORAL_ADDRESS: testStack.temporalAddress,
          TEMPORAL_NAMESPACE: namespace,
          // The printer listens on loopback: the outbound guard allows it as the test harness does.
          TENANT_URL_ALLOW_CIDRS: '127.0.0.1/32',
        },
        readyPattern: /"message":"worker running"/,
      },
    );
  const faena: Side = {
    name: 'Faena (POS API + print processes)',
    async prepare(n) {
      // Four at a time (the POS checks each order's references with identity: not the figure).
      const ids: string[] = [];
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (ids.length < n) {
            ids.push('');
            const o = await call<{ id: string; number: string }>('/orders', {
              branchId,
              kind: 'takeaway',
              customerName: 'Ana',
            });
            await call(`/orders/${o.id}/lines`, { productId, quantity: 2, notes: 'sin sal' });
            orders.set(o.id, o.number);
            ids[ids.indexOf('')] = o.id;
          }
        }),
      );
      return ids;
    },
    async send(id) {
      await call(`/orders/${id}/send`);
      return orders.get(id)!;
    },
    startWorker: posWorker,
    async diagnose() {
      const { rows } = await db.query(
        `select t.order_number, t.print_status, j.state, j.attempts, j.writes, j.last_error from pos.kitchen_tickets t
           left join pos.print_jobs j on j.ticket_id = t.id order by t.created_at desc limit 5`,
      );
      return JSON.stringify(rows);
    },
    async settled(numbers) {
      const { rows } = await db.query<{ n: number }>(
        `select count(*)::int as n from pos.kitchen_tickets t join pos.print_jobs j on j.ticket_id = t.id
          where t.order_number = any($1) and j.state in ('printed', 'fallen_back', 'cancelled')`,
        [numbers],
      );
      return rows[0]!.n === numbers.length;
    },
  };
  const faenaWorker = { current: await posWorker() };
  results.faena = { latency: await latency(faena, w), crash: await crash(faena, w, faenaWorker) };
  await faenaWorker.current.stop();
  await pos.stop();

  // ---- Celery + Redis -------------------------------------------------------------------------
  const bytesOf = (number: string) =>
    Buffer.from(
      renderTicketEscPos(
        {
          ticketId: `0190b5a4-8f5e-7c3a-9b1e-${number.padStart(12, '0')}`,
          kind: 'order',
          stationName: 'Cocina',
          orderNumber: number,
          tableLabel: null,
          createdAt: new Date(),
          timeZone: 'America/Santiago',
          items: [{ name: 'Bife con ñoquis', quantity: 2, modifiers: [], notes: 'sin sal' }],
          reprint: false,
        },
        DEFAULT_PRINTER_PROFILE,
      ),
    ).toString('base64');
  for (const late of [false, true]) {
    const peerEnv = {
      CELERY_BROKER_URL: broker,
      K1_QUEUE: queue,
      ...(late && { K1_ACKS_LATE: '1', K1_VISIBILITY_S: '30' }),
    };
    await redis.del(queue, 'unacked', 'unacked_index', 'unacked_mutex');
    const celeryWorker = () =>
      start(
        'celery',
        path.join(VENV, 'bin/celery'),
        [
          '-A',
          'tasks',
          'worker',
          '--pool',
          'prefork',
          '--concurrency',
          String(SETTINGS.workers),
          '--loglevel',
          'INFO',
          '-n',
          `${queue}@%h`,
          '-Q',
          queue,
        ],
        { cwd: PEER, env: peerEnv, readyPattern: /ready\./ },
      );
    const producer = await start(
      'celery-producer',
      path.join(VENV, 'bin/python'),
      [path.join(PEER, 'producer.py')],
      { cwd: PEER, env: peerEnv, stdin: true },
    );
    started.push(producer);
    let next = 0;
    const prefix = late ? 'L' : 'C';
    const celery: Side = {
      name: late ? 'Celery + Redis (acks_late)' : 'Celery + Redis (defaults)',
      prepare: async (n) => Array.from({ length: n }, () => `${prefix}${++next}`),
      async send(number) {
        producer.child.stdin!.write(
          `${JSON.stringify({ id: number, host: printer.host, port: printer.port, data: bytesOf(number) })}\n`,
        );
        return number;
      },
      startWorker: celeryWorker,
      diagnose: async () => `queue ${await redis.llen(queue)}, unacked ${await redis.hlen('unacked')}`,
      async settled(_numbers, printedAll) {
        const [waiting, unacked] = await Promise.all([redis.llen(queue), redis.hlen('unacked')]);
        if (waiting > 0) return false;
        if (printedAll && unacked === 0) return true;
        // acks_late: what is unacknowledged comes back after the visibility timeout — wait for it.
        // Defaults: it would come back after an hour (Celery's visibility timeout): lost for a kitchen.
        return (!late || unacked === 0) && Date.now() - w.lastPrintAt() > 5000;
      },
    };
    const worker = { current: await celeryWorker() };
    const side = late ? 'celeryAcksLate' : 'celery';
    results[side] = {
      ...(late ? {} : { latency: await latency(celery, w) }),
      crash: await crash(celery, w, worker),
      leftUnacknowledged: await redis.hlen('unacked'),
    };
    await worker.current.stop();
    await producer.stop();
    await redis.del(queue, 'unacked', 'unacked_index', 'unacked_mutex');
  }

  type Lat = { p50Ms: number; p99Ms: number; burstTicketsPerSecond: number };
  type Crash = { never: number; twiceOrMore: number; tickets: number };
  const f = results.faena as { latency: Lat; crash: Crash };
  const c = results.celery as { latency: Lat; crash: Crash };
  const l = results.celeryAcksLate as { crash: Crash };
  const shown = (what: string, ratio: number): Figure => ({ what, ratio, goal: 'shown', met: true });
  record(
    'k1',
    'Kitchen print, order sent to ESC/POS bytes received: Faena vs Celery + Redis',
    [
      atMost('p99 ms, order sent → bytes at the printer, Faena (absolute)', f.latency.p99Ms, 300),
      shown('p99, Faena / Celery', f.latency.p99Ms / c.latency.p99Ms),
      shown('p50, Faena / Celery', f.latency.p50Ms / c.latency.p50Ms),
      shown(
        'tickets/s of a burst on one printer, Faena / Celery',
        f.latency.burstTicketsPerSecond / c.latency.burstTicketsPerSecond,
      ),
      atMost(`tickets lost of ${f.crash.tickets}, worker SIGKILLed, Faena`, f.crash.never, 0),
      shown(`tickets printed twice of ${f.crash.tickets}, Faena`, f.crash.twiceOrMore),
      shown(`tickets lost of ${c.crash.tickets}, Celery defaults`, c.crash.never),
      shown(`tickets printed twice of ${c.crash.tickets}, Celery defaults`, c.crash.twiceOrMore),
      shown(`tickets lost of ${l.crash.tickets}, Celery acks_late`, l.crash.never),
      shown(`tickets printed twice of ${l.crash.tickets}, Celery acks_late`, l.crash.twiceOrMore),
    ],
    { rate: RATE, tickets: TICKETS, burst: BURST, jobs: JOBS, ...results },
  );
} finally {
  for (const s of started.reverse()) await s.stop().catch(() => undefined);
  await printer.close();
  const ours = await redis.keys(`*${queue}*`); // the transport's bindings of this run's queue
  if (ours.length) await redis.del(...ours);
  await redis.quit();
  await db.end();
  const admin = new pg.Client({ connectionString: testStack.postgresAdminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${testDatabaseName()}" with (force)`);
  await admin.end();
}
process.exit(0);
