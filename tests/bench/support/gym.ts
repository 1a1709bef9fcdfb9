/**
 * B1's server, in a process of its own: identity and payments (their test harnesses, as the gym's
 * suites run them) and the gym API wired as production wires it (`createGymDeps`, the production
 * guard with its 1 s in-process snapshot cache, request log at info to /dev/null), on this run's
 * database and Temporal namespace. It seeds a gym whose receptionist's grant holds in branch A only
 * (the staff role that books at the desk), an unlimited plan, `B1_CLASSES` classes of branch A
 * tomorrow plus one of 20 seats, and `B1_MEMBERS` members with an active membership, then prints
 * `READY {url, token, contended, classes, members}`.
 *
 * The class waitlist process is started (signal-with-start after each booking, the API's fast path)
 * on a task queue no worker polls: the bench measures the API, not the process.
 */
import { createWriteStream } from 'node:fs';
import request from 'supertest';
import { Connection } from '@temporalio/client';
import { authGuardFromConfig, createLogger, createRedis, runMigrations, serve } from '@faena/platform';
import { registerTestNamespace, testDatabaseUrl, testStack, uniqueTaskQueue } from '@faena/platform/testing';
import { createApp } from '../../../services/gym/src/app.ts';
import { createGymDeps, createGymOrm } from '../../../services/gym/src/wiring.ts';
import {
  API,
  gym,
  gymTestConfig,
  member,
  ok,
  plan,
  sql,
  type GymHarness,
} from '../../../services/gym/test/harness.ts';
import { addDays, todayIn } from '../../../services/gym/src/domain/dates.ts';
import { startPayments } from '../../../services/payments/test/harness.ts';
import { bearer } from '../../../services/identity/test/harness.ts';

const CLASSES = Number(process.env.B1_CLASSES ?? 32);
const MEMBERS = Number(process.env.B1_MEMBERS ?? 200);

const connection = await Connection.connect({ address: testStack.temporalAddress });
await registerTestNamespace(connection, testStack.temporalNamespace);
await connection.close();

const p = await startPayments();
const paymentsUrl = `http://127.0.0.1:${p.server.port}`;
const logger = createLogger({ service: 'gym', level: 'info', stream: createWriteStream('/dev/null') });
const orm = await createGymOrm({ DATABASE_URL: await testDatabaseUrl(), DATABASE_POOL_MAX: 20 });
await runMigrations(orm);
const redis = createRedis(testStack.redisUrl);
const guard = authGuardFromConfig({ IDENTITY_URL: p.identityUrl }, redis);
const never = (q: string) => uniqueTaskQueue(`${q}-never-run`);
const deps = createGymDeps(
  gymTestConfig(paymentsUrl),
  { orm, redis, logger, guard, temporal: p.temporal },
  {
    renewalTaskQueue: never('renewal'),
    waitlistTaskQueue: never('waitlist'),
    incidentTaskQueue: never('incident'),
    lowStockTaskQueue: never('low-stock'),
  },
);
const app = createApp(deps);
const server = await serve(app, { port: 0, host: '127.0.0.1', logger, signals: [] });
const url = `http://127.0.0.1:${server.port}`;
const h = { p, paymentsUrl, orm, redis, guard, deps, agent: request(app.app.callback()) };
const harness = h as unknown as GymHarness;

// ---- the gym ----------------------------------------------------------------------------------
const g = await gym(harness);
const libre = await plan(harness, g, { name: 'Libre' }, 10_000, [g.branchA]);
const yoga = ok<{ id: string }>(
  await h.agent.post(`${API}/class-types`).set(bearer(g.manager.token)).send({ name: 'Yoga' }),
  'class type',
).id;
const day = addDays(todayIn('UTC'), 1);
const weekday = new Date(`${day}T12:00:00.000Z`).getUTCDay();
/** One weekly class of branch A tomorrow at 19:00 UTC (its room names it), answered as that day's occurrence. */
async function classOf(room: string, capacity: number): Promise<string> {
  const schedule = ok<{ id: string }>(
    await h.agent.post(`${API}/classes`).set(bearer(g.manager.token)).send({
      branchId: g.branchA,
      classTypeId: yoga,
      room,
      weekday,
      startTime: '19:00',
      durationMinutes: 60,
      capacity,
      timeZone: 'UTC',
      startsOn: day,
    }),
    'class',
  );
  const [o] = await sql<{ id: string }>(
    harness,
    `select id from gym.class_occurrences where schedule_id = ? and local_date = ?`,
    [schedule.id, day],
  );
  return o!.id;
}
const contended = await classOf('Contended', 20);
const classes: string[] = [];
for (let i = 0; i < CLASSES; i++) classes.push(await classOf(`Sala ${i + 1}`, 1000));
const members: string[] = [];
while (members.length < Math.max(MEMBERS, 100))
  members.push(
    ...(await Promise.all(
      Array.from(
        { length: 10 },
        async () =>
          (await member(harness, g.receptionist, g.branchA, { firstName: `M${members.length}` })).id,
      ),
    )),
  );
// Active memberships of the plan, as a sale leaves them (the sale is memberships.test's).
await sql(
  harness,
  `insert into gym.memberships (id, tenant_id, member_id, plan_id, branch_id, status, starts_on, ends_on,
     sessions_left, amount, currency, payment_method, purchase_key, created_at, updated_at)
   select gen_random_uuid(), ?, m, ?, ?, 'active', current_date - 1, current_date + 30, null, 10000, 'CLP', 'wallet',
     'seed:' || m, now(), now() from unnest(cast(? as uuid[])) as m`,
  [g.biz.tenantId, libre.id, g.branchA, `{${members.join(',')}}`],
);

process.stdout.write(
  `READY ${JSON.stringify({ url, token: g.receptionist.token, contended, classes, members })}\n`,
);
process.once('SIGTERM', () => {
  void (async () => {
    await server.stop();
    await guard.close();
    await redis.quit();
    await orm.close(true);
    await p.close();
    process.exit(0);
  })();
});
