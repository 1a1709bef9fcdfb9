/**
 * The café SaaS subscription on the real Temporal dev server, with production-configured workers
 * (`createWorker`): identity's real seller activities and API, payments' real activities with the
 * MercadoPago sandbox, a witness for notifications. A trial that ends today is charged through a
 * checkout the owner pays, the chain renews and continues as new, and the owner upgrades within the
 * paid period (an Update on the live server); both runs' histories are replayed against today's code.
 */
import { fileURLToPath } from 'node:url';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import {
  createLogger,
  createWorker,
  replayHistories,
  runMigrations,
  runWithContext,
  withEm,
  type Orm,
} from '@faena/platform';
import { eventually, registerTestNamespace, testDatabaseUrl, testStack } from '@faena/platform/testing';
import { createActivities as identityActivities } from '../../services/identity/src/activities.ts';
import { Tenant } from '../../services/identity/src/domain/entities.ts';
import { signUp as createTenant } from '../../services/identity/src/domain/tenants.ts';
import { subscriptionActivities } from '../../services/identity/src/subscription-activities.ts';
import {
  ensureSubscription,
  subscriptionIdOf,
  type SubscriptionProcess,
} from '../../services/identity/src/subscription.ts';
import {
  API,
  PASSWORD,
  bearer,
  signUp,
  startIdentity,
  unique,
  type Harness,
} from '../../services/identity/test/harness.ts';
import { saveCredentials } from '../../services/payments/src/domain/providers.ts';
import { startSandbox, type Sandbox } from '../../services/payments/src/sandbox/server.ts';
import { createPaymentsOrm } from '../../services/payments/src/wiring.ts';
import { addDays, addMonths, dayIn } from '../src/renewal/calendar.ts';
import { RENEWAL_TASK_QUEUE, renewalStatusQuery } from '../src/renewal/contract.ts';
import { paymentStatusChanged } from '../src/payments/contract.ts';
import { SECRET, paymentsWithFailures } from './support/stand-ins.ts';

const workflowsPath = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const ZONE = 'America/Argentina/Buenos_Aires';
let h: Harness;
let connection: Connection;
let client: Client;
let paymentsOrm: Orm;
let sandbox: Sandbox;
let workers: Worker[] = [];
let closers: Array<() => Promise<void>> = [];
let running: Promise<unknown>;
let platformId: string;
let subs: SubscriptionProcess;
const events: string[] = [];

beforeAll(async () => {
  const namespace = `${testStack.temporalNamespace}-subscription-live`;
  const logger = createLogger({ service: 'live-subscriptions', level: 'warn' });
  connection = await Connection.connect({ address: testStack.temporalAddress });
  await registerTestNamespace(connection, namespace);
  client = new Client({ connection, namespace });
  const platformSlug = `faena-${unique()}`;
  subs = { temporal: client, taskQueue: RENEWAL_TASK_QUEUE, platformSlug, logger };
  h = await startIdentity({ subscriptions: subs });
  const { tenant: platform } = await withEm(h.orm, (em) =>
    createTenant(
      em as unknown as EntityManager,
      {
        tenant: {
          name: 'Faena',
          slug: platformSlug,
          kind: 'platform',
          currency: 'USD',
          locale: 'en',
          timeZone: 'UTC',
        },
        owner: { name: 'Ops', email: `ops-${unique()}@faena.dev`, password: PASSWORD },
      },
      null,
    ),
  );
  platformId = platform.id;
  paymentsOrm = await createPaymentsOrm({ DATABASE_URL: await testDatabaseUrl(), DATABASE_POOL_MAX: 5 });
  await runMigrations(paymentsOrm);
  sandbox = await startSandbox({ defaultOutcome: 'pending' });
  const account = (await (await fetch(`${sandbox.url}/sandbox/accounts`, { method: 'POST' })).json()) as {
    accessToken: string;
    webhookSecret: string;
  };
  await runWithContext({ tenantId: platformId }, () =>
    withEm(paymentsOrm, (e) =>
      saveCredentials(e as unknown as EntityManager, SECRET, platformId, 'mercadopago', account),
    ),
  );
  const payments = paymentsWithFailures({ orm: paymentsOrm, logger, sandboxUrl: sandbox.url }).real;
  const config = { TEMPORAL_ADDRESS: testStack.temporalAddress, TEMPORAL_NAMESPACE: namespace };
  const created = await Promise.all([
    createWorker({ config, logger, taskQueue: RENEWAL_TASK_QUEUE, workflowsPath }),
    createWorker({ config, logger, taskQueue: 'payments', activities: payments }),
    createWorker({
      config,
      logger,
      taskQueue: 'identity',
      activities: {
        ...identityActivities({ orm: h.orm, logger }),
        ...subscriptionActivities({ orm: h.orm, redis: h.redis, logger }),
      },
    }),
    createWorker({
      config,
      logger,
      taskQueue: 'notifications',
      activities: {
        notify: async (n: { event: string }) => {
          events.push(n.event);
          return { replayed: false, notifications: [], webhookDeliveries: 0 };
        },
      },
    }),
  ]);
  workers = created.map((c) => c.worker);
  closers = created.map((c) => () => c.connection.close());
  running = Promise.all(workers.map((w) => w.run()));
  syncProvider = (pid) =>
    payments.syncProviderPayment({ tenantId: platformId, provider: 'mercadopago', providerPaymentId: pid });
}, 120000);

