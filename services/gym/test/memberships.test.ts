import { createHash, randomUUID } from 'node:crypto';
import { API as PAYMENTS, openDrawer } from '../../payments/test/harness.ts';
import { addDays, addMonths, todayIn } from '../src/domain/dates.ts';
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
  startGym,
  walletBalance,
  type Gym,
  type GymHarness,
  type User,
} from './harness.ts';

let h: GymHarness;
let g: Gym;
beforeAll(async () => {
  h = await startGym();
  g = await gym(h);
}, 90_000);
afterAll(() => h.close());

const today = () => todayIn('UTC');

/** A member of branch A who logs in as `user`. */
async function linkedMember(): Promise<{ user: User; memberId: string }> {
  const user = await clientUser(h, g);
  const m = await member(h, g.receptionist, g.branchA, { userId: user.id });
  return { user, memberId: m.id };
}

const sell = (body: Record<string, unknown>, key = newKey('sell'), token = g.receptionist.token) =>
  h.agent
    .post(`${API}/memberships`)
    .set(bearer(token))
    .set('Idempotency-Key', key)
    .send({ branchId: g.branchA, method: 'wallet', ...body });

describe('buying a membership through payments', () => {
  it("charges the member's wallet once with the payer code they show, and a retry never charges twice", async () => {
    const monthly = await plan(h, g);
    const { user, memberId } = await linkedMember();
    await fundWallet(h, g, user.id, 50_000);
    const key = newKey('sell');
    const body = { memberId, planId: monthly.id, payerCode: await payerCode(h, user) };
    const first = await sell(body, key);
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({
      status: 'active',
      startsOn: today(),
      endsOn: addMonths(today(), 1),
      amount: '30000',
      currency: 'CLP',
      sessionsLeft: null,
      payment: { method: 'wallet', id: expect.any(String) },
    });
    expect(await walletBalance(h, user)).toBe('20000');
    // The same request again: the same membership, nothing charged.
    const again = await sell(body, key);
    expect(again.body.data.id).toBe(first.body.data.id);
    // The answer lost after the charge (the gym's replay gone): the retry finds the purchase by its key
    // and payments replays its first answer for `gym-membership:<id>`.
    const scoped = createHash('sha256')
      .update([g.biz.tenantId, g.receptionist.id, 'POST', `${API}/memberships`, key].join('\n'))
      .digest('base64url');
    expect(await h.redis.del(`idem:gym:${scoped}`)).toBe(1);
    const retried = await sell(body, key);
    expect(retried.status).toBe(200);
    expect(retried.body.data.id).toBe(first.body.data.id);
    expect(retried.body.data.payment.id).toBe(first.body.data.payment.id);
    expect(await walletBalance(h, user)).toBe('20000');
    // Another purchase for days the member already has: refused before anything is charged.
    const overlap = await sell({ ...body, payerCode: await payerCode(h, user) });
    expect(overlap.status).toBe(409);
    expect(overlap.body.errors[0].code).toBe('MEMBERSHIP_OVERLAP');
    expect(await walletBalance(h, user)).toBe('20000');
    const events = await h.agent
      .get(`${API}/memberships/${first.body.data.id}/events`)
      .set(bearer(g.receptionist.token));
    expect((events.body.data as Array<{ type: string }>).map((e) => e.type)).toEqual([
      'purchased',
      'activated',
    ]);
  });

  it("payments' refusals reach the desk with their code, and a refused purchase frees its days", async () => {
    const monthly = await plan(h, g);
    const { user, memberId } = await linkedMember();
    const noCode = await sell({ memberId, planId: monthly.id });
    expect(noCode.status).toBe(403);
    expect(noCode.body.errors[0]).toMatchObject({
      code: 'PAYER_AUTHORIZATION_REQUIRED',
      field: 'body.payerCode',
    });
    const empty = await sell({ memberId, planId: monthly.id, payerCode: await payerCode(h, user) });
    expect(empty.status).toBe(422);
    expect(empty.body.errors[0].code).toBe('INSUFFICIENT_BALANCE');
    await fundWallet(h, g, user.id, 30_000);
    const paid = await sell({ memberId, planId: monthly.id, payerCode: await payerCode(h, user) });
    expect(paid.status).toBe(201);
    expect(await walletBalance(h, user)).toBe('0');
    const history = await h.agent
      .get(`${API}/members/${memberId}/memberships`)
      .set(bearer(g.receptionist.token));
    expect((history.body.data as Array<{ status: string }>).map((m) => m.status)).toEqual([
      'active',
      'cancelled',
      'cancelled',
    ]);
  });

  it('needs a linked member, a price in the branch and the grant there', async () => {
    const onlyA = await plan(h, g, { name: 'Solo Centro' }, 10_000, [g.branchA]);
    const unlinked = await member(h, g.receptionist, g.branchA);
    const noUser = await sell({ memberId: unlinked.id, planId: onlyA.id, method: 'mercadopago' });
    expect(noUser.body.errors[0]).toMatchObject({ code: 'MEMBER_NOT_LINKED', field: 'body.memberId' });
    const { memberId } = await linkedMember();
    const inB = await sell({ memberId, planId: onlyA.id, branchId: g.branchB, method: 'mercadopago' });
    expect(inB.status).toBe(403);
    const noPrice = await sell(
      { memberId, planId: onlyA.id, branchId: g.branchB, method: 'mercadopago' },
      newKey(),
      g.manager.token,
    );
    expect(noPrice.body.errors[0]).toMatchObject({ code: 'PRICE_NOT_SET', field: 'body.branchId' });
    const noKey = await h.agent
      .post(`${API}/memberships`)
      .set(bearer(g.receptionist.token))
      .send({ memberId, planId: onlyA.id, branchId: g.branchA, method: 'mercadopago' });
    expect(noKey.body.errors[0].field).toBe('headers.idempotency-key');
  });

  it('a MercadoPago purchase waits for its checkout; concurrent purchases of the same days: one holds them', async () => {
    const monthly = await plan(h, g);
    const { user, memberId } = await linkedMember();
    const tries = await Promise.all(
      Array.from({ length: 5 }, () => sell({ memberId, planId: monthly.id, method: 'mercadopago' })),
    );
    expect(tries.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    const pending = tries.find((r) => r.status === 201)!.body.data;
    expect(pending).toMatchObject({ status: 'pending_payment', payment: { method: 'mercadopago' } });
    expect(pending.payment.checkoutUrl).toEqual(expect.stringContaining('http'));
    // The member sees it (their token may read their own payment: still pending at the provider).
    const mine = await h.agent.get(`${API}/members/me/memberships`).set(bearer(user.token));
    expect(mine.body.data).toEqual([expect.objectContaining({ id: pending.id, status: 'pending_payment' })]);
    // An abandoned checkout is cancelled at the desk and the days are free again.
    const cancelled = await h.agent
      .post(`${API}/memberships/${pending.id}/cancel`)
      .set(bearer(g.receptionist.token))
      .send({ reason: 'checkout abandoned' });
    expect(cancelled.body.data).toMatchObject({ status: 'cancelled', cancelledReason: 'checkout abandoned' });
    expect((await sell({ memberId, planId: monthly.id, method: 'mercadopago' })).status).toBe(201);
  });
});

describe('a member buys a plan for themselves', () => {
  const buy = (who: User, body: Record<string, unknown>, key = newKey('self')) =>
    h.agent
      .post(`${API}/members/me/memberships`)
      .set(bearer(who.token))
      .set('Idempotency-Key', key)
      .send(body);

  it('from their own wallet with their own token, once per Idempotency-Key; the payment is theirs in payments', async () => {
    const monthly = await plan(h, g);
    const { user, memberId } = await linkedMember();
    await fundWallet(h, g, user.id, 50_000);
    const key = newKey('self');
    const first = await buy(user, { planId: monthly.id, method: 'wallet' }, key);
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({
      memberId,
      branchId: g.branchA,
      status: 'active',
      amount: '30000',
      payment: { method: 'wallet', drawerId: null },
    });
    expect(await walletBalance(h, user)).toBe('20000');
    const again = await buy(user, { planId: monthly.id, method: 'wallet' }, key);
    expect(again.status).toBe(201);
    expect(again.body.data.id).toBe(first.body.data.id);
    expect(await walletBalance(h, user)).toBe('20000');
    const paid = await h.p.agent
      .get(`${PAYMENTS}/payments/${first.body.data.payment.id}`)
      .set(bearer(g.owner.token));
    expect(paid.body.data).toMatchObject({
      payerId: user.id,
      method: 'wallet',
      status: 'captured',
      amount: '30000',
      purpose: 'gym_membership',
      branchId: g.branchA,
      reference: `membership:${first.body.data.id}`,
    });
    // It is in their own list.
    const mine = await h.agent.get(`${API}/members/me/memberships`).set(bearer(user.token));
    expect(mine.body.data.map((m: { id: string }) => m.id)).toContain(first.body.data.id);
  });

  it('by MercadoPago: pending with their checkout, the payer is the member', async () => {
    const monthly = await plan(h, g);
    const { user } = await linkedMember();
    const res = await buy(user, { planId: monthly.id, method: 'mercadopago', branchId: g.branchB });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ status: 'pending_payment', branchId: g.branchB });
    expect(res.body.data.payment.checkoutUrl).toMatch(/^http/);
    const paid = await h.p.agent
      .get(`${PAYMENTS}/payments/${res.body.data.payment.id}`)
      .set(bearer(user.token));
    expect(paid.body.data).toMatchObject({ payerId: user.id, method: 'mercadopago', status: 'pending' });
  });

  it('never with someone else’s money nor for another member; an empty wallet is refused and frees the days', async () => {
    const monthly = await plan(h, g);
    const { user } = await linkedMember();
    const other = await linkedMember();
    await fundWallet(h, g, other.user.id, 50_000);
    // The body names no member, payer, code or drawer: each is refused as input.
    for (const extra of [
      { memberId: other.memberId },
      { payerId: other.user.id },
      { payerCode: await payerCode(h, other.user) },
    ]) {
      const res = await buy(user, { planId: monthly.id, method: 'wallet', ...extra });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].code).toBe('VALIDATION_FAILED');
    }
    expect((await buy(user, { planId: monthly.id, method: 'cash' })).status).toBe(400);
    // Their own wallet is empty: refused with payments' code, the membership cancelled, nothing held.
    const empty = await buy(user, { planId: monthly.id, method: 'wallet' });
    expect(empty.status).toBe(422);
    expect(empty.body.errors[0].code).toBe('INSUFFICIENT_BALANCE');
    const list = await h.agent.get(`${API}/members/me/memberships`).set(bearer(user.token));
    expect(list.body.data.map((m: { status: string }) => m.status)).toEqual(['cancelled']);
    // At payments directly: the client role takes no payment for others, and pays itself only.
    const forOther = await h.p.agent
      .post(`${PAYMENTS}/payments`)
      .set(bearer(user.token))
      .set('Idempotency-Key', newKey('pay'))
      .send({
        amount: 30000,
        currency: 'CLP',
        method: 'wallet',
        payerId: other.user.id,
        purpose: 'gym_membership',
        reference: 'x',
      });
    expect(forOther.status).toBe(403);
    const selfForOther = await h.p.agent
      .post(`${PAYMENTS}/payments/self`)
      .set(bearer(user.token))
      .set('Idempotency-Key', newKey('pay'))
      .send({
        amount: 30000,
        currency: 'CLP',
        method: 'wallet',
        payerId: other.user.id,
        purpose: 'gym_membership',
        reference: 'x',
      });
    expect(selfForOther.status).toBe(400);
    expect(await walletBalance(h, other.user)).toBe('50000');
    // Staff sell at the desk; the member's own route is not theirs.
    expect((await buy(g.receptionist, { planId: monthly.id, method: 'wallet' })).status).toBe(403);
  });
});

