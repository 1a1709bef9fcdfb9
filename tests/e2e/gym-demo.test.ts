/**
 * The gym's demo as `make dev` makes it (issue 16): on a fresh database, identity's and gym's
 * migrations and seeds run the way dev.sh runs them (identity first), twice — the second run adds
 * nothing — and then the real identity and gym processes serve it: the demo member logs in with the
 * client role and reads their own membership and bookings, the receptionist the members, the
 * trainer the classes they teach.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { spawnService, testDatabaseName, testStack, type SpawnedService } from '@faena/platform/testing';
import { DEMO_PASSWORD } from '../../services/identity/src/demo.ts';
import {
  CLASSES,
  DEMO_GYM,
  MEMBERS,
  PLANS,
  PRODUCTS,
  TRAINERS,
  demoUserEmail,
} from '../../services/gym/src/demo.ts';
import { ROOT, envExample } from '../chaos/config.ts';

const DB = `${testDatabaseName()}_gym_demo`;
let url: string;
let env: Record<string, string>;
let identity: SpawnedService | undefined;
let gym: SpawnedService | undefined;

/** One entry point run to completion as dev.sh runs it; its output when it fails. */
function run(entry: string, args: string[] = []) {
  const r = spawnSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', path.join(ROOT, entry), ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 180_000,
    },
  );
  if (r.status !== 0)
    throw new Error(`${entry} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The demo tenant's rows per gym table. */
async function counts(): Promise<Record<string, number>> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const tenant = (
      await db.query<{ id: string }>('select id from identity.tenants where slug = $1', [DEMO_GYM])
    ).rows[0]!.id;
    const out: Record<string, number> = {};
    for (const table of [
      'trainers',
      'trainer_availability',
      'members',
      'plans',
      'plan_prices',
      'memberships',
      'class_types',
      'class_schedules',
      'class_occurrences',
      'bookings',
      'products',
      'stock_levels',
      'stock_movements',
    ]) {
      const r = await db.query<{ n: string }>(`select count(*) as n from gym.${table} where tenant_id = $1`, [
        tenant,
      ]);
      out[table] = Number(r.rows[0]!.n);
    }
    const branches = await db.query<{ n: string }>(
      'select count(*) as n from identity.branches where tenant_id = $1',
      [tenant],
    );
    out.branches = Number(branches.rows[0]!.n);
    return out;
  } finally {
    await db.end();
  }
}

let first: Record<string, number>;
let second: Record<string, number>;

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: testStack.postgresAdminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${DB}" with (force)`);
  await admin.query(`create database "${DB}"`);
  await admin.end();
  const u = new URL(testStack.postgresAdminUrl);
  u.pathname = `/${DB}`;
  url = u.toString();
  const example = envExample();
  delete example.NODE_ENV;
  env = {
    ...example,
    DATABASE_URL: url,
    REDIS_URL: testStack.redisUrl,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
  };
  const migrateAndSeed = () => {
    for (const service of ['identity', 'gym']) {
      run(`services/${service}/src/migrate.ts`, ['up']);
      run(`services/${service}/src/seed.ts`);
    }
  };
  migrateAndSeed();
  first = await counts();
  migrateAndSeed();
  second = await counts();
  identity = await spawnService(path.join(ROOT, 'services/identity/src/main.ts'), {
    ...env,
    SERVICE_NAME: 'identity',
    PORT: '0',
    LOG_LEVEL: 'info',
  });
  gym = await spawnService(
    path.join(ROOT, 'services/gym/src/main.ts'),
    {
      ...env,
      SERVICE_NAME: 'gym',
      PORT: '0',
      LOG_LEVEL: 'info',
      IDENTITY_URL: `http://127.0.0.1:${identity.port}`,
    },
    { timeoutMs: 30_000 },
  );
}, 600_000);

