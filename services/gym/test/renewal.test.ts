/**
 * Renewal end to end with real services: the gym and payments APIs over HTTP, identity's tokens, and
 * real workers on the dev server (the workflow worker, the gym worker's activities, payments'
 * activities) in a Temporal namespace of this file's own, so no other suite's workers take its
 * tasks. Notifications are a recording stand-in (their suite tests them). Identity's real
 * activities confirm the operator who retries a pending refund.
 */
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { createWorker } from '@faena/platform';
import { createActivities as identityActivities } from '../../identity/src/activities.ts';
import { eventually, registerTestNamespace, testStack } from '@faena/platform/testing';
import { createActivities as paymentsActivities } from '../../payments/src/activities.ts';
import { createPaymentsActivityDeps } from '../../payments/src/wiring.ts';
import { SECRET_KEY, startPayments, type PaymentsHarness } from '../../payments/test/harness.ts';
import { renewalWorkflowId } from '@faena/workflows/renewal/contract';
import { gymActivities } from '../src/activities.ts';
import { addDays, addMonths, todayIn, weekdayOf } from '../src/domain/dates.ts';
import {
  API,
  bearer,
  clientUser,
  fundWallet,
  gym,
  member,
  newKey,
  payerCode,
  plan,
  sql,
  startGymApi,
  walletBalance,
  type Gym,
  type GymHarness,
} from './harness.ts';

const PAYMENTS = '/api/payments/v1';
let p: PaymentsHarness;
let h: GymHarness;
let g: Gym;
let connection: Connection;
let temporal: Client;
const temporalHandle = (membershipId: string) =>
  temporal.workflow.getHandle(renewalWorkflowId(g.biz.tenantId, membershipId));
let workers: Worker[];
let closers: Array<() => Promise<void>>;
let running: Promise<unknown>;
const notified: string[] = [];
/** Refunds whose key `match`es fail once like a provider refusing our credentials (then payments takes them). */
const failingRefunds: Array<(key: string) => boolean> = [];

beforeAll(async () => {
  p = await startPayments();
  const namespace = `faena-renewal-${process.pid}`;
  connection = await Connection.connect({ address: testStack.temporalAddress });
  await registerTestNamespace(connection, namespace);
  temporal = new Client({ connection, namespace });
  const api = await startGymApi(p, p.logs.logger, { temporal, renewalTaskQueue: 'workflows' });
  h = { p, paymentsUrl: '', ...api };
  g = await gym(h);
  const config = { TEMPORAL_ADDRESS: testStack.temporalAddress, TEMPORAL_NAMESPACE: namespace };
  const logger = p.logs.logger;
  const created = await Promise.all([
    createWorker({
      config,
      logger,
      taskQueue: 'workflows',
      workflowsPath: fileURLToPath(new URL('../../../workflows/src/index.ts', import.meta.url)),
    }),
    createWorker({ config, logger, taskQueue: 'gym', activities: gymActivities({ orm: api.orm, logger }) }),
    createWorker({
      config,
      logger,
      taskQueue: 'payments',
      activities: ((real) => ({
        ...real,
        refund(input: Parameters<typeof real.refund>[0]) {
          const i = failingRefunds.findIndex((m) => m(input.key));
          if (i < 0) return real.refund(input);
          failingRefunds.splice(i, 1);
          throw ApplicationFailure.nonRetryable('provider answered 401', 'PROVIDER_AUTH_FAILED');
        },
      }))(
        paymentsActivities(
          createPaymentsActivityDeps(
            {
              MERCADOPAGO_BASE_URL: p.sandbox.url,
              PAYMENTS_SECRET_KEY: SECRET_KEY,
              PAYMENTS_PUBLIC_URL: p.deps.publicUrl,
            },
            { orm: p.orm, logger },
          ),
        ),
      ),
    }),
    createWorker({
      config,
      logger,
      taskQueue: 'identity',
      activities: identityActivities({ orm: p.identity.orm, logger }),
    }),
    createWorker({
      config,
      logger,
      taskQueue: 'notifications',
      activities: {
        notify(n: { event: string }) {
          notified.push(n.event);
          return Promise.resolve({ replayed: false, notifications: [], webhookDeliveries: 0 });
        },
      },
    }),
  ]);
  workers = created.map((c) => c.worker);
  closers = created.map((c) => () => c.connection.close());
  running = Promise.all(workers.map((w) => w.run()));
}, 120_000);

