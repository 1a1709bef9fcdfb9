/**
 * B1: gym bookings at the front desk, through the gym API (support/gym.ts, its own process), as
 * the receptionist whose grant holds in branch A only.
 *
 * - Contention: 100 bookings of 100 different members sent at once for a class of 20 seats: exactly
 *   20 are booked (201), the other 80 answer 409 CLASS_FULL, and the database agrees (the
 *   occurrence's `booked`, the live booking rows). Anything else fails the bench.
 * - Throughput with no contention: BENCH_CONNECTIONS clients at once, each booking members one
 *   after the other into a class of its own (no two requests wait on one class's row lock), for
 *   BENCH_SECONDS after a warm-up round. Goal >= 500 bookings/s (an absolute figure: the one goal
 *   of issue 19 that is not a ratio; the load average says how busy the machine was).
 *
 * Each booking's answer waits for the API's signal of the class's waitlist process (its fast path;
 * the outbox is the guarantee). The bench times one signal-with-start alone on the same dev server
 * (`signalWithStartMs`, sequential, before the throughput round) so the figure can be read.
 *
 * The fix (docs/benchmarks.md, "Profile and fix (B1)") is measured before and after in this run:
 * a second gym server runs the gym's code as it was at `B1_BEFORE` (default: the commit the fix
 * landed on, `git archive` into .cache/bench/b1-before-<sha>/; the shared packages are today's),
 * and the throughput round runs in halves of BENCH_SECONDS per side in the order before, after,
 * after, before (a drift of the machine's load weighs on both).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { uniqueTaskQueue, testStack } from '@faena/platform/testing';
import { CACHE, ROOT, SETTINGS, record, say, start, type Started } from './support/bench.ts';

const API = '/api/gym/v1';
/** CPU time (ms, user + system) of a process, from /proc (clock ticks of 10 ms). */
const cpuMs = (pid: number): number => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
};
/** The Temporal dev server's process (shared by everyone on this machine: its CPU is not ours alone). */
const temporalPid = readdirSync('/proc')
  .filter((d) => /^\d+$/.test(d))
  .find((d) => {
    try {
      return readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'temporal';
    } catch {
      return false;
    }
  });
process.env.FAENA_TEST_RUN ??= `${process.pid}`;
const RUN = process.env.FAENA_TEST_RUN;
/** The commit the fix landed on: the gym's code before it (B1_BEFORE=none runs no before side). */
const FIX_BASE = '733eee9aeec3b9c6d19a0e7f8fc73da82722bb0b';
const BEFORE = process.env.B1_BEFORE ?? FIX_BASE;

/** The repository at `commit`, extracted once under .cache/bench (null: no git history here). */
function treeAt(commit: string): string | null {
  try {
    const sha = execFileSync('git', ['rev-parse', commit], { cwd: ROOT }).toString().trim();
    const dir = path.join(CACHE, `b1-before-${sha.slice(0, 12)}`);
    if (!existsSync(path.join(dir, '.complete'))) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      execFileSync('sh', ['-c', `git archive ${sha} | tar -x -C '${dir}'`], { cwd: ROOT });
      writeFileSync(path.join(dir, '.complete'), `${sha}\n`);
    }
    return dir;
  } catch (err) {
    say(`  no before side: ${(err as Error).message.split('\n')[0]}`);
    return null;
  }
}

interface GymInfo {
  url: string;
  token: string;
  contended: string;
  classes: string[];
  members: string[];
}
/** One gym server (support/gym.ts of `root`) on a database and namespace of its own. */
const startGym = (side: string, root: string, profile: boolean) =>
  start<GymInfo>(
    `gym-${side}`,
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      // BENCH_PROFILE=1: the gym API under --cpu-prof (.cache/bench/profile/b1/, written at its exit).
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(CACHE, 'profile', 'b1')}`] : []),
      path.join(root, 'tests/bench/support/gym.ts'),
    ],
    {
      cwd: root,
      env: {
        FAENA_TEST_RUN: `${RUN}${side === 'after' ? '' : side}`,
        FAENA_TEST_TEMPORAL_NAMESPACE: `faena-test-${process.pid}-b1-${side}`,
        NODE_ENV: 'production',
        B1_CLASSES: String(SETTINGS.connections),
      },
    },
  );
const databaseOf = (side: string) => `faena_test_${RUN}${side === 'after' ? '' : side}_1`;

say(`B1: ${SETTINGS.connections} clients, ${SETTINGS.seconds} s`);
const beforeRoot = BEFORE === 'none' ? null : treeAt(BEFORE);
const gym = await startGym('after', ROOT, !!process.env.BENCH_PROFILE);
const old = beforeRoot ? await startGym('before', beforeRoot, false) : null;
const { contended } = gym.info;
const bookAt = (g: GymInfo, occurrenceId: string, memberId: string) =>
  fetch(`${g.url}${API}/bookings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${g.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ occurrenceId, memberId }),
  }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { errors?: Array<{ code: string }> },
  }));
