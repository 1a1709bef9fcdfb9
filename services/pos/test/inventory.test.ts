/**
 * The POS inventory on the real stack (PostgreSQL, Redis, identity over HTTP): the weighted
 * average cost against a hand-computed table, stock that never goes negative under 50 concurrent
 * sales (or does, when the business allows it), the order's deduction (all or nothing, once per
 * reference, inside the caller's transaction) and its refund, transfers, low-stock crossings, counts,
 * and the routes' permissions, branch scope, tenant isolation and validation.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, isCheckViolation, runWithContext } from '@faena/platform';
import { eventually } from '@faena/platform/testing';
import { bearer } from '../../identity/test/harness.ts';
import { deductForSale, restockForRefund, type StockLine } from '../src/domain/inventory.ts';
import { recipeStockLines } from '../src/domain/recipes.ts';
import { API, ok, restaurant, startPos, type PosHarness, type Restaurant, type User } from './harness.ts';

let h: PosHarness;
let r: Restaurant;
let other: Restaurant;
beforeAll(async () => {
  h = await startPos();
  r = await restaurant(h);
  other = await restaurant(h);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

let names = 0;
async function item(body: Record<string, unknown> = {}, biz: Restaurant = r): Promise<{ id: string }> {
  return ok<{ id: string }>(
    await h.agent
      .post(`${API}/inventory/items`)
      .set(bearer(biz.manager.token))
      .send({ name: `Harina ${++names}`, baseUnit: 'kg', currency: 'CLP', ...body }),
    'item',
  );
}
/** A movement by hand: `kind` names its route (purchases, waste, adjustments). */
const PATHS: Record<string, string> = { purchase: 'purchases', waste: 'waste', adjustment: 'adjustments' };
const move = (itemId: string, { kind, ...body }: Record<string, unknown>, who: User = r.manager) =>
  h.agent
    .post(`${API}/inventory/items/${itemId}/${PATHS[kind as string] ?? String(kind)}`)
    .set(bearer(who.token))
    .set('Idempotency-Key', randomUUID())
    .send({ branchId: r.branchA, ...body });
const purchase = async (itemId: string, body: Record<string, unknown>) =>
  ok(await move(itemId, { kind: 'purchase', ...body }), 'purchase');

interface StockView {
  itemId: string;
  branchId: string;
  quantity: string;
  value: string;
  avgCost: string;
  lowStock: boolean;
}
const stockOf = async (
  itemId: string,
  branchId = r.branchA,
  who: User = r.manager,
): Promise<StockView | undefined> =>
  ok<StockView[]>(
    await h.agent.get(`${API}/inventory/stock`).query({ itemId, branchId }).set(bearer(who.token)),
    'stock',
  )[0];
interface KardexLine {
  kind: string;
  quantity: string;
  value: string;
  balanceQuantity: string;
  balanceValue: string;
  avgCost: string;
  reference: string | null;
  transferId: string | null;
}
const kardex = async (itemId: string, branchId = r.branchA): Promise<KardexLine[]> =>
  ok<KardexLine[]>(
    await h.agent
      .get(`${API}/inventory/items/${itemId}/movements`)
      .query({ branchId, limit: 100 })
      .set(bearer(r.manager.token)),
    'kardex',
  ).reverse();

/** Runs `fn` as the business's system work in its own transaction (the orders' payment does this). */
const inTx = <T>(tenantId: string, fn: (tx: EntityManager) => Promise<T>): Promise<T> =>
  runWithContext({ tenantId }, () =>
    h.orm.em.fork().transactional((tx) => fn(tx as unknown as EntityManager)),
  );
const sell = (lines: StockLine[], reference = `order:${randomUUID()}`, branchId = r.branchA) =>
  inTx(r.biz.tenantId, (tx) => deductForSale(tx, { branchId, reference, lines }));
const refusal = async (p: Promise<unknown>): Promise<DomainError> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
};

