/**
 * Paying POS orders through the real payments service (its own identity, PostgreSQL, Redis, served
 * over HTTP), as a cashier of branch A: split tenders to the cent, change for cash, the drawer's
 * posting in the ledger, stock deducted in the paying transaction, a retry after payments' answer
 * was lost charging nothing twice, and refunds restoring stock as the business says.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { addUser, bearer, roleId } from '../../identity/test/harness.ts';
import { openDrawer } from '../../payments/test/harness.ts';
import {
  API,
  ok,
  restaurant,
  startPosApi,
  startPosWithPayments,
  type PosApi,
  type PosHarness,
  type Restaurant,
  type User,
} from './harness.ts';
import type { PaymentsHarness } from '../../payments/test/harness.ts';

// Generous per-test timeouts come from the jest config (a shared, loaded machine).

const PAYMENTS = '/api/payments/v1';
let h: PosHarness & { p: PaymentsHarness };
let r: Restaurant;
let cashier: User;
let customer: User;
let drawerId: string;
let productId: string;
let flourId: string;

interface Tender {
  method: string;
  amount: string;
  received: string;
  change: string;
  status: string;
  paymentId: string | null;
  failureCode: string | null;
  drawerId: string | null;
  refundedAmount: string;
}
interface PaymentView {
  status: string;
  total: string;
  paid: string;
  due: string;
  change?: string;
  refunded: string;
  tenders: Tender[];
  refunds: Array<{
    kind: string;
    status: string;
    amount: string;
    restock: boolean;
    reason: string;
    lines: Array<{ lineId: string; quantity: number; amount: string }>;
  }>;
}
interface Payment {
  id: string;
  method: string;
  amount: string;
  status: string;
  refundedAmount: string;
  drawerId: string | null;
}

const as = (u: User) => bearer(u.token);
const code = (res: { body: unknown }) =>
  (res.body as { errors: Array<{ code: string; field?: string }> }).errors[0];

/** A sent takeaway order of `quantity` × the product (a waiter of A takes it): its id and total. */
async function sentOrder(quantity = 2): Promise<{ id: string; total: bigint }> {
  const o = ok<{ id: string }>(
    await h.agent.post(`${API}/orders`).set(as(r.waiter)).send({ branchId: r.branchA, kind: 'takeaway' }),
    'order',
  );
  ok(
    await h.agent.post(`${API}/orders/${o.id}/lines`).set(as(r.waiter)).send({ productId, quantity }),
    'line',
  );
  const sent = ok<{ total: string }>(
    await h.agent.post(`${API}/orders/${o.id}/send`).set(as(r.waiter)),
    'send',
  );
  return { id: o.id, total: BigInt(sent.total) };
}

const pay = (orderId: string, tenders: object[], key = randomUUID(), who = cashier, agent = h.agent) =>
  agent.post(`${API}/orders/${orderId}/payments`).set(as(who)).set('Idempotency-Key', key).send({ tenders });

/** A one-time payer code the customer shows at the counter. */
const payerCode = async () =>
  ok<{ code: string }>(
    await h.p.agent.post(`${PAYMENTS}/wallets/me/payer-codes`).set(as(customer)).send({}),
    'payer code',
  ).code;

/** The payments of an order in the payments service (the manager reads the branch's). */
const paymentsOf = async (orderId: string) =>
  ok<Payment[]>(
    await h.p.agent
      .get(`${PAYMENTS}/payments`)
      .query({ reference: `order:${orderId}` })
      .set(as(r.manager)),
    'payments',
  );

/** Flour on hand in branch A (kg, as the inventory answers it). */
const flour = async () =>
  ok<Array<{ quantity: string }>>(
    await h.agent
      .get(`${API}/inventory/stock`)
      .query({ itemId: flourId, branchId: r.branchA })
      .set(as(r.manager)),
    'stock',
  )[0]!.quantity;

const walletBalance = async () =>
  ok<Array<{ kind: string; balance: string }>>(
    await h.p.agent.get(`${PAYMENTS}/wallets/me`).set(as(customer)),
    'wallet',
  ).find((a) => a.kind === 'customer_wallet')?.balance ?? '0';

