import { PLANS, runWithContext } from '@faena/platform';
import { API as IDENTITY, addBranch, addUser, bearer, roleId, signUp } from '../../identity/test/harness.ts';
import { createOrder } from '../src/domain/orders.ts';
import { API, ok, startPos, type PosHarness } from './harness.ts';

/**
 * The SaaS plan's limits in POS (issue 18): a free café's products and orders a month, enforced
 * through the shared check with the plan identity's directory answers, and reported back for
 * identity's `GET /tenant/plan`. As the staff who use the features: a manager with the menu
 * (tenant-wide: the menu is the business's) and a cashier of one branch for orders.
 */
let h: PosHarness;
beforeAll(async () => {
  h = await startPos();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const post = (token: string, path: string, body: object) =>
  h.agent.post(`${API}${path}`).set(bearer(token)).send(body);

async function freeCafe() {
  const biz = await signUp(h.identity, 'cafe', 'ARS', 'free');
  const branch = await addBranch(h.identity, biz, 'Centro', 'America/Argentina/Buenos_Aires');
  const [manager, cashier] = await Promise.all([
    addUser(h.identity, biz, [{ roleId: await roleId(h.identity, biz, 'manager') }]),
    addUser(h.identity, biz, [{ roleId: await roleId(h.identity, biz, 'cashier'), branchId: branch }]),
  ]);
  const category = ok<{ id: string }>(await post(manager.token, '/categories', { name: 'Café' }), 'category');
  return { biz, branch, manager, cashier, category };
}
type Cafe = Awaited<ReturnType<typeof freeCafe>>;

const product = (c: Cafe, name: string) =>
  post(c.manager.token, '/products', { categoryId: c.category.id, name });
const tenantPlan = async (c: Cafe) =>
  ok<{ usage: { products: number | null; monthlyOrders: number | null } }>(
    await h.identity.agent.get(`${IDENTITY}/tenant/plan`).set(bearer(c.biz.token)),
    'tenant plan',
  );

describe('plan limits in POS', () => {
  it('a free café at its product limit gets 403 PLAN_LIMIT_REACHED; identity shows the usage; an upgrade lifts it', async () => {
    const c = await freeCafe();
    const limit = PLANS.free.limits.products!;
    for (let i = 0; i < limit; i++) ok(await product(c, `Producto ${i}`), `product ${i}`);
    const over = await product(c, 'Uno más');
    expect(over.status).toBe(403);
    expect(over.body.errors[0]).toMatchObject({ code: 'PLAN_LIMIT_REACHED', field: 'limits.products' });
    expect(over.body.errors[0].message).toContain(`${limit} products`);
    // Deactivating one does not free a place.
    const list = ok<Array<{ id: string }>>(
      await h.agent.get(`${API}/products?limit=1`).set(bearer(c.manager.token)),
      'list',
    );
    ok(
      await h.agent
        .patch(`${API}/products/${list[0]!.id}`)
        .set(bearer(c.manager.token))
        .send({ active: false }),
      'deactivate',
    );
    expect((await product(c, 'Otro')).status).toBe(403);
    expect((await tenantPlan(c)).usage.products).toBe(limit);

    ok(
      await h.identity.agent.put(`${IDENTITY}/tenant/plan`).set(bearer(c.biz.token)).send({ plan: 'basic' }),
      'upgrade',
    );
    expect((await product(c, 'Uno más')).status).toBe(201);
    expect((await tenantPlan(c)).usage.products).toBe(limit + 1);
  });

  it('concurrent creations at the last place: exactly one is created', async () => {
    const c = await freeCafe();
    const limit = PLANS.free.limits.products!;
    for (let i = 0; i < limit - 1; i++) ok(await product(c, `P${i}`), `product ${i}`);
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => product(c, `Última ${i}`)));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 403)).toHaveLength(4);
  });

  it("the month's orders: the cashier's order past the free plan's is 403 PLAN_LIMIT_REACHED", async () => {
    const c = await freeCafe();
    const p = ok<{ id: string }>(await product(c, 'Cortado'), 'product');
    ok(
      await h.agent
        .put(`${API}/branches/${c.branch}/products/${p.id}`)
        .set(bearer(c.manager.token))
        .send({ price: '150000', currency: 'ARS' }),
      'price',
    );
    const limit = PLANS.free.limits.monthlyOrders!;
    // The month's orders but the last, written by the domain (the same rows the route writes).
    await runWithContext({ tenantId: c.biz.tenantId }, () =>
      h.orm.em.fork().transactional(async (tx) => {
        for (let i = 0; i < limit - 1; i++) await createOrder(tx, { branchId: c.branch, kind: 'takeaway' });
      }),
    );
    ok(await post(c.cashier.token, '/orders', { branchId: c.branch, kind: 'takeaway' }), 'last order');
    const over = await post(c.cashier.token, '/orders', { branchId: c.branch, kind: 'takeaway' });
    expect(over.status).toBe(403);
    expect(over.body.errors[0]).toMatchObject({ code: 'PLAN_LIMIT_REACHED', field: 'limits.monthlyOrders' });
    expect((await tenantPlan(c)).usage.monthlyOrders).toBe(limit);
  });
});