describe('weighted average cost', () => {
  it('matches the hand-computed table after purchases at different prices, a sale, waste and the last units', async () => {
    const i = await item();
    // Hand-computed (kg; CLP minor units; divisions rounded half away from zero):
    //  #  movement                      value   qty     stock value  avg/kg
    //  1  purchase 10 kg @ 1,000/kg    +10000   10      10000        1000
    //  2  purchase 5,000 g, total 6,500 +6500   15      16500        1100   (16500/15)
    //  3  sale 3 kg                     -3300   12      13200        1100   (16500×3/15; average kept)
    //  4  purchase 8 kg @ 1,250/kg     +10000   20      23200        1160
    //  5  purchase 1.5 kg @ 1,233/kg    +1850   21.5    25050        1165   (1849.5 → 1850; 1165.12 → 1165)
    //  6  waste 0.25 kg                  -291   21.25   24759        1165   (25050×0.25/21.5 = 291.28)
    //  7  sale 21.25 kg (the last)     -24759   0       0            1165   (the last units take what is left)
    await purchase(i.id, { quantity: '10', unit: 'kg', unitCost: 1000 });
    await purchase(i.id, { quantity: '5000', unit: 'g', totalCost: 6500 });
    await sell([{ itemId: i.id, quantity: '3' }]);
    await purchase(i.id, { quantity: '8', unitCost: 1250 });
    await purchase(i.id, { quantity: '1.5', unitCost: 1233 });
    ok(await move(i.id, { kind: 'waste', quantity: '250', unit: 'g' }), 'waste');
    await sell([{ itemId: i.id, quantity: '21250', unit: 'g' }]);

    const table = (await kardex(i.id)).map((m) => [
      m.kind,
      m.value,
      m.balanceQuantity,
      m.balanceValue,
      m.avgCost,
    ]);
    expect(table).toEqual([
      ['purchase', '10000', '10', '10000', '1000'],
      ['purchase', '6500', '15', '16500', '1100'],
      ['sale', '-3300', '12', '13200', '1100'],
      ['purchase', '10000', '20', '23200', '1160'],
      ['purchase', '1850', '21.5', '25050', '1165'],
      ['waste', '-291', '21.25', '24759', '1165'],
      ['sale', '-24759', '0', '0', '1165'],
    ]);
    expect(await stockOf(i.id)).toMatchObject({ quantity: '0', value: '0', avgCost: '1165' });
  });

  it('values adjustments at the average and keeps it; the kardex records what was entered', async () => {
    const i = await item({ baseUnit: 'l' });
    await purchase(i.id, { quantity: '4', unitCost: 900 });
    const adj = ok<{ value: string; avgCost: string; entered: unknown; quantity: string }>(
      await move(i.id, { kind: 'adjustment', quantity: '-500', unit: 'ml', note: 'derrame' }),
      'adjustment',
    );
    expect(adj).toMatchObject({
      quantity: '-0.5',
      value: '-450',
      avgCost: '900',
      entered: { quantity: '-500', unit: 'ml' },
    });
    const up = ok<{ value: string }>(
      await move(i.id, { kind: 'adjustment', quantity: '0.25' }),
      'adjustment in',
    );
    expect(up.value).toBe('225');
    expect(await stockOf(i.id)).toMatchObject({ quantity: '3.75', value: '3375', avgCost: '900' });
  });
});

