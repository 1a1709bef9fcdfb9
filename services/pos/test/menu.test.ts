import { TEST_PNG } from '@faena/platform/testing';
import { bearer } from '../../identity/test/harness.ts';
import { recipeStockLines } from '../src/domain/recipes.ts';
import {
  API,
  UPLOAD_TEST_MAX_BYTES,
  ok,
  restaurant,
  startPos,
  type PosHarness,
  type Restaurant,
} from './harness.ts';

let h: PosHarness;
let r: Restaurant;
let other: Restaurant;
beforeAll(async () => {
  h = await startPos();
  [r, other] = await Promise.all([restaurant(h), restaurant(h)]);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

interface Product {
  id: string;
  categoryId: string;
  variants: Array<{ id: string; name: string; priceDelta: string }>;
  modifierGroups: Array<{
    id: string;
    minChoices: number;
    maxChoices: number;
    modifiers: Array<{ id: string; name: string; priceDelta: string }>;
  }>;
  images: Array<{ id: string; contentType: string; size: number }>;
  availability: Array<{ weekday: number; startsAt: string; endsAt: string }>;
  prices: Array<{ branchId: string; price: string; currency: string; outOfStock: boolean }>;
}
interface MenuProduct {
  id: string;
  price: string;
  outOfStock: boolean;
  available: boolean;
  orderable: boolean;
  variants: Array<{ name: string; price: string }>;
  modifierGroups: Array<{ modifiers: Array<{ name: string; priceDelta: string }> }>;
}
interface BranchMenu {
  timeZone: string;
  localTime: string;
  categories: Array<{ id: string; name: string; products: MenuProduct[] }>;
}

const post = (token: string, path: string, body: object) =>
  h.agent.post(`${API}${path}`).set(bearer(token)).send(body);
const put = (token: string, path: string, body: object) =>
  h.agent.put(`${API}${path}`).set(bearer(token)).send(body);
const get = (token: string, path: string) => h.agent.get(`${API}${path}`).set(bearer(token));
const code = (res: { body: unknown }) =>
  (res.body as { errors: Array<{ code: string; field?: string }> }).errors[0];

let seq = 0;
const unique = (name: string) => `${name} ${++seq}`;

async function category(who = r.manager.token, name = unique('Fondos')) {
  return ok<{ id: string }>(await post(who, '/categories', { name }), 'category');
}
async function product(categoryId: string, name = unique('Lomo a lo pobre'), who = r.manager.token) {
  return ok<Product>(
    await post(who, '/products', { categoryId, name, description: 'Con huevo y papas fritas' }),
    'product',
  );
}

describe('menu: categories and products', () => {
  it('a manager builds a product with variants and modifier groups; the branch menu prices them', async () => {
    const c = await category();
    const p = await product(c.id, 'Café');
    ok(await post(r.manager.token, `/products/${p.id}/variants`, { name: 'Chico' }), 'variant');
    ok(
      await post(r.manager.token, `/products/${p.id}/variants`, {
        name: 'Grande',
        priceDelta: 700,
        position: 1,
      }),
      'v2',
    );
    const withGroup = ok<Product>(
      await post(r.manager.token, `/products/${p.id}/modifier-groups`, {
        name: 'Leche',
        minChoices: 1,
        maxChoices: 1,
        modifiers: [{ name: 'Entera' }, { name: 'Avena', priceDelta: 500 }],
      }),
      'group',
    );
    expect(withGroup.variants.map((v) => [v.name, v.priceDelta])).toEqual([
      ['Chico', '0'],
      ['Grande', '700'],
    ]);
    expect(withGroup.modifierGroups).toEqual([
      expect.objectContaining({
        minChoices: 1,
        maxChoices: 1,
        modifiers: [
          expect.objectContaining({ name: 'Entera', priceDelta: '0' }),
          expect.objectContaining({ name: 'Avena', priceDelta: '500' }),
        ],
      }),
    ]);
    // Prices per branch, integer minor units of the business's currency.
    const priced = await put(r.manager.token, `/branches/${r.branchA}/products/${p.id}`, {
      price: 2500,
      currency: 'CLP',
    });
    expect(priced.status).toBe(200);
    expect(priced.body.data).toMatchObject({
      productId: p.id,
      branchId: r.branchA,
      price: '2500',
      currency: 'CLP',
    });
    ok(
      await put(r.manager.token, `/branches/${r.branchB}/products/${p.id}`, { price: 2800, currency: 'CLP' }),
      'B',
    );
    ok(
      await put(r.manager.token, `/branches/${r.branchA}/settings`, { timeZone: 'America/Santiago' }),
      'settings',
    );
    const menu = ok<BranchMenu>(await get(r.waiter.token, `/branches/${r.branchA}/menu`), 'menu');
    const cafe = menu.categories.find((x) => x.id === c.id)!.products[0]!;
    expect(cafe.price).toBe('2500');
    expect(cafe.variants).toEqual([
      expect.objectContaining({ name: 'Chico', price: '2500' }),
      expect.objectContaining({ name: 'Grande', price: '3200' }),
    ]);
    expect(cafe.orderable).toBe(true);
    // Another currency than the business's is refused; a price must be positive.
    const usd = await put(r.manager.token, `/branches/${r.branchA}/products/${p.id}`, {
      price: 10,
      currency: 'USD',
    });
    expect([usd.status, code(usd)!.code]).toEqual([422, 'CURRENCY_NOT_ACCEPTED']);
    const zero = await put(r.manager.token, `/branches/${r.branchA}/products/${p.id}`, { price: 0 });
    expect([zero.status, code(zero)!.code]).toEqual([400, 'VALIDATION_FAILED']);
    const fractional = await put(r.manager.token, `/branches/${r.branchA}/products/${p.id}`, { price: 10.5 });
    expect(fractional.status).toBe(400);
    // The first price of a branch names its currency.
    const p2 = await product(c.id);
    const noPrice = await put(r.manager.token, `/branches/${r.branchA}/products/${p2.id}`, {
      outOfStock: true,
    });
    expect([noPrice.status, code(noPrice)!.code]).toEqual([422, 'PRICE_NOT_SET']);
  });

  it('names are unique per business (case-insensitive) and per product; choices keep min <= max', async () => {
    const c = await category();
    const dup = await post(r.manager.token, '/categories', { name: 'BEBIDAS' });
    expect(dup.status).toBe(201);
    const again = await post(r.manager.token, '/categories', { name: 'bebidas' });
    expect([again.status, code(again)!.code, code(again)!.field]).toEqual([
      409,
      'ALREADY_EXISTS',
      'body.name',
    ]);
    // Another business may use the same name.
    expect((await post(other.manager.token, '/categories', { name: 'Bebidas' })).status).toBe(201);
    const p = await product(c.id, 'Pisco sour');
    expect((await post(r.manager.token, '/products', { categoryId: c.id, name: 'PISCO SOUR' })).status).toBe(
      409,
    );
    ok(await post(r.manager.token, `/products/${p.id}/variants`, { name: 'Doble' }), 'variant');
    expect((await post(r.manager.token, `/products/${p.id}/variants`, { name: 'doble' })).status).toBe(409);
    const badGroup = await post(r.manager.token, `/products/${p.id}/modifier-groups`, {
      name: 'Extras',
      minChoices: 3,
      maxChoices: 2,
    });
    expect([badGroup.status, code(badGroup)!.code]).toEqual([422, 'INVALID_RANGE']);
    const g = ok<Product>(
      await post(r.manager.token, `/products/${p.id}/modifier-groups`, {
        name: 'Extras',
        minChoices: 0,
        maxChoices: 2,
      }),
      'group',
    ).modifierGroups[0]!;
    const widened = await h.agent
      .patch(`${API}/products/${p.id}/modifier-groups/${g.id}`)
      .set(bearer(r.manager.token))
      .send({ minChoices: 3 });
    expect([widened.status, code(widened)!.code]).toEqual([422, 'INVALID_RANGE']);
    const added = ok<Product>(
      await post(r.manager.token, `/products/${p.id}/modifier-groups/${g.id}/modifiers`, {
        name: 'Merkén',
        priceDelta: 300,
      }),
      'modifier',
    );
    expect(added.modifierGroups[0]!.modifiers.map((m) => m.name)).toEqual(['Merkén']);
    // The database holds the rule whoever writes the row.
    await expect(
      h.orm.em
        .fork()
        .getConnection()
        .execute(`update "pos"."modifier_groups" set "min_choices" = 5 where "id" = ?`, [g.id]),
    ).rejects.toMatchObject({ code: '23514' });
    await expect(
      h.orm.em
        .fork()
        .getConnection()
        .execute(`update "pos"."branch_products" set "price" = 0 where "tenant_id" = ?`, [r.biz.tenantId]),
    ).rejects.toMatchObject({ code: '23514' });
  });

  it('waiters read the menu, managers keep it; a branch manager prices only their branch', async () => {
    const c = await category();
    const refused = await post(r.waiter.token, '/products', { categoryId: c.id, name: 'Nope' });
    expect([refused.status, code(refused)!.code]).toEqual([403, 'FORBIDDEN']);
    // menu.manage held in branch A only does not change the business's menu.
    expect((await post(r.managerA.token, '/categories', { name: unique('X') })).status).toBe(403);
    const p = await product(c.id);
    expect(
      (
        await put(r.managerA.token, `/branches/${r.branchA}/products/${p.id}`, {
          price: 1000,
          currency: 'CLP',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await put(r.managerA.token, `/branches/${r.branchB}/products/${p.id}`, {
          price: 1000,
          currency: 'CLP',
        })
      ).status,
    ).toBe(403);
    ok(
      await put(r.manager.token, `/branches/${r.branchB}/products/${p.id}`, { price: 1200, currency: 'CLP' }),
      'B',
    );
    // The waiter of A sees the product with A's price only.
    const seen = ok<Product>(await get(r.waiter.token, `/products/${p.id}`), 'read');
    expect(seen.prices.map((x) => [x.branchId, x.price])).toEqual([[r.branchA, '1000']]);
    const both = ok<Product>(await get(r.manager.token, `/products/${p.id}`), 'read');
    expect(both.prices).toHaveLength(2);
    expect((await get(r.waiter.token, `/branches/${r.branchB}/menu`)).status).toBe(403);
    // The kitchen reads the menu; it does not change it.
    expect((await get(r.kitchen.token, `/products/${p.id}`)).status).toBe(200);
    expect(
      (await h.agent.patch(`${API}/products/${p.id}`).set(bearer(r.kitchen.token)).send({ active: false }))
        .status,
    ).toBe(403);
    // Stop selling in B: the product leaves B's prices.
    expect(
      (await h.agent.delete(`${API}/branches/${r.branchB}/products/${p.id}`).set(bearer(r.manager.token)))
        .status,
    ).toBe(204);
    expect(ok<Product>(await get(r.manager.token, `/products/${p.id}`), 'read').prices).toHaveLength(1);
  });

  it("another business's records are 404, and its category cannot hold this business's product", async () => {
    const c = await category();
    const p = await product(c.id);
    expect((await get(other.manager.token, `/products/${p.id}`)).status).toBe(404);
    expect((await get(other.manager.token, `/categories/${c.id}`)).status).toBe(404);
    expect(
      (await h.agent.patch(`${API}/products/${p.id}`).set(bearer(other.manager.token)).send({ name: 'x' }))
        .status,
    ).toBe(404);
    const foreign = await post(other.manager.token, '/products', { categoryId: c.id, name: 'Robado' });
    expect([foreign.status, code(foreign)!.code, code(foreign)!.field]).toEqual([
      422,
      'UNKNOWN_REFERENCE',
      'body.categoryId',
    ]);
    // Another business's branch is not this business's to price.
    const theirs = await put(r.manager.token, `/branches/${other.branchA}/products/${p.id}`, {
      price: 100,
      currency: 'CLP',
    });
    expect([theirs.status, code(theirs)!.code]).toEqual([422, 'UNKNOWN_REFERENCE']);
    expect(
      (await get(other.manager.token, '/products?limit=100')).body.data.map((x: { id: string }) => x.id),
    ).not.toContain(p.id);
  });
});

describe('menu: availability in the branch’s zone and the out-of-stock flag', () => {
  it('windows are read on each branch’s wall clock', async () => {
    const c = await category();
    const p = await product(c.id, unique('Desayuno'));
    // Monday 07:00–11:00 local.
    const set = ok<Product>(
      await put(r.manager.token, `/products/${p.id}/availability`, {
        windows: [{ weekday: 1, startsAt: '07:00', endsAt: '11:00' }],
      }),
      'windows',
    );
    expect(set.availability).toEqual([{ weekday: 1, startsAt: '07:00', endsAt: '11:00' }]);
    for (const b of [r.branchA, r.branchB])
      ok(
        await put(r.manager.token, `/branches/${b}/products/${p.id}`, { price: 4500, currency: 'CLP' }),
        'price',
      );
    ok(await put(r.manager.token, `/branches/${r.branchA}/settings`, { timeZone: 'America/Santiago' }), 'A');
    ok(await put(r.manager.token, `/branches/${r.branchB}/settings`, { timeZone: 'America/Bogota' }), 'B');
    const at = async (branch: string, instant: string) => {
      const m = ok<BranchMenu>(await get(r.manager.token, `/branches/${branch}/menu?at=${instant}`), 'menu');
      return { local: m.localTime, p: m.categories.find((x) => x.id === c.id)!.products[0]! };
    };
    // Monday 7 December 2026, 13:30 UTC: 10:30 in Santiago (UTC−3, summer time), 08:30 in Bogotá (UTC−5).
    const a1 = await at(r.branchA, '2026-12-07T13:30:00Z');
    expect([a1.local, a1.p.available]).toEqual(['2026-12-07T10:30', true]);
    const b1 = await at(r.branchB, '2026-12-07T13:30:00Z');
    expect([b1.local, b1.p.available]).toEqual(['2026-12-07T08:30', true]);
    // 14:30 UTC: 11:30 in Santiago (closed), 09:30 in Bogotá (open).
    expect((await at(r.branchA, '2026-12-07T14:30:00Z')).p.available).toBe(false);
    expect((await at(r.branchB, '2026-12-07T14:30:00Z')).p.available).toBe(true);
    // 11:30 UTC Monday is 08:30 in Santiago but 06:30 in Bogotá.
    expect((await at(r.branchB, '2026-12-07T11:30:00Z')).p.available).toBe(false);
    // Tuesday: no window.
    expect((await at(r.branchA, '2026-12-08T13:30:00Z')).p.available).toBe(false);
    // Out of stock: still on the menu, not orderable.
    ok(await put(r.manager.token, `/branches/${r.branchA}/products/${p.id}`, { outOfStock: true }), '86');
    const out = await at(r.branchA, '2026-12-07T13:30:00Z');
    expect([out.p.available, out.p.outOfStock, out.p.orderable]).toEqual([true, true, false]);
    expect((await at(r.branchB, '2026-12-07T13:30:00Z')).p.orderable).toBe(true);
  });

  it('a branch menu lists only what it sells: priced, active products in active categories, active options', async () => {
    const c = await category();
    const [sold, unpriced, retired] = [await product(c.id), await product(c.id), await product(c.id)];
    for (const p of [sold, retired])
      ok(
        await put(r.manager.token, `/branches/${r.branchA}/products/${p.id}`, {
          price: 3000,
          currency: 'CLP',
        }),
        'price',
      );
    const v = ok<Product>(
      await post(r.manager.token, `/products/${sold.id}/variants`, { name: 'Vieja' }),
      'v',
    ).variants[0]!;
    await h.agent
      .patch(`${API}/products/${sold.id}/variants/${v.id}`)
      .set(bearer(r.manager.token))
      .send({ active: false });
    await h.agent.patch(`${API}/products/${retired.id}`).set(bearer(r.manager.token)).send({ active: false });
    ok(
      await put(r.manager.token, `/branches/${r.branchA}/settings`, { timeZone: 'America/Santiago' }),
      'zone',
    );
    const menu = ok<BranchMenu>(await get(r.waiter.token, `/branches/${r.branchA}/menu`), 'menu');
    const listed = menu.categories.find((x) => x.id === c.id)!.products;
    expect(listed.map((p) => p.id)).toEqual([sold.id]);
    expect(listed[0]!.variants).toEqual([]);
    expect(listed.map((p) => p.id)).not.toContain(unpriced.id);
    // A retired category leaves the menu with its products.
    await h.agent.patch(`${API}/categories/${c.id}`).set(bearer(r.manager.token)).send({ active: false });
    const after = ok<BranchMenu>(await get(r.waiter.token, `/branches/${r.branchA}/menu`), 'menu');
    expect(after.categories.map((x) => x.id)).not.toContain(c.id);
  });

  it('refuses windows that end before they start or overlap, and a branch without a zone', async () => {
    const c = await category();
    const p = await product(c.id);
    const backwards = await put(r.manager.token, `/products/${p.id}/availability`, {
      windows: [{ weekday: 2, startsAt: '22:00', endsAt: '02:00' }],
    });
    expect([backwards.status, code(backwards)!.code, code(backwards)!.field]).toEqual([
      422,
      'INVALID_RANGE',
      'body.windows.0.endsAt',
    ]);
    const overlap = await put(r.manager.token, `/products/${p.id}/availability`, {
      windows: [
        { weekday: 2, startsAt: '12:00', endsAt: '16:00' },
        { weekday: 2, startsAt: '15:00', endsAt: '24:00' },
      ],
    });
    expect([overlap.status, code(overlap)!.code]).toEqual([422, 'WINDOWS_OVERLAP']);
    const badTime = await put(r.manager.token, `/products/${p.id}/availability`, {
      windows: [{ weekday: 8, startsAt: '25:00', endsAt: '26:00' }],
    });
    expect(badTime.status).toBe(400);
    const fresh = await restaurant(h);
    const unset = await get(fresh.manager.token, `/branches/${fresh.branchA}/menu`);
    expect([unset.status, code(unset)!.code]).toEqual([422, 'BRANCH_NOT_CONFIGURED']);
    const badZone = await put(fresh.manager.token, `/branches/${fresh.branchA}/settings`, {
      timeZone: 'Mars/Olympus',
    });
    expect(badZone.status).toBe(400);
  });
});

describe('menu: images', () => {
  it('stores validated images and serves them to menu readers', async () => {
    const p = await product((await category()).id);
    const up = await h.agent
      .post(`${API}/products/${p.id}/images`)
      .set(bearer(r.manager.token))
      .attach('images', TEST_PNG, { filename: 'plato.png', contentType: 'image/png' });
    expect(up.status).toBe(201);
    const image = (up.body.data as Product).images[0]!;
    expect(image.contentType).toBe('image/png');
    const got = await get(r.waiter.token, `/products/${p.id}/images/${image.id}`);
    expect([got.status, got.headers['content-type']]).toEqual([200, 'image/png']);
    expect((await get(other.manager.token, `/products/${p.id}/images/${image.id}`)).status).toBe(404);
    const text = await h.agent
      .post(`${API}/products/${p.id}/images`)
      .set(bearer(r.manager.token))
      .attach('images', Buffer.from('not an image at all'), { filename: 'x.png', contentType: 'image/png' });
    expect([text.status, code(text)!.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const big = await h.agent
      .post(`${API}/products/${p.id}/images`)
      .set(bearer(r.manager.token))
      .attach('images', Buffer.concat([TEST_PNG, Buffer.alloc(UPLOAD_TEST_MAX_BYTES)]), {
        filename: 'big.png',
        contentType: 'image/png',
      });
    expect(big.status).toBe(413);
    const byWaiter = await h.agent
      .post(`${API}/products/${p.id}/images`)
      .set(bearer(r.waiter.token))
      .attach('images', TEST_PNG, { filename: 'plato.png', contentType: 'image/png' });
    expect(byWaiter.status).toBe(403);
    const removed = await h.agent
      .delete(`${API}/products/${p.id}/images/${image.id}`)
      .set(bearer(r.manager.token));
    expect(removed.status).toBe(204);
    expect((await get(r.waiter.token, `/products/${p.id}/images/${image.id}`)).status).toBe(404);
  });
});

describe('recipes', () => {
  it('link a product, its variants and modifiers to inventory items; a sale takes their sum', async () => {
    const item = async (name: string, baseUnit: string) =>
      ok<{ id: string }>(
        await post(r.manager.token, '/inventory/items', { name: unique(name), baseUnit, currency: 'CLP' }),
        'item',
      );
    const [beef, egg, cheese] = [
      await item('Carne', 'kg'),
      await item('Huevo', 'unit'),
      await item('Queso', 'kg'),
    ];
    const p = await product((await category()).id);
    const withVariant = ok<Product>(
      await post(r.manager.token, `/products/${p.id}/variants`, { name: 'XL', priceDelta: 3000 }),
      'v',
    );
    const xl = withVariant.variants[0]!;
    const g = ok<Product>(
      await post(r.manager.token, `/products/${p.id}/modifier-groups`, {
        name: 'Agregados',
        maxChoices: 2,
        modifiers: [{ name: 'Queso', priceDelta: 900 }],
      }),
      'group',
    ).modifierGroups[0]!;
    const queso = g.modifiers[0]!;
    const recipe = await put(r.manager.token, `/products/${p.id}/recipe`, {
      lines: [
        { itemId: beef.id, quantity: '250', unit: 'g' },
        { itemId: egg.id, quantity: '1' },
        { itemId: beef.id, quantity: '0.1', variantId: xl.id },
        { itemId: cheese.id, quantity: '40', unit: 'g', modifierId: queso.id },
      ],
    });
    expect(recipe.status).toBe(200);
    expect(recipe.body.data.lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          itemId: beef.id,
          quantity: '0.25',
          unit: 'kg',
          variantId: null,
          modifierId: null,
        }),
        expect.objectContaining({ itemId: beef.id, quantity: '0.1', variantId: xl.id }),
        expect.objectContaining({ itemId: cheese.id, quantity: '0.04', modifierId: queso.id }),
      ]),
    );
    expect(
      ok<{ lines: unknown[] }>(await get(r.waiter.token, `/products/${p.id}/recipe`), 'read').lines,
    ).toHaveLength(4);
    // Two XL with cheese: 2 × (250 g + 100 g) beef, 2 eggs, 2 × 40 g cheese (thousandths of the base unit).
    const em = h.orm.em.fork();
    em.setFilterParams('tenant', { tenantId: r.biz.tenantId });
    const lines = await recipeStockLines(em, {
      productId: p.id,
      variantId: xl.id,
      modifierIds: [queso.id],
      quantity: 2,
    });
    expect(new Map(lines.map((l) => [l.itemId, l.quantity]))).toEqual(
      new Map([
        [beef.id, 700n],
        [egg.id, 2000n],
        [cheese.id, 80n],
      ]),
    );
    const plain = await recipeStockLines(em, { productId: p.id, quantity: 1 });
    expect(new Map(plain.map((l) => [l.itemId, l.quantity]))).toEqual(
      new Map([
        [beef.id, 250n],
        [egg.id, 1000n],
      ]),
    );
  });

  it('refuses unknown items, other products’ variants, wrong units and duplicates; keeps the old recipe', async () => {
    const beef = ok<{ id: string }>(
      await post(r.manager.token, '/inventory/items', {
        name: unique('Res'),
        baseUnit: 'kg',
        currency: 'CLP',
      }),
      'item',
    );
    const theirs = ok<{ id: string }>(
      await post(other.manager.token, '/inventory/items', {
        name: unique('Ajeno'),
        baseUnit: 'kg',
        currency: 'CLP',
      }),
      'item',
    );
    const c = await category();
    const [p, q] = [await product(c.id), await product(c.id)];
    const qVariant = ok<Product>(
      await post(r.manager.token, `/products/${q.id}/variants`, { name: 'Doble' }),
      'v',
    ).variants[0]!;
    ok(
      await put(r.manager.token, `/products/${p.id}/recipe`, {
        lines: [{ itemId: beef.id, quantity: '0.2' }],
      }),
      'set',
    );
    const cases: Array<[object, number, string]> = [
      [{ itemId: theirs.id, quantity: '1' }, 422, 'UNKNOWN_REFERENCE'],
      [{ itemId: beef.id, quantity: '1', variantId: qVariant.id }, 422, 'UNKNOWN_REFERENCE'],
      [{ itemId: beef.id, quantity: '1', unit: 'ml' }, 422, 'UNIT_NOT_CONVERTIBLE'],
      [{ itemId: beef.id, quantity: '0.0001' }, 422, 'QUANTITY_TOO_PRECISE'],
      [{ itemId: beef.id, quantity: '0.000' }, 400, 'VALIDATION_FAILED'],
      [{ itemId: beef.id, quantity: '-1' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [line, status, errorCode] of cases) {
      const res = await put(r.manager.token, `/products/${p.id}/recipe`, { lines: [line] });
      expect({ line, status: res.status, code: code(res)!.code }).toEqual({ line, status, code: errorCode });
    }
    const dup = await put(r.manager.token, `/products/${p.id}/recipe`, {
      lines: [
        { itemId: beef.id, quantity: '1' },
        { itemId: beef.id, quantity: '2' },
      ],
    });
    expect([dup.status, code(dup)!.code]).toEqual([409, 'ALREADY_EXISTS']);
    expect(
      ok<{ lines: Array<{ quantity: string }> }>(await get(r.manager.token, `/products/${p.id}/recipe`), 'r')
        .lines,
    ).toEqual([expect.objectContaining({ quantity: '0.2' })]);
    expect((await put(r.waiter.token, `/products/${p.id}/recipe`, { lines: [] })).status).toBe(403);
    // An item used by a recipe stays (the key restricts), whatever deletes it.
    await expect(
      h.orm.em
        .fork()
        .getConnection()
        .execute(`delete from "pos"."inventory_items" where "id" = ?`, [beef.id]),
    ).rejects.toMatchObject({ code: '23503' });
  });
});
