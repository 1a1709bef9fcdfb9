import request from 'supertest';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import {
  createWorker,
  serve,
  type AuthGuard,
  type Orm,
  type Redis,
  type RunningServer,
} from '@faena/platform';
import { testStack, type captureLogger } from '@faena/platform/testing';
import {
  addBranch,
  addUser,
  bearer,
  roleId,
  signUp,
  startTrustingService,
  type Harness as IdentityHarness,
  type SignedUp,
} from '../../identity/test/harness.ts';
import { createActivities } from '../src/activities.ts';
import { createApp } from '../src/app.ts';
import type { PaymentsDeps } from '../src/deps.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/server.ts';
import { createPaymentsActivityDeps, createPaymentsDeps, createPaymentsOrm } from '../src/wiring.ts';

export const API = '/api/payments/v1';
export const SECRET_KEY = 'payments-test-secret-payments-test-secret';

export interface PaymentsHarness {
  identity: IdentityHarness;
  /** identity served over HTTP (its JWKS), for other services' guards. */
  identityUrl: string;
  orm: Orm;
  redis: Redis;
  temporal: Client;
  sandbox: Sandbox;
  deps: PaymentsDeps;
  guard: AuthGuard;
  agent: ReturnType<typeof request>;
  server: RunningServer;
  logs: ReturnType<typeof captureLogger>;
  close(): Promise<void>;
}

/** payments wired like production: real identity (JWKS over HTTP), PostgreSQL, Redis, Temporal and the sandbox provider. */
export async function startPayments(): Promise<PaymentsHarness> {
  const infra = await startTrustingService('payments', createPaymentsOrm);
  const { identity, identityUrl, logs, orm, redis, temporal, guard } = infra;
  const sandbox = await startSandbox();
  const deps = createPaymentsDeps(
    {
      MERCADOPAGO_BASE_URL: sandbox.url,
      PAYMENTS_SECRET_KEY: SECRET_KEY,
      PAYMENTS_PUBLIC_URL: 'http://127.0.0.1:0',
    },
    { orm, redis, logger: logs.logger, guard, temporal },
  );
  const app = createApp(deps);
  const server = await serve(app, { port: 0, host: '127.0.0.1', logger: logs.logger, signals: [] });
  deps.publicUrl = `http://127.0.0.1:${server.port}`;
  return {
    identity,
    identityUrl,
    orm,
    redis,
    temporal,
    sandbox,
    deps,
    guard,
    server,
    logs,
    agent: request(app.app.callback()),
    close: async () => {
      await server.stop();
      await sandbox.close();
      await infra.close();
    },
  };
}

/**
 * The real workers: payments activities on `payments` and every workflow on `workflows`, as in
 * production. Only one test file runs them (the queues are shared on the dev server).
 */
export async function startWorkers(
  h: PaymentsHarness,
): Promise<{ run: Promise<void>; stop(): Promise<void> }> {
  const config = {
    TEMPORAL_ADDRESS: testStack.temporalAddress,
    TEMPORAL_NAMESPACE: testStack.temporalNamespace,
  };
  const activities = createActivities(
    createPaymentsActivityDeps(
      {
        MERCADOPAGO_BASE_URL: h.sandbox.url,
        PAYMENTS_SECRET_KEY: SECRET_KEY,
        PAYMENTS_PUBLIC_URL: h.deps.publicUrl,
      },
      { orm: h.orm, logger: h.logs.logger },
    ),
  );
  const a = await createWorker({ config, logger: h.logs.logger, taskQueue: 'payments', activities });
  const w = await createWorker({
    config,
    logger: h.logs.logger,
    taskQueue: 'workflows',
    workflowsPath: fileURLToPath(new URL('../../../workflows/src/index.ts', import.meta.url)),
  });
  const run = Promise.all([a.worker.run(), w.worker.run()]).then(() => undefined);
  return {
    run,
    stop: async () => {
      a.worker.shutdown();
      w.worker.shutdown();
      await run;
      await a.connection.close();
      await w.connection.close();
    },
  };
}

export interface Business {
  biz: SignedUp;
  owner: string;
  client: { id: string; token: string };
  pro: { id: string; token: string };
  branchId: string;
  /** A drawer of `branchId` with an open cash session (float 0), where the tests take cash. */
  drawerId: string;
}

/** A drawer of `branchId` ("Caja 1" unless named) with a session opened by `token` (float 0 unless given). */
export async function openDrawer(
  h: PaymentsHarness,
  token: string,
  branchId: string,
  opts: { name?: string; openingFloat?: number; currency?: string } = {},
): Promise<{ drawerId: string; sessionId: string }> {
  const drawer = await h.agent
    .post(`${API}/drawers`)
    .set(bearer(token))
    .send({ branchId, name: opts.name ?? 'Caja 1' });
  if (drawer.status !== 201) throw new Error(`drawer: ${drawer.status} ${JSON.stringify(drawer.body)}`);
  const session = await h.agent
    .post(`${API}/drawers/${drawer.body.data.id}/sessions`)
    .set(bearer(token))
    .send({ openingFloat: opts.openingFloat ?? 0, currency: opts.currency ?? 'CLP' });
  if (session.status !== 201) throw new Error(`session: ${session.status} ${JSON.stringify(session.body)}`);
  return { drawerId: drawer.body.data.id as string, sessionId: session.body.data.id as string };
}

/** A marketplace business with an owner, a client and a professional, MercadoPago configured on the sandbox. */
export async function business(h: PaymentsHarness): Promise<Business> {
  // Chilean businesses: they charge in CLP, the currency of every test payment and offer.
  const biz = await signUp(h.identity, 'marketplace', 'CLP');
  const client = await addUser(h.identity, biz, [{ roleId: await roleId(h.identity, biz, 'client') }]);
  const pro = await addUser(h.identity, biz, [{ roleId: await roleId(h.identity, biz, 'professional') }]);
  const branchId = await addBranch(h.identity, biz, 'HQ', 'America/Santiago');
  const account = (await request(h.sandbox.url).post('/sandbox/accounts')).body as {
    accessToken: string;
    webhookSecret: string;
  };
  const configured = await h.agent.put(`${API}/providers/mercadopago`).set(bearer(biz.token)).send(account);
  if (configured.status !== 204)
    throw new Error(`provider setup failed: ${configured.status} ${JSON.stringify(configured.body)}`);
  const { drawerId } = await openDrawer(h, biz.token, branchId);
  return {
    biz,
    owner: biz.token,
    client: { id: client.id, token: client.token },
    pro: { id: pro.id, token: pro.token },
    branchId,
    drawerId,
  };
}

let keyCounter = 0;
export const newKey = (label = 'k') => `${label}-${Date.now()}-${process.pid}-${++keyCounter}`;

/** Cash deposited into a user's wallet through the business's open drawer. */
export async function deposit(
  h: PaymentsHarness,
  b: Business,
  userId: string,
  amount: number,
  currency = 'CLP',
) {
  const res = await h.agent
    .post(`${API}/wallets/${userId}/deposits`)
    .set(bearer(b.owner))
    .set('Idempotency-Key', newKey('deposit'))
    .send({ amount, currency, drawerId: b.drawerId });
  if (res.status !== 201) throw new Error(`deposit failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

export { bearer, Worker };