describe('stock never goes negative unless the business allows it', () => {
  it('50 concurrent sales of the last 10 units sell exactly 10; the others are OUT_OF_STOCK', async () => {
    const i = await item({ name: `Vasos ${randomUUID()}`, baseUnit: 'unit' });
    await purchase(i.id, { quantity: '10', unitCost: 120 });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => sell([{ itemId: i.id, quantity: '1' }])),
    );
    const sold = results.filter((x) => x.status === 'fulfilled');
    const refused = results.flatMap((x) => (x.status === 'rejected' ? [x.reason as unknown] : []));
    expect(sold).toHaveLength(10);
    expect(refused).toHaveLength(40);
    expect(refused.every((e) => e instanceof DomainError && e.code === 'OUT_OF_STOCK')).toBe(true);
    expect(await stockOf(i.id)).toMatchObject({ quantity: '0', value: '0' });
    const lines = await kardex(i.id);
    expect(lines.filter((l) => l.kind === 'sale')).toHaveLength(10);
    expect(lines.map((l) => l.balanceQuantity)).toEqual([
      '10',
      '9',
      '8',
      '7',
      '6',
      '5',
      '4',
      '3',
      '2',
      '1',
      '0',
    ]);
  }, 60_000);

  it('20 concurrent first purchases of an item in a branch create one stock row and queue on it', async () => {
    const i = await item({ baseUnit: 'unit' });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => move(i.id, { kind: 'purchase', quantity: '1', unitCost: 100 })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 201));
    expect(await stockOf(i.id)).toMatchObject({ quantity: '20', value: '2000', avgCost: '100' });
    expect((await kardex(i.id)).map((l) => l.balanceQuantity)).toEqual(
      Array.from({ length: 20 }, (_, n) => String(n + 1)),
    );
  }, 60_000);

  it('the database refuses a negative row (CHECK) and any change to the kardex, whoever writes it', async () => {
    const i = await item();
    await purchase(i.id, { quantity: '1', unitCost: 100 });
    const err = await h.orm.em
      .fork()
      .getConnection()
      .execute(`update pos.inventory_stock set quantity = -1 where item_id = ?`, [i.id])
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(isCheckViolation(err, 'inventory_stock_negative_check')).toBe(true);
    // The kardex is append-only: a line is never changed or removed.
    const conn = h.orm.em.fork().getConnection();
    for (const sql of [
      `update pos.inventory_movements set quantity = 5 where item_id = ?`,
      `delete from pos.inventory_movements where item_id = ?`,
    ])
      await expect(conn.execute(sql, [i.id])).rejects.toThrow(/append-only/);
  });

  it('with negative stock allowed, 50 concurrent sales of 10 units all sell; turning it off then waits for zero', async () => {
    const b = await restaurant(h);
    const as = (u: User) => bearer(u.token);
    const created = ok<{ id: string }>(
      await h.agent
        .post(`${API}/inventory/items`)
        .set(as(b.manager))
        .send({ name: 'Leche', baseUnit: 'l', currency: 'CLP' }),
      'item',
    );
    const put = (allowNegativeStock: boolean) =>
      h.agent.put(`${API}/inventory/settings`).set(as(b.manager)).send({ allowNegativeStock });
    expect(ok(await put(true), 'settings')).toEqual({ allowNegativeStock: true });
    ok(
      await h.agent
        .post(`${API}/inventory/items/${created.id}/purchases`)
        .set(as(b.manager))
        .set('Idempotency-Key', randomUUID())
        .send({ branchId: b.branchA, quantity: '10', unitCost: 1000 }),
      'purchase',
    );
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        inTx(b.biz.tenantId, (tx) =>
          deductForSale(tx, {
            branchId: b.branchA,
            reference: `order:${randomUUID()}`,
            lines: [{ itemId: created.id, quantity: '1' }],
          }),
        ),
      ),
    );
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(50);
    const stock = ok<StockView[]>(
      await h.agent.get(`${API}/inventory/stock`).query({ itemId: created.id }).set(as(b.manager)),
      'stock',
    )[0]!;
    // The 40 units beyond those on hand are valued at the average: 10,000 − 40 × 1,000.
    expect(stock).toMatchObject({ quantity: '-40', value: '-40000', avgCost: '1000' });
    const off = await put(false);
    expect(off.status).toBe(409);
    expect(off.body.errors[0].code).toBe('NEGATIVE_STOCK_EXISTS');
    expect(ok(await h.agent.get(`${API}/inventory/settings`).set(as(b.manager)), 'get')).toEqual({
      allowNegativeStock: true,
    });
    // A purchase of 40 at 1,000 brings it back to zero (value 0), then the rule can be turned off.
    ok(
      await h.agent
        .post(`${API}/inventory/items/${created.id}/purchases`)
        .set(as(b.manager))
        .set('Idempotency-Key', randomUUID())
        .send({ branchId: b.branchA, quantity: '40', unitCost: 1000 }),
      'purchase back',
    );
    expect(ok(await put(false), 'off')).toEqual({ allowNegativeStock: false });
  }, 90_000);
});

