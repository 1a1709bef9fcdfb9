/**
 * `make chaos`: the escrow deal (and, later, every long-running process) driven through the public
 * APIs while workers are SIGKILLed, Temporal restarts, PostgreSQL crashes, Redis is flushed and
 * webhooks arrive twice and out of order — on a stack of its own, seeded, bounded in time and
 * count, stopping everything it started.
 *
 *   node --disable-warning=ExperimentalWarning tests/chaos/run.ts            (scripts/chaos.sh)
 *   node --disable-warning=ExperimentalWarning tests/chaos/run.ts --cleanup  (stop what a killed run left)
 *
 * CHAOS_SEED (random when unset, printed), CHAOS_DEALS (30), CHAOS_FAULTS (10), CHAOS_SECONDS (240,
 * the hard bound of the whole run). Progress goes to stderr; stdout gets exactly one line:
 *   chaos: N processes, K faults, L lost, D duplicated, ledger balanced
 * and `.cache/chaos/last.json` the whole report. Exit 0 only when nothing is lost or duplicated and
 * the ledger balances.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { checkDuplicates, checkLedger, waitOutbox, type LedgerResult, type OutboxResult } from './checks.ts';
import {
  DATABASE_URL,
  DATA,
  LOGS,
  PID_FILE,
  PORTS,
  REPORT_FILE,
  SANDBOX_STATE_FILE,
  options,
  url,
} from './config.ts';
import { escrowProcess } from './escrow/process.ts';
import { renewalProcess } from './renewal/process.ts';
import { incidentProcess } from './incident/process.ts';
import { storeProcess } from './store/process.ts';
import { printingProcess } from './printing/process.ts';
import { closureProcess } from './closure/process.ts';
import { waitlistProcess } from './waitlist/process.ts';
import { planFaults, runFaults, type FaultRecord, type PlannedFault } from './faults.ts';
import { sleep, stats as httpStats } from './http.ts';
import type { Case, ChaosProcess, RunContext, Verdict } from './process.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { rng } from './rng.ts';
import { buildWorkflowBundle, faenaProcesses, migrate } from './services.ts';
import { freshTemporalDb, preparePostgres, redisSpec, stopPostgres, temporalSpec } from './stack.ts';
import { Supervisor, cleanupRecorded } from './supervisor.ts';
import { temporalProbe, type TemporalProbe } from './temporal.ts';

const t0 = Date.now();
const elapsed = () => (Date.now() - t0) / 1000;
const log = (msg: string) => process.stderr.write(`[chaos ${elapsed().toFixed(1).padStart(6)}s] ${msg}\n`);

// Another run going on this machine owns the chaos stack: leave it alone, touch nothing.
const stopLeftovers = () =>
  cleanupRecorded(PID_FILE, log).then(
    (n) => ({ n, busy: false }),
    (err: unknown) => {
      log(String(err));
      return { n: 0, busy: true };
    },
  );

if (process.argv.includes('--cleanup')) {
  const { n, busy } = await stopLeftovers();
  if (!busy) await stopPostgres().catch(() => undefined);
  log(`cleanup: ${n} left-over processes stopped`);
  process.exit(0);
}
mkdirSync(DATA, { recursive: true });
if ((await stopLeftovers()).busy) {
  process.stdout.write(
    'chaos: 0 processes, 0 faults, 0 lost, 0 duplicated, ledger unchecked (another run)\n',
  );
  process.exit(2);
}

const opts = options();
const hardDeadline = t0 + opts.seconds * 1000;
/** Time kept for the checks and for stopping everything. */
const RESERVE_MS = 30000;
const settleDeadline = hardDeadline - RESERVE_MS;
const root = rng(opts.seed);
const runId = `${opts.seed.toString(36)}${Date.now().toString(36).slice(-4)}`;
const abort = new AbortController();
const phases: Record<string, number> = {};
let phaseStart = Date.now();
const phase = (name: string) => {
  const now = Date.now();
  phases[name] = Math.round((now - phaseStart) / 100) / 10;
  phaseStart = now;
};

