/**
 * The sales report through the real API (POS, identity, payments, PostgreSQL, Redis), read as a
 * manager whose grant holds in branch A only. Orders are opened by waiters of A, paid by a cashier
 * of A through the real payments service (cash with change, card, transfer), discounted, tipped,
 * cancelled, voided, split and refunded through their routes; their paid, cancelled, voided and
 * refunded times are then moved to fixed instants around local midnight with one documented SQL
 * update (`at`), since the routes stamp the real clock. Every section is compared with numbers
 * computed by hand below, the CSV with the same numbers.
 *
 * The menu: Napolitana 10000 (Pizzas: 19 % tax included) and Limonada 2500 (Bebidas: no tax), CLP.
 * Branch A is Santiago (UTC−3 in November), branch B Bogotá (UTC−5). The report of A for
 * 2026-11-10..2026-11-11 covers 2026-11-10T03:00Z..2026-11-12T03:00Z and holds:
 *
 * | order | what                                   | paid (local)   | money                                  |
 * | O1    | 2 Napolitana, tip 1000; cash + card     | 11-10 23:30    | gross 20000, tax 3193, total 21000     |
 * | O2    | 1 Napolitana + 2 Limonada, 10 % off (W2)| 11-11 00:30    | gross 15000, disc 1500, tax 1437, 13500 |
 * | O3    | 1 Limonada; transfer; refunded 15:00    | 11-11 12:00    | 2500                                   |
 * | O5    | 1 Napolitana (+1 Limonada voided 14:00) | 11-11 14:30    | 10000, tax 1597; void 2500             |
 * | part  | half of a split bill of 2 Limonada; card| 11-11 18:00    | share 2500 (no product)                |
 * | O4    | 1 Napolitana, cancelled 13:00           | —              | cancellation 10000                     |
 * and not: an order paid 11-09 23:59 local (11-10 02:59Z), one paid 11-12 00:00 local, the split's
 * original (bookkeeping), the split's unpaid part, and branch B's order (paid 11-10 23:30 Bogotá).
 */
import { randomUUID } from 'node:crypto';
import { addUser, bearer, roleId } from '../../identity/test/harness.ts';
import { openDrawer } from '../../payments/test/harness.ts';
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

let h: PosHarness & { p: PaymentsHarness };
let r: Restaurant;
let cashier: User;
let waiter2: User;
let drawerId: string;
let pizzas: string;
let bebidas: string;
let napolitana: string;
let limonada: string;

const as = (u: User) => bearer(u.token);
const code = (res: { body: unknown }) =>
  (res.body as { errors?: Array<{ code: string; field?: string }> }).errors?.[0];

/**
 * Moves a record's time to a fixed instant (the routes stamp the real clock): `orders.paid_at` /
 * `cancelled_at`, `order_lines.voided_at`, `order_refunds.refunded_at`. Test data only.
 */
const at = (
  table: 'orders' | 'order_lines' | 'order_refunds',
  column: string,
  where: string,
  id: string,
  iso: string,
) =>
  h.orm.em
    .fork()
    .execute(`update pos.${table} set ${column} = ? where tenant_id = ? and ${where} = ?`, [
      new Date(iso),
      r.biz.tenantId,
      id,
    ]);

/** A sent takeaway order of `lines` in `branchId`, opened by `who`. */
async function sentOrder(
  lines: Array<[productId: string, quantity: number]>,
  who: User = r.waiter,
  branchId = r.branchA,
): Promise<{ id: string; lineIds: string[] }> {
  const o = ok<{ id: string }>(
    await h.agent.post(`${API}/orders`).set(as(who)).send({ branchId, kind: 'takeaway' }),
    'order',
  );
  for (const [productId, quantity] of lines)
    ok(await h.agent.post(`${API}/orders/${o.id}/lines`).set(as(who)).send({ productId, quantity }), 'line');
  const sent = ok<{ lines: Array<{ id: string }> }>(
    await h.agent.post(`${API}/orders/${o.id}/send`).set(as(who)),
    'send',
  );
  return { id: o.id, lineIds: sent.lines.map((l) => l.id) };
}

const pay = async (orderId: string, tenders: object[], who = cashier) =>
  ok<{ status: string }>(
    await h.agent
      .post(`${API}/orders/${orderId}/payments`)
      .set(as(who))
      .set('Idempotency-Key', randomUUID())
      .send({ tenders }),
    'pay',
  );

