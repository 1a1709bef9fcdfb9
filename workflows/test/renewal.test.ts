/**
 * The renewal on the time-skipping test server: the real workflow, the real payments activities on
 * a real ledger, the gym's real seller activities on its own schema (pause/resume are the gym's
 * `pause()` / `resume()`), and a recording stand-in for notifications (its own suite tests it).
 */
import { fileURLToPath } from 'node:url';
import type { EntityManager } from '@mikro-orm/postgresql';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { uuidv7 } from 'uuidv7';
import { runMigrations, runWithContext, withEm, workflowWorkerOptions, type Orm } from '@faena/platform';
import { captureLogger, createTimeSkippingEnv, testDatabaseUrl } from '@faena/platform/testing';
import { Account, JournalEntry, Payment } from '../../services/payments/src/domain/entities.ts';
import { createPaymentsOrm } from '../../services/payments/src/wiring.ts';
import { startSandbox, type Sandbox } from '../../services/payments/src/sandbox/server.ts';
import { Membership, MembershipFreeze } from '../../services/gym/src/domain/entities.ts';
import { MembershipRenewal } from '../../services/gym/src/domain/renewal-entities.ts';
import { renewalActivities } from '../../services/gym/src/renewal-activities.ts';
import { addDays, dayIn, prorate } from '../src/renewal/calendar.ts';
import {
  GYM_TASK_QUEUE,
  RENEWAL_TASK_QUEUE,
  RENEWAL_WORKFLOW_TYPE,
  cancelAtPeriodEnd,
  changePlan,
  pauseRenewal,
  renewalStatusQuery,
  renewalWorkflowId,
  retryRefund,
  type RenewalWorkflow,
} from '../src/renewal/contract.ts';
import {
  gymTestOrm,
  inGym as inGymOf,
  pricedPlan,
  renewingMembership,
  type RenewalSetup,
} from './support/renewal.ts';
import { identityStandIn, notificationsStandIn, paymentsWithFailures } from './support/stand-ins.ts';

const DAY = 86_400_000;
const tenantId = uuidv7();
const branchId = uuidv7();
let env: TestWorkflowEnvironment;
let paymentsOrm: Orm;
let gymOrm: Orm;
let sandbox: Sandbox;
let workers: Worker[];
let payments: ReturnType<typeof paymentsWithFailures>;
/** The one user identity confirms as holding the renewal's operator permission. */
const operator = { id: uuidv7(), name: 'Olga Operadora' };
let running: Promise<unknown>;
const notified: Array<{ key: string; event: string; userId?: string; variables?: unknown }> = [];

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  const url = await testDatabaseUrl();
  paymentsOrm = await createPaymentsOrm({ DATABASE_URL: url, DATABASE_POOL_MAX: 5 });
  await runMigrations(paymentsOrm);
  gymOrm = await gymTestOrm(url);
  const { logger } = captureLogger();
  sandbox = await startSandbox({});
  payments = paymentsWithFailures({ orm: paymentsOrm, logger, sandboxUrl: sandbox.url });
  const connection = env.nativeConnection;
  workers = await Promise.all([
    Worker.create({
      connection,
      taskQueue: RENEWAL_TASK_QUEUE,
      ...workflowWorkerOptions({ workflowsPath: fileURLToPath(new URL('../src/index.ts', import.meta.url)) }),
    }),
    // The real activities; a test may make a refund fail (`refundAuthFailure`).
    Worker.create({ connection, taskQueue: 'payments', activities: payments.activities }),
    Worker.create({
      connection,
      taskQueue: 'identity',
      activities: identityStandIn({ tenantId, operator, nameOf: () => 'Marta Socia' }),
    }),
    Worker.create({
      connection,
      taskQueue: GYM_TASK_QUEUE,
      activities: renewalActivities({ orm: gymOrm, logger }),
    }),
    Worker.create({
      connection,
      taskQueue: 'notifications',
      activities: notificationsStandIn((n) => notified.push(n)),
    }),
  ]);
  running = Promise.all(workers.map((w) => w.run()));
}, 120000);

