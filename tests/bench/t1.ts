/**
 * T1: escrow deals on the running Temporal dev server against a no-op deal of the same shape.
 *
 * Escrow side: the production workflow and workers (`workflows/test/live/deals.ts` startLiveStack:
 * `createWorker` as in production, payments' real activities on a real ledger; marketplace,
 * notifications and identity are the live batch's stand-ins), wallet-paid happy paths. No-op side
 * (`support/noop-workflow.ts`): the same workers' configuration, the escrow's query and Updates, and
 * as many no-op activities at the same points as the escrow's happy path runs (counted from a
 * recorded escrow history, not by hand). Both are driven alike: start, wait until funded (the
 * status query), `markCompleted`, `approve`, the result; BENCH_DEALS drivers at once (default 8),
 * in halves of BENCH_SECONDS in the order escrow, no-op, no-op, escrow.
 *
 * Figures: deals/s no-op / escrow (goal <= 1.2) and accept→funded, escrow / no-op (goal <= 1.2 at
 * p50; p99 shown): from the workflow's start to the completion of the activity that funds it, read
 * from each deal's history (the server's clock, no polling interval in it).
 */
process.env.FAENA_TEST_RUN ??= `${process.pid}`; // the live stack's database: faena_test_<pid>_1, dropped at the end
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { createLogger, createWorker } from '@faena/platform';
import { testDatabaseName, testDatabaseUrl, testStack } from '@faena/platform/testing';
import { ROOT, SETTINGS, SUPPORT, atMost, record, say } from './support/bench.ts';
import { benchNoopDeal, type NoopShape } from './support/noop-workflow.ts';
import { startLiveStack } from '../../workflows/test/live/deals.ts';
import { fundWallet } from '../../workflows/test/support/stand-ins.ts';
import { approve, markCompleted, statusQuery } from '../../workflows/src/escrow/contract.ts';
import { createPaymentsOrm } from '../../services/payments/src/wiring.ts';

const DRIVERS = Number(process.env.BENCH_DEALS ?? 8);
const HALF_MS = (SETTINGS.seconds * 1000) / 2;
const NOOP_QUEUE = 'bench-noop';
const namespace = `faena-test-${process.pid}-t1`;
const logger = createLogger({ service: 'bench-t1', level: 'error' });

say(`T1: ${DRIVERS} deals at once, ${SETTINGS.seconds} s per side, namespace ${namespace}`);
const stack = await startLiveStack({
  namespace,
  workflowsPath: path.join(ROOT, 'workflows/src/index.ts'),
  logger,
});
const config = { TEMPORAL_ADDRESS: testStack.temporalAddress, TEMPORAL_NAMESPACE: namespace };
const noopWorkers = await Promise.all([
  createWorker({
    config,
    logger,
    taskQueue: NOOP_QUEUE,
    workflowsPath: path.join(SUPPORT, 'noop-workflow.ts'),
  }),
  createWorker({ config, logger, taskQueue: NOOP_QUEUE, activities: { async noop() {} } }),
]);
const noopRunning = Promise.all(noopWorkers.map((w) => w.worker.run()));

// One wallet per driver, funded for every deal it can run (a deal holds 1000.00 ARS).
const paymentsOrm = await createPaymentsOrm({ DATABASE_URL: await testDatabaseUrl(), DATABASE_POOL_MAX: 3 });
const clients = Array.from({ length: DRIVERS }, () => uuidv7());
for (const c of clients) await fundWallet(paymentsOrm, stack.tenantId, c, 100_000n * 100_000n);

type Event = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
const ms = (e: Event) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
const eventsOf = async (h: WorkflowHandle): Promise<Event[]> => (await h.fetchHistory()).events ?? [];
/** WorkflowTaskCompleted: the activities scheduled after one are that task's batch. */
const WORKFLOW_TASK_COMPLETED = 7;
const scheduledOf = (events: Event[]) => {
  let batch = 0;
  return events.flatMap((e) => {
    if (Number(e.eventType) === WORKFLOW_TASK_COMPLETED) batch += 1;
    const a = e.activityTaskScheduledEventAttributes;
    if (!a) return [];
    const payload = a.input?.payloads?.[0];
    const input = payload ? defaultPayloadConverter.fromPayload<{ status?: string }>(payload) : undefined;
    return [{ id: String(e.eventId), name: a.activityType?.name ?? '', status: input?.status, batch }];
  });
};

/** The escrow happy path's activities, stretch by stretch (see NoopShape), from one deal's history. */
function shapeOf(events: Event[]): NoopShape {
  const names = scheduledOf(events);
  const at = (pred: (a: (typeof names)[number]) => boolean) => {
    const i = names.findIndex(pred);
    if (i < 0) throw new Error(`escrow history without the expected activity: ${JSON.stringify(names)}`);
    return i;
  };
  const held = at((a) => a.name === 'holdInEscrow');
  const completed = at((a) => a.name === 'recordJobEvent' && a.status === 'completed_by_professional');
  const approved = at((a) => a.name === 'recordJobEvent' && a.status === 'approved');
  const paid = at((a) => a.name === 'releasePayout');
  /** Activities `from` to `to` (exclusive) as batch sizes, in order. */
  const batches = (from: number, to: number) => {
    const sizes = new Map<number, number>();
    for (const a of names.slice(from, to)) sizes.set(a.batch, (sizes.get(a.batch) ?? 0) + 1);
    return [...sizes.values()];
  };
  return {
    funding: batches(0, held + 1),
    funded: batches(held + 1, completed),
    completed: batches(completed, approved),
    payout: batches(approved, paid + 1),
    closing: batches(paid + 1, names.length),
  };
}