afterAll(async () => {
  workers.forEach((w) => w.shutdown());
  await running;
  for (const c of closers) await c();
  await connection?.close();
  await h?.close();
  await paymentsOrm?.close(true);
  await sandbox?.close();
});

let syncProvider: (pid: string) => Promise<{ status: string }>;
const tenantRow = (id: string) =>
  withEm(h.orm, (em) => em.findOneOrFail(Tenant, { id }, { refresh: true }), { system: true });

test('a trial ending today is paid at its checkout, renews, is upgraded, and both runs replay', async () => {
  // The harness's sign-up starts the chain with a 14-day trial: this business's trial ends today.
  const biz = await signUp(h, 'cafe', 'ARS', 'basic');
  const today = dayIn(Date.now(), ZONE);
  await client.workflow.getHandle(subscriptionIdOf(biz.tenantId)).terminate('the test moves the trial');
  await withEm(
    h.orm,
    (em) =>
      em.nativeUpdate(
        Tenant,
        { id: biz.tenantId },
        { periodStart: addDays(today, -14), periodEnd: today, renewalStartedAt: null },
      ),
    { system: true },
  );
  await withEm(
    h.orm,
    async (em) =>
      ensureSubscription(
        em as unknown as EntityManager,
        subs,
        await em.findOneOrFail(Tenant, { id: biz.tenantId }),
      ),
    { system: true },
  );
  const handle = client.workflow.getHandle(subscriptionIdOf(biz.tenantId));
  const first = (await handle.describe()).runId;

  const st = await eventually(async () => {
    const s = await handle.query(renewalStatusQuery);
    expect(s.checkoutUrl).toEqual(expect.any(String));
    return s;
  }, 30_000);
  const paid = await fetch(st.checkoutUrl!, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ cardholderName: 'APRO' }).toString(),
  });
  expect(paid.status).toBe(200);
  const [row] = await withEm(paymentsOrm, (em) =>
    em
      .getConnection()
      .execute<Array<{ pid: string }>>(
        `select provider_payment_id as pid from payments.payments where id = ?`,
        [st.paymentId],
      ),
  );
  const synced = await syncProvider(row!.pid);
  expect(synced.status).toBe('captured');
  await handle.signal(paymentStatusChanged, { paymentId: st.paymentId!, status: synced.status });

  await eventually(
    async () =>
      expect(await tenantRow(biz.tenantId)).toMatchObject({
        subscriptionStatus: 'active',
        renewalCycle: 2,
        periodEnd: addMonths(today, 1),
      }),
    30_000,
  );
  await eventually(async () => expect((await handle.describe()).runId).not.toBe(first), 30_000);
  await eventually(async () => expect((await handle.query(renewalStatusQuery)).cycle).toBe(2), 30_000);
  expect(events).toContain('subscription.renewed');

  // Within the paid period the owner moves up: an Update on the live server.
  const up = await h.agent.put(`${API}/tenant/plan`).set(bearer(biz.token)).send({ plan: 'pro' });
  expect(up.status).toBe(200);
  expect(up.body.data.plan.name).toBe('pro');
  expect(BigInt(up.body.data.renewal.nextCharge.amount)).toBeGreaterThan(7_900_000n);
  const second = (await handle.describe()).runId;

  const histories = await Promise.all(
    [first, second].map(async (runId, i) => ({
      workflowId: `subscription-run-${i + 1}`,
      history: await client.workflow.getHandle(subscriptionIdOf(biz.tenantId), runId).fetchHistory(),
    })),
  );
  const replayed = await replayHistories({ workflowsPath }, histories);
  expect(replayed.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error!.message}`)).toEqual([]);
  expect(replayed).toHaveLength(2);
  await handle.terminate('test over');
}, 120000);
