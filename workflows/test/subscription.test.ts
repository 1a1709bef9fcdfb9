/**
 * The café SaaS subscription (issue 18) on the time-skipping test server: identity's real API (a
 * sign-up on a paid plan starts the chain, `PUT /tenant/plan`, the guard refusing a suspended
 * business), identity's real seller activities on its schema, the real `renewal` workflow on the
 * provider-charge path, payments' real activities on the platform's books with the MercadoPago
 * sandbox (every checkout waits for its payer) and a witness for notifications' `notify`.
 *
 * The webhook → paymentSync leg is payments' own suite (provider-flow.test.ts); here the test does
 * what it does: reads the provider (`syncProviderPayment`) and signals the chain.
 */
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { withEm, workflowWorkerOptions, type Orm } from '@faena/platform';
import { captureLogger, createTimeSkippingEnv, eventually } from '@faena/platform/testing';
import { Tenant } from '../../services/identity/src/domain/entities.ts';
import {
  subscriptionIdOf,
  sweepSubscriptions,
  type SubscriptionProcess,
} from '../../services/identity/src/subscription.ts';
import {
  API,
  bearer,
  signUp,
  startIdentity,
  unique,
  type Harness,
  type SignedUp,
} from '../../services/identity/test/harness.ts';
import type { Sandbox } from '../../services/payments/src/sandbox/server.ts';
import { addDays, addMonths, dayIn, prorate } from '../src/renewal/calendar.ts';
import { RENEWAL_TASK_QUEUE, renewalStatusQuery, type RenewalStatus } from '../src/renewal/contract.ts';
import { paymentsWithFailures } from './support/stand-ins.ts';
import {
  identityWorkerActivities,
  payOpenCheckout,
  platformOnMercadoPago,
  startTrialChain,
  type Platform,
} from './support/subscriptions.ts';

const DAY = 86_400_000;
const ZONE = 'America/Argentina/Buenos_Aires';
let env: TestWorkflowEnvironment;
let h: Harness;
/** The same identity (database, Redis, keys) with no Temporal: a sign-up there starts no chain. */
let withoutChains: Harness;
let paymentsOrm: Orm;
let sandbox: Sandbox;
let payments: ReturnType<typeof paymentsWithFailures>;
let workers: Worker[];
let running: Promise<unknown>;
let platformId: string;
let platform: Platform;
let subs: SubscriptionProcess;
const notified: Array<{ tenantId: string; event: string; key: string; variables: Record<string, unknown> }> =
  [];

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  const { logger } = captureLogger();
  const platformSlug = `faena-${unique()}`;
  subs = { temporal: env.client, taskQueue: RENEWAL_TASK_QUEUE, platformSlug, logger };
  h = await startIdentity({ subscriptions: subs });
  withoutChains = await startIdentity();
  // The platform's MercadoPago account: the businesses' plans are paid into its books; every
  // checkout waits for its payer (nobody pays unless a test does).
  platform = await platformOnMercadoPago(h, platformSlug);
  ({ id: platformId, paymentsOrm, sandbox } = platform);
  payments = paymentsWithFailures({ orm: paymentsOrm, logger, sandboxUrl: sandbox.url });
  const connection = env.nativeConnection;
  workers = await Promise.all([
    Worker.create({
      connection,
      taskQueue: RENEWAL_TASK_QUEUE,
      ...workflowWorkerOptions({ workflowsPath: fileURLToPath(new URL('../src/index.ts', import.meta.url)) }),
    }),
    Worker.create({ connection, taskQueue: 'payments', activities: payments.activities }),
    Worker.create({
      connection,
      taskQueue: 'identity',
      activities: identityWorkerActivities(h, logger),
    }),
    Worker.create({
      connection,
      taskQueue: 'notifications',
      activities: {
        async notify(n: {
          tenantId: string;
          key: string;
          event: string;
          variables: Record<string, unknown>;
        }) {
          if (!notified.some((x) => x.key === n.key))
            notified.push({ tenantId: n.tenantId, event: n.event, key: n.key, variables: n.variables });
          return { replayed: false, notifications: [], webhookDeliveries: 0 };
        },
      },
    }),
  ]);
  running = Promise.all(workers.map((w) => w.run()));
}, 120000);

afterAll(async () => {
  workers?.forEach((w) => w.shutdown());
  await running;
  await h?.close();
  await withoutChains?.close();
  await platform?.close();
  await env?.teardown();
});

