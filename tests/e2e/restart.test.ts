/**
 * Deals survive their workers dying. The workflow worker (from the prebuilt production bundle), the
 * payments, marketplace and identity workers run as real processes, started the way production
 * starts them; after every step of a deal all four are SIGKILLed and started again. New workers
 * finish the deals with the right money in the ledger, and queries answer on the closed deals
 * (a full replay by a worker that never saw them run).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type request from 'supertest';
import { bundleWorkflows, createWorker } from '@faena/platform';
import {
  captureLogger,
  eventually,
  registerTestNamespace,
  ROOT,
  spawnService,
  testDatabaseUrl,
  testStack,
  type SpawnedService,
} from '@faena/platform/testing';
import { statusQuery } from '../../workflows/src/escrow/contract.ts';
import {
  API as PAYMENTS,
  SECRET_KEY,
  bearer,
  business,
  startPayments,
  type Business,
  type PaymentsHarness,
} from '../../services/payments/test/harness.ts';
import {
  approvedProfessional,
  MARKETPLACE,
  startMarketplaceApi,
  type MarketplaceApi,
} from './marketplace.ts';

// Workers of other suites poll the same queue names: this suite has a namespace of its own.
const NAMESPACE = `${testStack.temporalNamespace}-restart`;
process.env.FAENA_TEST_TEMPORAL_NAMESPACE = NAMESPACE;

let h: PaymentsHarness;
let b: Business;
let marketplace: ReturnType<typeof request>;
let api: MarketplaceApi;
let dir: string;
let env: Record<string, Record<string, string>>;
const running = new Map<string, SpawnedService>();
const stops: Array<() => Promise<unknown>> = [];

const ENTRIES: Record<string, string> = {
  workflows: 'workflows/src/worker.ts',
  payments: 'services/payments/src/worker.ts',
  marketplace: 'services/marketplace/src/worker.ts',
  identity: 'services/identity/src/worker.ts',
};

async function startAll() {
  await Promise.all(
    Object.entries(ENTRIES).map(async ([name, entry]) => {
      running.set(name, await spawnService(path.join(ROOT, entry), env[name]!, { timeoutMs: 60000 }));
    }),
  );
}
/** SIGKILL: no drain, no graceful shutdown, tasks in flight are lost to their timeouts. */
async function killAll() {
  await Promise.all(
    [...running.values()].map(async (s) => {
      s.child.kill('SIGKILL');
      await s.exited;
    }),
  );
  running.clear();
}
const restart = async () => {
  await killAll();
  await startAll();
};

beforeAll(async () => {
  const admin = await Connection.connect({ address: testStack.temporalAddress });
  await registerTestNamespace(admin, NAMESPACE);
  await admin.close();
  dir = await mkdtemp(path.join(os.tmpdir(), 'faena-restart-'));
  const bundle = path.join(dir, 'workflow-bundle.js');
  await writeFile(bundle, await bundleWorkflows(path.join(ROOT, 'workflows/src/index.ts')));

  h = await startPayments();
  b = await business(h);
  const logger = captureLogger('restart').logger;
  const databaseUrl = await testDatabaseUrl();
  const base = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info', // spawnService waits for the `listening` line
    PORT: '0',
    TEMPORAL_ADDRESS: testStack.temporalAddress,
    TEMPORAL_NAMESPACE: NAMESPACE,
    DATABASE_URL: databaseUrl,
  };
  env = {
    workflows: { ...base, SERVICE_NAME: 'workflows', WORKFLOW_BUNDLE_PATH: bundle },
    payments: {
      ...base,
      SERVICE_NAME: 'payments-worker',
      MERCADOPAGO_BASE_URL: h.sandbox.url,
      PAYMENTS_SECRET_KEY: SECRET_KEY,
      PAYMENTS_PUBLIC_URL: h.deps.publicUrl,
    },
    marketplace: { ...base, SERVICE_NAME: 'marketplace-worker' },
    // No platform tenant of that name: its subscription sweeper starts no chain for the other
    // suites' businesses in this database (their renewals are not this test's processes).
    identity: {
      ...base,
      SERVICE_NAME: 'identity-worker',
      REDIS_URL: testStack.redisUrl,
      PLATFORM_TENANT_SLUG: `no-platform-${process.pid}`,
    },
  };

  api = await startMarketplaceApi(h, logger);
  marketplace = api.agent;
  // Notifications are best effort for the deal; a stand-in in this process answers them.
  const notifications = await createWorker({
    config: { TEMPORAL_ADDRESS: testStack.temporalAddress, TEMPORAL_NAMESPACE: NAMESPACE },
    logger,
    taskQueue: 'notifications',
    activities: { notify: async () => ({ notificationIds: [], duplicate: false }) },
  });
  const run = notifications.worker.run();
  stops.push(async () => {
    notifications.worker.shutdown();
    await run;
    await notifications.connection.close();
    await api.close();
  });
  await startAll();

  await approvedProfessional(api, b);
}, 180000);