afterAll(async () => {
  workers?.forEach((w) => w.shutdown());
  await running;
  for (const c of closers ?? []) await c();
  await h?.close();
  await connection?.close();
  await p?.close();
});

test('a membership with auto-renew is renewed on its date: the wallet is charged once and the ledger shows it', async () => {
  const today = todayIn('UTC');
  const monthly = await plan(h, g);
  const user = await clientUser(h, g);
  const m = await member(h, g.receptionist, g.branchA, { userId: user.id });
  await fundWallet(h, g, user.id, 100_000);
  // Bought a month ago at the desk: it ends today, the renewal date.
  const bought = await h.agent
    .post(`${API}/memberships`)
    .set(bearer(g.receptionist.token))
    .set('Idempotency-Key', newKey('sell'))
    .send({
      branchId: g.branchA,
      method: 'wallet',
      memberId: m.id,
      planId: monthly.id,
      startsOn: addMonths(today, -1),
      payerCode: await payerCode(h, user),
    });
  expect(bought.status).toBe(201);
  const id = bought.body.data.id as string;
  // Today is the first day it no longer covers: it reads expired until it is renewed.
  expect(bought.body.data).toMatchObject({ status: 'expired', endsOn: today, autoRenew: false });
  expect(await walletBalance(h, user)).toBe('70000');

  // Staff cannot consent for the member: auto-renew is the member's own route.
  const staff = await h.agent
    .put(`${API}/members/me/memberships/${id}/auto-renew`)
    .set(bearer(g.receptionist.token))
    .send({ autoRenew: true });
  expect(staff.status).toBe(403);
  const on = await h.agent
    .put(`${API}/members/me/memberships/${id}/auto-renew`)
    .set(bearer(user.token))
    .send({ autoRenew: true });
  expect(on.status).toBe(200);
  expect(on.body.data.autoRenew).toBe(true);

  // The renewal date is today: the workflow charges at once and extends the membership a month.
  const renewed = await eventually(
    async () => {
      const r = await h.agent.get(`${API}/memberships/${id}/renewal`).set(bearer(g.receptionist.token));
      expect(r.status).toBe(200);
      expect(r.body.data.cycles).toHaveLength(1);
      expect(r.body.data.process).toMatchObject({ state: 'active', cycle: 2 });
      return r.body.data;
    },
    30_000,
    250,
  );
  expect(renewed.cycles[0]).toMatchObject({
    cycle: 1,
    result: 'renewed',
    amount: '30000',
    currency: 'CLP',
    startsOn: today,
    endsOn: addMonths(today, 1),
  });
  const after = await h.agent.get(`${API}/memberships/${id}`).set(bearer(g.receptionist.token));
  expect(after.body.data).toMatchObject({ status: 'active', endsOn: addMonths(today, 1), autoRenew: true });
  expect(await walletBalance(h, user)).toBe('40000');

  // The ledger: one captured wallet payment of the renewal, keyed per cycle.
  const payments = await p.agent
    .get(`${PAYMENTS}/payments`)
    .query({ purpose: 'gym_membership_renewal', payerId: user.id })
    .set(bearer(g.owner.token));
  expect(payments.status).toBe(200);
  expect(payments.body.data).toHaveLength(1);
  expect(payments.body.data[0]).toMatchObject({
    id: renewed.cycles[0].paymentId,
    amount: '30000',
    status: 'captured',
    method: 'wallet',
    reference: `${id}:1`,
  });
  expect(notified).toContain('membership.renewed');

  // The member stops it: the chain runs to the period's end and charges nothing more.
  const off = await h.agent
    .put(`${API}/members/me/memberships/${id}/auto-renew`)
    .set(bearer(user.token))
    .send({ autoRenew: false });
  expect(off.status).toBe(200);
  const stopped = await h.agent.get(`${API}/memberships/${id}/renewal`).set(bearer(g.receptionist.token));
  expect(stopped.body.data).toMatchObject({ autoRenew: false, process: { cancelAtPeriodEnd: true } });
}, 60_000);

