/**
 * The store on the real stack: products (SKU once per business), the kardex, stock that never goes
 * negative under concurrent sales, sales paid through payments (a refusal gives the units back) and
 * the low-stock event.
 */
import { randomUUID } from 'node:crypto';
import {
  API,
  bearer,
  clientUser,
  fundWallet,
  gym,
  member,
  newKey,
  payerCode,
  sql,
  startGym,
  walletBalance,
  type Gym,
  type GymHarness,
  type User,
} from './harness.ts';
import { API as PAYMENTS, openDrawer } from '../../payments/test/harness.ts';
import { TEST_PNG } from '@faena/platform/testing';

let h: GymHarness;
let g: Gym;
beforeAll(async () => {
  h = await startGym();
  g = await gym(h);
}, 90_000);
afterAll(() => h.close());

let skus = 0;
async function product(body: Record<string, unknown> = {}): Promise<{ id: string; sku: string }> {
  const res = await h.agent
    .post(`${API}/store/products`)
    .set(bearer(g.manager.token))
    .send({
      sku: `SKU-${++skus}-${Date.now()}`,
      name: 'Proteína',
      category: 'suplementos',
      price: 5000,
      currency: 'CLP',
      ...body,
    });
  expect(res.status).toBe(201);
  return res.body.data as { id: string; sku: string };
}
const move = (productId: string, body: Record<string, unknown>, who: User = g.manager) =>
  h.agent
    .post(`${API}/store/products/${productId}/movements`)
    .set(bearer(who.token))
    .send({ branchId: g.branchA, reason: 'received', ...body });
async function buyer(funds: number): Promise<{ user: User; memberId: string }> {
  const user = await clientUser(h, g);
  const m = await member(h, g.receptionist, g.branchA, { userId: user.id });
  if (funds) await fundWallet(h, g, user.id, funds);
  return { user, memberId: m.id };
}
const saleBody = async (b: { user: User; memberId: string }, lines: unknown[]) => ({
  branchId: g.branchA,
  memberId: b.memberId,
  payerCode: await payerCode(h, b.user),
  lines,
});
const post = (body: Record<string, unknown>, key = newKey('sale')) =>
  h.agent.post(`${API}/store/sales`).set(bearer(g.receptionist.token)).set('Idempotency-Key', key).send(body);
const sale = async (b: { user: User; memberId: string }, lines: unknown[]) => post(await saleBody(b, lines));
const stockOf = async (productId: string) =>
  (
    (await h.agent.get(`${API}/store/products/${productId}/stock`).set(bearer(g.receptionist.token))).body
      .data as Array<{ branchId: string; quantity: number }>
  ).find((s) => s.branchId === g.branchA)?.quantity ?? 0;
const kardex = async (productId: string) =>
  (
    (await h.agent.get(`${API}/store/products/${productId}/movements`).set(bearer(g.receptionist.token))).body
      .data as Array<{ quantity: number; reason: string; balanceAfter: number; saleId: string | null }>
  ).reverse();

describe('products and the kardex', () => {
  it('a SKU is once per business; only store.manage keeps products', async () => {
    const p = await product();
    const dup = await h.agent
      .post(`${API}/store/products`)
      .set(bearer(g.manager.token))
      .send({ sku: p.sku, name: 'Otra', category: 'x', price: 100, currency: 'CLP' });
    expect({ status: dup.status, code: dup.body.errors[0].code, field: dup.body.errors[0].field }).toEqual({
      status: 409,
      code: 'ALREADY_EXISTS',
      field: 'body.sku',
    });
    const byDesk = await h.agent
      .post(`${API}/store/products`)
      .set(bearer(g.receptionist.token))
      .send({ sku: 'DESK-1', name: 'x', category: 'x', price: 100, currency: 'CLP' });
    expect(byDesk.status).toBe(403);
    const foreign = await h.agent
      .post(`${API}/store/products`)
      .set(bearer(g.manager.token))
      .send({ sku: 'USD-1', name: 'x', category: 'x', price: 100, currency: 'USD' });
    expect(foreign.body.errors[0].code).toBe('CURRENCY_NOT_ACCEPTED');
    expect((await move(p.id, { quantity: 5 }, g.receptionist)).status).toBe(403);
  });

  it('records movements in and out with their balance and never goes below zero', async () => {
    const p = await product();
    expect((await move(p.id, { quantity: 10 })).body.data).toMatchObject({ quantity: 10, balanceAfter: 10 });
    expect((await move(p.id, { quantity: -3, reason: 'loss', note: 'vencidos' })).body.data).toMatchObject({
      quantity: -3,
      balanceAfter: 7,
      reason: 'loss',
      note: 'vencidos',
    });
    const over = await move(p.id, { quantity: -8, reason: 'adjustment' });
    expect({ status: over.status, code: over.body.errors[0].code }).toEqual({
      status: 409,
      code: 'OUT_OF_STOCK',
    });
    expect((await move(p.id, { quantity: 1, reason: 'sale' })).status).toBe(400); // sales write their own
    expect(await stockOf(p.id)).toBe(7);
    expect((await kardex(p.id)).map((m) => [m.quantity, m.balanceAfter])).toEqual([
      [10, 10],
      [-3, 7],
    ]);
    // The database refuses a negative stock whoever writes it.
    await expect(
      sql(h, `update "gym"."stock_levels" set "quantity" = -1 where "product_id" = ?`, [p.id]),
    ).rejects.toThrow(/stock_levels_quantity_check/);
  });

  it('takes product images checked by content', async () => {
    const p = await product();
    const png = TEST_PNG; // a real image: images are re-encoded when stored
    const up = await h.agent
      .post(`${API}/store/products/${p.id}/images`)
      .set(bearer(g.manager.token))
      .attach('images', png, { filename: 'foto.png', contentType: 'image/png' });
    expect(up.status).toBe(201);
    const imageId = up.body.data.images[0].id as string;
    const got = await h.agent
      .get(`${API}/store/products/${p.id}/images/${imageId}`)
      .set(bearer(g.receptionist.token));
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    const fake = await h.agent
      .post(`${API}/store/products/${p.id}/images`)
      .set(bearer(g.manager.token))
      .attach('images', Buffer.from('<script>alert(1)</script>'), {
        filename: 'x.png',
        contentType: 'image/png',
      });
    expect(fake.status).toBe(415);
  });
});