const report = (who: User, query: Record<string, string | number>) =>
  h.agent.get(`${API}/reports/sales`).query(query).set(as(who));
const csv = async (who: User, query: Record<string, string>) => {
  const res = await h.agent.get(`${API}/reports/sales.csv`).query(query).set(as(who)).buffer(true);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
  return res.text.trimEnd().split('\n');
};
const period = { from: '2026-11-10', to: '2026-11-11' };

beforeAll(async () => {
  h = await startPosWithPayments();
  r = await restaurant(h, 'CLP');
  const role = (name: string) => roleId(h.identity, r.biz, name);
  const [c, w2] = await Promise.all([
    addUser(h.identity, r.biz, [{ roleId: await role('cashier'), branchId: r.branchA }]),
    addUser(h.identity, r.biz, [{ roleId: await role('waiter'), branchId: r.branchA }]),
  ]);
  cashier = { id: c.id, token: c.token };
  waiter2 = { id: w2.id, token: w2.token };
  ({ drawerId } = await openDrawer(h.p, r.owner.token, r.branchA, { name: 'Caja', currency: 'CLP' }));
  const m = as(r.manager);
  for (const [branchId, timeZone] of [
    [r.branchA, 'America/Santiago'],
    [r.branchB, 'America/Bogota'],
  ] as const) {
    ok(await h.agent.put(`${API}/branches/${branchId}/settings`).set(m).send({ timeZone }), 'zone');
    ok(
      await h.agent
        .post(`${API}/stations`)
        .set(m)
        .send({ branchId, name: 'Cocina', kind: 'screen', isDefault: true }),
      'station',
    );
  }
  pizzas = ok<{ id: string }>(
    await h.agent.post(`${API}/categories`).set(m).send({ name: 'Pizzas' }),
    'cat',
  ).id;
  bebidas = ok<{ id: string }>(
    await h.agent.post(`${API}/categories`).set(m).send({ name: 'Bebidas' }),
    'cat',
  ).id;
  ok(
    await h.agent.put(`${API}/categories/${pizzas}/tax`).set(m).send({ taxRateBp: 1900, taxInclusive: true }),
    'tax',
  );
  const product = async (categoryId: string, name: string, price: number) => {
    const id = ok<{ id: string }>(
      await h.agent.post(`${API}/products`).set(m).send({ categoryId, name }),
      'product',
    ).id;
    for (const branchId of [r.branchA, r.branchB])
      ok(
        await h.agent
          .put(`${API}/branches/${branchId}/products/${id}`)
          .set(m)
          .send({ price, currency: 'CLP' }),
        'price',
      );
    return id;
  };
  napolitana = await product(pizzas, 'Napolitana', 10_000);
  limonada = await product(bebidas, 'Limonada', 2_500);

  // O1: 2 Napolitana, tip 1000 = 21000: cash 11000 (20000 handed over) + card 10000; 11-10 23:30 local.
  const o1 = await sentOrder([[napolitana, 2]]);
  ok(await h.agent.post(`${API}/orders/${o1.id}/tip`).set(as(r.waiter)).send({ amount: 1_000 }), 'tip');
  await pay(o1.id, [
    { method: 'card', amount: 10_000 },
    { method: 'cash', amount: 20_000, drawerId },
  ]);
  await at('orders', 'paid_at', 'id', o1.id, '2026-11-11T02:30:00Z');
  // O2 (the second waiter): 1 Napolitana + 2 Limonada, 10 % off the order = 13500 by card; 11-11 00:30.
  const o2 = await sentOrder(
    [
      [napolitana, 1],
      [limonada, 2],
    ],
    waiter2,
  );
  ok(
    await h.agent
      .post(`${API}/orders/${o2.id}/discounts`)
      .set(m)
      .send({ discount: { kind: 'percent', value: 1000 } }),
    'discount',
  );
  await pay(o2.id, [{ method: 'card', amount: 13_500 }]);
  await at('orders', 'paid_at', 'id', o2.id, '2026-11-11T03:30:00Z');
  // O3: 1 Limonada by transfer, 11-11 12:00; refunded whole at 15:00.
  const o3 = await sentOrder([[limonada, 1]]);
  await pay(o3.id, [{ method: 'transfer', amount: 2_500 }]);
  await at('orders', 'paid_at', 'id', o3.id, '2026-11-11T15:00:00Z');
  ok(
    await h.agent
      .post(`${API}/orders/${o3.id}/refunds`)
      .set(as(r.owner))
      .set('Idempotency-Key', randomUUID())
      .send({ reason: 'Limonada tibia' }),
    'refund',
  );
  await at('order_refunds', 'refunded_at', 'order_id', o3.id, '2026-11-11T18:00:00Z');
  // O4: 1 Napolitana cancelled at 11-11 13:00.
  const o4 = await sentOrder([[napolitana, 1]]);
  ok(await h.agent.post(`${API}/orders/${o4.id}/cancel`).set(m).send({ reason: 'Cliente se fue' }), 'cancel');
  await at('orders', 'cancelled_at', 'id', o4.id, '2026-11-11T16:00:00Z');
  // O5: 1 Napolitana + 1 Limonada; the Limonada voided at 14:00 (a reason a spreadsheet would run);
  // the rest (10000) paid in cash at 14:30.
  const o5 = await sentOrder([
    [napolitana, 1],
    [limonada, 1],
  ]);
  ok(
    await h.agent
      .post(`${API}/orders/${o5.id}/lines/${o5.lineIds[1]}/void`)
      .set(as(r.owner))
      .send({ reason: '-1 Limonada (error)' }),
    'void',
  );
  await at('order_lines', 'voided_at', 'id', o5.lineIds[1]!, '2026-11-11T17:00:00Z');
  await pay(o5.id, [{ method: 'cash', amount: 10_000, drawerId }]);
  await at('orders', 'paid_at', 'id', o5.id, '2026-11-11T17:30:00Z');
  // A bill of 2 Limonada split evenly by the manager; one half (2500) paid by card at 18:00, the
  // other left unpaid; the original (cancelled 'split' at 17:00) is bookkeeping, not a cancellation.
  const whole = await sentOrder([[limonada, 2]]);
  const parts = ok<Array<{ id: string }>>(
    await h.agent.post(`${API}/orders/${whole.id}/split`).set(m).send({ mode: 'even', parts: 2 }),
    'split',
  );
  await at('orders', 'cancelled_at', 'id', whole.id, '2026-11-11T20:00:00Z');
  await pay(parts[0]!.id, [{ method: 'card', amount: 2_500 }]);
  await at('orders', 'paid_at', 'id', parts[0]!.id, '2026-11-11T21:00:00Z');
  // Outside A's period: 11-09 23:59 local (11-10 02:59Z) and 11-12 00:00 local.
  for (const instant of ['2026-11-10T02:59:00Z', '2026-11-12T03:00:00Z']) {
    const o = await sentOrder([[limonada, 1]]);
    await pay(o.id, [{ method: 'card', amount: 2_500 }]);
    await at('orders', 'paid_at', 'id', o.id, instant);
  }
  // Branch B: 1 Napolitana by card, paid 11-10 23:30 in Bogotá (11-11 04:30Z).
  const b = await sentOrder([[napolitana, 1]], r.owner, r.branchB);
  await pay(b.id, [{ method: 'card', amount: 10_000 }], r.owner);
  await at('orders', 'paid_at', 'id', b.id, '2026-11-11T04:30:00Z');
});
afterAll(() => h?.close());