afterAll(async () => {
  await killAll();
  for (const stop of stops) await stop();
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const balanceOf = async (kind: string, ownerId: string | null) => {
  const accounts = (await h.agent.get(`${PAYMENTS}/accounts`).set(bearer(b.owner))).body.data as Array<{
    kind: string;
    ownerId: string | null;
    currency: string;
    balance: string;
  }>;
  return BigInt(
    accounts.find((a) => a.kind === kind && a.ownerId === ownerId && a.currency === 'CLP')?.balance ?? '0',
  );
};

async function acceptedDeal(amount: number) {
  const offer = await marketplace
    .post(`${MARKETPLACE}/offers`)
    .set(bearer(b.pro.token))
    .send({
      clientId: b.client.id,
      description: 'Cambiar calefont',
      amount,
      currency: 'CLP',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
  expect(offer.status).toBe(201);
  const accepted = await marketplace
    .post(`${MARKETPLACE}/offers/${offer.body.data.id}/accept`)
    .set(bearer(b.client.token))
    .send({ method: 'mercadopago', version: offer.body.data.version });
  expect(accepted.status).toBe(202);
  const jobId = accepted.body.data.job.id as string;
  const workflowId = accepted.body.data.workflowId as string;
  const state = async () =>
    (await marketplace.get(`${MARKETPLACE}/jobs/${jobId}/escrow`).set(bearer(b.client.token))).body.data
      ?.state as string | undefined;
  const reach = (s: string) =>
    eventually(
      async () => {
        expect(await state()).toBe(s);
      },
      60000,
      250,
    );
  return { jobId, workflowId, reach };
}

describe('deals survive SIGKILL of every worker at every step', () => {
  it('a paid-out deal: accept, payment, completion, approval — workers killed after each', async () => {
    const escrowBefore = await balanceOf('platform_escrow', null);
    const payableBefore = await balanceOf('professional_payable', b.pro.id);
    const deal = await acceptedDeal(60000);
    await restart(); // the payment request and the sandbox webhook land on new workers
    await deal.reach('in_progress');
    await restart();
    const done = await marketplace
      .post(`${MARKETPLACE}/jobs/${deal.jobId}/complete`)
      .set(bearer(b.pro.token))
      .send({});
    expect(done.status).toBe(200);
    expect(done.body.data.escrow.state).toBe('completed_by_professional');
    await restart();
    const approved = await marketplace
      .post(`${MARKETPLACE}/jobs/${deal.jobId}/approve`)
      .set(bearer(b.client.token))
      .send({});
    expect(approved.status).toBe(200);
    await restart(); // the payout may be in flight: its key keeps it single
    await deal.reach('paid_out');
    await restart();
    // The closed deal answers its query from workers that never ran it.
    const final = await h.temporal.workflow.getHandle(deal.workflowId).query(statusQuery);
    const commission = (60000n * BigInt(final.commissionBps)) / 10000n;
    expect(final).toMatchObject({
      state: 'paid_out',
      paidOut: (60000n - commission).toString(),
      commission: commission.toString(),
    });
    expect((await balanceOf('professional_payable', b.pro.id)) - payableBefore).toBe(60000n - commission);
    expect((await balanceOf('platform_escrow', null)) - escrowBefore).toBe(0n);
  }, 300000);

  it('a disputed deal resolved by an operator: workers killed after the dispute and after the resolution', async () => {
    const escrowBefore = await balanceOf('platform_escrow', null);
    const deal = await acceptedDeal(40000);
    await deal.reach('in_progress');
    await marketplace.post(`${MARKETPLACE}/jobs/${deal.jobId}/complete`).set(bearer(b.pro.token)).send({});
    await restart();
    const disputed = await marketplace
      .post(`${MARKETPLACE}/jobs/${deal.jobId}/dispute`)
      .set(bearer(b.client.token))
      .send({ reason: 'the heater still leaks' });
    expect(disputed.body.data.escrow.state).toBe('disputed');
    await restart();
    // The owner resolves: identity's worker (a new process) verifies the operator.
    const resolved = await marketplace
      .post(`${MARKETPLACE}/jobs/${deal.jobId}/resolve`)
      .set(bearer(b.owner))
      .send({ refund: '30000', payout: '10000', note: 'mostly redone by another plumber' });
    expect(resolved.status).toBe(200);
    await restart();
    await deal.reach('resolved');
    const final = await h.temporal.workflow.getHandle(deal.workflowId).query(statusQuery);
    expect(final).toMatchObject({ state: 'resolved', refunded: '30000' });
    expect(final.resolution).toMatchObject({ operatorId: b.biz.ownerId, refund: '30000', payout: '10000' });
    expect((await balanceOf('platform_escrow', null)) - escrowBefore).toBe(0n);
    // The refund went back through the provider, once.
    const [row] = await h.orm.em
      .fork()
      .getConnection()
      .execute<Array<{ n: string }>>(
        `select count(*)::text as n from payments.journal_entries where idempotency_key = ?`,
        [`${deal.workflowId}/refund`],
      );
    expect(row!.n).toBe('1');
  }, 300000);
});
