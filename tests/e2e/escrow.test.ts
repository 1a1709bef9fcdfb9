/**
 * The whole deal through every real service: identity (JWKS over HTTP), marketplace, payments with
 * the MercadoPago sandbox (signed webhooks), notifications (real SMTP catcher), the Temporal dev
 * server and the production workers — HTTP accept → sandbox webhook → complete → approve → payout,
 * with the money checked in the ledger.
 */
import type request from 'supertest';
import { createWorker, runMigrations, type Orm } from '@faena/platform';
import { captureLogger, eventually, testDatabaseUrl, testStack } from '@faena/platform/testing';
import { createActivities as createMarketplaceActivities } from '../../services/marketplace/src/activities.ts';
import { createActivities as createNotificationActivities } from '../../services/notifications/src/activities.ts';
import { createRealtimePublisher } from '../../services/notifications/src/realtime/publish.ts';
import { createNotificationsOrm, createNotifyDeps } from '../../services/notifications/src/wiring.ts';
import { startSmtp, testConfig, type Smtp } from '../../services/notifications/test/harness.ts';
import {
  API as PAYMENTS,
  bearer,
  business,
  startPayments,
  startWorkers,
  type Business,
  type PaymentsHarness,
} from '../../services/payments/test/harness.ts';
import {
  approvedProfessional,
  MARKETPLACE,
  startMarketplaceApi,
  type MarketplaceApi,
} from './marketplace.ts';

let h: PaymentsHarness;
let b: Business;
let marketplace: ReturnType<typeof request>;
let marketplaceOrm: Orm;
let notificationsOrm: Orm;
let smtp: Smtp;
let api: MarketplaceApi;
const stops: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  h = await startPayments();
  b = await business(h);
  const logger = captureLogger('e2e').logger;
  const config = {
    TEMPORAL_ADDRESS: testStack.temporalAddress,
    TEMPORAL_NAMESPACE: testStack.temporalNamespace,
  };

  // marketplace API + worker
  api = await startMarketplaceApi(h, logger);
  marketplace = api.agent;
  marketplaceOrm = api.orm;
  const redis = api.redis;
  const mw = await createWorker({
    config,
    logger,
    taskQueue: 'marketplace',
    activities: createMarketplaceActivities({ orm: marketplaceOrm, logger }),
  });

  // notifications worker on a real SMTP server
  smtp = await startSmtp();
  notificationsOrm = await createNotificationsOrm({
    DATABASE_URL: await testDatabaseUrl(),
    DATABASE_POOL_MAX: 5,
  });
  await runMigrations(notificationsOrm);
  const notifyDeps = createNotifyDeps(testConfig(smtp.port, h.identityUrl), {
    orm: notificationsOrm,
    logger,
    realtime: createRealtimePublisher(redis, `e2e:${process.pid}`),
  });
  const nw = await createWorker({
    config,
    logger,
    taskQueue: 'notifications',
    activities: createNotificationActivities(notifyDeps),
  });

  const workers = await startWorkers(h);
  const runs = Promise.all([mw.worker.run(), nw.worker.run()]);
  stops.push(async () => {
    mw.worker.shutdown();
    nw.worker.shutdown();
    await runs;
    await workers.stop();
    await mw.connection.close();
    await nw.connection.close();
    notifyDeps.close();
    await api.close();
  });
}, 120000);

afterAll(async () => {
  for (const stop of stops) await stop();
  await notificationsOrm?.close(true);
  await smtp?.stop();
  await h?.close();
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

describe('a marketplace deal end to end', () => {
  it('accept → sandbox webhook → complete → approve → payout, balances checked in the ledger', async () => {
    await approvedProfessional(api, b);
    const offer = await marketplace
      .post(`${MARKETPLACE}/offers`)
      .set(bearer(b.pro.token))
      .send({
        clientId: b.client.id,
        description: 'Cambiar calefont',
        amount: 80000,
        currency: 'CLP',
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      });
    expect(offer.status).toBe(201);

    const escrowBefore = await balanceOf('platform_escrow', null);
    const revenueBefore = await balanceOf('platform_revenue', null);
    const accepted = await marketplace
      .post(`${MARKETPLACE}/offers/${offer.body.data.id}/accept`)
      .set(bearer(b.client.token))
      .send({ method: 'mercadopago' });
    expect(accepted.status).toBe(202);
    const jobId = (accepted.body.data.job?.id ?? accepted.body.data.jobId ?? accepted.body.data.id) as string;
    const escrow = () => marketplace.get(`${MARKETPLACE}/jobs/${jobId}/escrow`).set(bearer(b.client.token));

    // The sandbox approves and sends its signed webhook; payments hands it to paymentSync, which signals the deal.
    await eventually(async () => expect((await escrow()).body.data.state).toBe('in_progress'), 30000);
    expect((await balanceOf('platform_escrow', null)) - escrowBefore).toBe(80000n);

    expect(
      (
        await marketplace
          .post(`${MARKETPLACE}/jobs/${jobId}/complete`)
          .set(bearer(b.pro.token))
          .send({ note: 'Listo' })
      ).status,
    ).toBeLessThan(300);
    expect(
      (await marketplace.post(`${MARKETPLACE}/jobs/${jobId}/approve`).set(bearer(b.client.token)).send({}))
        .status,
    ).toBeLessThan(300);
    await eventually(async () => expect((await escrow()).body.data.state).toBe('paid_out'), 30000);

    const commissionBps = Number((await escrow()).body.data.commissionBps);
    const commission = (80000n * BigInt(commissionBps)) / 10000n;
    expect(await balanceOf('professional_payable', b.pro.id)).toBe(80000n - commission);
    expect((await balanceOf('platform_revenue', null)) - revenueBefore).toBe(commission);
    expect((await balanceOf('platform_escrow', null)) - escrowBefore).toBe(0n);

    // The deal's state moves first; the job's timeline follows through the marketplace activity.
    await eventually(async () => {
      const timeline = await marketplace
        .get(`${MARKETPLACE}/jobs/${jobId}/timeline`)
        .set(bearer(b.client.token));
      expect(timeline.body.data.map((e: { status: string }) => e.status)).toEqual(
        expect.arrayContaining(['in_progress', 'completed_by_professional', 'approved', 'paid_out']),
      );
    }, 15000);
  }, 120000);
});
