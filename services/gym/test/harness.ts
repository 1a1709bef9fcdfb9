import request from 'supertest';
import type { Client } from '@temporalio/client';
import Joi from 'joi';
import {
  authGuardFromConfig,
  createRedis,
  loadConfig,
  runMigrations,
  serve,
  type AuthGuard,
  type Logger,
  type Orm,
  type Redis,
} from '@faena/platform';
import { testDatabaseUrl, testStack, uniqueTaskQueue } from '@faena/platform/testing';
import { addBranch, addUser, bearer, roleId, signUp, type SignedUp } from '../../identity/test/harness.ts';
import {
  API as PAYMENTS,
  newKey,
  openDrawer,
  startPayments,
  type PaymentsHarness,
} from '../../payments/test/harness.ts';
import { createApp } from '../src/app.ts';
import { gymKeysSchema, type GymKeys } from '../src/config.ts';
import type { GymDeps } from '../src/deps.ts';
import { createGymDeps, createGymOrm } from '../src/wiring.ts';

export const API = '/api/gym/v1';

export interface GymHarness {
  /** identity, payments (served over HTTP) and the MercadoPago sandbox. */
  p: PaymentsHarness;
  paymentsUrl: string;
  orm: Orm;
  redis: Redis;
  guard: AuthGuard;
  deps: GymDeps;
  agent: ReturnType<typeof request>;
  close(): Promise<void>;
}

/** The gym's settings in a test: production's schema and defaults, payments at `paymentsUrl`. */
export const gymTestConfig = (paymentsUrl: string): GymKeys =>
  loadConfig<GymKeys>(Joi.object(gymKeysSchema), {
    PAYMENTS_URL: paymentsUrl,
    CHECKIN_TOKEN_SECRET: CHECKIN_TEST_SECRET,
    // Trainers' certificates and member photos: a folder of this jest process, small files.
    STORAGE_DIR: `${process.env.TMPDIR ?? '/tmp'}/faena-gym-uploads-${process.pid}`,
    UPLOAD_MAX_FILE_BYTES: String(UPLOAD_TEST_MAX_BYTES),
  });
/** The largest upload the test gym accepts. */
export const UPLOAD_TEST_MAX_BYTES = 64 * 1024;
/** The check-in codes' signing key in tests (a test forges codes with it and with others). */
export const CHECKIN_TEST_SECRET = 'test-only-checkin-token-secret-0123456789';

export interface GymApi {
  agent: ReturnType<typeof request>;
  /** The same API served over HTTP on a free port. */
  url: string;
  orm: Orm;
  redis: Redis;
  guard: AuthGuard;
  deps: GymDeps;
  close(): Promise<void>;
}

/**
 * The gym API wired like production to a payments harness: its identity (JWKS over HTTP), payments
 * itself over HTTP, this worker's database; served on a free port. Shared by the gym's suites, the
 * security suites and the contract test.
 */
export async function startGymApi(
  p: PaymentsHarness,
  logger: Logger,
  opts: {
    renewalTaskQueue?: string;
    temporal?: Client;
    waitlistTaskQueue?: string;
    incidentTaskQueue?: string;
    lowStockTaskQueue?: string;
  } = {},
): Promise<GymApi> {
  const paymentsUrl = `http://127.0.0.1:${p.server.port}`;
  const orm = await createGymOrm({ DATABASE_URL: await testDatabaseUrl(), DATABASE_POOL_MAX: 20 });
  await runMigrations(orm);
  const redis = createRedis(testStack.redisUrl);
  const guard = authGuardFromConfig({ IDENTITY_URL: p.identityUrl }, redis, { localCacheMs: 0 });
  const deps = createGymDeps(
    gymTestConfig(paymentsUrl),
    { orm, redis, logger, guard, temporal: opts.temporal ?? p.temporal },
    {
      renewalTaskQueue: opts.renewalTaskQueue ?? uniqueTaskQueue('renewal-never-run'),
      // The class waitlist process runs only where a test runs it (waitlist.test.ts, time-skipping).
      waitlistTaskQueue: opts.waitlistTaskQueue ?? uniqueTaskQueue('waitlist-never-run'),
      incidentTaskQueue: opts.incidentTaskQueue ?? uniqueTaskQueue('incident-never-run'),
      lowStockTaskQueue: opts.lowStockTaskQueue ?? uniqueTaskQueue('low-stock-never-run'),
    },
  );
  const app = createApp(deps);
  const server = await serve(app, { port: 0, host: '127.0.0.1', logger, signals: [] });
  return {
    agent: request(app.app.callback()),
    url: `http://127.0.0.1:${server.port}`,
    orm,
    redis,
    guard,
    deps,
    close: async () => {
      await server.stop();
      await guard.close();
      await redis.quit();
      await orm.close(true);
    },
  };
}

/** The gym with its own payments harness (identity, payments over HTTP, the sandbox). */
export async function startGym(): Promise<GymHarness> {
  const p = await startPayments();
  const api = await startGymApi(p, p.logs.logger);
  return {
    p,
    paymentsUrl: `http://127.0.0.1:${p.server.port}`,
    orm: api.orm,
    redis: api.redis,
    guard: api.guard,
    deps: api.deps,
    agent: api.agent,
    close: async () => {
      await api.close();
      await p.close();
    },
  };
}

export interface User {
  id: string;
  token: string;
}

