/**
 * Issue 17's cash-session acceptance, through the POS: real payments (which owns drawers and
 * sessions: POS does not duplicate them), identity, PostgreSQL and Redis, served over HTTP. A
 * cashier of branch A opens a session with a float, moves cash in and out with a reason, takes
 * orders paid by cash (with change), card and wallet into it, and closes it with a blind count (the
 * answer shows neither expected amounts nor differences). A counted difference beyond the business's
 * threshold leaves it `pending_approval` with the difference recorded per method; A's manager sees
 * expected and difference and approves; then nothing reopens it or moves money into it (409). A
 * difference within the threshold closes at once. One open session per drawer.
 */
import { randomUUID } from 'node:crypto';
import { addUser, bearer, roleId } from '../../identity/test/harness.ts';
import type { PaymentsHarness } from '../../payments/test/harness.ts';
import {
  API,
  ok,
  restaurant,
  startPosWithPayments,
  type PosHarness,
  type Restaurant,
  type User,
} from './harness.ts';

const PAYMENTS = '/api/payments/v1';
/** The business's approval threshold: a count may be off by MX$5.00 in any method without a manager. */
const THRESHOLD = 500;
const FLOAT = 50_000;

let h: PosHarness & { p: PaymentsHarness };
let r: Restaurant;
let cashier: User;
let managerB: User;
let customer: User;
let productId: string;
let drawerId: string;

interface Session {
  id: string;
  status: string;
  openingFloat: string;
  counted: Record<string, string> | null;
  approvedBy: string | null;
  approvalNote: string | null;
  expected?: Record<string, string> | null;
  difference?: Record<string, string> | null;
}

const as = (u: User) => bearer(u.token);
const error = (res: { status: number; body: unknown }) => {
  const e = (res.body as { errors?: Array<{ code: string; field?: string }> }).errors?.[0];
  return [res.status, e?.code];
};

/** A sent takeaway order of `quantity` × the product (the cashier takes it): its id and total. */
async function sentOrder(quantity: number): Promise<{ id: string; total: bigint }> {
  const o = ok<{ id: string }>(
    await h.agent.post(`${API}/orders`).set(as(cashier)).send({ branchId: r.branchA, kind: 'takeaway' }),
    'order',
  );
  ok(
    await h.agent.post(`${API}/orders/${o.id}/lines`).set(as(cashier)).send({ productId, quantity }),
    'line',
  );
  const sent = ok<{ total: string }>(
    await h.agent.post(`${API}/orders/${o.id}/send`).set(as(cashier)),
    'send',
  );
  return { id: o.id, total: BigInt(sent.total) };
}

/** Pays an order through the POS into `drawer`'s open session. */
const pay = (orderId: string, tenders: object[], drawer = drawerId) =>
  h.agent
    .post(`${API}/orders/${orderId}/payments`)
    .set(as(cashier))
    .set('Idempotency-Key', randomUUID())
    .send({ drawerId: drawer, tenders });

const payerCode = async () =>
  ok<{ code: string }>(
    await h.p.agent.post(`${PAYMENTS}/wallets/me/payer-codes`).set(as(customer)).send({}),
    'payer code',
  ).code;

const session = async (id: string, who: User) =>
  ok<Session>(await h.p.agent.get(`${PAYMENTS}/cash-sessions/${id}`).set(as(who)), 'session');

const openSession = (who = cashier) =>
  h.p.agent
    .post(`${PAYMENTS}/drawers/${drawerId}/sessions`)
    .set(as(who))
    .send({ openingFloat: FLOAT, currency: 'MXN' });

const move = (sessionId: string, type: 'cash_in' | 'cash_out', amount: number, reason: string) =>
  h.p.agent
    .post(`${PAYMENTS}/cash-sessions/${sessionId}/movements`)
    .set(as(cashier))
    .set('Idempotency-Key', randomUUID())
    .send({ type, amount, reason });

const close = (sessionId: string, counted: Record<string, number>) =>
  h.p.agent.post(`${PAYMENTS}/cash-sessions/${sessionId}/close`).set(as(cashier)).send({ counted });