beforeAll(async () => {
  h = await startPosWithPayments();
  r = await restaurant(h, 'MXN');
  const role = (name: string) => roleId(h.identity, r.biz, name);
  const [c, cu] = await Promise.all([
    addUser(h.identity, r.biz, [{ roleId: await role('cashier'), branchId: r.branchA }]),
    addUser(h.identity, r.biz, [{ roleId: await role('client') }]),
  ]);
  cashier = { id: c.id, token: c.token };
  customer = { id: cu.id, token: cu.token };
  // Branch A's POS drawer with an open session (float 500.00), and money in the customer's wallet.
  ({ drawerId } = await openDrawer(h.p, r.owner.token, r.branchA, {
    name: 'Caja POS',
    openingFloat: 50_000,
    currency: 'MXN',
  }));
  ok(
    await h.p.agent
      .post(`${PAYMENTS}/wallets/${customer.id}/deposits`)
      .set(as(r.owner))
      .set('Idempotency-Key', randomUUID())
      .send({ amount: 100_000, currency: 'MXN', drawerId, branchId: r.branchA }),
    'deposit',
  );
  // The menu: a pizza at 123.45 in branch A, whose recipe takes 250 g of flour.
  const m = as(r.manager);
  ok(
    await h.agent.put(`${API}/branches/${r.branchA}/settings`).set(m).send({ timeZone: 'America/Santiago' }),
    'zone',
  );
  // The kitchen: branch A's default station takes every category (sending an order routes to it).
  ok(
    await h.agent
      .post(`${API}/stations`)
      .set(m)
      .send({ branchId: r.branchA, name: 'Cocina', kind: 'screen', isDefault: true }),
    'station',
  );
  const category = ok<{ id: string }>(
    await h.agent.post(`${API}/categories`).set(m).send({ name: 'Pizzas' }),
    'cat',
  );
  productId = ok<{ id: string }>(
    await h.agent.post(`${API}/products`).set(m).send({ categoryId: category.id, name: 'Napolitana' }),
    'product',
  ).id;
  ok(
    await h.agent
      .put(`${API}/branches/${r.branchA}/products/${productId}`)
      .set(m)
      .send({ price: 12_345, currency: 'MXN' }),
    'price',
  );
  flourId = ok<{ id: string }>(
    await h.agent
      .post(`${API}/inventory/items`)
      .set(m)
      .send({ name: 'Harina', baseUnit: 'kg', currency: 'MXN' }),
    'item',
  ).id;
  ok(
    await h.agent
      .put(`${API}/products/${productId}/recipe`)
      .set(m)
      .send({ lines: [{ itemId: flourId, quantity: '250', unit: 'g' }] }),
    'recipe',
  );
  ok(
    await h.agent
      .post(`${API}/inventory/items/${flourId}/purchases`)
      .set(m)
      .set('Idempotency-Key', randomUUID())
      .send({ branchId: r.branchA, quantity: '10', unitCost: 1000 }),
    'purchase',
  );
});
afterAll(() => h?.close());

