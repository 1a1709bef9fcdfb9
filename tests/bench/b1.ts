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
 * Each booking's answer waits for the API's signal-with-start of the class's waitlist process (its
 * fast path; the outbox is the guarantee). The bench times that call alone on the same dev server
 * (`signalWithStartMs`, sequential, before the throughput round) so the figure can be read.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { uniqueTaskQueue, testStack } from '@faena/platform/testing';
import { CACHE, SETTINGS, SUPPORT, record, say, start } from './support/bench.ts';

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
const env = {
  FAENA_TEST_RUN: process.env.FAENA_TEST_RUN,
  FAENA_TEST_TEMPORAL_NAMESPACE: `faena-test-${process.pid}-b1`,
  NODE_ENV: 'production',
  B1_CLASSES: String(SETTINGS.connections),
};
say(`B1: ${SETTINGS.connections} clients, ${SETTINGS.seconds} s`);
const gym = await start<{
  url: string;
  token: string;
  contended: string;
  classes: string[];
  members: string[];
}>(
  'gym',
  process.execPath,
  [
    '--disable-warning=ExperimentalWarning',
    // BENCH_PROFILE=1: the gym API under --cpu-prof (.cache/bench/profile/b1/, written at its exit).
    ...(process.env.BENCH_PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${path.join(CACHE, 'profile', 'b1')}`]
      : []),
    `${SUPPORT}/gym.ts`,
  ],
  { env },
);
const { url, token, contended, classes, members } = gym.info;
const book = (occurrenceId: string, memberId: string) =>
  fetch(`${url}${API}/bookings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ occurrenceId, memberId }),
  }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { errors?: Array<{ code: string }> },
  }));

try {
  // ---- 100 at once on 20 seats ------------------------------------------------------------------
  const answers = await Promise.all(members.slice(0, 100).map((m) => book(contended, m)));
  const booked = answers.filter((a) => a.status === 201).length;
  const full = answers.filter((a) => a.status === 409 && a.body.errors?.[0]?.code === 'CLASS_FULL').length;
  const db = new pg.Client({
    connectionString: testStack.postgresAdminUrl.replace(/\/[^/]*$/, `/faena_test_${env.FAENA_TEST_RUN}_1`),
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
  const temporal = new Client({ connection, namespace: env.FAENA_TEST_TEMPORAL_NAMESPACE });
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

  // ---- no contention: one class per client ------------------------------------------------------
  let next = 0; // members[next…] are free in every class: each client walks them in its own class
  const round = async (forMs: number) => {
    const from = next;
    const counts = await Promise.all(
      classes.map(async (occurrence) => {
        let i = from;
        const started = Date.now();
        while (Date.now() - started < forMs && i < members.length) {
          const r = await book(occurrence, members[i++]!);
          if (r.status !== 201) throw new Error(`booking answered ${r.status}: ${JSON.stringify(r.body)}`);
        }
        return i - from;
      }),
    );
    next = from + Math.max(...counts);
    return counts.reduce((a, b) => a + b, 0);
  };
  await round(SETTINGS.warmupSeconds * 1000);
  const cpu0 = { gym: cpuMs(gym.child.pid!), temporal: temporalPid ? cpuMs(Number(temporalPid)) : 0 };
  const t0 = Date.now();
  const bookings = await round(SETTINGS.seconds * 1000);
  const seconds = (Date.now() - t0) / 1000;
  const perSecond = bookings / seconds;
  // Where a booking's time goes: CPU per booking of the gym API's process and of the dev server.
  const cpuPerBooking = {
    gymMs: Math.round(((cpuMs(gym.child.pid!) - cpu0.gym) / bookings) * 10) / 10,
    temporalServerMs: temporalPid
      ? Math.round(((cpuMs(Number(temporalPid)) - cpu0.temporal) / bookings) * 10) / 10
      : null,
  };
  if (next >= members.length) throw new Error(`ran out of members (${members.length}): raise B1_MEMBERS`);
  say(
    `  no contention: ${bookings} bookings in ${seconds.toFixed(1)} s = ${perSecond.toFixed(0)} bookings/s; CPU per booking: gym API ${cpuPerBooking.gymMs} ms, Temporal dev server ${cpuPerBooking.temporalServerMs ?? '?'} ms`,
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
    ],
    {
      contention: { attempts: 100, seats: 20, booked, classFull: full, database: row },
      clients: classes.length,
      bookings,
      seconds,
      perSecond,
      signalWithStartMs,
      cpuPerBooking,
    },
  );
} finally {
  await gym.stop();
  const admin = new pg.Client({ connectionString: testStack.postgresAdminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "faena_test_${env.FAENA_TEST_RUN}_1" with (force)`);
  await admin.end();
}
process.exit(0);