test('while a renewal runs, the desk pauses and resumes through it, the member previews and confirms a pro-rated plan change, and the desk stops it at period end', async () => {
  const today = todayIn('UTC');
  const monthly = await plan(h, g);
  const premium = await plan(h, g, { name: 'Premium' }, 45_000);
  const user = await clientUser(h, g);
  const m = await member(h, g.receptionist, g.branchA, { userId: user.id });
  await fundWallet(h, g, user.id, 100_000);
  const bought = await h.agent
    .post(`${API}/memberships`)
    .set(bearer(g.receptionist.token))
    .set('Idempotency-Key', newKey('sell'))
    .send({
      branchId: g.branchA,
      method: 'wallet',
      memberId: m.id,
      planId: monthly.id,
      payerCode: await payerCode(h, user),
    });
  const id = bought.body.data.id as string;
  const end = addMonths(today, 1);
  await h.agent
    .put(`${API}/members/me/memberships/${id}/auto-renew`)
    .set(bearer(user.token))
    .send({ autoRenew: true })
    .expect(200);
  const renewal = async () =>
    (await h.agent.get(`${API}/memberships/${id}/renewal`).set(bearer(g.receptionist.token))).body.data;
  await eventually(
    async () => expect((await renewal()).process).toMatchObject({ state: 'active', periodEnd: end }),
    30_000,
    250,
  );

  // The desk's pause goes through the workflow: the membership's end and the renewal date move together.
  const paused = await h.agent
    .post(`${API}/memberships/${id}/pause`)
    .set(bearer(g.receptionist.token))
    .send({ days: 7 });
  expect(paused.status).toBe(200);
  expect(paused.body.data.endsOn).toBe(addDays(end, 7));
  expect((await renewal()).process.periodEnd).toBe(addDays(end, 7));
  const resumed = await h.agent.post(`${API}/memberships/${id}/resume`).set(bearer(g.receptionist.token));
  expect(resumed.status).toBe(200);
  expect(resumed.body.data.endsOn).toBe(end);
  expect((await renewal()).process.periodEnd).toBe(end);

  // The member sees the pro-rated difference first, then confirms it; a stale figure charges nothing.
  const preview = await h.agent
    .get(`${API}/members/me/memberships/${id}/plan-change`)
    .query({ planId: premium.id })
    .set(bearer(user.token));
  expect(preview.status).toBe(200);
  const q = preview.body.data as { charge: string; credit: string; daysLeft: number; periodDays: number };
  expect(q.charge).toBe(String(Math.floor((15_000 * q.daysLeft) / q.periodDays)));
  const stale = await h.agent
    .post(`${API}/members/me/memberships/${id}/plan-change`)
    .set(bearer(user.token))
    .send({ planId: premium.id, charge: '1', credit: '0' });
  expect(stale.status).toBe(409);
  expect(stale.body.errors[0].code).toBe('PRICE_CHANGED');
  expect(await walletBalance(h, user)).toBe('70000');
  const changed = await h.agent
    .post(`${API}/members/me/memberships/${id}/plan-change`)
    .set(bearer(user.token))
    .send({ planId: premium.id, charge: q.charge, credit: q.credit });
  expect(changed.status).toBe(200);
  expect(changed.body.data).toMatchObject({ plan: { id: premium.id }, nextCharge: '45000' });
  expect(await walletBalance(h, user)).toBe(String(70_000 - Number(q.charge)));
  const after = await h.agent.get(`${API}/memberships/${id}`).set(bearer(g.receptionist.token));
  expect(after.body.data).toMatchObject({ planId: premium.id, amount: '45000' });

  // The desk stops it: the chain runs out at the period's end.
  const stop = await h.agent
    .post(`${API}/memberships/${id}/cancel-at-period-end`)
    .set(bearer(g.receptionist.token));
  expect(stop.status).toBe(200);
  expect(stop.body.data.autoRenew).toBe(false);
  expect((await renewal()).process).toMatchObject({ state: 'active', cancelAtPeriodEnd: true });
  await temporalHandle(id).terminate('test over');
}, 60_000);