describe('sales', () => {
  it('N concurrent sales of the last K units: exactly K succeed and are charged, the rest are OUT_OF_STOCK', async () => {
    const K = 3;
    const N = 8;
    const p = await product({ price: 2000 });
    await move(p.id, { quantity: K });
    const buyers: Array<{ user: User; memberId: string }> = [];
    for (let i = 0; i < N; i++) buyers.push(await buyer(10_000));
    const bodies = await Promise.all(buyers.map((b) => saleBody(b, [{ productId: p.id, quantity: 1 }])));
    const answers = await Promise.all(bodies.map((b) => post(b)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(K);
    expect(answers.filter((a) => a.status !== 201).map((a) => [a.status, a.body.errors[0].code])).toEqual(
      Array.from({ length: N - K }, () => [409, 'OUT_OF_STOCK']),
    );
    expect(await stockOf(p.id)).toBe(0);
    // Exactly the K winners paid; nobody else was charged.
    const balances = await Promise.all(buyers.map((b) => walletBalance(h, b.user)));
    expect(balances.filter((b) => b === '8000')).toHaveLength(K);
    expect(balances.filter((b) => b === '10000')).toHaveLength(N - K);
    for (const a of answers.filter((x) => x.status === 201))
      expect(a.body.data).toMatchObject({
        status: 'paid',
        total: '2000',
        payment: { id: expect.any(String) },
      });
    const lines = await kardex(p.id);
    expect(lines.map((m) => m.reason)).toEqual(['received', 'sale', 'sale', 'sale']);
    expect(lines.every((m) => m.balanceAfter >= 0)).toBe(true);
  }, 60_000);

  it('a payment refusal gives the units back (nothing lost) and a retried sale never charges twice', async () => {
    const p = await product({ price: 3000 });
    await move(p.id, { quantity: 2 });
    const broke = await buyer(0);
    const refused = await sale(broke, [{ productId: p.id, quantity: 2 }]);
    expect({ status: refused.status, code: refused.body.errors[0].code }).toEqual({
      status: 422,
      code: 'INSUFFICIENT_BALANCE',
    });
    expect(await stockOf(p.id)).toBe(2);
    expect((await kardex(p.id)).map((m) => [m.reason, m.quantity, m.balanceAfter])).toEqual([
      ['received', 2, 2],
      ['sale', -2, 0],
      ['sale_reversed', 2, 2],
    ]);
    const failed = await sql<{ status: string }>(
      h,
      `select "status" from "gym"."sales" where "member_id" = ?`,
      [broke.memberId],
    );
    expect(failed.map((s) => s.status)).toEqual(['failed']);

    const rich = await buyer(10_000);
    const key = newKey('sale');
    const body = await saleBody(rich, [{ productId: p.id, quantity: 1 }]);
    const first = await post(body, key);
    expect(first.status).toBe(201);
    const again = await post(body, key);
    expect(again.body.data.id).toBe(first.body.data.id);
    expect(await walletBalance(h, rich.user)).toBe('7000');
    expect(await stockOf(p.id)).toBe(1);
  }, 60_000);

  it('tells the front-desk room when a sale leaves a product at its low-stock threshold', async () => {
    const p = await product({ price: 1000, lowStockThreshold: 2 });
    await move(p.id, { quantity: 4 });
    const b = await buyer(10_000);
    const from = `${Date.now() - 1}`;
    expect((await sale(b, [{ productId: p.id, quantity: 1 }])).status).toBe(201);
    const quiet = await h.redis.xrange('faena:realtime:intake', from, '+');
    const lowEvents = (entries: typeof quiet) =>
      entries
        .map(
          ([, f]) =>
            JSON.parse(f[1]!) as {
              event: string;
              room: string;
              data: { productId: string; quantity: number };
            },
        )
        .filter((e) => e.event === 'store:low_stock' && e.data.productId === p.id);
    expect(lowEvents(quiet)).toEqual([]);
    expect((await sale(b, [{ productId: p.id, quantity: 1 }])).status).toBe(201);
    const low = lowEvents(await h.redis.xrange('faena:realtime:intake', from, '+'));
    expect(low).toEqual([
      expect.objectContaining({
        room: `tenant:${g.biz.tenantId}:gym:${g.branchA}`,
        data: expect.objectContaining({ quantity: 2, threshold: 2 }),
      }),
    ]);
    const stock = await h.agent.get(`${API}/store/products/${p.id}/stock`).set(bearer(g.receptionist.token));
    expect(stock.body.data[0]).toMatchObject({ quantity: 2, lowStock: true });
  }, 60_000);
});

describe('sales in cash at reception', () => {
  /** What the drawer's open session expects in cash, as payments' manager sees it (the desk counts blind). */
  const expectedCash = async (sessionId: string) => {
    const res = await h.p.agent.get(`${PAYMENTS}/cash-sessions/${sessionId}`).set(bearer(g.manager.token));
    expect(res.status).toBe(200);
    return (res.body.data as { expected: { cash: string } }).expected.cash;
  };
  const cash = (b: { memberId: string }, productId: string, drawerId?: string) => ({
    branchId: g.branchA,
    memberId: b.memberId,
    method: 'cash',
    ...(drawerId && { drawerId }),
    lines: [{ productId, quantity: 1 }],
  });

  it('a cash sale into an open drawer is paid, the session expects it, and a retry charges once', async () => {
    const p = await product({ price: 4000 });
    await move(p.id, { quantity: 3 });
    const b = await buyer(0);
    const { drawerId, sessionId } = await openDrawer(h.p, g.owner.token, g.branchA, { name: 'Caja tienda' });
    const key = newKey('sale');
    const first = await post(cash(b, p.id, drawerId), key);
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({
      status: 'paid',
      total: '4000',
      payment: { method: 'cash', id: expect.any(String) },
    });
    expect(await expectedCash(sessionId)).toBe('4000');
    const again = await post(cash(b, p.id, drawerId), key);
    expect(again.body.data.id).toBe(first.body.data.id);
    expect(await expectedCash(sessionId)).toBe('4000');
    expect(await stockOf(p.id)).toBe(2);
    // Nothing came out of the member's wallet.
    expect(await walletBalance(h, b.user)).toBe('0');
  }, 60_000);

  it('needs a drawer of the branch with an open session; a refusal gives the units back', async () => {
    const p = await product({ price: 2500 });
    await move(p.id, { quantity: 1 });
    const b = await buyer(0);
    const noDrawer = await post(cash(b, p.id));
    expect(noDrawer.status).toBe(422);
    expect(noDrawer.body.errors[0]).toMatchObject({ code: 'DRAWER_REQUIRED', field: 'body.drawerId' });
    const walletInDrawer = await post({ ...cash(b, p.id, randomUUID()), method: 'wallet' });
    expect(walletInDrawer.status).toBe(422);
    expect(walletInDrawer.body.errors[0]).toMatchObject({ code: 'TENDER_FIELDS', field: 'body.drawerId' });
    expect(await stockOf(p.id)).toBe(1);
    const closed = await h.p.agent
      .post(`${PAYMENTS}/drawers`)
      .set(bearer(g.owner.token))
      .send({ branchId: g.branchA, name: 'Caja cerrada' });
    expect(closed.status).toBe(201);
    const notOpen = await post(cash(b, p.id, closed.body.data.id as string));
    expect(notOpen.status).toBe(422);
    expect(notOpen.body.errors[0]).toMatchObject({ code: 'DRAWER_NOT_OPEN', field: 'body.drawerId' });
    expect(await stockOf(p.id)).toBe(1);
    const inB = await openDrawer(h.p, g.owner.token, g.branchB, { name: 'Caja B' });
    expect((await post(cash(b, p.id, inB.drawerId))).status).toBe(404);
    expect(await expectedCash(inB.sessionId)).toBe('0');
    expect(await stockOf(p.id)).toBe(1);
    const sales = await sql<{ status: string; payment_method: string }>(
      h,
      `select "status", "payment_method" from "gym"."sales" where "member_id" = ?`,
      [b.memberId],
    );
    expect(sales).toEqual([
      { status: 'failed', payment_method: 'cash' },
      { status: 'failed', payment_method: 'cash' },
    ]);
    expect((await kardex(p.id)).map((m) => m.reason)).toEqual([
      'received',
      'sale',
      'sale_reversed',
      'sale',
      'sale_reversed',
    ]);
  }, 60_000);
});