const tenantRow = (id: string) =>
  withEm(h.orm, (em) => em.findOneOrFail(Tenant, { id }, { refresh: true }), { system: true });
const chainOf = (biz: SignedUp): WorkflowHandle =>
  env.client.workflow.getHandle(subscriptionIdOf(biz.tenantId));
const statusOf = (biz: SignedUp) => chainOf(biz).query(renewalStatusQuery);
const eventsOf = (biz: SignedUp) => notified.filter((n) => n.tenantId === biz.tenantId).map((n) => n.event);
const plan = (biz: SignedUp) => h.agent.get(`${API}/tenant/plan`).set(bearer(biz.token));
/** Skips the test server's clock by whole days (the chain's timers fire on the way). */
const skipDays = (days: number) => env.sleep(days * DAY);
const platformPayment = async (paymentId: string) => {
  const [row] = await withEm(paymentsOrm, (em) =>
    em
      .getConnection()
      .execute<Array<{ tenant_id: string; amount: string; status: string; pid: string }>>(
        `select tenant_id, amount::text as amount, status, provider_payment_id as pid from payments.payments where id = ?`,
        [paymentId],
      ),
  );
  return row!;
};

/**
 * A business signed up on `plan` whose 14-day trial starts on the test server's today: the API
 * dates the trial by the real clock, which the time skipped by earlier tests left behind, so it
 * signs up where no chain starts (the same identity without Temporal), its trial is dated by the
 * server's calendar, and its chain is started by `ensureSubscription` (the sweeper's way).
 */
async function trialOnServerTime(
  kind: string,
  currency: string,
  planName: 'basic' | 'pro',
): Promise<SignedUp> {
  const biz = await signUp(withoutChains, kind, currency, planName);
  const today = dayIn(await env.currentTimeMs(), ZONE);
  await startTrialChain(h, subs, biz.tenantId, { periodStart: today, periodEnd: addDays(today, 14) });
  return biz;
}

/** The owner pays the open checkout (support/subscriptions.ts). */
const payCheckout = (biz: SignedUp) =>
  payOpenCheckout(chainOf(biz), platform, (i) => payments.real.syncProviderPayment(i));