for (const dir of [DATA, LOGS, path.dirname(REPORT_FILE)]) mkdirSync(dir, { recursive: true });
const supervisor = new Supervisor({ logsDir: LOGS, pidFile: PID_FILE, clock: elapsed, log });

let interrupted = null as string | null; // set by a signal handler
// `on`, not `once`: a Ctrl-C reaches the harness twice (from the terminal and forwarded by `timeout`).
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(s, () => {
    if (interrupted) return;
    interrupted = s;
    log(`${s}: stopping`);
    abort.abort(s);
  });
// A bug of the harness itself still stops what it started.
for (const event of ['uncaughtException', 'unhandledRejection'] as const)
  process.once(event, (err: unknown) => {
    harnessError = (err as Error)?.stack ?? String(err);
    log(`${event}: ${harnessError}`);
    void emergencyStop('harness crashed', 2);
  });
// The bound holds even if something hangs: first the phases are told, then the process ends.
const soft = setTimeout(() => {
  log('time bound reached: aborting the drive');
  abort.abort('time');
}, settleDeadline - Date.now());
const hard = setTimeout(
  () => {
    log('hard time bound reached: stopping everything now');
    void emergencyStop('hard time bound', 3);
  },
  hardDeadline - Date.now() - 5000,
);
/** Stops everything at once and reports what is known (the hard bound, a crash of the harness). */
async function emergencyStop(cause: string, code: number) {
  receiverStats ??= receiver?.stats();
  await supervisor.stopAll(2000).catch(() => undefined);
  await stopPostgres().catch(() => undefined);
  finish(cause);
  process.exit(code);
}

const db = async () => {
  const c = new pg.Client({
    connectionString: DATABASE_URL,
    connectionTimeoutMillis: 5000,
    statement_timeout: 10000,
    query_timeout: 12000,
  });
  // A connection cut by a PostgreSQL crash fails its next query; it must not crash the harness.
  c.on('error', (err) => log(`database connection lost: ${err.message}`));
  await c.connect();
  return c;
};

// The processes the run drives.
let probe = null as TemporalProbe | null;
let receiver = null as Receiver | null;
const escrow = escrowProcess({
  temporal: { describe: (id) => probe!.describe(id), close: async () => undefined },
  onWebhookSecret: (secret) => receiver?.setSecret(secret),
});
/** `CHAOS_PROCESSES=renewal` (a comma list of names) drives only those; default every process. */
const only = (process.env.CHAOS_PROCESSES ?? '').split(',').filter(Boolean);
// Printing first: its dead printer's tickets, sent at the end of its setup, have 2 minutes to
// expire and fall back within the run's bound while the others set up.
const PROCESSES: ChaosProcess[] = [
  printingProcess(),
  escrow,
  renewalProcess(),
  waitlistProcess(),
  incidentProcess(),
  storeProcess(),
  closureProcess(),
].filter((p) => !only.length || only.includes(p.name));

/** Cases of every process: each scenario at least once when there are enough, the rest drawn by weight. */
function planCases(): Case[] {
  const cases: Case[] = [];
  // A process that says how many cases it takes (`cases`) runs them on top of the deals; the
  // others share CHAOS_DEALS, the first taking the remainder.
  const sharing = PROCESSES.filter((p) => !p.cases);
  const share = sharing.length ? Math.floor(opts.deals / sharing.length) : 0;
  PROCESSES.forEach((p) => {
    const n = p.cases
      ? p.cases(opts.deals)
      : p === sharing[0]
        ? opts.deals - share * (sharing.length - 1)
        : share;
    const draw = root.fork(`scenarios:${p.name}`);
    const names = Object.keys(p.scenarios);
    const picks = names.length <= n ? [...names] : [];
    while (picks.length < n) picks.push(draw.weighted(p.scenarios));
    draw.shuffle(picks);
    picks.forEach((scenario, i) => {
      const c: Case = {
        id: `${p.name[0]}${String(i + 1).padStart(2, '0')}`,
        process: p.name,
        scenario,
        rng: root.fork(`case:${p.name}:${i}`),
        data: {},
        steps: [],
      };
      p.plan(c);
      cases.push(c);
    });
  });
  return cases;
}