describe('paying an order with split tenders', () => {
  it('cash + card + wallet balance to the cent: change handed back, stock deducted, the drawer posted', async () => {
    const order = await sentOrder(2);
    expect(order.total).toBe(24_690n); // 2 × 123.45
    const before = { flour: await flour(), wallet: await walletBalance() };
    const from = `${Date.now() - 1}`;
    const res = await pay(order.id, [
      { method: 'card', amount: 10_000 },
      { method: 'wallet', amount: 4_690, payerId: customer.id, payerCode: await payerCode() },
      { method: 'cash', amount: 20_000, drawerId },
    ]);
    const view = ok<PaymentView>(res, 'pay');
    expect(res.status).toBe(201);
    expect(view).toMatchObject({ status: 'paid', total: '24690', paid: '24690', due: '0', change: '10000' });
    expect(view.tenders.map((t) => [t.method, t.amount, t.received, t.change, t.status])).toEqual([
      ['card', '10000', '10000', '0', 'captured'],
      ['wallet', '4690', '4690', '0', 'captured'],
      ['cash', '10000', '20000', '10000', 'captured'],
    ]);
    // payments took exactly the total: the cash it took is what it paid, never the change.
    const taken = await paymentsOf(order.id);
    expect(taken.map((p) => [p.method, p.amount, p.status]).sort()).toEqual([
      ['card', '10000', 'captured'],
      ['cash', '10000', 'captured'],
      ['wallet', '4690', 'captured'],
    ]);
    expect(taken.reduce((s, p) => s + BigInt(p.amount), 0n)).toBe(order.total);
    expect(BigInt(before.wallet) - BigInt(await walletBalance())).toBe(4_690n);
    // The recipe's 2 × 250 g left the stock with the payment.
    expect(Number(before.flour) - Number(await flour())).toBeCloseTo(0.5, 6);
    // The ledger: the drawer's account shows the cash payment's posting (an asset: negative).
    const cash = taken.find((p) => p.method === 'cash')!;
    expect(cash.drawerId).toBe(drawerId);
    const accounts = ok<Array<{ id: string; kind: string; ownerId: string | null }>>(
      await h.p.agent.get(`${PAYMENTS}/accounts`).set(as(r.manager)),
      'accounts',
    );
    const drawerAccount = accounts.find((a) => a.kind === 'cash_drawer' && a.ownerId === drawerId)!;
    const postings = ok<Array<{ paymentId: string | null; amount: string }>>(
      await h.p.agent.get(`${PAYMENTS}/accounts/${drawerAccount.id}/statement`).set(as(r.manager)),
      'statement',
    );
    expect(postings.filter((x) => x.paymentId === cash.id).map((x) => x.amount)).toEqual(['-10000']);
    // The branch's room heard that the order was paid.
    const events = (await h.redis.xrange('faena:realtime:intake', from, '+'))
      .map(([, f]) => JSON.parse(f[1]!) as { room: string; event: string; data: { orderId?: string } })
      .filter((e) => e.event.startsWith('order:') && e.data.orderId === order.id);
    expect(events.map((e) => [e.event, e.room])).toEqual([
      ['order:paid', `tenant:${r.biz.tenantId}:branch:${r.branchA}`],
    ]);
    // The same request again replays; the order is paid once.
    const again = ok<PaymentView>(
      await h.agent.get(`${API}/orders/${order.id}/payments`).set(as(cashier)),
      'view',
    );
    expect(again).toMatchObject({ status: 'paid', paid: '24690', due: '0' });
  });

  it("the register's drawer named once takes every tender: its session expects POS cash, card and wallet", async () => {
    // A register of its own (float 100.00), so its session holds only this sale.
    const register = await openDrawer(h.p, r.owner.token, r.branchA, {
      name: 'Caja 2',
      openingFloat: 10_000,
      currency: 'MXN',
    });
    const order = await sentOrder(2); // 246.90
    const res = await h.agent
      .post(`${API}/orders/${order.id}/payments`)
      .set(as(cashier))
      .set('Idempotency-Key', randomUUID())
      .send({
        drawerId: register.drawerId,
        tenders: [
          { method: 'card', amount: 10_000 },
          { method: 'wallet', amount: 4_690, payerId: customer.id, payerCode: await payerCode() },
          { method: 'cash', amount: 15_000 },
        ],
      });
    const view = ok<PaymentView>(res, 'pay');
    expect(view).toMatchObject({ status: 'paid', paid: '24690', change: '5000' });
    expect(view.tenders.map((t) => t.drawerId)).toEqual([
      register.drawerId,
      register.drawerId,
      register.drawerId,
    ]);
    expect((await paymentsOf(order.id)).map((p) => p.drawerId)).toEqual([
      register.drawerId,
      register.drawerId,
      register.drawerId,
    ]);
    // The manager reads what the session should hold per method: the float and the sale's tenders.
    const session = ok<{ expected: Record<string, string> }>(
      await h.p.agent.get(`${PAYMENTS}/cash-sessions/${register.sessionId}`).set(as(r.manager)),
      'session',
    );
    expect(session.expected).toEqual({ cash: '20000', card: '10000', wallet: '4690' });
    // Cash still needs a drawer when the request names none.
    const other = await sentOrder(1);
    const none = await pay(other.id, [{ method: 'cash', amount: 12_345 }]);
    expect([none.status, code(none)?.code, code(none)?.field]).toEqual([
      422,
      'DRAWER_REQUIRED',
      'body.tenders.0.drawerId',
    ]);
  });

  it('refuses tenders that do not cover the total exactly, charging nothing', async () => {
    const order = await sentOrder(1); // 123.45
    const short = await pay(order.id, [
      { method: 'card', amount: 10_000 },
      { method: 'cash', amount: 2_344, drawerId },
    ]);
    expect(short.status).toBe(422);
    expect(code(short)).toEqual(
      expect.objectContaining({ code: 'TENDERS_DO_NOT_BALANCE', field: 'body.tenders.1.amount' }),
    );
    const over = await pay(order.id, [{ method: 'transfer', amount: 12_346 }]);
    expect(code(over)?.code).toBe('TENDERS_DO_NOT_BALANCE');
    // Cash names its drawer (422 before anything), a wallet tender its payer and code, only a wallet
    // takes a code; a waiter does not take payments (403).
    const noDrawer = await pay(order.id, [{ method: 'cash', amount: 12_345 }]);
    expect([noDrawer.status, noDrawer.body.errors[0].code, noDrawer.body.errors[0].field]).toEqual([
      422,
      'DRAWER_REQUIRED',
      'body.tenders.0.drawerId',
    ]);
    const codeOnCard = await pay(order.id, [{ method: 'card', amount: 12_345, payerCode: '12345678' }]);
    expect([codeOnCard.status, codeOnCard.body.errors[0].code]).toEqual([422, 'TENDER_FIELDS']);
    const walletWithoutCode = await pay(order.id, [
      { method: 'wallet', amount: 12_345, payerId: '01a23591-2938-79d7-ba2d-2306f2038bcb' },
    ]);
    expect([walletWithoutCode.status, walletWithoutCode.body.errors[0].field]).toEqual([
      422,
      'body.tenders.0.payerCode',
    ]);
    expect((await pay(order.id, [{ method: 'card', amount: 12_345 }], randomUUID(), r.waiter)).status).toBe(
      403,
    );
    expect(await paymentsOf(order.id)).toEqual([]);
    // Exact by card and transfer: paid, no change.
    const exact = ok<PaymentView>(
      await pay(order.id, [
        { method: 'card', amount: 12_000 },
        { method: 'transfer', amount: 345 },
      ]),
      'exact',
    );
    expect(exact).toMatchObject({ status: 'paid', due: '0', change: '0' });
  });

  it('a refused tender counts for nothing: the others stand and the rest is paid with another tender', async () => {
    const order = await sentOrder(1);
    const res = await pay(order.id, [
      { method: 'card', amount: 2_345 },
      { method: 'wallet', amount: 10_000, payerId: customer.id, payerCode: '00000000' },
    ]);
    expect(res.status).toBe(403);
    expect(code(res)).toEqual(
      expect.objectContaining({ code: 'PAYER_AUTHORIZATION_REQUIRED', field: 'body.tenders.1' }),
    );
    const view = ok<PaymentView>(
      await h.agent.get(`${API}/orders/${order.id}/payments`).set(as(cashier)),
      'view',
    );
    expect(view).toMatchObject({ status: 'sent', paid: '2345', due: '10000' });
    expect(view.tenders.map((t) => [t.method, t.status, t.failureCode])).toEqual([
      ['card', 'captured', null],
      ['wallet', 'failed', 'PAYER_AUTHORIZATION_REQUIRED'],
    ]);
    const rest = ok<PaymentView>(await pay(order.id, [{ method: 'cash', amount: 10_000, drawerId }]), 'rest');
    expect(rest).toMatchObject({ status: 'paid', paid: '12345', due: '0', change: '0' });
    expect((await paymentsOf(order.id)).map((p) => p.amount).sort()).toEqual(['10000', '2345']);
  });
});