describe('a café on a paid plan: trial, unpaid renewal, suspension, payment, reactivation', () => {
  it('the chain starts at sign-up; every try unpaid suspends the business; paying the checkout reactivates it', async () => {
    const biz = await signUp(h, 'cafe', 'ARS', 'basic');
    const signedUp = await tenantRow(biz.tenantId);
    expect(signedUp).toMatchObject({ plan: 'basic', subscriptionStatus: 'trialing', renewalCycle: 1 });
    expect(signedUp.renewalStartedAt).toBeInstanceOf(Date);
    const trialEnd = signedUp.periodEnd!;
    expect(trialEnd).toBe(addDays(dayIn(await env.currentTimeMs(), ZONE), 14));
    expect(await statusOf(biz)).toMatchObject({
      state: 'active',
      plan: { id: 'basic' },
      amount: '2900000',
      currency: 'ARS',
      periodEnd: trialEnd,
    });
    const view = await plan(biz);
    expect(view.status).toBe(200);
    expect(view.body.data.renewal).toMatchObject({
      state: 'active',
      nextCharge: { amount: '2900000', currency: 'ARS' },
      checkoutUrl: null,
    });

    // The trial ends: a reminder three days before, then the first checkout (nobody pays it).
    await skipDays(14);
    await eventually(async () => expect((await statusOf(biz)).checkoutUrl).toEqual(expect.any(String)));
    expect(eventsOf(biz)).toContain('subscription.trial_ending');
    const first = await statusOf(biz);
    // The owner is sent the checkout's link at once, to pay by the next try day.
    await eventually(async () => expect(eventsOf(biz)).toContain('subscription.payment_due'));
    expect(
      notified.find((n) => n.tenantId === biz.tenantId && n.event === 'subscription.payment_due')!.variables,
    ).toMatchObject({
      checkoutUrl: first.checkoutUrl,
      payBy: addDays(trialEnd, 1),
      amount: { amount: '2900000', currency: 'ARS' },
    });
    expect(await platformPayment(first.paymentId!)).toMatchObject({
      tenant_id: platformId,
      amount: '2900000',
      status: 'pending',
    });
    // Unpaid by the next try day: past due, told with the link.
    await skipDays(1);
    await eventually(async () => expect((await tenantRow(biz.tenantId)).subscriptionStatus).toBe('past_due'));
    await eventually(async () => expect(eventsOf(biz)).toContain('subscription.payment_failed'));
    const failed = notified.find(
      (n) => n.tenantId === biz.tenantId && n.event === 'subscription.payment_failed',
    )!;
    expect(failed.variables).toMatchObject({ checkoutUrl: first.checkoutUrl });
    expect((await plan(biz)).body.data.subscription.status).toBe('past_due');

    // Every dunning try unpaid (days 1 and 3, then a day for the last link): suspended.
    await skipDays(4);
    await eventually(async () =>
      expect(await tenantRow(biz.tenantId)).toMatchObject({
        status: 'suspended',
        subscriptionStatus: 'suspended',
        suspendedBy: 'billing',
      }),
    );
    await eventually(async () => expect((await statusOf(biz)).state).toBe('suspended'));
    expect(eventsOf(biz)).toContain('subscription.suspended');
    // The guard refuses the suspended business's requests.
    const refused = await plan(biz);
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0]).toMatchObject({ code: 'UNAUTHENTICATED', message: 'Tenant is suspended' });

    // The owner pays the open checkout (the link the suspension message carried): reactivated.
    const suspendedNote = notified.find(
      (n) => n.tenantId === biz.tenantId && n.event === 'subscription.suspended',
    )!;
    const paid = await payCheckout(biz);
    expect(suspendedNote.variables).toMatchObject({ checkoutUrl: paid.checkoutUrl });
    await eventually(async () =>
      expect(await tenantRow(biz.tenantId)).toMatchObject({
        status: 'active',
        suspendedBy: null,
        subscriptionStatus: 'active',
        plan: 'basic',
        periodStart: trialEnd,
        periodEnd: addMonths(trialEnd, 1),
        renewalCycle: 2,
      }),
    );
    await eventually(async () => expect(eventsOf(biz)).toContain('subscription.reactivated'));
    expect(await platformPayment(paid.paymentId!)).toMatchObject({
      tenant_id: platformId,
      status: 'captured',
    });
    expect((await plan(biz)).status).toBe(200);
    // The chain goes on with the next cycle.
    await eventually(async () =>
      expect(await statusOf(biz)).toMatchObject({
        state: 'active',
        cycle: 2,
        periodEnd: addMonths(trialEnd, 1),
      }),
    );
  }, 120_000);
});

describe('plan changes within a paid period', () => {
  it('an upgrade is pro-rated with the next charge; a move to free ends the chain at the period end', async () => {
    const biz = await trialOnServerTime('cafe', 'ARS', 'basic');
    const trialEnd = (await tenantRow(biz.tenantId)).periodEnd!;
    await skipDays(14);
    await payCheckout(biz);
    await eventually(async () => expect((await statusOf(biz)).cycle).toBe(2));
    expect((await tenantRow(biz.tenantId)).subscriptionStatus).toBe('active');

    // Ten days into the paid month, the owner moves up to pro.
    await skipDays(10);
    const st = await statusOf(biz);
    const quote = prorate(
      { planId: 'basic', planName: 'Basic', amount: '2900000', currency: 'ARS' },
      { planId: 'pro', planName: 'Pro', amount: '7900000', currency: 'ARS' },
      { periodStart: st.periodStart, periodEnd: st.periodEnd },
      dayIn(await env.currentTimeMs(), ZONE),
    );
    expect(BigInt(quote.charge)).toBeGreaterThan(0n);
    const up = await h.agent.put(`${API}/tenant/plan`).set(bearer(biz.token)).send({ plan: 'pro' });
    expect(up.status).toBe(200);
    expect(up.body.data.plan.name).toBe('pro');
    const owed = (7_900_000n + BigInt(quote.charge)).toString();
    expect(up.body.data.renewal).toMatchObject({ nextCharge: { amount: owed, currency: 'ARS' } });
    expect(await tenantRow(biz.tenantId)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });

    // The renewal date: one checkout of the new price plus the days owed.
    await skipDays(25);
    const renewing = await eventually(async () => {
      const s = await statusOf(biz);
      expect(s.checkoutUrl).toEqual(expect.any(String));
      return s;
    });
    expect((await platformPayment(renewing.paymentId!)).amount).toBe(owed);
    await payCheckout(biz);
    await eventually(async () =>
      expect(await tenantRow(biz.tenantId)).toMatchObject({
        plan: 'pro',
        renewalCycle: 3,
        periodEnd: addMonths(trialEnd, 2),
      }),
    );
    await eventually(async () =>
      expect(await statusOf(biz)).toMatchObject({ cycle: 3, nextCharge: '7900000' }),
    );

    // Down to free: decided now (usage fits), at the period's end the chain ends and the business is free.
    const down = await h.agent.put(`${API}/tenant/plan`).set(bearer(biz.token)).send({ plan: 'free' });
    expect(down.status).toBe(200);
    expect(down.body.data.subscription).toMatchObject({ status: 'active', pendingPlan: 'free' });
    await skipDays(32);
    const result = (await chainOf(biz).result()) as RenewalStatus;
    expect(result.state).toBe('cancelled');
    expect(await tenantRow(biz.tenantId)).toMatchObject({
      plan: 'free',
      subscriptionStatus: 'none',
      periodEnd: null,
      pendingPlan: null,
      renewalStartedAt: null,
      renewalCycle: 3,
    });
  }, 120_000);
});