afterAll(async () => {
  workers?.forEach((w) => w.shutdown());
  await running;
  await gymOrm?.close(true);
  await paymentsOrm?.close(true);
  await sandbox?.close();
  await env?.teardown();
});

const f = () => ({ gymOrm, paymentsOrm, tenantId, branchId });
const inGym = <T>(fn: (em: EntityManager) => Promise<T>) => inGymOf(f(), fn);
const inPayments = <T>(fn: (em: EntityManager) => Promise<T>) =>
  runWithContext({ tenantId }, () => withEm(paymentsOrm, (e) => fn(e as unknown as EntityManager)));

/** The test server's today (UTC: the gym's default calendar); it moves as tests skip time. */
const today = async () => dayIn(await env.currentTimeMs(), 'UTC');
const setup = async (opts: { daysLeft?: number; wallet?: bigint } = {}) =>
  renewingMembership(f(), await today(), opts);
type Setup = RenewalSetup;

const start = (s: Setup) =>
  env.client.workflow.start<RenewalWorkflow>(RENEWAL_WORKFLOW_TYPE, {
    taskQueue: RENEWAL_TASK_QUEUE,
    workflowId: renewalWorkflowId(tenantId, s.membership.id),
    args: [s.input],
    searchAttributes: { TenantId: [tenantId], BusinessKey: [s.membership.id], ProcessStatus: ['active'] },
  });

const chargesOf = (membershipId: string) =>
  inPayments((em) =>
    em.find(Payment, { reference: { $like: `${membershipId}:%` } }, { orderBy: { createdAt: 'asc' } }),
  );
const walletOf = (userId: string) =>
  inPayments(
    async (em) => (await em.findOne(Account, { kind: 'customer_wallet', ownerId: userId }))?.balance ?? 0n,
  );
const cyclesOf = (membershipId: string) =>
  inGym((em) => em.find(MembershipRenewal, { membershipId }, { orderBy: { cycle: 'asc' } }));
const membershipNow = (id: string) => inGym((em) => em.findOneOrFail(Membership, { id }, { refresh: true }));
const eventsOf = (membershipId: string) =>
  notified.filter((n) => n.key.startsWith(renewalWorkflowId(tenantId, membershipId))).map((n) => n.event);

test('the renewal charges the wallet on the renewal date, once, and the membership covers the next period', async () => {
  const s = await setup({ wallet: 1_500_000n });
  const oldEnd = s.membership.endsOn;
  const handle = await start(s);
  // Before the date: reminded (3 days ahead), nothing charged.
  await env.sleep(3 * DAY);
  expect(await chargesOf(s.membership.id)).toEqual([]);
  expect(eventsOf(s.membership.id)).toEqual(['membership.renewal_reminder']);
  const before = await handle.query(renewalStatusQuery);
  expect(before).toMatchObject({ state: 'active', cycle: 1, periodEnd: oldEnd, nextCharge: '1000000' });
  expect(before.summary).toContain('Marta Socia');
  expect(before.summary).toContain('Mensual libre');
  expect(before.summary).toMatch(/\$\s?10\.000,00/);
  // The date comes: charged with the cycle's key, the membership extended a month.
  await env.sleep(3 * DAY);
  const charges = await chargesOf(s.membership.id);
  expect(charges.map((p) => [p.idempotencyKey, p.amount, p.status, p.method])).toEqual([
    [`renewal:${s.membership.id}:1`, 1_000_000n, 'captured', 'wallet'],
  ]);
  expect(await walletOf(s.userId)).toBe(500_000n);
  const cycles = await cyclesOf(s.membership.id);
  expect(cycles.map((c) => [c.cycle, c.result, c.paymentId, c.startsOn])).toEqual([
    [1, 'renewed', charges[0]!.id, oldEnd],
  ]);
  const m = await membershipNow(s.membership.id);
  expect(m.endsOn).toBe(cycles[0]!.endsOn);
  expect(m.endsOn > oldEnd).toBe(true);
  expect(eventsOf(s.membership.id)).toEqual(['membership.renewal_reminder', 'membership.renewed']);
  await handle.terminate('test over');
});