describe("the order's deduction and refund", () => {
  it('is all or nothing: a short line refuses the whole order, naming the line, and nothing moves', async () => {
    const flour = await item();
    const milk = await item({ baseUnit: 'l' });
    await purchase(flour.id, { quantity: '2', unitCost: 1000 });
    await purchase(milk.id, { quantity: '1', unitCost: 800 });
    const err = await refusal(
      sell([
        { itemId: flour.id, quantity: '500', unit: 'g' },
        { itemId: milk.id, quantity: '1.2' },
      ]),
    );
    expect(err.code).toBe('OUT_OF_STOCK');
    expect(err.items).toEqual([expect.objectContaining({ code: 'OUT_OF_STOCK', field: 'lines.1.quantity' })]);
    expect((await stockOf(flour.id))!.quantity).toBe('2');
    expect((await stockOf(milk.id))!.quantity).toBe('1');
    // Lines of the same item add up (a recipe's flour and a modifier's).
    const short = await refusal(
      sell([
        { itemId: flour.id, quantity: '1.5' },
        { itemId: flour.id, quantity: '600', unit: 'g' },
      ]),
    );
    expect(short.code).toBe('OUT_OF_STOCK');
    expect((await kardex(flour.id)).filter((l) => l.kind === 'sale')).toHaveLength(0);
  });

  it("deducts what the menu's recipe says a sale takes, times the quantity sold", async () => {
    const flour = await item();
    const cheese = await item({ baseUnit: 'g' });
    await purchase(flour.id, { quantity: '2', unitCost: 1000 });
    await purchase(cheese.id, { quantity: '1', unit: 'kg', totalCost: 8000 });
    const as = bearer(r.manager.token);
    const category = ok<{ id: string }>(
      await h.agent
        .post(`${API}/categories`)
        .set(as)
        .send({ name: `Pizzas ${randomUUID()}` }),
      'category',
    );
    const product = ok<{ id: string }>(
      await h.agent
        .post(`${API}/products`)
        .set(as)
        .send({ categoryId: category.id, name: `Napolitana ${randomUUID()}` }),
      'product',
    );
    ok(
      await h.agent
        .put(`${API}/products/${product.id}/recipe`)
        .set(as)
        .send({
          lines: [
            { itemId: flour.id, quantity: '250', unit: 'g' },
            { itemId: cheese.id, quantity: '0.12', unit: 'kg' },
          ],
        }),
      'recipe',
    );
    const sold = await inTx(r.biz.tenantId, async (tx) =>
      deductForSale(tx, {
        branchId: r.branchA,
        reference: `order:${randomUUID()}`,
        lines: await recipeStockLines(tx, { productId: product.id, quantity: 3 }),
      }),
    );
    expect(sold.movements).toHaveLength(2);
    // 3 × 250 g of flour at 1,000/kg; 3 × 120 g of cheese at 8/g.
    expect(await stockOf(flour.id)).toMatchObject({ quantity: '1.25', value: '1250' });
    expect(await stockOf(cheese.id)).toMatchObject({ quantity: '640', value: '5120' });
  });

  it("runs inside the caller's transaction: a payment that fails afterwards leaves the stock as it was", async () => {
    const i = await item();
    await purchase(i.id, { quantity: '5', unitCost: 1000 });
    await expect(
      inTx(r.biz.tenantId, async (tx) => {
        await deductForSale(tx, {
          branchId: r.branchA,
          reference: `order:${randomUUID()}`,
          lines: [{ itemId: i.id, quantity: '2' }],
        });
        throw new Error('the payment failed');
      }),
    ).rejects.toThrow('the payment failed');
    expect(await stockOf(i.id)).toMatchObject({ quantity: '5', value: '5000' });
  });

  it('deducts once per reference; a refund restores at the value the sale took, never more than it took', async () => {
    const i = await item();
    await purchase(i.id, { quantity: '3', unitCost: 1000 });
    await purchase(i.id, { quantity: '3', unitCost: 1100 });
    const reference = `order:${randomUUID()}`;
    const first = await sell([{ itemId: i.id, quantity: '2' }], reference);
    const again = await sell([{ itemId: i.id, quantity: '2' }], reference);
    expect(again.movements.map((m) => m.id)).toEqual(first.movements.map((m) => m.id));
    // Concurrent retries of another order's payment deduct once too: the first holds the row (its
    // payment not committed yet) while four more wait on it; they find its movements under the lock.
    const other = `order:${randomUUID()}`;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let deducted = () => {};
    const started = new Promise<void>((resolve) => (deducted = resolve));
    const firstPay = inTx(r.biz.tenantId, async (tx) => {
      const d = await deductForSale(tx, {
        branchId: r.branchA,
        reference: other,
        lines: [{ itemId: i.id, quantity: '0.5' }],
      });
      deducted();
      await held;
      return d;
    });
    await started;
    const retries = Array.from({ length: 4 }, () => sell([{ itemId: i.id, quantity: '0.5' }], other));
    await eventually(async () => {
      const [row] = await h.orm.em
        .fork()
        .getConnection()
        .execute<Array<{ waiting: string }>>(
          `select count(*) as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
        );
      expect(Number(row?.waiting)).toBe(4);
    });
    release();
    const racing = [await firstPay, ...(await Promise.all(retries))];
    expect(new Set(racing.flatMap((x) => x.movements.map((m) => m.id))).size).toBe(1);
    await inTx(r.biz.tenantId, (tx) => restockForRefund(tx, { reference: other }));
    // 2 of 6 kg worth 6,300: 2,100 out.
    expect(await stockOf(i.id)).toMatchObject({ quantity: '4', value: '4200', avgCost: '1050' });
    // A purchase at another price moves the average; the refund still brings back what the sale took.
    await purchase(i.id, { quantity: '4', unitCost: 1300 });
    expect(await stockOf(i.id)).toMatchObject({ quantity: '8', value: '9400', avgCost: '1175' });
    const part = await inTx(r.biz.tenantId, (tx) =>
      restockForRefund(tx, { reference, lines: [{ itemId: i.id, quantity: '0.5' }] }),
    );
    expect(part.movements.map((m) => [m.kind, m.quantity, m.value])).toEqual([['refund', 500n, 525n]]);
    const tooMuch = await refusal(
      inTx(r.biz.tenantId, (tx) =>
        restockForRefund(tx, { reference, lines: [{ itemId: i.id, quantity: '1.6' }] }),
      ),
    );
    expect(tooMuch.code).toBe('RESTOCK_EXCEEDS_SALE');
    const rest = await inTx(r.biz.tenantId, (tx) => restockForRefund(tx, { reference }));
    expect(rest.movements.map((m) => [m.quantity, m.value])).toEqual([[1500n, 1575n]]);
    expect(await stockOf(i.id)).toMatchObject({ quantity: '10', value: '11500', avgCost: '1150' });
    const nothing = await inTx(r.biz.tenantId, (tx) => restockForRefund(tx, { reference }));
    expect(nothing.movements).toHaveLength(0);
    const refunds = (await kardex(i.id)).filter((l) => l.kind === 'refund');
    expect(refunds.map((l) => l.reference)).toEqual([other, reference, reference]);
  });
});

describe('transfers', () => {
  it('moves units and their value to another branch as two linked movements; the destination averages', async () => {
    const i = await item();
    await purchase(i.id, { quantity: '6', unitCost: 1000 });
    ok(
      await move(i.id, { kind: 'purchase', branchId: r.branchB, quantity: '2', unitCost: 1600 }),
      'purchase in B',
    );
    const send = (who: User, body: Record<string, unknown> = {}) =>
      h.agent
        .post(`${API}/inventory/transfers`)
        .set(bearer(who.token))
        .set('Idempotency-Key', randomUUID())
        .send({
          itemId: i.id,
          fromBranchId: r.branchA,
          toBranchId: r.branchB,
          quantity: '2000',
          unit: 'g',
          ...body,
        });
    const t = ok<{ id: string; value: string; quantity: string; movements: KardexLine[] }>(
      await send(r.manager),
      'transfer',
    );
    expect(t).toMatchObject({ quantity: '2', value: '2000' });
    expect(t.movements.map((m) => [m.kind, m.quantity, m.value, m.transferId])).toEqual([
      ['transfer_out', '-2', '-2000', t.id],
      ['transfer_in', '2', '2000', t.id],
    ]);
    expect(await stockOf(i.id, r.branchA)).toMatchObject({ quantity: '4', value: '4000', avgCost: '1000' });
    // B: 2 at 1,600 + 2 at 1,000 = 5,200 for 4 kg.
    expect(await stockOf(i.id, r.branchB)).toMatchObject({ quantity: '4', value: '5200', avgCost: '1300' });
    expect(
      ok(await h.agent.get(`${API}/inventory/transfers/${t.id}`).set(bearer(r.manager.token)), 'get'),
    ).toMatchObject({
      id: t.id,
    });

    const tooMany = await send(r.manager, { quantity: '4.001', unit: 'kg' });
    expect([tooMany.status, tooMany.body.errors[0].code]).toEqual([409, 'OUT_OF_STOCK']);
    const same = await send(r.manager, { toBranchId: r.branchA });
    expect([same.status, same.body.errors[0].code]).toEqual([422, 'TRANSFER_SAME_BRANCH']);
    // A manager of branch A only cannot send to branch B, nor see B's side of the stock.
    const scoped = await send(r.managerA);
    expect(scoped.status).toBe(403);
    expect(await stockOf(i.id, r.branchB, r.managerA)).toBeUndefined();
    expect(await stockOf(i.id, r.branchA)).toMatchObject({ quantity: '4' });
  });
});

describe('low stock', () => {
  it('raises one alert per crossing: set when it goes at or below the threshold, reset above it', async () => {
    const i = await item({ baseUnit: 'unit', lowStockThreshold: '3' });
    await purchase(i.id, { quantity: '6', unitCost: 100 });
    const alerts = async () =>
      ok<Array<{ itemId: string; quantity: string; threshold: string; deliveredAt: string | null }>>(
        await h.agent
          .get(`${API}/inventory/alerts`)
          .query({ branchId: r.branchA, limit: 100 })
          .set(bearer(r.manager.token)),
        'alerts',
      ).filter((a) => a.itemId === i.id);
    await sell([{ itemId: i.id, quantity: '2' }]);
    expect(await alerts()).toHaveLength(0);
    await sell([{ itemId: i.id, quantity: '1' }]); // 3 left: at the threshold.
    await sell([{ itemId: i.id, quantity: '1' }]); // 2 left: still low, no second alert.
    expect(await alerts()).toEqual([
      expect.objectContaining({ quantity: '3', threshold: '3', deliveredAt: null }),
    ]);
    expect((await stockOf(i.id))!.lowStock).toBe(true);
    await purchase(i.id, { quantity: '5', unitCost: 100 }); // 7: above, the flag resets.
    expect((await stockOf(i.id))!.lowStock).toBe(false);
    const moved = ok<{ lowStock: boolean }>(await move(i.id, { kind: 'waste', quantity: '5' }), 'waste');
    expect(moved.lowStock).toBe(true);
    expect((await alerts()).map((a) => a.quantity)).toEqual(['2', '3']);
  });
});

describe('physical counts', () => {
  it('posts the differences as count movements once; the kitchen counts, only a manager posts', async () => {
    const flour = await item();
    const milk = await item({ baseUnit: 'l' });
    await purchase(flour.id, { quantity: '10', unitCost: 1000 });
    await purchase(milk.id, { quantity: '4', unitCost: 500 });
    const opened = ok<{ id: string; status: string }>(
      await h.agent
        .post(`${API}/inventory/counts`)
        .set(bearer(r.kitchen.token))
        .send({ branchId: r.branchA, note: 'cierre de mes' }),
      'open',
    );
    expect(opened.status).toBe('open');
    const lines = (who: User, body: object) =>
      h.agent.put(`${API}/inventory/counts/${opened.id}/lines`).set(bearer(who.token)).send(body);
    ok(await lines(r.kitchen, { lines: [{ itemId: flour.id, quantity: '9500', unit: 'g' }] }), 'count flour');
    ok(
      await lines(r.kitchen, {
        lines: [
          { itemId: milk.id, quantity: '4.5' },
          { itemId: flour.id, quantity: '9.25' },
        ],
      }),
      'count again',
    );
    // The same item twice in one request: refused whole (nothing recorded), 422 naming the line.
    const twice = await lines(r.kitchen, {
      lines: [
        { itemId: milk.id, quantity: '1' },
        { itemId: milk.id, quantity: '2' },
      ],
    });
    expect([twice.status, twice.body.errors[0].code, twice.body.errors[0].field]).toEqual([
      422,
      'DUPLICATE_LINE',
      'body.lines.1.itemId',
    ]);
    // A sale between the count and its posting: the difference is against the stock when posted.
    await sell([{ itemId: milk.id, quantity: '1' }]);
    const post = (who: User) =>
      h.agent.post(`${API}/inventory/counts/${opened.id}/post`).set(bearer(who.token));
    expect((await post(r.kitchen)).status).toBe(403);
    const posted = ok<{
      status: string;
      lines: Array<{ itemId: string; counted: string; expected: string; difference: string }>;
    }>(await post(r.manager), 'post');
    expect(posted.status).toBe('posted');
    const byItem = Object.fromEntries(
      posted.lines.map((l) => [l.itemId, [l.counted, l.expected, l.difference]]),
    );
    expect(byItem).toEqual({ [flour.id]: ['9.25', '10', '-0.75'], [milk.id]: ['4.5', '3', '1.5'] });
    expect(await stockOf(flour.id)).toMatchObject({ quantity: '9.25', value: '9250' });
    expect(await stockOf(milk.id)).toMatchObject({ quantity: '4.5', value: '2250', avgCost: '500' });
    const again = await post(r.manager);
    expect([again.status, again.body.errors[0].code]).toEqual([409, 'INVALID_STATE_TRANSITION']);
    const late = await lines(r.kitchen, { lines: [{ itemId: flour.id, quantity: '1' }] });
    expect(late.status).toBe(409);
    expect((await kardex(flour.id)).filter((l) => l.kind === 'count').map((l) => l.quantity)).toEqual([
      '-0.75',
    ]);
  });

  it('two concurrent posts of one count write its differences once', async () => {
    const i = await item();
    await purchase(i.id, { quantity: '3', unitCost: 1000 });
    const c = ok<{ id: string }>(
      await h.agent
        .post(`${API}/inventory/counts`)
        .set(bearer(r.manager.token))
        .send({ branchId: r.branchA }),
      'open',
    );
    ok(
      await h.agent
        .put(`${API}/inventory/counts/${c.id}/lines`)
        .set(bearer(r.manager.token))
        .send({ lines: [{ itemId: i.id, quantity: '2' }] }),
      'lines',
    );
    const posts = await Promise.all(
      [1, 2].map(() => h.agent.post(`${API}/inventory/counts/${c.id}/post`).set(bearer(r.manager.token))),
    );
    expect(posts.map((p) => p.status).sort()).toEqual([200, 409]);
    expect((await kardex(i.id)).filter((l) => l.kind === 'count').map((l) => l.quantity)).toEqual(['-1']);
    expect(await stockOf(i.id)).toMatchObject({ quantity: '2', value: '2000' });
  });

  it('a count of another branch is not found for a grant of one branch; a waiter cannot count', async () => {
    const inB = ok<{ id: string }>(
      await h.agent
        .post(`${API}/inventory/counts`)
        .set(bearer(r.manager.token))
        .send({ branchId: r.branchB }),
      'open B',
    );
    expect(
      (await h.agent.get(`${API}/inventory/counts/${inB.id}`).set(bearer(r.managerA.token))).status,
    ).toBe(404);
    expect((await h.agent.get(`${API}/inventory/counts/${inB.id}`).set(bearer(r.manager.token))).status).toBe(
      200,
    );
    const waiter = await h.agent
      .post(`${API}/inventory/counts`)
      .set(bearer(r.waiter.token))
      .send({ branchId: r.branchA });
    expect(waiter.status).toBe(403);
    const listed = async (who: User) =>
      ok<Array<{ id: string; branchId: string }>>(
        await h.agent.get(`${API}/inventory/counts`).query({ limit: 100 }).set(bearer(who.token)),
        'counts',
      );
    expect((await listed(r.manager)).map((c) => c.id)).toContain(inB.id);
    const ofA = await listed(r.managerA);
    expect(ofA.length).toBeGreaterThan(0);
    expect(ofA.every((c) => c.branchId === r.branchA)).toBe(true);
    const cancelled = ok<{ status: string }>(
      await h.agent.post(`${API}/inventory/counts/${inB.id}/cancel`).set(bearer(r.manager.token)),
      'cancel',
    );
    expect(cancelled.status).toBe('cancelled');
  });
});

describe('the routes', () => {
  it("another business's item is not found; a waiter reads no inventory; the kitchen reads but does not move stock", async () => {
    const mine = await item();
    const theirs = await item({}, other);
    expect(
      (await h.agent.get(`${API}/inventory/items/${theirs.id}`).set(bearer(r.manager.token))).status,
    ).toBe(404);
    const foreign = await move(theirs.id, { kind: 'purchase', quantity: '1', unitCost: 1 });
    expect(foreign.status).toBe(404);
    expect((await h.agent.get(`${API}/inventory/items`).set(bearer(r.waiter.token))).status).toBe(403);
    expect((await h.agent.get(`${API}/inventory/items/${mine.id}`).set(bearer(r.kitchen.token))).status).toBe(
      200,
    );
    expect((await move(mine.id, { kind: 'waste', quantity: '1' }, r.kitchen)).status).toBe(403);
    const list = ok<Array<{ id: string }>>(
      await h.agent.get(`${API}/inventory/items`).query({ limit: 100 }).set(bearer(r.manager.token)),
      'list',
    );
    expect(list.map((x) => x.id)).toContain(mine.id);
    expect(list.map((x) => x.id)).not.toContain(theirs.id);
  });

  it('a manager of branch A moves stock in A only', async () => {
    const i = await item();
    expect((await move(i.id, { kind: 'purchase', quantity: '1', unitCost: 10 }, r.managerA)).status).toBe(
      201,
    );
    const inB = await move(
      i.id,
      { kind: 'purchase', branchId: r.branchB, quantity: '1', unitCost: 10 },
      r.managerA,
    );
    expect(inB.status).toBe(403);
  });

  it('validates: 400 for malformed input, 422 for a rule, 409 for a name taken, never a 500', async () => {
    const i = await item();
    const codes = async (
      res: Promise<{ status: number; body: { errors?: Array<{ code: string; field?: string }> } }>,
    ) => {
      const x = await res;
      return [x.status, x.body.errors?.[0]?.code];
    };
    expect(await codes(move(i.id, { kind: 'purchase', quantity: 1.5, unitCost: 10 }))).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    expect(await codes(move(i.id, { kind: 'purchase', quantity: '1e3', unitCost: 10 }))).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    // Sales are the orders' (deductForSale): no route records one by hand.
    expect(await codes(move(i.id, { kind: 'sales', quantity: '1' }))).toEqual([404, 'ROUTE_NOT_FOUND']);
    expect(await codes(move(i.id, { kind: 'purchase', quantity: '-1', unitCost: 10 }))).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    expect(await codes(move(i.id, { kind: 'purchase', quantity: '1', unit: 'l', unitCost: 10 }))).toEqual([
      422,
      'UNIT_NOT_CONVERTIBLE',
    ]);
    expect(await codes(move(i.id, { kind: 'purchase', quantity: '0.4', unit: 'g', unitCost: 10 }))).toEqual([
      422,
      'QUANTITY_TOO_PRECISE',
    ]);
    expect(await codes(move(i.id, { kind: 'purchase', quantity: '1' }))).toEqual([
      422,
      'EXACTLY_ONE_REQUIRED',
    ]);
    expect(await codes(move(i.id, { kind: 'purchase', quantity: '1', unitCost: 1, totalCost: 1 }))).toEqual([
      422,
      'EXACTLY_ONE_REQUIRED',
    ]);
    expect(await codes(move(i.id, { kind: 'waste', quantity: '1' }))).toEqual([409, 'OUT_OF_STOCK']);
    expect(await codes(move(i.id, { kind: 'adjustment', quantity: '0' }))).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    expect(await codes(move(i.id, { kind: 'waste', quantity: '1', unitCost: 5 }))).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    expect(await codes(move(i.id, { kind: 'adjustment', quantity: '-0.000' }))).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    expect(
      await codes(move(i.id, { kind: 'purchase', quantity: '999999999', unitCost: Number.MAX_SAFE_INTEGER })),
    ).toEqual([400, 'VALIDATION_FAILED']);
    const noKey = await h.agent
      .post(`${API}/inventory/items/${i.id}/purchases`)
      .set(bearer(r.manager.token))
      .send({ branchId: r.branchA, quantity: '1', unitCost: 1 });
    expect(noKey.status).toBe(400);
    const dup = await h.agent
      .post(`${API}/inventory/items`)
      .set(bearer(r.manager.token))
      .send({ name: `HARINA ${names}`, baseUnit: 'kg', currency: 'CLP' });
    expect([dup.status, dup.body.errors[0].code]).toEqual([409, 'ALREADY_EXISTS']);
    const usd = await h.agent
      .post(`${API}/inventory/items`)
      .set(bearer(r.manager.token))
      .send({ name: 'Azúcar', baseUnit: 'kg', currency: 'USD' });
    expect([usd.status, usd.body.errors[0].code]).toEqual([422, 'CURRENCY_NOT_ACCEPTED']);
    // The base unit changes only before the first movement.
    await purchase(i.id, { quantity: '1', unitCost: 1 });
    const unit = await h.agent
      .patch(`${API}/inventory/items/${i.id}`)
      .set(bearer(r.manager.token))
      .send({ baseUnit: 'g' });
    expect([unit.status, unit.body.errors[0].code]).toEqual([409, 'INVALID_STATE_TRANSITION']);
    const renamed = ok<{ lowStockThreshold: string }>(
      await h.agent
        .patch(`${API}/inventory/items/${i.id}`)
        .set(bearer(r.manager.token))
        .send({ lowStockThreshold: '0.5' }),
      'patch',
    );
    expect(renamed.lowStockThreshold).toBe('0.5');
  });
});