export interface Gym {
  biz: SignedUp;
  owner: User;
  branchA: string;
  branchB: string;
  /** A manager for the whole business: plans, class types, booking rules. */
  manager: User;
  /** A receptionist whose grants hold in branch A only. */
  receptionist: User;
  /** A trainer in branch A (members.health). */
  trainer: User;
}

/** A gym business charging in CLP, with branches A and B and staff of A; MercadoPago on the sandbox. */
export async function gym(h: GymHarness): Promise<Gym> {
  const biz = await signUp(h.p.identity, 'gym', 'CLP');
  const [branchA, branchB] = [
    await addBranch(h.p.identity, biz, 'Centro', 'America/Santiago'),
    await addBranch(h.p.identity, biz, 'Norte', 'America/Santiago'),
  ];
  const role = (name: string) => roleId(h.p.identity, biz, name);
  const [manager, receptionist, trainer] = await Promise.all([
    addUser(h.p.identity, biz, [{ roleId: await role('manager') }]),
    addUser(h.p.identity, biz, [{ roleId: await role('receptionist'), branchId: branchA }]),
    addUser(h.p.identity, biz, [{ roleId: await role('trainer'), branchId: branchA }]),
  ]);
  const account = (await request(h.p.sandbox.url).post('/sandbox/accounts')).body as {
    accessToken: string;
    webhookSecret: string;
  };
  const configured = await h.p.agent
    .put(`${PAYMENTS}/providers/mercadopago`)
    .set(bearer(biz.token))
    .send(account);
  if (configured.status !== 204)
    throw new Error(`provider: ${configured.status} ${JSON.stringify(configured.body)}`);
  return {
    biz,
    owner: { id: biz.ownerId, token: biz.token },
    branchA,
    branchB,
    manager: { id: manager.id, token: manager.token },
    receptionist: { id: receptionist.id, token: receptionist.token },
    trainer: { id: trainer.id, token: trainer.token },
  };
}

/** A new identity user of the business with the `client` role (a member who logs in). */
export async function clientUser(h: GymHarness, g: Gym): Promise<User> {
  const u = await addUser(h.p.identity, g.biz, [{ roleId: await roleId(h.p.identity, g.biz, 'client') }]);
  return { id: u.id, token: u.token };
}

const ok = <T = Record<string, unknown>>(res: { status: number; body: unknown }, what: string): T => {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { data: T }).data;
};

/** A member of `branchId`, enrolled by `who`, optionally linked to `userId`. */
export async function member(
  h: GymHarness,
  who: User,
  branchId: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; userId: string | null }> {
  return ok(
    await h.agent
      .post(`${API}/members`)
      .set(bearer(who.token))
      .send({ branchId, firstName: 'Ana', lastName: 'Pérez', ...body }),
    'member',
  );
}

/** A plan priced in `branches` (CLP), created by the manager. */
export async function plan(
  h: GymHarness,
  g: Gym,
  body: Record<string, unknown> = {},
  price = 30000,
  branches = [g.branchA, g.branchB],
): Promise<{ id: string }> {
  const p = ok<{ id: string }>(
    await h.agent
      .post(`${API}/plans`)
      .set(bearer(g.manager.token))
      .send({ name: 'Mensual', kind: 'monthly', freeze: { maxDaysPerYear: 30, minDays: 7 }, ...body }),
    'plan',
  );
  for (const b of branches)
    ok(
      await h.agent
        .put(`${API}/plans/${p.id}/prices/${b}`)
        .set(bearer(g.manager.token))
        .send({ amount: price, currency: 'CLP' }),
      'price',
    );
  return p;
}

/** Branch A's reception drawer with an open cash session, once per gym (cash needs one). */
const drawers = new WeakMap<Gym, Promise<{ drawerId: string }>>();
const drawerOf = (h: GymHarness, g: Gym) => {
  let d = drawers.get(g);
  if (!d) drawers.set(g, (d = openDrawer(h.p, g.owner.token, g.branchA, { name: 'Recepción' })));
  return d;
};

/** Cash into a user's wallet at branch A's drawer (the owner: payments' deposit). */
export async function fundWallet(h: GymHarness, g: Gym, userId: string, amount: number) {
  const { drawerId } = await drawerOf(h, g);
  return ok(
    await h.p.agent
      .post(`${PAYMENTS}/wallets/${userId}/deposits`)
      .set(bearer(g.owner.token))
      .set('Idempotency-Key', newKey('deposit'))
      .send({ amount, currency: 'CLP', branchId: g.branchA, drawerId }),
    'deposit',
  );
}

/** A one-time payer code of the wallet's owner (what they show at the desk). */
export async function payerCode(h: GymHarness, who: User): Promise<string> {
  return ok<{ code: string }>(
    await h.p.agent.post(`${PAYMENTS}/wallets/me/payer-codes`).set(bearer(who.token)).send({}),
    'payer code',
  ).code;
}

/** The wallet balance of a user (their own view), minor units. */
export async function walletBalance(h: GymHarness, who: User): Promise<string> {
  const accounts = ok<Array<{ kind: string; balance: string }>>(
    await h.p.agent.get(`${PAYMENTS}/wallets/me`).set(bearer(who.token)),
    'wallet',
  );
  return accounts.find((a) => a.kind === 'customer_wallet')?.balance ?? '0';
}

/** Rows of a SQL query on this worker's database. */
export const sql = <T>(h: GymHarness, query: string, params: unknown[] = []) =>
  h.orm.em.fork().getConnection().execute<T[]>(query, params);

export { bearer, newKey, ok };