class Interrupted extends Error {}

const cases = planCases();
let plan: PlannedFault[] = [];
let faults: FaultRecord[] = [];
const verdicts: Verdict[] = [];
/** Money moved twice outside any one deal's check (checks.ts). */
const ledgerDuplicates: string[] = [];
let ledger = null as LedgerResult | null;
let outbox = null as OutboxResult | null;
let harnessError = null as string | null;
/** Processes that did not answer their readiness probe after the drive. */
const notServing: string[] = [];
let finished = false;
let receiverStats = undefined as ReturnType<Receiver['stats']> | undefined;
let driveStart = 0;

async function main() {
  log(
    `seed ${opts.seed}, ${opts.deals} deals, ${opts.faults} faults, bound ${opts.seconds} s (run ${runId})`,
  );

  // 1. The chaos stack: PostgreSQL cluster, Redis, Temporal (fresh SQLite file), sandbox state.
  freshTemporalDb();
  rmSync(SANDBOX_STATE_FILE, { force: true });
  supervisor.add(redisSpec());
  supervisor.add(temporalSpec());
  const bundle = buildWorkflowBundle().then(
    () => null,
    (err: unknown) =>
      new Error(`the workflow bundle does not build: ${(err as { stderr?: string }).stderr ?? String(err)}`),
  );
  await Promise.all([preparePostgres(log), supervisor.start('redis'), supervisor.start('temporal')]);
  phase('stack');

  // 2. Migrations like scripts/dev.sh, then every API, worker, the sandbox and the SMTP catcher.
  const faena = faenaProcesses();
  for (let i = 0; i < faena.migrations.length; i += 2)
    await Promise.all(faena.migrations.slice(i, i + 2).map((name) => migrate(name)));
  const bundleError = await bundle;
  if (bundleError) throw bundleError;
  phase('migrate+bundle');
  for (const spec of [...faena.support, ...faena.apis, ...faena.workers]) supervisor.add(spec);
  await Promise.all([...faena.support, ...faena.apis, ...faena.workers].map((s) => supervisor.start(s.name)));
  phase('processes');
  log(`${supervisor.names.length} processes up (logs in ${path.relative(process.cwd(), LOGS)})`);

  probe = temporalProbe();
  receiver = await startReceiver(PORTS.receiver, root.fork('receiver'));
  const ctx: RunContext = {
    seed: opts.seed,
    runId,
    urls: {
      identity: url(PORTS.identity),
      payments: url(PORTS.payments),
      marketplace: url(PORTS.marketplace),
      gym: url(PORTS.gym),
      pos: url(PORTS.pos),
      notifications: url(PORTS.notifications),
      sandbox: url(PORTS.sandbox),
      receiver: receiver.url,
    },
    clock: () => (driveStart ? (Date.now() - driveStart) / 1000 : 0),
    log,
    deadline: settleDeadline,
    signal: abort.signal,
    db,
    providerPayments: [],
    sandboxStateFile: SANDBOX_STATE_FILE,
  };

  // 3. Setup through the APIs (before any fault): tenant, operator, professionals, clients.
  for (const p of PROCESSES)
    await p.prepare(
      ctx,
      cases.filter((c) => c.process === p.name),
    );
  phase('prepare');

  // 4. Drive every case while the faults happen.
  driveStart = Date.now();
  const driveBudget = (settleDeadline - driveStart) / 1000;
  const faultWindow = { from: 3, to: Math.max(6, Math.min(70, driveBudget - 70)) };
  const workers = faena.workers.map((w) => w.name);
  plan = planFaults(root.fork('faults'), opts.faults, faultWindow, workers);
  // A process's own faults (a Temporal restart at a schedule's firing) join the seeded ones.
  for (const p of PROCESSES)
    plan.push(
      ...(p.faults?.(
        ctx,
        cases.filter((c) => c.process === p.name),
      ) ?? []),
    );
  plan.sort((a, b) => a.at - b.at);
  log(
    `driving ${cases.length} cases; ${plan.length} faults between ${faultWindow.from} s and ${faultWindow.to.toFixed(0)} s`,
  );
  const byName = new Map(PROCESSES.map((p) => [p.name, p]));
  const drives = Promise.all(
    cases.map((c) =>
      byName
        .get(c.process)!
        .drive(ctx, c)
        .catch((err: unknown) => {
          c.driverError = `drive crashed: ${(err as Error).stack ?? String(err)}`;
        }),
    ),
  );
  faults = await runFaults(plan, {
    supervisor,
    ctx,
    rng: root.fork('fault-effects'),
    merchantToken: () => escrow.world()?.merchantToken,
  });
  phase('faults');
  await drives;
  phase('drive');

  // 5. Settle: every case final (or waiting for an operator), every process up, the outbox empty.
  const open = new Set(cases);
  while (open.size && Date.now() < settleDeadline && !abort.signal.aborted) {
    for (const c of [...open]) {
      if (Date.now() >= settleDeadline) break;
      if (await byName.get(c.process)!.settled(ctx, c)) open.delete(c);
    }
    if (open.size) await sleep(1000, abort.signal);
  }
  // Every process still serves after the faults (a process up but stuck is as bad as one gone).
  const serving = await Promise.all(supervisor.names.map((name) => supervisor.serves(name, 15000)));
  notServing.push(...supervisor.names.filter((_, i) => !serving[i]));
  for (const name of notServing) log(`${name} does not serve at the end of the drive`);
  // Ctrl-C: no more waiting and no verdicts, only a quick look at the ledger and a clean stop.
  if (interrupted) throw new Interrupted(interrupted);
  outbox = await waitOutbox(db, Math.max(Date.now() + 3000, settleDeadline));
  phase('settle');

  // 6. The verdicts, within the time kept for them (the drive's deadline has passed by now).
  ctx.deadline = hardDeadline - 12000;
  for (const p of PROCESSES)
    verdicts.push(
      ...(await p.check(
        ctx,
        cases.filter((c) => c.process === p.name),
      )),
    );
  const c = await db();
  try {
    ledger = await checkLedger(c);
    ledgerDuplicates.push(...(await checkDuplicates(c)));
  } finally {
    await c.end();
  }
  phase('check');
}