test('continue-as-new after a cycle: a new run for cycle 2 with the new period, charged with its own key', async () => {
  const s = await setup({ wallet: 2_500_000n, daysLeft: 2 });
  const handle = await start(s);
  const firstRun = (await handle.describe()).runId;
  await env.sleep(3 * DAY);
  const after = await env.client.workflow.getHandle(handle.workflowId).query(renewalStatusQuery);
  const d = await env.client.workflow.getHandle(handle.workflowId).describe();
  expect(d.runId).not.toBe(firstRun);
  expect(d.status.name).toBe('RUNNING');
  const m = await membershipNow(s.membership.id);
  expect(after).toMatchObject({ state: 'active', cycle: 2, periodEnd: m.endsOn, attempts: 0 });
  // The next period ends: cycle 2 is charged once, with its own key.
  await env.sleep(32 * DAY);
  const keys = (await chargesOf(s.membership.id)).map((p) => p.idempotencyKey);
  expect(keys).toEqual([`renewal:${s.membership.id}:1`, `renewal:${s.membership.id}:2`]);
  expect((await cyclesOf(s.membership.id)).map((c) => c.cycle)).toEqual([1, 2]);
  await env.client.workflow.getHandle(handle.workflowId).terminate('test over');
});

test('a declined charge is retried by dunning (each decline notified), then the membership expires', async () => {
  const s = await setup({ daysLeft: 1 }); // an empty wallet
  const handle = await start(s);
  await env.sleep(1 * DAY + 3600_000);
  const due = await handle.query(renewalStatusQuery);
  expect(due).toMatchObject({
    state: 'past_due',
    attempts: 1,
    lastFailure: { code: 'INSUFFICIENT_BALANCE' },
  });
  const result = await handle.result();
  expect(result).toMatchObject({ state: 'expired', attempts: 3 });
  expect(eventsOf(s.membership.id)).toEqual([
    'membership.charge_failed',
    'membership.charge_failed',
    'membership.expired',
  ]);
  expect(await chargesOf(s.membership.id)).toEqual([]);
  expect((await cyclesOf(s.membership.id)).map((c) => [c.cycle, c.result])).toEqual([[1, 'expired']]);
  const m = await membershipNow(s.membership.id);
  expect(m.autoRenew).toBe(false);
  expect(m.endsOn).toBe(s.membership.endsOn);
  expect((await handle.describe()).status.name).toBe('COMPLETED');
});

test('a pause pushes the renewal date by the paused days (through the gym’s own pause)', async () => {
  const s = await setup({ wallet: 1_000_000n, daysLeft: 4 });
  const handle = await start(s);
  const t = await today();
  const status = await handle.executeUpdate(pauseRenewal, {
    args: [{ startsOn: t, days: 7, actorId: s.userId }],
  });
  expect(status.periodEnd).toBe(addDays(s.membership.endsOn, 7));
  const m = await membershipNow(s.membership.id);
  expect(m.endsOn).toBe(addDays(s.membership.endsOn, 7));
  expect(await inGym((em) => em.count(MembershipFreeze, { membershipId: m.id }))).toBe(1);
  // The old date passes: nothing charged; the new one: charged.
  await env.sleep(5 * DAY);
  expect(await chargesOf(s.membership.id)).toEqual([]);
  await env.sleep(7 * DAY);
  expect((await chargesOf(s.membership.id)).map((p) => p.idempotencyKey)).toEqual([
    `renewal:${s.membership.id}:1`,
  ]);
  // A pause the plan does not allow is the Update's refusal, and the workflow goes on.
  await expect(
    env.client.workflow
      .getHandle(handle.workflowId)
      .executeUpdate(pauseRenewal, { args: [{ startsOn: await today(), days: 60, actorId: s.userId }] }),
  ).rejects.toThrow(WorkflowUpdateFailedError);
  await env.client.workflow.getHandle(handle.workflowId).terminate('test over');
});