beforeAll(async () => {
  h = await startPosWithPayments();
  r = await restaurant(h, 'MXN');
  const role = (name: string) => roleId(h.identity, r.biz, name);
  const [c, mb, cu] = await Promise.all([
    addUser(h.identity, r.biz, [{ roleId: await role('cashier'), branchId: r.branchA }]),
    addUser(h.identity, r.biz, [{ roleId: await role('manager'), branchId: r.branchB }]),
    addUser(h.identity, r.biz, [{ roleId: await role('client') }]),
  ]);
  const user = (u: User): User => ({ id: u.id, token: u.token });
  [cashier, managerB, customer] = [user(c), user(mb), user(cu)];
  // The business's rule (the owner's), A's register (its manager's).
  ok(
    await h.p.agent.put(`${PAYMENTS}/cash-settings`).set(as(r.owner)).send({ approvalThreshold: THRESHOLD }),
    'threshold',
  );
  drawerId = ok<{ id: string }>(
    await h.p.agent
      .post(`${PAYMENTS}/drawers`)
      .set(as(r.managerA))
      .send({ branchId: r.branchA, name: 'Caja 1' }),
    'drawer',
  ).id;
  // The customer's wallet is topped up at another register, so Caja 1's session holds only the test's.
  const desk = ok<{ id: string }>(
    await h.p.agent
      .post(`${PAYMENTS}/drawers`)
      .set(as(r.managerA))
      .send({ branchId: r.branchA, name: 'Recepción' }),
    'desk',
  ).id;
  ok(
    await h.p.agent
      .post(`${PAYMENTS}/drawers/${desk}/sessions`)
      .set(as(r.managerA))
      .send({ openingFloat: 0, currency: 'MXN' }),
    'desk session',
  );
  ok(
    await h.p.agent
      .post(`${PAYMENTS}/wallets/${customer.id}/deposits`)
      .set(as(r.managerA))
      .set('Idempotency-Key', randomUUID())
      .send({ amount: 100_000, currency: 'MXN', drawerId: desk, branchId: r.branchA }),
    'deposit',
  );
  // The menu: a product at MX$123.45 in A, routed to A's default station when sent.
  const m = as(r.manager);
  ok(
    await h.agent.put(`${API}/branches/${r.branchA}/settings`).set(m).send({ timeZone: 'America/Santiago' }),
    'zone',
  );
  ok(
    await h.agent
      .post(`${API}/stations`)
      .set(m)
      .send({ branchId: r.branchA, name: 'Cocina', kind: 'screen', isDefault: true }),
    'station',
  );
  const category = ok<{ id: string }>(
    await h.agent.post(`${API}/categories`).set(m).send({ name: 'Platos' }),
    'category',
  );
  productId = ok<{ id: string }>(
    await h.agent.post(`${API}/products`).set(m).send({ categoryId: category.id, name: 'Lomo saltado' }),
    'product',
  ).id;
  ok(
    await h.agent
      .put(`${API}/branches/${r.branchA}/products/${productId}`)
      .set(m)
      .send({ price: 12_345, currency: 'MXN' }),
    'price',
  );
});
afterAll(() => h?.close());

