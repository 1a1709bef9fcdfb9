import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import Joi from 'joi';
import type { Client } from '@temporalio/client';
import {
  authGuardFromConfig,
  createRedis,
  createTemporalClient,
  loadConfig,
  runMigrations,
  serve,
  type AuthGuard,
  type Logger,
  type Orm,
  type Redis,
} from '@faena/platform';
import { captureLogger, testDatabaseUrl, testStack, uniqueTaskQueue } from '@faena/platform/testing';
import {
  addBranch,
  addUser,
  roleId,
  signUp,
  startIdentity,
  type Harness as IdentityHarness,
  type SignedUp,
} from '../../identity/test/harness.ts';
import { startPayments, type PaymentsHarness } from '../../payments/test/harness.ts';
import { createApp } from '../src/app.ts';
import {
  posKeysSchema,
  printerGuardConfigSchema,
  type PosKeys,
  type PrinterGuardConfig,
} from '../src/config.ts';
import type { PosDeps } from '../src/deps.ts';
import { createPosDeps, createPosOrm } from '../src/wiring.ts';

export const API = '/api/pos/v1';
/** The largest upload the test POS accepts. */
export const UPLOAD_TEST_MAX_BYTES = 64 * 1024;

/** Where a test POS without a payments service sends payments: nothing listens (503 SERVICE_UNAVAILABLE). */
export const NO_PAYMENTS_URL = 'http://127.0.0.1:9';

/**
 * The POS's settings in a test: production's schema and defaults, images in `storageDir`, payments
 * at `paymentsUrl` (none unless given).
 */
export const posTestConfig = (storageDir: string, paymentsUrl = NO_PAYMENTS_URL): PosKeys =>
  loadConfig<PosKeys>(Joi.object(posKeysSchema), {
    STORAGE_DIR: storageDir,
    PAYMENTS_URL: paymentsUrl,
    PAYMENTS_TIMEOUT_MS: '5000',
    UPLOAD_MAX_FILE_BYTES: String(UPLOAD_TEST_MAX_BYTES),
    UPLOAD_MAX_FILES: '3',
  });

/**
 * Where a test POS worker's printers may be (production's schema): the test printers listen on
 * loopback, so 127.0.0.1 (only) is exempt from the guard, as `.env.example` does for dev. Production
 * leaves TENANT_URL_ALLOW_CIDRS empty.
 */
export const posWorkerTestGuardConfig = (): PrinterGuardConfig =>
  loadConfig<PrinterGuardConfig>(Joi.object(printerGuardConfigSchema), {
    TENANT_URL_ALLOW_CIDRS: '127.0.0.1/32',
    TENANT_URL_DENY_CIDRS: '',
  });

export interface PosApi {
  orm: Orm;
  redis: Redis;
  guard: AuthGuard;
  /** A client of the dev server's test namespace (low-stock processes are started with it). */
  temporal: Client;
  deps: PosDeps;
  agent: ReturnType<typeof request>;
  /** The same API served over HTTP on a free port (the contract and security suites). */
  url: string;
  storageDir: string;
  close(): Promise<void>;
}

export interface PosHarness extends PosApi {
  identity: IdentityHarness;
  identityUrl: string;
  logger: Logger;
}

/**
 * The POS API wired like production to an identity served at `identityUrl` (JWKS, session and
 * directory look-ups over HTTP): this jest worker's database migrated, Redis, product images in a
 * folder of this run; served on a free port. Shared by the POS's suites, the security suites and
 * the contract test. Low-stock processes go to a queue no worker polls unless `lowStockTaskQueue`
 * names one (test/low-stock.test.ts).
 */