test('a renewal whose next period is taken and whose refund fails waits for the operator: staff see refund_pending, only a holder of payments.refund retries it, once', async () => {
  const today = todayIn('UTC');
  const monthly = await plan(h, g);
  const user = await clientUser(h, g);
  const m = await member(h, g.receptionist, g.branchA, { userId: user.id });
  await fundWallet(h, g, user.id, 100_000);
  const sell = async (startsOn: string) =>
    h.agent
      .post(`${API}/memberships`)
      .set(bearer(g.receptionist.token))
      .set('Idempotency-Key', newKey('sell'))
      .send({
        branchId: g.branchA,
        method: 'wallet',
        memberId: m.id,
        planId: monthly.id,
        startsOn,
        payerCode: await payerCode(h, user),
      });
  const bought = await sell(addMonths(today, -1));
  expect(bought.status).toBe(201);
  const id = bought.body.data.id as string;
  // The next month was already bought at the desk: the renewal cannot extend into it.
  expect((await sell(today)).status).toBe(201);
  expect(await walletBalance(h, user)).toBe('40000');
  failingRefunds.push((k) => k === `renewal:${id}:1:refund`);
  await h.agent
    .put(`${API}/members/me/memberships/${id}/auto-renew`)
    .set(bearer(user.token))
    .send({ autoRenew: true })
    .expect(200);

  const renewal = async () =>
    (await h.agent.get(`${API}/memberships/${id}/renewal`).set(bearer(g.receptionist.token))).body.data;
  const pending = await eventually(
    async () => {
      const r = await renewal();
      expect(r.process).toMatchObject({ state: 'refund_pending', operatorAction: 'retryRefund' });
      return r.process;
    },
    30_000,
    250,
  );
  expect(pending.refund).toMatchObject({ amount: '30000', attempts: 1 });
  expect(pending.summary).toContain('refund pending');
  expect(await walletBalance(h, user)).toBe('10000');
  await eventually(async () => expect(notified).toContain('membership.refund_delayed'), 10_000, 100);
  const d = await temporalHandle(id).describe();
  expect(d.searchAttributes.ProcessStatus).toEqual(['refund_pending']);

  // The receptionist (and the manager) do not refund; the owner does.
  const retry = (token: string) =>
    h.agent
      .post(`${API}/memberships/${id}/renewal/retry-refund`)
      .set(bearer(token))
      .send({ note: 'credenciales del proveedor renovadas' });
  expect((await retry(g.receptionist.token)).status).toBe(403);
  expect((await retry(g.manager.token)).status).toBe(403);
  const done = await retry(g.owner.token);
  expect(done.status).toBe(200);
  expect(done.body.data).toMatchObject({ state: 'cancelled', operatorAction: null, refund: { attempts: 2 } });
  expect(await walletBalance(h, user)).toBe('40000');
  // Nothing left to retry: 409, and the money moved back once.
  expect((await retry(g.owner.token)).status).toBe(409);
  const charges = await p.agent
    .get(`${PAYMENTS}/payments`)
    .query({ purpose: 'gym_membership_renewal', payerId: user.id })
    .set(bearer(g.owner.token));
  expect(charges.body.data).toHaveLength(1);
  expect(charges.body.data[0]).toMatchObject({ status: 'refunded', refundedAmount: '30000' });
  const after = await renewal();
  expect(after.cycles).toEqual([
    expect.objectContaining({ cycle: 1, result: 'cancelled', reason: expect.stringContaining('retried by') }),
  ]);
}, 60_000);