test('cancel at period end: the period runs out, nothing is charged, auto-renew ends', async () => {
  const s = await setup({ wallet: 1_000_000n, daysLeft: 2 });
  const handle = await start(s);
  const st = await handle.executeUpdate(cancelAtPeriodEnd, { args: [{ actorId: s.userId, cancel: true }] });
  expect(st).toMatchObject({ state: 'active', cancelAtPeriodEnd: true });
  const result = await handle.result();
  expect(result.state).toBe('cancelled');
  expect(await chargesOf(s.membership.id)).toEqual([]);
  expect(await walletOf(s.userId)).toBe(1_000_000n);
  expect((await cyclesOf(s.membership.id)).map((c) => [c.cycle, c.result])).toEqual([[1, 'cancelled']]);
  expect((await membershipNow(s.membership.id)).autoRenew).toBe(false);
  expect(eventsOf(s.membership.id)).toEqual([]);
});

test('a plan change is pro-rated: the difference for the days left is charged now (the previewed amount), a stale preview charges nothing', async () => {
  const s = await setup({ wallet: 3_000_000n, daysLeft: 10 });
  const premium = await pricedPlan(f(), 'Mensual premium', 1_600_000n);
  const handle = await start(s);
  const item = { planId: premium.id, planName: 'Mensual premium', amount: '1600000', currency: 'ARS' };
  const quote = prorate(s.input.item, item, s.input, await today());
  expect(quote.daysLeft).toBe(10);
  expect(quote.charge).toBe(((600_000n * 10n) / BigInt(quote.periodDays)).toString());
  // A preview that no longer holds is refused and charges nothing.
  await expect(
    handle.executeUpdate(changePlan, {
      args: [{ actorId: s.userId, plan: item, expectedCharge: '1', expectedCredit: '0' }],
    }),
  ).rejects.toThrow(WorkflowUpdateFailedError);
  expect(await chargesOf(s.membership.id)).toEqual([]);
  const st = await handle.executeUpdate(changePlan, {
    args: [{ actorId: s.userId, plan: item, expectedCharge: quote.charge, expectedCredit: quote.credit }],
  });
  expect(st).toMatchObject({
    plan: { id: premium.id },
    nextCharge: '1600000',
    lastPlanChange: { charged: quote.charge },
  });
  const charges = await chargesOf(s.membership.id);
  expect(charges.map((p) => [p.idempotencyKey, p.amount.toString()])).toEqual([
    [`renewal:${s.membership.id}:1:change-1`, quote.charge],
  ]);
  const m = await membershipNow(s.membership.id);
  expect(m.planId).toBe(premium.id);
  // The renewal then charges the new plan's price.
  await env.sleep(11 * DAY);
  expect((await chargesOf(s.membership.id)).map((p) => p.amount)).toEqual([BigInt(quote.charge), 1_600_000n]);
  await env.client.workflow.getHandle(handle.workflowId).terminate('test over');
});

test('a next period the gym refuses (another membership covers it) refunds the charge: no money kept, nothing Failed', async () => {
  const s = await setup({ wallet: 1_000_000n, daysLeft: 1 });
  await nextPeriodTaken(s);
  const handle = await start(s);
  const result = await handle.result();
  expect(result.state).toBe('cancelled');
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  const charges = await chargesOf(s.membership.id);
  expect(charges.map((p) => [p.idempotencyKey, p.status])).toEqual([
    [`renewal:${s.membership.id}:1`, 'refunded'],
  ]);
  expect(await walletOf(s.userId)).toBe(1_000_000n);
  expect((await membershipNow(s.membership.id)).endsOn).toBe(s.membership.endsOn);
});

/** The member already bought the next month at the desk: the renewal cannot extend into it. */
async function nextPeriodTaken(s: Setup) {
  await inGym(async (em) => {
    em.create(Membership, {
      memberId: s.membership.memberId,
      planId: s.plan.id,
      branchId,
      status: 'active',
      startsOn: s.membership.endsOn,
      endsOn: addDays(s.membership.endsOn, 30),
      amount: 1_000_000n,
      currency: 'ARS',
      paymentMethod: 'wallet',
      purchaseKey: uuidv7(),
    } as never);
    await em.flush();
  });
}

/** Skips time half an hour at a time until the renewal leaves `active` (so within the hour that follows). */
async function untilNotActive(handle: WorkflowHandle<RenewalWorkflow>) {
  for (let i = 0; i < 60; i++) {
    const st = await handle.query(renewalStatusQuery);
    if (st.state !== 'active') return st;
    await env.sleep(1_800_000);
  }
  throw new Error('the renewal never left active');
}