const amounts = (gross: number, discounts: number, tax: number, sales: number) => ({
  gross: String(gross),
  discounts: String(discounts),
  net: String(sales - tax),
  tax: String(tax),
  sales: String(sales),
});

describe('the sales report of a branch', () => {
  it("answers every section of A's two days, in A's zone, as hand-computed", async () => {
    const data = ok<Record<string, unknown>>(
      await report(r.managerA, { branchId: r.branchA, ...period }),
      'report',
    );
    expect(data).toMatchObject({
      branchId: r.branchA,
      timeZone: 'America/Santiago',
      from: '2026-11-10',
      to: '2026-11-11',
      start: '2026-11-10T03:00:00.000Z',
      end: '2026-11-12T03:00:00.000Z',
      currency: 'CLP',
    });
    expect(data.totals).toEqual({
      orders: 5,
      ...amounts(50_000, 1_500, 6_227, 48_500),
      tips: '1000',
      total: '49500',
      refunds: '2500',
      refundCount: 1,
    });
    expect(data.byDay).toEqual([
      { day: '2026-11-10', orders: 1, ...amounts(20_000, 0, 3_193, 20_000), tips: '1000', total: '21000' },
      { day: '2026-11-11', orders: 4, ...amounts(30_000, 1_500, 3_034, 28_500), tips: '0', total: '28500' },
    ]);
    const hour = (h: number, gross: number, discounts: number, tax: number, sales: number, tips = 0) => ({
      hour: h,
      orders: 1,
      ...amounts(gross, discounts, tax, sales),
      tips: String(tips),
      total: String(sales + tips),
    });
    expect(data.byHour).toEqual([
      hour(0, 15_000, 1_500, 1_437, 13_500),
      hour(12, 2_500, 0, 0, 2_500),
      hour(14, 10_000, 0, 1_597, 10_000),
      hour(18, 2_500, 0, 0, 2_500),
      hour(23, 20_000, 0, 3_193, 20_000, 1_000),
    ]);
    const napolitanaRow = {
      productId: napolitana,
      name: 'Napolitana',
      categoryId: pizzas,
      quantity: 4,
      ...amounts(40_000, 1_000, 6_227, 39_000),
    };
    const limonadaRow = {
      productId: limonada,
      name: 'Limonada',
      categoryId: bebidas,
      quantity: 3,
      ...amounts(7_500, 500, 0, 7_000),
    };
    // The split bill's paid half has no product: its own row, so the rows add up to the totals.
    const shares = {
      productId: null,
      name: null,
      categoryId: null,
      quantity: 1,
      ...amounts(2_500, 0, 0, 2_500),
    };
    expect(data.byProduct).toEqual([napolitanaRow, limonadaRow, shares]);
    expect(data.byCategory).toEqual([
      { categoryId: pizzas, name: 'Pizzas', quantity: 4, ...amounts(40_000, 1_000, 6_227, 39_000) },
      { categoryId: bebidas, name: 'Bebidas', quantity: 3, ...amounts(7_500, 500, 0, 7_000) },
      { categoryId: null, name: null, quantity: 1, ...amounts(2_500, 0, 0, 2_500) },
    ]);
    // The split half counts for the waiter who opened the bill, not the manager who split it.
    expect(data.byWaiter).toEqual([
      { userId: r.waiter.id, orders: 4, ...amounts(35_000, 0, 4_790, 35_000), tips: '1000', total: '36000' },
      { userId: waiter2.id, orders: 1, ...amounts(15_000, 1_500, 1_437, 13_500), tips: '0', total: '13500' },
    ]);
    expect(data.byPaymentMethod).toEqual([
      { method: 'cash', tenders: 2, captured: '21000', refunded: '0', net: '21000' },
      { method: 'card', tenders: 3, captured: '26000', refunded: '0', net: '26000' },
      { method: 'transfer', tenders: 1, captured: '2500', refunded: '2500', net: '0' },
    ]);
    expect(data.topProducts).toEqual({
      byQuantity: [napolitanaRow, limonadaRow],
      byRevenue: [napolitanaRow, limonadaRow],
    });
    expect(data.cancellations).toEqual({
      count: 2,
      amount: '12500',
      orders: { count: 1, amount: '10000' },
      lines: { count: 1, amount: '2500' },
      reasons: [
        { kind: 'order', reason: 'Cliente se fue', count: 1, amount: '10000' },
        { kind: 'line', reason: '-1 Limonada (error)', count: 1, amount: '2500' },
      ],
    });
    expect(data.discounts).toEqual({ orders: 1, amount: '1500' });
    expect(data.tips).toEqual({ orders: 1, amount: '1000' });
  });

  it('reads one day at a time, and top lists as long as asked', async () => {
    const first = ok<{ totals: { orders: number; total: string }; byHour: Array<{ hour: number }> }>(
      await report(r.managerA, { branchId: r.branchA, from: '2026-11-10', to: '2026-11-10' }),
      'day',
    );
    expect([first.totals.orders, first.totals.total, first.byHour.map((x) => x.hour)]).toEqual([
      1,
      '21000',
      [23],
    ]);
    const top = ok<{ topProducts: { byQuantity: Array<{ name: string }>; byRevenue: unknown[] } }>(
      await report(r.managerA, { branchId: r.branchA, ...period, top: 1 }),
      'top',
    );
    expect(top.topProducts.byQuantity.map((x) => x.name)).toEqual(['Napolitana']);
    expect(top.topProducts.byRevenue).toHaveLength(1);
  });

  it("answers branch B's own day in B's zone", async () => {
    const b = ok<{ start: string; totals: unknown; byHour: Array<{ hour: number }> }>(
      await report(r.manager, { branchId: r.branchB, from: '2026-11-10', to: '2026-11-10' }),
      'B',
    );
    expect(b.start).toBe('2026-11-10T05:00:00.000Z');
    expect(b.totals).toEqual({
      orders: 1,
      ...amounts(10_000, 0, 1_597, 10_000),
      tips: '0',
      total: '10000',
      refunds: '0',
      refundCount: 0,
    });
    expect(b.byHour.map((x) => x.hour)).toEqual([23]);
  });

  it('writes each section as CSV with the same numbers', async () => {
    const q = { branchId: r.branchA, ...period };
    expect(await csv(r.managerA, { ...q, section: 'summary' })).toEqual([
      'branch_id,from,to,time_zone,currency,orders,gross,discounts,net,tax,sales,tips,total,refunds,refund_count,discounted_orders,tipped_orders,cancellations,cancelled_amount',
      `${r.branchA},2026-11-10,2026-11-11,America/Santiago,CLP,5,50000,1500,42273,6227,48500,1000,49500,2500,1,1,1,2,12500`,
    ]);
    expect(await csv(r.managerA, { ...q, section: 'products' })).toEqual([
      'product_id,name,category_id,quantity,gross,discounts,net,tax,sales,currency',
      `${napolitana},Napolitana,${pizzas},4,40000,1000,32773,6227,39000,CLP`,
      `${limonada},Limonada,${bebidas},3,7500,500,7000,0,7000,CLP`,
      ',,,1,2500,0,2500,0,2500,CLP',
    ]);
    expect(await csv(r.managerA, { ...q, section: 'payment_methods' })).toEqual([
      'method,tenders,captured,refunded,net,currency',
      'cash,2,21000,0,21000,CLP',
      'card,3,26000,0,26000,CLP',
      'transfer,1,2500,2500,0,CLP',
    ]);
    expect(await csv(r.managerA, { ...q, section: 'days' })).toEqual([
      'day,orders,gross,discounts,net,tax,sales,tips,total,currency',
      '2026-11-10,1,20000,0,16807,3193,20000,1000,21000,CLP',
      '2026-11-11,4,30000,1500,25466,3034,28500,0,28500,CLP',
    ]);
    expect((await csv(r.managerA, { ...q, section: 'hours' })).map((l) => l.split(',')[0])).toEqual([
      'hour',
      '0',
      '12',
      '14',
      '18',
      '23',
    ]);
    expect(await csv(r.managerA, { ...q, section: 'categories' })).toEqual([
      'category_id,name,quantity,gross,discounts,net,tax,sales,currency',
      `${pizzas},Pizzas,4,40000,1000,32773,6227,39000,CLP`,
      `${bebidas},Bebidas,3,7500,500,7000,0,7000,CLP`,
      ',,1,2500,0,2500,0,2500,CLP',
    ]);
    expect(await csv(r.managerA, { ...q, section: 'waiters' })).toEqual([
      'user_id,orders,gross,discounts,net,tax,sales,tips,total,currency',
      `${r.waiter.id},4,35000,0,30210,4790,35000,1000,36000,CLP`,
      `${waiter2.id},1,15000,1500,12063,1437,13500,0,13500,CLP`,
    ]);
    expect(await csv(r.managerA, { ...q, section: 'top_products' })).toEqual([
      'ranking,rank,product_id,name,quantity,net,sales,currency',
      `quantity,1,${napolitana},Napolitana,4,32773,39000,CLP`,
      `quantity,2,${limonada},Limonada,3,7000,7000,CLP`,
      `revenue,1,${napolitana},Napolitana,4,32773,39000,CLP`,
      `revenue,2,${limonada},Limonada,3,7000,7000,CLP`,
    ]);
    // The void's reason starts like a formula: written as text (a leading ').
    expect(await csv(r.managerA, { ...q, section: 'cancellations' })).toEqual([
      'kind,reason,count,amount,currency',
      'order,Cliente se fue,1,10000,CLP',
      "line,'-1 Limonada (error),1,2500,CLP",
    ]);
  });
});

