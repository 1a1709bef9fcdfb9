/**
 * The café SaaS subscription on the real Temporal dev server, with production-configured workers
 * (`createWorker`): identity's real seller activities and API, payments' real activities with the
 * MercadoPago sandbox, a witness for notifications. A trial that ends today is charged through a
 * checkout the owner pays, the chain renews and continues as new, and the owner upgrades within the
 * paid period (an Update on the live server); both runs' histories are replayed against today's code.
 */
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createLogger, createWorker, replayHistories, withEm } from '@faena/platform';
import { eventually, registerTestNamespace, testStack } from '@faena/platform/testing';
import { Tenant } from '../../services/identity/src/domain/entities.ts';
import { subscriptionIdOf, type SubscriptionProcess } from '../../services/identity/src/subscription.ts';
import {
  API,
  bearer,
  signUp,
  startIdentity,
  unique,
  type Harness,
} from '../../services/identity/test/harness.ts';
import { addDays, addMonths, dayIn } from '../src/renewal/calendar.ts';
import { RENEWAL_TASK_QUEUE, renewalStatusQuery } from '../src/renewal/contract.ts';
import { paymentsWithFailures } from './support/stand-ins.ts';
import {
  identityWorkerActivities,
  payOpenCheckout,
  platformOnMercadoPago,
  startTrialChain,
  type Platform,
} from './support/subscriptions.ts';

const workflowsPath = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const ZONE = 'America/Argentina/Buenos_Aires';
let h: Harness;
let connection: Connection;
let client: Client;
let workers: Worker[] = [];
let closers: Array<() => Promise<void>> = [];
let running: Promise<unknown>;
let platform: Platform;
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
  platform = await platformOnMercadoPago(h, platformSlug);
  const payments = paymentsWithFailures({
    orm: platform.paymentsOrm,
    logger,
    sandboxUrl: platform.sandbox.url,
  }).real;
  const config = { TEMPORAL_ADDRESS: testStack.temporalAddress, TEMPORAL_NAMESPACE: namespace };
  const created = await Promise.all([
    createWorker({ config, logger, taskQueue: RENEWAL_TASK_QUEUE, workflowsPath }),
    createWorker({ config, logger, taskQueue: 'payments', activities: payments }),
    createWorker({
      config,
      logger,
      taskQueue: 'identity',
      activities: identityWorkerActivities(h, logger),
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
  syncProvider = (input) => payments.syncProviderPayment(input);
}, 120000);

afterAll(async () => {
  workers.forEach((w) => w.shutdown());
  await running;
  for (const c of closers) await c();
  await connection?.close();
  await h?.close();
  await platform?.close();
});

let syncProvider: Parameters<typeof payOpenCheckout>[2];
const tenantRow = (id: string) =>
  withEm(h.orm, (em) => em.findOneOrFail(Tenant, { id }, { refresh: true }), { system: true });

test('a trial ending today is paid at its checkout, renews, is upgraded, and both runs replay', async () => {
  // The harness's sign-up starts the chain with a 14-day trial: this business's trial ends today.
  const biz = await signUp(h, 'cafe', 'ARS', 'basic');
  const today = dayIn(Date.now(), ZONE);
  await client.workflow.getHandle(subscriptionIdOf(biz.tenantId)).terminate('the test moves the trial');
  await startTrialChain(h, subs, biz.tenantId, { periodStart: addDays(today, -14), periodEnd: today });
  const handle = client.workflow.getHandle(subscriptionIdOf(biz.tenantId));
  const first = (await handle.describe()).runId;

  await payOpenCheckout(handle, platform, syncProvider, 30_000);

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