const refundEntries = (paymentId: string) =>
  inPayments((em) => em.count(JournalEntry, { paymentId, idempotencyKey: { $like: '%refund%' } }));

test('a refund that fails waits in refund_pending for an operator: the hourly retry tries again, retryRefund refunds once with the same key', async () => {
  const s = await setup({ wallet: 1_000_000n, daysLeft: 1 });
  await nextPeriodTaken(s);
  const refundKey = `renewal:${s.membership.id}:1:refund`;
  payments.refundAuthFailure((k) => k === refundKey);
  payments.refundAuthFailure((k) => k === refundKey);
  const handle = await start(s);
  // Before the date there is nothing to retry.
  await expect(handle.executeUpdate(retryRefund, { args: [{ operatorId: operator.id }] })).rejects.toThrow(
    WorkflowUpdateFailedError,
  );

  const pending = await untilNotActive(handle);
  expect(pending).toMatchObject({
    state: 'refund_pending',
    operatorAction: 'retryRefund',
    refund: { amount: '1000000', attempts: 1, reason: expect.stringContaining('PROVIDER_AUTH_FAILED') },
  });
  expect(pending.summary).toContain('refund pending');
  expect(pending.summary).toContain('Marta Socia');
  expect((await handle.describe()).searchAttributes.ProcessStatus).toEqual(['refund_pending']);
  expect((await handle.describe()).status.name).toBe('RUNNING');
  const [charge] = await chargesOf(s.membership.id);
  expect(charge).toMatchObject({ status: 'captured', idempotencyKey: `renewal:${s.membership.id}:1` });
  expect(pending.refund?.paymentId).toBe(charge!.id);
  expect(await walletOf(s.userId)).toBe(0n);
  expect(eventsOf(s.membership.id)).toEqual(['membership.refund_delayed']);

  // The hourly retry tries again by itself (and fails: the provider still refuses).
  await env.sleep(3_600_000);
  expect(await handle.query(renewalStatusQuery)).toMatchObject({
    state: 'refund_pending',
    refund: { attempts: 2 },
  });
  // Only a user holding the operator permission may retry.
  await expect(handle.executeUpdate(retryRefund, { args: [{ operatorId: uuidv7() }] })).rejects.toThrow(
    WorkflowUpdateFailedError,
  );

  // The operator retries: the refund goes through, once, with the same key; the chain ends cancelled.
  const st = await handle.executeUpdate(retryRefund, {
    args: [{ operatorId: operator.id, note: 'provider credentials fixed' }],
  });
  expect(st).toMatchObject({ state: 'cancelled', operatorAction: null, refund: { attempts: 3 } });
  const result = await handle.result();
  expect(result.state).toBe('cancelled');
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  expect((await chargesOf(s.membership.id)).map((p) => [p.status, p.refundedAmount])).toEqual([
    ['refunded', 1_000_000n],
  ]);
  expect(await refundEntries(charge!.id)).toBe(1);
  expect(await walletOf(s.userId)).toBe(1_000_000n);
  const cycles = await cyclesOf(s.membership.id);
  expect(cycles.map((c) => [c.cycle, c.result])).toEqual([[1, 'cancelled']]);
  expect(cycles[0]!.reason).toContain('Olga Operadora');
  expect((await membershipNow(s.membership.id)).endsOn).toBe(s.membership.endsOn);
});

test('a pending refund is retried every hour by itself: no operator needed once payments takes it', async () => {
  const s = await setup({ wallet: 1_000_000n, daysLeft: 1 });
  await nextPeriodTaken(s);
  payments.refundAuthFailure((k) => k === `renewal:${s.membership.id}:1:refund`);
  const handle = await start(s);
  expect(await untilNotActive(handle)).toMatchObject({ state: 'refund_pending' });
  const result = await handle.result();
  expect(result).toMatchObject({ state: 'cancelled', refund: { attempts: 2 } });
  expect((await chargesOf(s.membership.id)).map((p) => p.status)).toEqual(['refunded']);
  expect(await walletOf(s.userId)).toBe(1_000_000n);
});
