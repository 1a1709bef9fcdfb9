/**
 * What the SaaS subscription suites (subscription.test.ts on the time-skipping server,
 * subscription-live.test.ts on the dev server) set up alike: the platform tenant whose books receive
 * the plans' payments, with its MercadoPago account on a sandbox where every checkout waits for its
 * payer, and identity's activities as its worker registers them (people and the seller's side).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { WorkflowHandle } from '@temporalio/client';
import { runMigrations, runWithContext, withEm, type Logger, type Orm } from '@faena/platform';
import { eventually, testDatabaseUrl } from '@faena/platform/testing';
import { createActivities as identityActivities } from '../../../services/identity/src/activities.ts';
import { Tenant } from '../../../services/identity/src/domain/entities.ts';
import { signUp as createTenant } from '../../../services/identity/src/domain/tenants.ts';
import { ensureSubscription, type SubscriptionProcess } from '../../../services/identity/src/subscription.ts';
import { subscriptionActivities } from '../../../services/identity/src/subscription-activities.ts';
import { PASSWORD, unique, type Harness } from '../../../services/identity/test/harness.ts';
import { saveCredentials } from '../../../services/payments/src/domain/providers.ts';
import { startSandbox, type Sandbox } from '../../../services/payments/src/sandbox/server.ts';
import { createPaymentsOrm } from '../../../services/payments/src/wiring.ts';
import { paymentStatusChanged } from '../../src/payments/contract.ts';
import { renewalStatusQuery, type RenewalStatus } from '../../src/renewal/contract.ts';
import { SECRET } from './stand-ins.ts';

export interface Platform {
  id: string;
  paymentsOrm: Orm;
  sandbox: Sandbox;
  close(): Promise<void>;
}

/** The platform tenant `slug` in identity `h`, its MercadoPago account (sandbox, checkouts left pending) in payments. */
export async function platformOnMercadoPago(h: Harness, slug: string): Promise<Platform> {
  const { tenant } = await withEm(h.orm, (em) =>
    createTenant(
      em as unknown as EntityManager,
      {
        tenant: { name: 'Faena', slug, kind: 'platform', currency: 'USD', locale: 'en', timeZone: 'UTC' },
        owner: { name: 'Ops', email: `ops-${unique()}@faena.dev`, password: PASSWORD },
      },
      null,
    ),
  );
  const paymentsOrm = await createPaymentsOrm({
    DATABASE_URL: await testDatabaseUrl(),
    DATABASE_POOL_MAX: 5,
  });
  await runMigrations(paymentsOrm);
  const sandbox = await startSandbox({ defaultOutcome: 'pending' });
  const account = (await (await fetch(`${sandbox.url}/sandbox/accounts`, { method: 'POST' })).json()) as {
    accessToken: string;
    webhookSecret: string;
  };
  await runWithContext({ tenantId: tenant.id }, () =>
    withEm(paymentsOrm, (e) =>
      saveCredentials(e as unknown as EntityManager, SECRET, tenant.id, 'mercadopago', account),
    ),
  );
  return {
    id: tenant.id,
    paymentsOrm,
    sandbox,
    close: async () => {
      await paymentsOrm.close(true);
      await sandbox.close();
    },
  };
}

/** identity's activities on its queue, as its worker registers them. */
export const identityWorkerActivities = (h: Harness, logger: Logger) => ({
  ...identityActivities({ orm: h.orm, logger }),
  ...subscriptionActivities({ orm: h.orm, redis: h.redis, logger }),
});

/** The provider id of a payment (what the sandbox's checkout resolves). */
export async function providerIdOf(paymentsOrm: Orm, paymentId: string): Promise<string> {
  const [row] = await withEm(paymentsOrm, (em) =>
    em
      .getConnection()
      .execute<Array<{ pid: string }>>(
        `select provider_payment_id as pid from payments.payments where id = ?`,
        [paymentId],
      ),
  );
  return row!.pid;
}

/**
 * The owner pays the chain's open checkout with MercadoPago's approving test name; payments reads
 * the provider and the chain is told, as the webhook → paymentSync path does. Answers the status
 * that showed the checkout.
 */
export async function payOpenCheckout(
  handle: WorkflowHandle,
  platform: Platform,
  syncProviderPayment: (input: {
    tenantId: string;
    provider: string;
    providerPaymentId: string;
  }) => Promise<{ status: string }>,
  withinMs = 10_000,
): Promise<RenewalStatus> {
  const st = await eventually(async () => {
    const s = await handle.query(renewalStatusQuery);
    if (!s.checkoutUrl) throw new Error(`no open checkout yet (${s.state}, ${s.summary})`);
    return s;
  }, withinMs);
  const res = await fetch(st.checkoutUrl!, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ cardholderName: 'APRO' }).toString(),
  });
  if (res.status !== 200) throw new Error(`the checkout answered ${res.status}`);
  const synced = await syncProviderPayment({
    tenantId: platform.id,
    provider: 'mercadopago',
    providerPaymentId: await providerIdOf(platform.paymentsOrm, st.paymentId!),
  });
  if (synced.status !== 'captured') throw new Error(`the payment is ${synced.status}, not captured`);
  await handle.signal(paymentStatusChanged, { paymentId: st.paymentId!, status: synced.status });
  return st;
}

/**
 * Dates the business's trial `[periodStart, periodEnd)` and starts its chain the sweeper's way
 * (`ensureSubscription`): a test's trial on the calendar it runs on.
 */
export async function startTrialChain(
  h: Harness,
  subs: SubscriptionProcess,
  tenantId: string,
  period: { periodStart: string; periodEnd: string },
): Promise<void> {
  await withEm(
    h.orm,
    (em) => em.nativeUpdate(Tenant, { id: tenantId }, { ...period, renewalStartedAt: null }),
    {
      system: true,
    },
  );
  await withEm(
    h.orm,
    async (em) =>
      ensureSubscription(
        em as unknown as EntityManager,
        subs,
        await em.findOneOrFail(Tenant, { id: tenantId }),
      ),
    { system: true },
  );
}