/** ms from the workflow's start to the completion of its `fundedBy` activity. */
function fundedAfter(events: Event[], fundedBy: (a: { name: string }, index: number) => boolean): number {
  const scheduled = scheduledOf(events).find((a, i) => fundedBy(a, i));
  const done = events.find(
    (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === scheduled?.id,
  );
  if (!done) throw new Error('a deal was never funded');
  return ms(done) - ms(events[0]!);
}

const sleep = (n: number) => new Promise((r) => setTimeout(r, n));
type Kind = 'escrow' | 'noop';
let shape: NoopShape | undefined;

/** One deal, start to result; answers its handle. */
async function deal(kind: Kind, clientId: string): Promise<WorkflowHandle> {
  const professionalId = uuidv7();
  const handle =
    kind === 'escrow'
      ? (await stack.start({ clientId, professionalId }, { fund: false })).handle
      : await stack.client.workflow.start(benchNoopDeal, {
          taskQueue: NOOP_QUEUE,
          workflowId: `bench-noop/${uuidv7()}`,
          args: [shape!],
        });
  for (;;) {
    const s = await handle.query(statusQuery);
    if (s.state === 'in_progress') break;
    if (s.state !== 'awaiting_payment') throw new Error(`${kind} deal went ${s.state}`);
    await sleep(20);
  }
  await handle.executeUpdate(markCompleted, { args: [{ professionalId }] });
  await handle.executeUpdate(approve, { args: [{ clientId }] });
  const end = await handle.result();
  const state = typeof end === 'string' ? end : (end as { state: string }).state;
  if (state !== 'paid_out') throw new Error(`${kind} deal ended ${state}`);
  return handle;
}

/** DRIVERS deals at a time for `forMs`: how many finished, and their handles. */
async function phase(kind: Kind, forMs: number): Promise<{ deals: WorkflowHandle[]; seconds: number }> {
  const deals: WorkflowHandle[] = [];
  const started = Date.now();
  await Promise.all(
    clients.map(async (c) => {
      while (Date.now() - started < forMs) deals.push(await deal(kind, c));
    }),
  );
  return { deals, seconds: (Date.now() - started) / 1000 };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

try {
  // Warm-up (not counted): one escrow deal gives the shape, then a round of each.
  shape = shapeOf(await eventsOf(await deal('escrow', clients[0]!)));
  const total = Object.values(shape)
    .flat()
    .reduce((a, b) => a + b, 0);
  say(`  escrow happy path: ${total} activities ${JSON.stringify(shape)}`);
  await Promise.all(clients.map((c) => deal('escrow', c)));
  await Promise.all(clients.map((c) => deal('noop', c)));

  const runs: Record<Kind, { deals: WorkflowHandle[]; seconds: number }> = {
    escrow: { deals: [], seconds: 0 },
    noop: { deals: [], seconds: 0 },
  };
  for (const kind of ['escrow', 'noop', 'noop', 'escrow'] as const) {
    const r = await phase(kind, HALF_MS);
    runs[kind].deals.push(...r.deals);
    runs[kind].seconds += r.seconds;
  }
  const fundingOf: Record<Kind, (a: { name: string }, i: number) => boolean> = {
    escrow: (a) => a.name === 'holdInEscrow',
    noop: (_a, i) => i === shape!.funding.reduce((a, b) => a + b, 0) - 1,
  };
  const sides = {} as Record<
    Kind,
    { deals: number; dealsPerSecond: number; fundedP50Ms: number; fundedP99Ms: number }
  >;
  for (const kind of ['escrow', 'noop'] as const) {
    const funded: number[] = [];
    for (const h of runs[kind].deals) funded.push(fundedAfter(await eventsOf(h), fundingOf[kind]));
    sides[kind] = {
      deals: runs[kind].deals.length,
      dealsPerSecond: runs[kind].deals.length / runs[kind].seconds,
      fundedP50Ms: quantile(funded, 0.5),
      fundedP99Ms: quantile(funded, 0.99),
    };
    say(
      `  ${kind.padEnd(7)} ${sides[kind].dealsPerSecond.toFixed(1).padStart(6)} deals/s (${sides[kind].deals} deals)   accept→funded p50 ${sides[kind].fundedP50Ms.toFixed(0)} ms, p99 ${sides[kind].fundedP99Ms.toFixed(0)} ms`,
    );
  }
  record(
    't1',
    'Escrow happy path vs a no-op deal of the same shape (dev server)',
    [
      atMost('deals/s, no-op / escrow', sides.noop.dealsPerSecond / sides.escrow.dealsPerSecond, 1.2),
      atMost('accept→funded p50, escrow / no-op', sides.escrow.fundedP50Ms / sides.noop.fundedP50Ms, 1.2),
      {
        what: 'accept→funded p99, escrow / no-op',
        ratio: sides.escrow.fundedP99Ms / sides.noop.fundedP99Ms,
        goal: 'shown',
        met: true,
      },
    ],
    { drivers: DRIVERS, shape, activities: total, ...sides },
  );
} finally {
  noopWorkers.forEach((w) => w.worker.shutdown());
  await noopRunning;
  await Promise.all(noopWorkers.map((w) => w.connection.close()));
  await paymentsOrm.close(true);
  await stack.close();
  const admin = new pg.Client({ connectionString: testStack.postgresAdminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${testDatabaseName()}" with (force)`);
  await admin.end();
}
process.exit(0);