describe('a downgrade decided within a paid period', () => {
  it('is charged and applied at the period end: the renewal checkout is the smaller plan’s price', async () => {
    const biz = await trialOnServerTime('cafe', 'ARS', 'pro');
    const trialEnd = (await tenantRow(biz.tenantId)).periodEnd!;
    await skipDays(14);
    await payCheckout(biz);
    await eventually(async () => expect((await statusOf(biz)).cycle).toBe(2));
    const down = await h.agent.put(`${API}/tenant/plan`).set(bearer(biz.token)).send({ plan: 'basic' });
    expect(down.status).toBe(200);
    expect(down.body.data).toMatchObject({
      plan: { name: 'pro' },
      subscription: { status: 'active', pendingPlan: 'basic', periodEnd: addMonths(trialEnd, 1) },
    });
    await skipDays(31);
    const renewing = await eventually(async () => {
      const s = await statusOf(biz);
      expect(s.checkoutUrl).toEqual(expect.any(String));
      return s;
    });
    expect(renewing).toMatchObject({ cycle: 2, plan: { id: 'basic' }, nextCharge: '2900000' });
    // The second cycle's one checkout, in the platform's books, at the smaller plan's price.
    const cycle2 = await withEm(paymentsOrm, (em) =>
      em
        .getConnection()
        .execute<Array<{ amount: string; tenant_id: string }>>(
          `select amount::text as amount, tenant_id from payments.payments where reference = ?`,
          [`${biz.tenantId}:2`],
        ),
    );
    expect(cycle2).toEqual([{ amount: '2900000', tenant_id: platformId }]);
    await payCheckout(biz);
    await eventually(async () =>
      expect(await tenantRow(biz.tenantId)).toMatchObject({
        plan: 'basic',
        pendingPlan: null,
        subscriptionStatus: 'active',
        renewalCycle: 3,
        periodEnd: addMonths(trialEnd, 2),
      }),
    );
  }, 120_000);
});

describe('the subscription sweeper', () => {
  it('starts the chain of a paid plan whose start was lost after its commit, once', async () => {
    const biz = await signUp(h, 'restaurant', 'MXN', 'pro');
    // The API's start is lost (a crash after the commit): no chain runs and none is recorded.
    await chainOf(biz).terminate('the start is lost');
    await withEm(h.orm, (em) => em.nativeUpdate(Tenant, { id: biz.tenantId }, { renewalStartedAt: null }), {
      system: true,
    });
    const later = new Date(Date.now() + 2 * 60_000); // past the sweeper's grace
    const pass = await sweepSubscriptions({ ...subs, orm: h.orm }, { now: later });
    expect(pass.failed).toBe(0);
    expect(pass.started).toBeGreaterThanOrEqual(1);
    expect((await tenantRow(biz.tenantId)).renewalStartedAt).toBeInstanceOf(Date);
    const d = await chainOf(biz).describe();
    expect(d.status.name).toBe('RUNNING');
    expect(await statusOf(biz)).toMatchObject({
      state: 'active',
      plan: { id: 'pro' },
      amount: '134900',
      currency: 'MXN',
    });
    // The next pass leaves it alone: the same run goes on.
    await sweepSubscriptions({ ...subs, orm: h.orm }, { now: later });
    expect((await chainOf(biz).describe()).runId).toBe(d.runId);
  });
});