// Ctrl-C does not wait for what main is in the middle of: the stop begins at once.
const stopRequested = new Promise<void>((resolve) =>
  abort.signal.addEventListener('abort', () => interrupted && resolve()),
);
try {
  const running = main();
  running.catch(() => undefined); // its failure after an interrupt is expected (processes gone)
  await Promise.race([running, stopRequested.then(() => Promise.reject(new Interrupted(interrupted ?? '')))]);
} catch (err) {
  if (!(err instanceof Interrupted)) {
    harnessError = (err as Error).stack ?? String(err);
    log(`harness error: ${(err as Error).message}`);
  }
  // Whatever can still be checked is.
  if (!ledger)
    ledger = await db()
      .then(async (c) => {
        try {
          return await checkLedger(c);
        } finally {
          await c.end();
        }
      })
      .catch(() => null);
}
clearTimeout(soft);

receiverStats = receiver?.stats();
await receiver?.close().catch(() => undefined);
await probe?.close().catch(() => undefined);
await supervisor.stopAll(6000).catch((err: unknown) => log(`stopping processes: ${String(err)}`));
await stopPostgres().catch((err: unknown) => log(`stopping PostgreSQL: ${String(err)}`));
phase('teardown');
clearTimeout(hard);

process.exitCode = finish();
if (existsSync(PID_FILE)) rmSync(PID_FILE, { force: true });
// Nothing of ours is left running; do not wait for stray handles.
setTimeout(() => process.exit(), 200).unref();

/**
 * The verdict line and the report, from whatever the run got to (also after the hard bound or a
 * crash of the harness): cases never checked count as lost. Returns the exit code.
 */