describe('who reads it', () => {
  it("a manager of A does not read B's report (403), JSON or CSV; a waiter reads none", async () => {
    const onB = await report(r.managerA, { branchId: r.branchB, ...period });
    expect([onB.status, code(onB)?.code]).toEqual([403, 'FORBIDDEN']);
    const csvB = await h.agent
      .get(`${API}/reports/sales.csv`)
      .query({ branchId: r.branchB, ...period, section: 'summary' })
      .set(as(r.managerA));
    expect(csvB.status).toBe(403);
    expect((await report(r.waiter, { branchId: r.branchA, ...period })).status).toBe(403);
    expect((await h.agent.get(`${API}/reports/sales`).query({ branchId: r.branchA, ...period })).status).toBe(
      401,
    );
  });

  it("another business sees nothing of this one's: its branch is not configured there, its own report is empty", async () => {
    const other = await restaurant(h, 'CLP');
    const foreign = await report(other.owner, { branchId: r.branchA, ...period });
    expect([foreign.status, code(foreign)?.code]).toEqual([422, 'BRANCH_NOT_CONFIGURED']);
    ok(
      await h.agent
        .put(`${API}/branches/${other.branchA}/settings`)
        .set(as(other.owner))
        .send({ timeZone: 'America/Santiago' }),
      'zone',
    );
    const own = ok<{
      totals: { orders: number; total: string };
      byProduct: unknown[];
      cancellations: { count: number };
    }>(await report(other.owner, { branchId: other.branchA, ...period }), 'own');
    expect([own.totals.orders, own.totals.total, own.byProduct, own.cancellations.count]).toEqual([
      0,
      '0',
      [],
      0,
    ]);
  });
});