const book = (occurrenceId: string, memberId: string) => bookAt(gym.info, occurrenceId, memberId);
const members = gym.info.members;

try {
  // ---- 100 at once on 20 seats ------------------------------------------------------------------
  const answers = await Promise.all(members.slice(0, 100).map((m) => book(contended, m)));
  const booked = answers.filter((a) => a.status === 201).length;
  const full = answers.filter((a) => a.status === 409 && a.body.errors?.[0]?.code === 'CLASS_FULL').length;
  const db = new pg.Client({
    connectionString: testStack.postgresAdminUrl.replace(/\/[^/]*$/, `/${databaseOf('after')}`),
  });
  await db.connect();
  const [row] = (
    await db.query<{ booked: number; rows: number }>(
      `select o.booked, (select count(*)::int from gym.bookings b where b.occurrence_id = o.id and b.status = 'booked') as rows
         from gym.class_occurrences o where o.id = $1`,
      [contended],
    )
  ).rows;
  await db.end();
  say(
    `  100 at once on 20 seats: ${booked} booked, ${full} CLASS_FULL; the database: booked ${row?.booked}, ${row?.rows} booking rows`,
  );
  if (booked !== 20 || full !== 80 || row?.booked !== 20 || row.rows !== 20)
    throw new Error(
      `contention: ${JSON.stringify(answers.filter((a) => a.status !== 201 && a.status !== 409))}`,
    );

  // ---- what one signal-with-start costs on this dev server now ------------------------------------
  const connection = await Connection.connect({ address: testStack.temporalAddress });
  const temporal = new Client({ connection, namespace: `faena-test-${process.pid}-b1-after` });
  const probe = { taskQueue: uniqueTaskQueue('b1-probe'), workflowId: `b1-probe-${process.pid}` };
  const signalMs: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await temporal.workflow.signalWithStart('b1Probe', {
      ...probe,
      args: [],
      signal: 'b1Probe',
      signalArgs: [],
    });
    signalMs.push(performance.now() - t);
  }
  await temporal.workflow.getHandle(probe.workflowId).terminate('b1 probe');
  await connection.close();
  const signalWithStartMs = [...signalMs].sort((a, b) => a - b)[5]!;
  say(
    `  signal-with-start on this dev server: p50 ${signalWithStartMs.toFixed(0)} ms (sequential, 10 calls)`,
  );

  // ---- no contention: one class per client; before / after the fix in halves -------------------
  interface Side {
    name: string;
    server: Started<GymInfo>;
    /** members[next…] are free in every class: each client walks them in its own class. */
    next: number;
    bookings: number;
    ms: number;
    cpuMs: number;
    temporalMs: number;
  }
  const side = (name: string, server: Started<GymInfo>): Side => ({
    name,
    server,
    next: 0,
    bookings: 0,
    ms: 0,
    cpuMs: 0,
    temporalMs: 0,
  });
  const after = side('after', gym);
  const before = old ? side('before', old) : null;
  const round = async (s: Side, forMs: number, counted: boolean) => {
    const { classes, members: all } = s.server.info;
    const from = s.next;
    const cpu0 = { gym: cpuMs(s.server.child.pid!), temporal: temporalPid ? cpuMs(Number(temporalPid)) : 0 };
    const t0 = Date.now();
    const counts = await Promise.all(
      classes.map(async (occurrence) => {
        let i = from;
        const started = Date.now();
        while (Date.now() - started < forMs && i < all.length) {
          const r = await bookAt(s.server.info, occurrence, all[i++]!);
          if (r.status !== 201)
            throw new Error(`${s.name}: booking answered ${r.status}: ${JSON.stringify(r.body)}`);
        }
        return i - from;
      }),
    );
    s.next = from + Math.max(...counts);
    if (s.next >= all.length) throw new Error(`ran out of members (${all.length}): raise B1_MEMBERS`);
    if (!counted) return;
    s.bookings += counts.reduce((a, b) => a + b, 0);
    s.ms += Date.now() - t0;
    s.cpuMs += cpuMs(s.server.child.pid!) - cpu0.gym;
    s.temporalMs += temporalPid ? cpuMs(Number(temporalPid)) - cpu0.temporal : 0;
  };
  for (const s of [before, after]) if (s) await round(s, SETTINGS.warmupSeconds * 1000, false);
  const half = (SETTINGS.seconds * 1000) / 2;
  for (const s of before ? [before, after, after, before] : [after, after]) await round(s, half, true);
  const perSecondOf = (s: Side) => s.bookings / (s.ms / 1000);
  const cpuOf = (s: Side) => ({
    gymMs: Math.round((s.cpuMs / s.bookings) * 10) / 10,
    temporalServerMs: temporalPid ? Math.round((s.temporalMs / s.bookings) * 10) / 10 : null,
  });
  const bookings = after.bookings;
  const seconds = after.ms / 1000;
  const perSecond = perSecondOf(after);
  // Where a booking's time goes: CPU per booking of the gym API's process and of the dev server.
  const cpuPerBooking = cpuOf(after);
  say(
    `  no contention: ${bookings} bookings in ${seconds.toFixed(1)} s = ${perSecond.toFixed(0)} bookings/s; CPU per booking: gym API ${cpuPerBooking.gymMs} ms, Temporal dev server ${cpuPerBooking.temporalServerMs ?? '?'} ms`,
  );
  const fix = before
    ? {
        base: BEFORE,
        bookings: before.bookings,
        seconds: before.ms / 1000,
        perSecond: perSecondOf(before),
        cpuPerBooking: cpuOf(before),
      }
    : null;
  if (fix)
    say(
      `  before the fix (${BEFORE.slice(0, 7)}): ${fix.bookings} bookings in ${fix.seconds.toFixed(1)} s = ${fix.perSecond.toFixed(0)} bookings/s; CPU per booking: gym API ${fix.cpuPerBooking.gymMs} ms, Temporal dev server ${fix.cpuPerBooking.temporalServerMs ?? '?'} ms`,
    );
  record(
    'b1',
    'Gym bookings: 100 at once on 20 seats; bookings/s with no contention',
    [
      { what: 'seats booked by 100 at once / 20 seats', ratio: booked / 20, goal: '= 1', met: booked === 20 },
      {
        what: 'bookings/s, no contention (absolute)',
        ratio: perSecond,
        goal: '>= 500',
        met: perSecond >= 500,
      },
      ...(fix
        ? [
            {
              what: 'bookings/s, the fix: after / before',
              ratio: perSecond / fix.perSecond,
              goal: '> 1',
              met: perSecond > fix.perSecond,
            },
            {
              what: 'gym API CPU per booking, after / before the fix',
              ratio: cpuPerBooking.gymMs / fix.cpuPerBooking.gymMs,
              goal: '< 1',
              met: cpuPerBooking.gymMs < fix.cpuPerBooking.gymMs,
            },
            {
              what: 'dev server CPU per booking, after / before the fix',
              ratio: (cpuPerBooking.temporalServerMs ?? 0) / (fix.cpuPerBooking.temporalServerMs || 1),
              goal: 'shown',
              met: true,
            },
          ]
        : []),
    ],
    {
      contention: { attempts: 100, seats: 20, booked, classFull: full, database: row },
      clients: gym.info.classes.length,
      bookings,
      seconds,
      perSecond,
      signalWithStartMs,
      cpuPerBooking,
      fix,
    },
  );
} finally {
  await gym.stop();
  await old?.stop();
  const admin = new pg.Client({ connectionString: testStack.postgresAdminUrl });
  await admin.connect();
  for (const side of ['after', 'before'])
    await admin.query(`drop database if exists "${databaseOf(side)}" with (force)`);
  await admin.end();
}
process.exit(0);