function finish(cause?: string): number {
  if (finished) return 1;
  finished = true;
  // Cases never checked (the harness failed before) are lost: nobody can say where their money is.
  const checked = new Set(verdicts.map((v) => v.caseId));
  for (const c of cases)
    if (!checked.has(c.id))
      verdicts.push({
        caseId: c.id,
        scenario: c.scenario,
        expected: { states: [] },
        final: null,
        lost: [
          `not checked: ${cause ?? (harnessError ? 'harness error' : interrupted ? `interrupted (${interrupted})` : 'time bound')}`,
        ],
        duplicated: [],
        notes: c.driverError ? [`driver: ${c.driverError}`] : [],
      });
  const lost =
    verdicts.filter((v) => v.lost.length).length +
    (outbox && !outbox.drained ? outbox.pending + outbox.emailsQueued : 0) +
    (outbox?.dead ?? 0);
  const duplicated = verdicts.reduce((n, v) => n + v.duplicated.length, 0) + ledgerDuplicates.length;
  const ledgerWord = ledger?.balanced ? 'ledger balanced' : ledger ? 'ledger UNBALANCED' : 'ledger unchecked';
  const injected = faults.filter((f) => !f.error).length;
  const line =
    `chaos: ${cases.length} processes, ${injected} faults, ${lost} lost, ${duplicated} duplicated, ${ledgerWord}` +
    (notServing.length ? `; not serving: ${notServing.join(', ')}` : '');

  const report = {
    summary: line,
    seed: opts.seed,
    runId,
    options: opts,
    startedAt: new Date(t0).toISOString(),
    seconds: Math.round(elapsed() * 10) / 10,
    phases,
    error: harnessError,
    interrupted,
    faults: { planned: plan, injected: faults },
    supervisor: { processes: supervisor.names, crashes: supervisor.crashes, events: supervisor.events },
    ledger: ledger && { ...ledger, duplicates: ledgerDuplicates },
    outbox,
    webhookReceiver: receiverStats,
    notServing,
    http: httpStats,
    cases: cases.map((c) => {
      const v = verdicts.find((x) => x.caseId === c.id)!;
      const { client: _client, ...data } = c.data;
      return {
        id: c.id,
        process: c.process,
        scenario: c.scenario,
        expected: v.expected,
        final: v.final,
        ok: !v.lost.length && !v.duplicated.length,
        waiting: v.waiting ?? null,
        lost: v.lost,
        duplicated: v.duplicated,
        notes: v.notes,
        data,
        steps: c.steps,
      };
    }),
  };
  writeFileSync(REPORT_FILE, `${JSON.stringify(report, null, 2)}\n`);
  const unchecked = verdicts.filter((v) => v.lost.some((x) => x.startsWith('not checked')));
  if (unchecked.length) log(`${unchecked.length} cases not checked (${unchecked[0]!.lost[0]})`);
  for (const v of verdicts)
    for (const p of [...v.lost.map((x) => `lost: ${x}`), ...v.duplicated.map((x) => `duplicated: ${x}`)])
      if (!unchecked.includes(v))
        log(`${v.caseId} ${v.scenario}: ${p}${v.notes.length ? ` [${v.notes.join('; ')}]` : ''}`);
  if (lost || duplicated) log(`replay this run: CHAOS_SEED=${opts.seed} make chaos`);
  if (ledger && !ledger.balanced) for (const p of ledger.problems.slice(0, 20)) log(p);
  for (const p of ledgerDuplicates) log(`duplicated: ${p}`);
  if (outbox && (!outbox.drained || outbox.dead)) log(`outbox: ${JSON.stringify(outbox)}`);
  log(`report: ${path.relative(process.cwd(), REPORT_FILE)}; ${elapsed().toFixed(1)} s in all`);
  process.stdout.write(`${line}\n`);
  return lost || duplicated || notServing.length || !ledger?.balanced || harnessError || interrupted || cause
    ? 1
    : 0;
}