test("a member's month, end to end: buys a plan with their own wallet, books a class, checks in by QR, and the workflow renews it; the ledger shows both charges", async () => {
  const today = todayIn('UTC');
  const monthly = await plan(h, g, { name: 'Mensual recorrido' });
  const user = await clientUser(h, g);
  const m = await member(h, g.receptionist, g.branchA, { userId: user.id });
  await fundWallet(h, g, user.id, 100_000);

  // 1. The member buys the plan themselves, from their own wallet; a retry with the key charges once.
  const key = newKey('self-buy');
  const buy = () =>
    h.agent
      .post(`${API}/members/me/memberships`)
      .set(bearer(user.token))
      .set('Idempotency-Key', key)
      .send({ planId: monthly.id, method: 'wallet' });
  const bought = await buy();
  expect(bought.status).toBe(201);
  expect(bought.body.data).toMatchObject({ memberId: m.id, status: 'active', startsOn: today });
  expect((await buy()).body.data.id).toBe(bought.body.data.id);
  const id = bought.body.data.id as string;
  expect(await walletBalance(h, user)).toBe('70000');

  // 2. They book a class an hour from now (UTC calendar) with their own token.
  const type = await h.agent
    .post(`${API}/class-types`)
    .set(bearer(g.manager.token))
    .send({ name: 'Spinning' });
  const at = new Date(Math.ceil((Date.now() + 60 * 60_000) / 60_000) * 60_000);
  const day = todayIn('UTC', at);
  const schedule = await h.agent
    .post(`${API}/classes`)
    .set(bearer(g.manager.token))
    .send({
      branchId: g.branchA,
      classTypeId: type.body.data.id,
      weekday: weekdayOf(day),
      startTime: at.toISOString().slice(11, 16),
      durationMinutes: 45,
      capacity: 10,
      timeZone: 'UTC',
      startsOn: day,
    });
  expect(schedule.status).toBe(201);
  const [occurrence] = await sql<{ id: string }>(
    h,
    `select "id" from "gym"."class_occurrences" where "schedule_id" = ? order by "starts_at" limit 1`,
    [schedule.body.data.id],
  );
  const booking = await h.agent
    .post(`${API}/members/me/bookings`)
    .set(bearer(user.token))
    .send({ occurrenceId: occurrence!.id });
  expect(booking.status).toBe(201);
  expect(booking.body.data).toMatchObject({ memberId: m.id, status: 'booked' });

  // 3. At the door: their QR code, scanned once by the receptionist, marks the class attended.
  const code = await h.agent.post(`${API}/members/me/checkin-codes`).set(bearer(user.token));
  expect(code.status).toBe(201);
  const visit = await h.agent
    .post(`${API}/reception/check-ins`)
    .set(bearer(g.receptionist.token))
    .send({ branchId: g.branchA, token: code.body.data.token });
  expect(visit.status).toBe(201);
  expect(visit.body.data).toMatchObject({ memberId: m.id, attendedBookingId: booking.body.data.id });
  const reused = await h.agent
    .post(`${API}/reception/check-ins`)
    .set(bearer(g.receptionist.token))
    .send({ branchId: g.branchA, token: code.body.data.token });
  expect(reused.status).toBe(409);

  // 4. A month later (the dev server's clock cannot move: the membership's dates move back one
  // month instead, so today is its renewal date) the member turns auto-renew on and the workflow
  // charges their wallet and extends it.
  await sql(h, `update gym.memberships set starts_on = ?, ends_on = ? where id = ?`, [
    addMonths(today, -1),
    today,
    id,
  ]);
  const on = await h.agent
    .put(`${API}/members/me/memberships/${id}/auto-renew`)
    .set(bearer(user.token))
    .send({ autoRenew: true });
  expect(on.status).toBe(200);
  await eventually(
    async () => {
      const r = await h.agent.get(`${API}/members/me/memberships/${id}/renewal`).set(bearer(user.token));
      expect(r.body.data.cycles).toMatchObject([{ cycle: 1, result: 'renewed', amount: '30000' }]);
    },
    30_000,
    250,
  );
  const after = await h.agent.get(`${API}/memberships/${id}`).set(bearer(g.receptionist.token));
  expect(after.body.data).toMatchObject({ status: 'active', endsOn: addMonths(today, 1) });
  expect(await walletBalance(h, user)).toBe('40000');

  // 5. The ledger: the cash top-up at the desk, then the purchase and the renewal, each captured
  // once from the member's wallet.
  const paid = await p.agent
    .get(`${PAYMENTS}/payments`)
    .query({ payerId: user.id })
    .set(bearer(g.owner.token));
  expect(paid.status).toBe(200);
  expect(
    (paid.body.data as Array<{ purpose: string; amount: string; status: string; method: string }>)
      .map((x) => [x.purpose, x.amount, x.status, x.method])
      .sort(),
  ).toEqual([
    ['gym_membership', '30000', 'captured', 'wallet'],
    ['gym_membership_renewal', '30000', 'captured', 'wallet'],
    ['wallet_topup', '100000', 'captured', 'cash'],
  ]);
}, 90_000);