describe('a cash session through the POS', () => {
  it('beyond the threshold: recorded per method, blind to the cashier, approved by the manager, then never reopened', async () => {
    // Open with a float; a second open of the drawer is refused.
    const opened = await openSession();
    const s = ok<Session>(opened, 'open');
    expect(opened.status).toBe(201);
    expect(s).toMatchObject({ status: 'open', openingFloat: String(FLOAT) });
    expect(error(await openSession())).toEqual([409, 'SESSION_ALREADY_OPEN']);
    expect(error(await openSession(r.managerA))).toEqual([409, 'SESSION_ALREADY_OPEN']);

    // Cash in and out, each with its reason (a movement without one is a 400).
    ok(await move(s.id, 'cash_in', 10_000, 'Cambio del banco'), 'cash in');
    ok(await move(s.id, 'cash_out', 2_500, 'Hielo para la barra'), 'cash out');
    expect(
      (
        await h.p.agent
          .post(`${PAYMENTS}/cash-sessions/${s.id}/movements`)
          .set(as(cashier))
          .set('Idempotency-Key', randomUUID())
          .send({ type: 'cash_in', amount: 100 })
      ).status,
    ).toBe(400);

    // Orders paid through the POS: cash with change, card, wallet.
    const cash = await sentOrder(2); // 246.90
    const byCash = ok<{ status: string; change: string }>(
      await pay(cash.id, [{ method: 'cash', amount: 30_000 }]),
      'cash',
    );
    expect(byCash).toMatchObject({ status: 'paid', change: (30_000n - cash.total).toString() });
    const card = await sentOrder(1);
    ok(await pay(card.id, [{ method: 'card', amount: Number(card.total) }]), 'card');
    const wallet = await sentOrder(1);
    ok(
      await pay(wallet.id, [
        {
          method: 'wallet',
          amount: Number(wallet.total),
          payerId: customer.id,
          payerCode: await payerCode(),
        },
      ]),
      'wallet',
    );
    const expected = {
      cash: (BigInt(FLOAT) + 10_000n - 2_500n + cash.total).toString(),
      card: card.total.toString(),
      wallet: wallet.total.toString(),
    };

    // The cashier never sees what the drawer should hold, before or after counting.
    const blind = await session(s.id, cashier);
    expect(blind).not.toHaveProperty('expected');
    expect(blind).not.toHaveProperty('difference');
    // Counted: MX$10.00 short in cash (beyond the MX$5.00 threshold), card and wallet exact.
    const counted = {
      cash: Number(expected.cash) - 1_000,
      card: Number(expected.card),
      wallet: Number(expected.wallet),
    };
    const closed = ok<Session>(await close(s.id, counted), 'close');
    expect(closed).toMatchObject({
      status: 'pending_approval',
      counted: Object.fromEntries(Object.entries(counted).map(([k, v]) => [k, String(v)])),
    });
    expect(closed).not.toHaveProperty('expected');
    expect(closed).not.toHaveProperty('difference');
    expect(await session(s.id, cashier)).not.toHaveProperty('difference');

    // A's manager sees expected and difference per method; B's manager does not see the session.
    expect(await session(s.id, r.managerA)).toMatchObject({
      status: 'pending_approval',
      expected,
      difference: { cash: '-1000', card: '0', wallet: '0' },
    });
    expect(error(await h.p.agent.get(`${PAYMENTS}/cash-sessions/${s.id}`).set(as(managerB)))).toEqual([
      404,
      'NOT_FOUND',
    ]);
    // Approval is a manager's: the cashier is refused, B's manager does not find it.
    const approve = (who: User) =>
      h.p.agent
        .post(`${PAYMENTS}/cash-sessions/${s.id}/approve`)
        .set(as(who))
        .send({ note: 'Faltante repuesto' });
    expect((await approve(cashier)).status).toBe(403);
    expect((await approve(managerB)).status).toBe(404);
    const approved = ok<Session>(await approve(r.managerA), 'approve');
    expect(approved).toMatchObject({
      status: 'closed',
      approvedBy: r.managerA.id,
      approvalNote: 'Faltante repuesto',
      difference: { cash: '-1000', card: '0', wallet: '0' },
    });

    // Closed for good: no second count, no second approval, no cash in or out, no POS payment into it.
    expect(error(await close(s.id, { cash: 0 }))).toEqual([409, 'SESSION_CLOSED']);
    expect(error(await approve(r.managerA))).toEqual([409, 'SESSION_CLOSED']);
    expect(error(await move(s.id, 'cash_in', 1_000, 'Otra vez'))).toEqual([409, 'SESSION_CLOSED']);
    const late = await sentOrder(1);
    expect(error(await pay(late.id, [{ method: 'cash', amount: 20_000 }]))).toEqual([422, 'DRAWER_NOT_OPEN']);
    expect(await session(s.id, r.managerA)).toMatchObject({ status: 'closed', counted: closed.counted });
  });

  it('within the threshold the count closes at once (a new session on the drawer)', async () => {
    const s = ok<Session>(await openSession(), 'open');
    const order = await sentOrder(1);
    ok(await pay(order.id, [{ method: 'cash', amount: 20_000 }]), 'cash');
    const expectedCash = BigInt(FLOAT) + order.total;
    // MX$3.00 over: within the threshold.
    const closed = ok<Session>(await close(s.id, { cash: Number(expectedCash) + 300 }), 'close');
    expect(closed.status).toBe('closed');
    expect(closed).not.toHaveProperty('difference');
    expect(await session(s.id, r.managerA)).toMatchObject({
      status: 'closed',
      expected: { cash: expectedCash.toString() },
      difference: { cash: '300' },
      approvedBy: null,
    });
    expect(error(await move(s.id, 'cash_out', 100, 'Propina'))).toEqual([409, 'SESSION_CLOSED']);
    // The order the session took is paid; a new shift opens the drawer again.
    ok(await openSession(), 'next shift');
  });
});