afterAll(async () => {
  for (const s of [gym, identity]) {
    s?.child.kill('SIGTERM');
    await s?.exited;
  }
  const admin = new pg.Client({ connectionString: testStack.postgresAdminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${DB}" with (force)`);
  await admin.end();
});

async function login(local: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${identity!.port}/api/identity/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: DEMO_GYM, email: demoUserEmail(local), password: DEMO_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { accessToken: string } }).data.accessToken;
}

// The answer's `data` is whatever the route answers; each test asserts what it reads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function gymGet(token: string, route: string): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${gym!.port}/api/gym/v1${route}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { data?: unknown };
  if (res.status !== 200) throw new Error(`GET ${route}: ${res.status} ${JSON.stringify(body)}`);
  return body.data;
}

const booked = MEMBERS.reduce((n, m) => n + (m.books?.length ?? 0), 0);

describe('the gym demo seed', () => {
  it('creates the demo: 3 trainers, 10 members, 3 plans priced in both branches, 8 classes on the calendar, 5 products', () => {
    expect(first).toMatchObject({
      branches: 2,
      trainers: TRAINERS.length,
      members: MEMBERS.length,
      plans: PLANS.length,
      plan_prices: PLANS.length * 2,
      memberships: MEMBERS.filter((m) => m.plan).length,
      class_types: 4,
      class_schedules: CLASSES.length,
      bookings: booked,
      products: PRODUCTS.length,
      stock_levels: PRODUCTS.length * 2,
      stock_movements: PRODUCTS.length * 2,
    });
    expect([TRAINERS.length, MEMBERS.length, PLANS.length, CLASSES.length, PRODUCTS.length]).toEqual([
      3, 10, 3, 8, 5,
    ]);
    // Eight weeks ahead (OCCURRENCE_WEEKS_AHEAD): 7 or 8 sessions of each class (today's may have passed).
    expect(first.class_occurrences).toBeGreaterThanOrEqual(CLASSES.length * 7);
    expect(first.class_occurrences).toBeLessThanOrEqual(CLASSES.length * 8);
  });

  it('is idempotent: the second run adds nothing', () => {
    expect(second).toEqual(first);
  });

  it('the demo member logs in with the client role and reads their own membership and bookings', async () => {
    const token = await login('client');
    const me = await gymGet(token, '/members/me');
    expect(me).toMatchObject({ firstName: MEMBERS[0]!.firstName, lastName: MEMBERS[0]!.lastName });
    const memberships = await gymGet(token, '/members/me/memberships');
    expect(memberships).toEqual([
      expect.objectContaining({ memberId: me.id, status: 'active', currency: 'ARS', amount: '4500000' }),
    ]);
    const bookings = (await gymGet(token, '/members/me/bookings')) as Array<{
      memberId: string;
      status: string;
    }>;
    expect(bookings).toHaveLength(MEMBERS[0]!.books!.length);
    expect(bookings.every((b) => b.memberId === me.id && b.status === 'booked')).toBe(true);
  });

  it("the receptionist sees the business's members and the plans with their prices", async () => {
    const token = await login('receptionist');
    expect(await gymGet(token, '/members?limit=100')).toHaveLength(MEMBERS.length);
    const plans = (await gymGet(token, '/plans')) as Array<{ name: string; prices: unknown[] }>;
    expect(plans.map((p) => p.name).sort()).toEqual(PLANS.map((p) => p.name).sort());
    expect(plans.every((p) => p.prices.length === 2)).toBe(true);
  });

  it('the trainer sees the classes they teach on the calendar', async () => {
    const token = await login('trainer');
    const me = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string };
    const from = new Date().toISOString();
    const to = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const week = (await gymGet(token, `/occurrences?from=${from}&to=${to}`)) as Array<{ trainerId: string }>;
    const taught = CLASSES.filter((c) => c.trainer === 'trainer').length;
    expect(week.filter((o) => o.trainerId === me.sub).length).toBeGreaterThanOrEqual(taught - 1);
    expect(week.length).toBeGreaterThanOrEqual(CLASSES.length - 1);
  });
});