describe('cash at reception', () => {
  /** What the drawer's open session expects in cash, as payments' manager sees it (the desk counts blind). */
  const expectedCash = async (sessionId: string) => {
    const res = await h.p.agent.get(`${PAYMENTS}/cash-sessions/${sessionId}`).set(bearer(g.manager.token));
    expect(res.status).toBe(200);
    return (res.body.data as { expected: { cash: string } }).expected.cash;
  };
  const statuses = async (memberId: string) =>
    (
      (await h.agent.get(`${API}/members/${memberId}/memberships`).set(bearer(g.receptionist.token))).body
        .data as Array<{ status: string; cancelledReason: string | null }>
    ).map((m) => m.status);

  it('a purchase in cash into an open drawer is active, the session expects it, and a retry charges once', async () => {
    const monthly = await plan(h, g);
    const { memberId } = await linkedMember();
    const { drawerId, sessionId } = await openDrawer(h.p, g.owner.token, g.branchA, { name: 'Caja socios' });
    const key = newKey('sell');
    const body = { memberId, planId: monthly.id, method: 'cash', drawerId };
    const first = await sell(body, key);
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({
      status: 'active',
      amount: '30000',
      payment: { method: 'cash', id: expect.any(String), drawerId },
    });
    expect(await expectedCash(sessionId)).toBe('30000');
    // The membership and its history name the drawer that took the cash (as payments does).
    const read = await h.agent
      .get(`${API}/memberships/${first.body.data.id}`)
      .set(bearer(g.receptionist.token));
    expect(read.body.data.payment).toMatchObject({ method: 'cash', drawerId });
    const history = await h.agent
      .get(`${API}/memberships/${first.body.data.id}/events`)
      .set(bearer(g.receptionist.token));
    expect(history.body.data[0]).toMatchObject({ type: 'purchased', data: { method: 'cash', drawerId } });
    expect((await sell(body, key)).body.data.id).toBe(first.body.data.id);
    // The gym's replay lost: the purchase is found by its key and payments replays its first answer.
    const scoped = createHash('sha256')
      .update([g.biz.tenantId, g.receptionist.id, 'POST', `${API}/memberships`, key].join('\n'))
      .digest('base64url');
    expect(await h.redis.del(`idem:gym:${scoped}`)).toBe(1);
    const retried = await sell(body, key);
    expect(retried.status).toBe(200);
    expect(retried.body.data.payment.id).toBe(first.body.data.payment.id);
    expect(await expectedCash(sessionId)).toBe('30000');
    const payment = await h.p.agent
      .get(`${PAYMENTS}/payments/${first.body.data.payment.id}`)
      .set(bearer(g.manager.token));
    expect(payment.body.data).toMatchObject({
      method: 'cash',
      amount: '30000',
      drawerId,
      status: 'captured',
    });
  });

  it('needs a drawer of the branch with an open session; a refusal leaves nothing pending', async () => {
    const monthly = await plan(h, g);
    const { memberId } = await linkedMember();
    const noDrawer = await sell({ memberId, planId: monthly.id, method: 'cash' });
    expect(noDrawer.status).toBe(422);
    expect(noDrawer.body.errors[0]).toMatchObject({ code: 'DRAWER_REQUIRED', field: 'body.drawerId' });
    // Only cash names a drawer: valid by the OpenAPI document, refused by the route (a 422, not a 400).
    const walletInDrawer = await sell({ memberId, planId: monthly.id, drawerId: randomUUID() });
    expect(walletInDrawer.status).toBe(422);
    expect(walletInDrawer.body.errors[0]).toMatchObject({ code: 'TENDER_FIELDS', field: 'body.drawerId' });
    expect(await statuses(memberId)).toEqual([]);
    // A drawer nobody opened a session on.
    const closed = await h.p.agent
      .post(`${PAYMENTS}/drawers`)
      .set(bearer(g.owner.token))
      .send({ branchId: g.branchA, name: 'Caja cerrada' });
    expect(closed.status).toBe(201);
    const notOpen = await sell({
      memberId,
      planId: monthly.id,
      method: 'cash',
      drawerId: closed.body.data.id,
    });
    expect(notOpen.status).toBe(422);
    expect(notOpen.body.errors[0]).toMatchObject({ code: 'DRAWER_NOT_OPEN', field: 'body.drawerId' });
    expect(await statuses(memberId)).toEqual(['cancelled']);
    // Branch B's drawer: the receptionist of branch A does not find it; a manager is told it is another branch's.
    const inB = await openDrawer(h.p, g.owner.token, g.branchB, { name: 'Caja B' });
    const scoped = await sell({ memberId, planId: monthly.id, method: 'cash', drawerId: inB.drawerId });
    expect(scoped.status).toBe(404);
    const manager = await sell(
      { memberId, planId: monthly.id, method: 'cash', drawerId: inB.drawerId },
      newKey(),
      g.manager.token,
    );
    expect(manager.status).toBe(422);
    expect(manager.body.errors[0]).toMatchObject({ code: 'DRAWER_BRANCH_MISMATCH', field: 'body.branchId' });
    expect(await expectedCash(inB.sessionId)).toBe('0');
    expect(await statuses(memberId)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    // The days are free: the same purchase into an open drawer of branch A goes through.
    const { drawerId } = await openDrawer(h.p, g.owner.token, g.branchA, { name: 'Caja abierta' });
    const paid = await sell({ memberId, planId: monthly.id, method: 'cash', drawerId });
    expect(paid.status).toBe(201);
    expect(paid.body.data.status).toBe('active');
  });
});

describe('freezes', () => {
  async function active(freeze = { maxDaysPerYear: 30, minDays: 7 }) {
    const p = await plan(h, g, { freeze });
    const { user, memberId } = await linkedMember();
    await fundWallet(h, g, user.id, 100_000);
    const res = await sell({ memberId, planId: p.id, payerCode: await payerCode(h, user) });
    expect(res.status).toBe(201);
    return { user, memberId, planId: p.id, membership: res.body.data as { id: string; endsOn: string } };
  }
  const pause = (id: string, body: Record<string, unknown>) =>
    h.agent.post(`${API}/memberships/${id}/pause`).set(bearer(g.receptionist.token)).send(body);
  const resume = (id: string) =>
    h.agent.post(`${API}/memberships/${id}/resume`).set(bearer(g.receptionist.token)).send();

  it("pausing within the plan's rules pushes the end by the paused days; resuming gives back the unused ones", async () => {
    const { membership } = await active();
    const end = membership.endsOn;
    const short = await pause(membership.id, { days: 5 });
    expect(short.status).toBe(422);
    expect(short.body.errors[0]).toMatchObject({ code: 'FREEZE_NOT_ALLOWED', field: 'body.days' });
    const paused = await pause(membership.id, { days: 10 });
    expect(paused.status).toBe(200);
    expect(paused.body.data).toMatchObject({
      status: 'paused',
      endsOn: addDays(end, 10),
      freezes: [{ startsOn: today(), endsOn: addDays(today(), 10) }],
    });
    const tooMany = await pause(membership.id, { startsOn: addDays(today(), 12), days: 21 });
    expect(tooMany.body.errors[0].code).toBe('FREEZE_NOT_ALLOWED');
    const later = await pause(membership.id, { startsOn: addDays(today(), 12), days: 20 });
    expect(later.body.data.endsOn).toBe(addDays(end, 30));
    // Resumed the day it started: the whole current freeze comes off; the coming one stays.
    const resumed = await resume(membership.id);
    expect(resumed.body.data).toMatchObject({ status: 'active', endsOn: addDays(end, 20) });
    expect(resumed.body.data.freezes).toEqual([
      { startsOn: addDays(today(), 12), endsOn: addDays(today(), 32) },
    ]);
    const events = await h.agent
      .get(`${API}/memberships/${membership.id}/events`)
      .set(bearer(g.receptionist.token));
    expect((events.body.data as Array<{ type: string }>).map((e) => e.type)).toEqual([
      'purchased',
      'activated',
      'paused',
      'paused',
      'resumed',
    ]);
  });

  it('a plan without freezes refuses them, and a pause may not push into the next membership', async () => {
    const none = await active({ maxDaysPerYear: 0, minDays: 1 });
    expect((await pause(none.membership.id, { days: 7 })).body.errors[0].code).toBe('FREEZE_NOT_ALLOWED');
    const { user, memberId, planId, membership } = await active();
    const next = await sell({
      memberId,
      planId,
      startsOn: membership.endsOn,
      payerCode: await payerCode(h, user),
    });
    expect(next.status).toBe(201);
    const pushed = await pause(membership.id, { days: 7 });
    expect(pushed.status).toBe(409);
    expect(pushed.body.errors[0].code).toBe('MEMBERSHIP_OVERLAP');
    expect((await resume(membership.id)).body.errors[0].code).toBe('INVALID_STATE_TRANSITION');
  });

  it("another branch's staff and another business do not find the membership", async () => {
    const { membership } = await active();
    const other = await gym(h);
    expect(
      (await h.agent.get(`${API}/memberships/${membership.id}`).set(bearer(other.owner.token))).status,
    ).toBe(404);
    expect(
      (await h.agent.get(`${API}/memberships/${membership.id}`).set(bearer(g.manager.token))).status,
    ).toBe(200);
  });
});
