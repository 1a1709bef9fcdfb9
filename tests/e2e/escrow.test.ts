/**
 * The whole deal through every real service: identity (JWKS over HTTP), marketplace, payments with
 * the MercadoPago sandbox (signed webhooks), notifications (real SMTP catcher), the Temporal dev
 * server and the production workers — HTTP accept → sandbox webhook → complete → approve → payout,
 * with the money checked in the ledger.
 */
import createClient, { type Client } from 'openapi-fetch';
import { createWorker, runMigrations, type Orm } from '@faena/platform';
import { captureLogger, eventually, testDatabaseUrl, testStack } from '@faena/platform/testing';
import { createActivities as createMarketplaceActivities } from '../../services/marketplace/src/activities.ts';
import { createActivities as createNotificationActivities } from '../../services/notifications/src/activities.ts';
import { createRealtimePublisher } from '../../services/notifications/src/realtime/publish.ts';
import { createNotificationsOrm, createNotifyDeps } from '../../services/notifications/src/wiring.ts';
import { startSmtp, testConfig, type Smtp } from '../../services/notifications/test/harness.ts';
import {
  business,
  startPayments,
  startWorkers,
  type Business,
  type PaymentsHarness,
} from '../../services/payments/test/harness.ts';
import type { paths as MarketplacePaths } from '../clients/marketplace.ts';
import type { paths as PaymentsPaths } from '../clients/payments.ts';
import { approvedProfessional, startMarketplaceApi, type MarketplaceApi } from './marketplace.ts';

let h: PaymentsHarness;
let b: Business;
// The deal is driven the way a client app does it: through clients generated from the services'
// /openapi.json (tests/clients, openapi-typescript) over real HTTP (openapi-fetch).
let marketplace: Client<MarketplacePaths>;
let payments: Client<PaymentsPaths>;
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
  marketplace = createClient<MarketplacePaths>({ baseUrl: api.url });
  payments = createClient<PaymentsPaths>({ baseUrl: `http://127.0.0.1:${h.server.port}` });
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

const as = (token: string) => ({ Authorization: `Bearer ${token}` });

const balanceOf = async (kind: string, ownerId: string | null) => {
  const { data, error } = await payments.GET('/api/payments/v1/accounts', { headers: as(b.owner) });
  if (!data) throw new Error(`accounts: ${JSON.stringify(error)}`);
  return BigInt(
    data.data.find((a) => a.kind === kind && a.ownerId === ownerId && a.currency === 'CLP')?.balance ?? '0',
  );
};

describe('a marketplace deal end to end', () => {
  it('accept → sandbox webhook → complete → approve → payout, balances checked in the ledger', async () => {
    await approvedProfessional(api, b);
    const offer = await marketplace.POST('/api/marketplace/v1/offers', {
      headers: as(b.pro.token),
      body: {
        clientId: b.client.id,
        description: 'Cambiar calefont',
        amount: 80000,
        currency: 'CLP',
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    expect(offer.response.status).toBe(201);
    expect(offer.data?.data).toMatchObject({ amount: '80000', currency: 'CLP', status: 'pending' });

    const escrowBefore = await balanceOf('platform_escrow', null);
    const revenueBefore = await balanceOf('platform_revenue', null);
    const accepted = await marketplace.POST('/api/marketplace/v1/offers/{id}/accept', {
      params: { path: { id: offer.data!.data.id } },
      headers: as(b.client.token),
      body: { method: 'mercadopago', version: offer.data!.data.version },
    });
    expect(accepted.response.status).toBe(202);
    const jobId = accepted.data!.data.job.id;
    const job = { params: { path: { id: jobId } } };
    const escrow = async () => {
      const { data } = await marketplace.GET('/api/marketplace/v1/jobs/{id}/escrow', {
        ...job,
        headers: as(b.client.token),
      });
      return data!.data;
    };

    // The sandbox approves and sends its signed webhook; payments hands it to paymentSync, which signals the deal.
    await eventually(async () => expect((await escrow()).state).toBe('in_progress'), 30000);
    expect((await balanceOf('platform_escrow', null)) - escrowBefore).toBe(80000n);

    const completed = await marketplace.POST('/api/marketplace/v1/jobs/{id}/complete', {
      ...job,
      headers: as(b.pro.token),
      body: { note: 'Listo' },
    });
    expect(completed.data?.data.escrow.state).toBe('completed_by_professional');
    const approved = await marketplace.POST('/api/marketplace/v1/jobs/{id}/approve', {
      ...job,
      headers: as(b.client.token),
      body: {},
    });
    expect(approved.response.status).toBeLessThan(300);
    await eventually(async () => expect((await escrow()).state).toBe('paid_out'), 30000);

    const { commissionBps } = await escrow();
    const commission = (80000n * BigInt(commissionBps)) / 10000n;
    expect(await balanceOf('professional_payable', b.pro.id)).toBe(80000n - commission);
    expect((await balanceOf('platform_revenue', null)) - revenueBefore).toBe(commission);
    expect((await balanceOf('platform_escrow', null)) - escrowBefore).toBe(0n);

    // The deal's state moves first; the job's timeline follows through the marketplace activity.
    await eventually(async () => {
      const { data } = await marketplace.GET('/api/marketplace/v1/jobs/{id}/timeline', {
        ...job,
        headers: as(b.client.token),
      });
      expect(data!.data.map((e) => e.status)).toEqual(
        expect.arrayContaining(['in_progress', 'completed_by_professional', 'approved', 'paid_out']),
      );
    }, 15000);
  }, 120000);
});