export async function startPosApi(
  identityUrl: string,
  logger: Logger,
  opts: {
    lowStockTaskQueue?: string;
    paymentsUrl?: string;
    temporal?: Client;
    /** Kitchen print processes (test/printing.test.ts); by default a queue no worker polls. */
    printTaskQueue?: string;
    printExpiryMs?: number;
  } = {},
): Promise<PosApi> {
  const orm = await createPosOrm({ DATABASE_URL: await testDatabaseUrl(), DATABASE_POOL_MAX: 20 });
  await runMigrations(orm);
  const redis = createRedis(testStack.redisUrl);
  const guard = authGuardFromConfig({ IDENTITY_URL: identityUrl }, redis, { localCacheMs: 0 });
  const storageDir = await mkdtemp(path.join(os.tmpdir(), 'faena-pos-'));
  // A test's own client (another namespace, a broken one) is closed by the test.
  const temporal =
    opts.temporal ??
    (await createTemporalClient({
      TEMPORAL_ADDRESS: testStack.temporalAddress,
      TEMPORAL_NAMESPACE: testStack.temporalNamespace,
    }));
  const deps = createPosDeps(
    posTestConfig(storageDir, opts.paymentsUrl),
    { orm, redis, logger, guard, temporal },
    {
      lowStockTaskQueue: opts.lowStockTaskQueue ?? uniqueTaskQueue('pos-low-stock-never-run'),
      printTaskQueue: opts.printTaskQueue ?? uniqueTaskQueue('pos-print-never-run'),
      ...(opts.printExpiryMs !== undefined && { printExpiryMs: opts.printExpiryMs }),
    },
  );
  const app = createApp(deps);
  const server = await serve(app, { port: 0, host: '127.0.0.1', logger, signals: [] });
  return {
    orm,
    redis,
    guard,
    temporal,
    deps,
    agent: request(app.app.callback()),
    url: `http://127.0.0.1:${server.port}`,
    storageDir,
    close: async () => {
      await server.stop();
      await guard.close();
      if (!opts.temporal) await temporal.connection.close();
      await redis.quit();
      await orm.close(true);
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

/** The POS with its own identity (a real one, served over HTTP for the POS's guard). */
export async function startPos(
  opts: {
    lowStockTaskQueue?: string;
    temporal?: Client;
    printTaskQueue?: string;
    printExpiryMs?: number;
  } = {},
): Promise<PosHarness> {
  const identity = await startIdentity();
  const logger = captureLogger('pos').logger;
  const identityServer = await serve(identity.app, { port: 0, host: '127.0.0.1', logger, signals: [] });
  const identityUrl = `http://127.0.0.1:${identityServer.port}`;
  const api = await startPosApi(identityUrl, logger, opts);
  return {
    ...api,
    identity,
    identityUrl,
    logger,
    close: async () => {
      await api.close();
      await identityServer.stop();
      await identity.close();
    },
  };
}

/**
 * The POS wired to a real payments service (served over HTTP, with its identity, the one the POS's
 * guard trusts): orders are paid and refunded through it (test/order-payments.test.ts).
 */
export async function startPosWithPayments(
  opts: { lowStockTaskQueue?: string } = {},
): Promise<PosHarness & { p: PaymentsHarness }> {
  const p = await startPayments();
  const api = await startPosApi(p.identityUrl, p.logs.logger, {
    ...opts,
    paymentsUrl: `http://127.0.0.1:${p.server.port}`,
  });
  return {
    ...api,
    p,
    identity: p.identity,
    identityUrl: p.identityUrl,
    logger: p.logs.logger,
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

export interface Restaurant {
  biz: SignedUp;
  owner: User;
  branchA: string;
  branchB: string;
  /** A manager for the whole business: keeps the menu and the floors. */
  manager: User;
  /** A manager whose grants hold in branch A only. */
  managerA: User;
  /** A waiter of branch A: reads the menu and the floors. */
  waiter: User;
  /** The kitchen of branch A: reads the menu. */
  kitchen: User;
}

/** A restaurant charging in `currency`, with branches A (Santiago) and B (Bogotá) and staff of A. */
export async function restaurant(h: PosHarness, currency = 'CLP'): Promise<Restaurant> {
  const biz = await signUp(h.identity, 'restaurant', currency);
  const [branchA, branchB] = [
    await addBranch(h.identity, biz, 'Centro', 'America/Santiago'),
    await addBranch(h.identity, biz, 'Norte', 'America/Bogota'),
  ];
  const role = (name: string) => roleId(h.identity, biz, name);
  const [manager, managerA, waiter, kitchen] = await Promise.all([
    addUser(h.identity, biz, [{ roleId: await role('manager') }]),
    addUser(h.identity, biz, [{ roleId: await role('manager'), branchId: branchA }]),
    addUser(h.identity, biz, [{ roleId: await role('waiter'), branchId: branchA }]),
    addUser(h.identity, biz, [{ roleId: await role('kitchen'), branchId: branchA }]),
  ]);
  const user = (u: { id: string; token: string }): User => ({ id: u.id, token: u.token });
  return {
    biz,
    owner: { id: biz.ownerId, token: biz.token },
    branchA,
    branchB,
    manager: user(manager),
    managerA: user(managerA),
    waiter: user(waiter),
    kitchen: user(kitchen),
  };
}

/** The `data` of a successful answer, or an error naming what failed. */
export const ok = <T = Record<string, unknown>>(res: { status: number; body: unknown }, what: string): T => {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { data: T }).data;
};