describe('a crash between payments and the order', () => {
  let lossy: PosApi;
  let proxy: http.Server;
  let dropNext = 0;

  beforeAll(async () => {
    // Payments behind a proxy that forwards each request and loses the answer of the `dropNext`-th
    // charge: payments took it, the POS never heard (a crash or a cut connection after the charge).
    let charges = 0;
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)),
        ) as Record<string, string>;
        void fetch(`http://127.0.0.1:${h.p.server.port}${req.url}`, {
          method: req.method!,
          headers,
          ...(chunks.length && { body: Buffer.concat(chunks) }),
        }).then(async (answer) => {
          const body = Buffer.from(await answer.arrayBuffer());
          if (req.method === 'POST' && req.url === `${PAYMENTS}/payments` && ++charges === dropNext) {
            req.socket.destroy();
            return;
          }
          res.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'application/json',
          });
          res.end(body);
        });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as { port: number };
    lossy = await startPosApi(h.identityUrl, h.logger, { paymentsUrl: `http://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await lossy?.close();
    await new Promise((resolve) => proxy?.close(resolve));
  });

  it('the retry with the same Idempotency-Key charges each tender once and pays the order once', async () => {
    const order = await sentOrder(2);
    const before = await flour();
    const key = randomUUID();
    const tenders = [
      { method: 'card', amount: 14_690 },
      { method: 'cash', amount: 10_000, drawerId },
    ];
    dropNext = 2; // the cash charge: taken by payments, its answer lost
    const lost = await pay(order.id, tenders, key, cashier, lossy.agent);
    expect(lost.status).toBe(503);
    expect(code(lost)?.code).toBe('SERVICE_UNAVAILABLE');
    // Payments has both, the order is not paid, nothing left the stock yet.
    expect((await paymentsOf(order.id)).map((p) => p.amount).sort()).toEqual(['10000', '14690']);
    const pending = ok<PaymentView>(
      await h.agent.get(`${API}/orders/${order.id}/payments`).set(as(cashier)),
      'v',
    );
    expect(pending).toMatchObject({ status: 'sent', paid: '14690', due: '10000' });
    expect(pending.tenders.map((t) => t.status)).toEqual(['captured', 'pending']);
    expect(await flour()).toBe(before);
    // Another request (another key) while a tender is pending: 409; the same request again completes it.
    expect(code(await pay(order.id, [{ method: 'card', amount: 14_690 }]))?.code).toBe('PAYMENT_IN_PROGRESS');
    const retried = ok<PaymentView>(await pay(order.id, tenders, key), 'retry');
    expect(retried).toMatchObject({ status: 'paid', paid: '24690', due: '0' });
    const taken = await paymentsOf(order.id);
    expect(taken.map((p) => p.amount).sort()).toEqual(['10000', '14690']);
    expect(Number(before) - Number(await flour())).toBeCloseTo(0.5, 6);
    // Once more: nothing changes.
    ok(await pay(order.id, tenders, key), 'replay');
    expect(await paymentsOf(order.id)).toHaveLength(2);
    expect(Number(before) - Number(await flour())).toBeCloseTo(0.5, 6);
  });
});

describe('refunds', () => {
  it('a refund (orders.refund, a reason) gives every tender back and restores the stock', async () => {
    const order = await sentOrder(2);
    const before = await flour();
    ok(
      await pay(order.id, [
        { method: 'card', amount: 4_690 },
        { method: 'cash', amount: 20_000, drawerId },
      ]),
      'pay',
    );
    expect(Number(before) - Number(await flour())).toBeCloseTo(0.5, 6);
    const refund = (who: User, key = randomUUID()) =>
      h.agent
        .post(`${API}/orders/${order.id}/refunds`)
        .set(as(who))
        .set('Idempotency-Key', key)
        .send({ reason: 'Pizza fría' });
    // A cashier takes payments but does not refund (403); the owner does.
    expect((await refund(cashier)).status).toBe(403);
    const key = randomUUID();
    const done = ok<PaymentView>(await refund(r.owner, key), 'refund');
    expect(done.refunds).toEqual([
      expect.objectContaining({
        kind: 'whole',
        status: 'refunded',
        amount: '24690',
        restock: true,
        reason: 'Pizza fría',
      }),
    ]);
    expect(done.refunded).toBe('24690');
    expect(done.tenders.map((t) => t.status)).toEqual(['refunded', 'refunded']);
    expect(await flour()).toBe(before);
    const taken = await paymentsOf(order.id);
    expect(taken.map((p) => [p.status, p.refundedAmount]).sort()).toEqual([
      ['refunded', '20000'],
      ['refunded', '4690'],
    ]);
    // The retry replays; another refund of the order is refused: nothing is left to give back.
    ok(await refund(r.owner, key), 'replay');
    expect(await flour()).toBe(before);
    const more = await refund(r.owner);
    expect([more.status, code(more)?.code]).toEqual([422, 'REFUND_EXCEEDS_PAID']);
  });

  it("with the business's restockOnRefund off, a refund leaves the stock as the sale left it", async () => {
    expect(
      ok(
        await h.agent
          .put(`${API}/order-payment-settings`)
          .set(as(r.manager))
          .send({ restockOnRefund: false }),
        'settings',
      ),
    ).toEqual({ restockOnRefund: false });
    const order = await sentOrder(1);
    ok(await pay(order.id, [{ method: 'card', amount: 12_345 }]), 'pay');
    const after = await flour();
    const done = ok<PaymentView>(
      await h.agent
        .post(`${API}/orders/${order.id}/refunds`)
        .set(as(r.owner))
        .set('Idempotency-Key', randomUUID())
        .send({ reason: 'Cliente se fue' }),
      'refund',
    );
    expect(done.refunds).toEqual([expect.objectContaining({ status: 'refunded', restock: false })]);
    expect(await flour()).toBe(after);
    ok(
      await h.agent.put(`${API}/order-payment-settings`).set(as(r.manager)).send({ restockOnRefund: true }),
      'settings back',
    );
  });
});

describe('partial refunds', () => {
  const refund = (orderId: string, body: object, key = randomUUID()) =>
    h.agent
      .post(`${API}/orders/${orderId}/refunds`)
      .set(as(r.owner))
      .set('Idempotency-Key', key)
      .send({ reason: 'Reclamo', ...body });
  const lineOf = async (orderId: string) =>
    ok<{ lines: Array<{ id: string }> }>(
      await h.agent.get(`${API}/orders/${orderId}`).set(as(cashier)),
      'order',
    ).lines[0]!.id;

  it('refunds by lines and by amount, tender by tender in the order taken, never beyond what was paid', async () => {
    const order = await sentOrder(3); // 3 × 123.45 = 370.35
    const lineId = await lineOf(order.id);
    const before = await flour();
    ok(
      await pay(order.id, [
        { method: 'card', amount: 20_000 },
        { method: 'cash', amount: 20_000, drawerId },
      ]),
      'pay',
    ); // card 200.00, cash 170.35 (change 29.65)
    expect(Number(before) - Number(await flour())).toBeCloseTo(0.75, 6);
    // One pizza back: its share of the line (123.45) from the card, taken first; its flour back.
    const key = randomUUID();
    const one = ok<PaymentView>(await refund(order.id, { lines: [{ lineId, quantity: 1 }] }, key), 'one');
    expect(one.refunds.map((x) => [x.kind, x.amount, x.lines])).toEqual([
      ['lines', '12345', [{ lineId, quantity: 1, amount: '12345' }]],
    ]);
    expect(one.tenders.map((t) => [t.method, t.status, t.refundedAmount])).toEqual([
      ['card', 'captured', '12345'],
      ['cash', 'captured', '0'],
    ]);
    expect(Number(before) - Number(await flour())).toBeCloseTo(0.5, 6);
    ok(await refund(order.id, { lines: [{ lineId, quantity: 1 }] }, key), 'replay');
    expect(Number(before) - Number(await flour())).toBeCloseTo(0.5, 6);
    // 100.00 as money only: the card's last 76.55, then 23.45 of the cash; no stock moves.
    const money = ok<PaymentView>(await refund(order.id, { amount: 10_000, drawerId }), 'amount');
    expect(money).toMatchObject({ status: 'paid', paid: '37035', refunded: '22345' });
    expect(money.tenders.map((t) => [t.method, t.status, t.refundedAmount])).toEqual([
      ['card', 'refunded', '20000'],
      ['cash', 'captured', '2345'],
    ]);
    expect(Number(before) - Number(await flour())).toBeCloseTo(0.5, 6);
    // A third: the two pizzas left are worth 246.90, more than the 146.90 left to refund.
    const beyond = await refund(order.id, { lines: [{ lineId, quantity: 2 }], drawerId });
    expect([beyond.status, code(beyond)?.code, code(beyond)?.field]).toEqual([
      422,
      'REFUND_EXCEEDS_PAID',
      'body.lines',
    ]);
    const units = await refund(order.id, { lines: [{ lineId, quantity: 3 }], drawerId });
    expect([units.status, code(units)?.field]).toEqual([422, 'body.lines.0.quantity']);
    const both = await refund(order.id, { lines: [{ lineId, quantity: 1 }], amount: 1 });
    expect([both.status, code(both)?.code]).toEqual([422, 'EXACTLY_ONE_REQUIRED']);
    expect((await refund(order.id, { amount: 14_691, drawerId })).status).toBe(422);
    // payments gave back exactly what the refunds say.
    const taken = await paymentsOf(order.id);
    expect(taken.map((p) => [p.method, p.refundedAmount]).sort()).toEqual([
      ['card', '20000'],
      ['cash', '2345'],
    ]);
    // The rest (146.90, from the cash) brings back what is left of the sale.
    const rest = ok<PaymentView>(await refund(order.id, { drawerId }), 'rest');
    expect(rest).toMatchObject({ refunded: '37035' });
    expect(rest.refunds.map((x) => [x.kind, x.amount])).toEqual([
      ['lines', '12345'],
      ['amount', '10000'],
      ['whole', '14690'],
    ]);
    expect(await flour()).toBe(before);
    expect(code(await refund(order.id, { amount: 1, drawerId }))?.code).toBe('REFUND_EXCEEDS_PAID');
  });
});

describe('an evenly split bill', () => {
  it("the last part paid takes the original's recipes from stock, once; a refunded part gives back its share", async () => {
    const order = await sentOrder(3); // 370.35, 750 g of flour
    const before = await flour();
    const parts = ok<Array<{ id: string; total: string }>>(
      await h.agent
        .post(`${API}/orders/${order.id}/split`)
        .set(as(r.waiter))
        .send({ mode: 'even', parts: 3 }),
      'split',
    );
    expect(parts.map((p) => p.total)).toEqual(['12345', '12345', '12345']);
    ok(await pay(parts[0]!.id, [{ method: 'card', amount: 12_345 }]), 'part 1');
    expect(await flour()).toBe(before);
    // The last two at once: exactly one of them finds the other paid and deducts the original's.
    const [a, b] = await Promise.all([
      pay(parts[1]!.id, [{ method: 'card', amount: 12_345 }]),
      pay(parts[2]!.id, [{ method: 'card', amount: 12_345 }]),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(Number(before) - Number(await flour())).toBeCloseTo(0.75, 6);
    // A part refunded in whole gives back a third of the original's flour.
    ok(
      await h.agent
        .post(`${API}/orders/${parts[0]!.id}/refunds`)
        .set(as(r.owner))
        .set('Idempotency-Key', randomUUID())
        .send({ reason: 'Se fue sin comer' }),
      'refund part',
    );
    expect(Number(before) - Number(await flour())).toBeCloseTo(0.5, 6);
  });
});