describe('bad input', () => {
  const q = { branchId: '' as string, from: '2026-11-10', to: '2026-11-11' };
  beforeAll(() => {
    q.branchId = r.branchA;
  });
  it.each([
    [{ from: '2026-13-01' }, 400, 'VALIDATION_FAILED'],
    [{ from: '10/11/2026' }, 400, 'VALIDATION_FAILED'],
    [{ to: '2026-11-10T00:00:00Z' }, 400, 'VALIDATION_FAILED'],
    [{ top: 0 }, 400, 'VALIDATION_FAILED'],
  ])('%j is a 400', async (change, status, errorCode) => {
    const res = await report(r.managerA, { ...q, ...change });
    expect([res.status, code(res)?.code]).toEqual([status, errorCode]);
  });

  it('a branch id that is not one is refused by the guard for a grant in A (403), as input for a tenant-wide one (400)', async () => {
    const bad = { ...q, branchId: 'not-a-uuid' };
    expect((await report(r.managerA, bad)).status).toBe(403);
    const res = await report(r.manager, bad);
    expect([res.status, code(res)?.code, code(res)?.field]).toEqual([
      400,
      'VALIDATION_FAILED',
      'query.branchId',
    ]);
  });

  it.each([
    [{ from: '2026-02-30', to: '2026-03-01' }, 'query.from'],
    [{ from: '2026-11-11', to: '2026-11-10' }, 'query.to'],
    [{ from: '2026-01-01', to: '2026-04-03' }, 'query.to'],
  ])('%j is 422 INVALID_RANGE naming %s', async (change, field) => {
    const res = await report(r.managerA, { ...q, ...change });
    expect([res.status, code(res)?.code, code(res)?.field]).toEqual([422, 'INVALID_RANGE', field]);
  });

  it('a CSV without a known section is a 400; a quarter of 92 days is a report', async () => {
    const res = await h.agent
      .get(`${API}/reports/sales.csv`)
      .query({ ...q, section: 'everything' })
      .set(as(r.managerA));
    expect([res.status, code(res)?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await report(r.managerA, { ...q, from: '2026-10-01', to: '2026-12-31' })).status).toBe(200);
  });
});
