import { PLANS, authKeys, reportPlanUsage, runWithContext, withEm } from '@faena/platform';
import { AuditEvent } from '../src/domain/entities.ts';
import { signUp as createTenant } from '../src/domain/tenants.ts';
import {
  API,
  PASSWORD,
  addBranch,
  addUser,
  bearer,
  roleId,
  signUp,
  startIdentity,
  unique,
  type Harness,
  type SignedUp,
} from './harness.ts';

let h: Harness;
let ops: string;
beforeAll(async () => {
  h = await startIdentity();
  const slug = `faena-ops-${unique()}`;
  const email = `ops-${unique()}@faena.dev`;
  await withEm(h.orm, (em) =>
    createTenant(
      em,
      {
        tenant: { name: 'Faena', slug, kind: 'platform', currency: 'USD', locale: 'en', timeZone: 'UTC' },
        owner: { name: 'Ops', email, password: PASSWORD },
      },
      null,
    ),
  );
  ops = (await h.agent.post(`${API}/auth/login`).send({ tenant: slug, email, password: PASSWORD })).body.data
    .accessToken as string;
}, 60000);
afterAll(() => h.close());

const branchBody = () => ({
  name: `Sede ${unique()}`,
  timeZone: 'America/Bogota',
  address: { line1: 'Calle 1', city: 'Bogotá', country: 'CO' },
});
const invite = (biz: SignedUp, roleIdValue: string) =>
  h.agent
    .post(`${API}/users`)
    .set(bearer(biz.token))
    .send({ email: `u-${unique()}@example.com`, name: 'Staff', roles: [{ roleId: roleIdValue }] });
const planOf = async (biz: SignedUp) => (await h.agent.get(`${API}/tenant/plan`).set(bearer(biz.token))).body;

describe('plan limits in identity', () => {
  it('a free café opens one branch and has three users; the next is 403 PLAN_LIMIT_REACHED naming the limit', async () => {
    const biz = await signUp(h, 'cafe', 'ARS', 'free');
    const view = await planOf(biz);
    expect(view.data.plan).toMatchObject({
      name: 'free',
      limits: PLANS.free.limits,
      price: { amount: '0', currency: 'ARS' },
    });
    expect(view.data.subscription).toEqual({ status: 'none', periodEnd: null, pendingPlan: null });
    expect(view.data.limitsEnforced).toBe(true);
    expect(view.data.usage).toMatchObject({ branches: 0, users: 1, products: null, monthlyOrders: null });
    expect(view.data.plans.map((p: { name: string }) => p.name)).toEqual(['free', 'basic', 'pro']);

    expect((await h.agent.post(`${API}/branches`).set(bearer(biz.token)).send(branchBody())).status).toBe(
      201,
    );
    const second = await h.agent.post(`${API}/branches`).set(bearer(biz.token)).send(branchBody());
    expect(second.status).toBe(403);
    expect(second.body.errors[0]).toMatchObject({ code: 'PLAN_LIMIT_REACHED', field: 'limits.branches' });
    expect(second.body.errors[0].message).toContain('1 open branches');

    const cashier = await roleId(h, biz, 'cashier');
    expect((await invite(biz, cashier)).status).toBe(201);
    expect((await invite(biz, cashier)).status).toBe(201);
    const fourth = await invite(biz, cashier);
    expect(fourth.status).toBe(403);
    expect(fourth.body.errors[0]).toMatchObject({ code: 'PLAN_LIMIT_REACHED', field: 'limits.users' });
    expect((await planOf(biz)).data.usage).toMatchObject({ branches: 1, users: 3 });
  });

  it('concurrent branch openings at the last place: exactly one is created', async () => {
    const biz = await signUp(h, 'restaurant', 'ARS', 'free');
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        h.agent.post(`${API}/branches`).set(bearer(biz.token)).send(branchBody()),
      ),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(
      answers.filter((r) => r.status === 403 && r.body.errors[0].code === 'PLAN_LIMIT_REACHED'),
    ).toHaveLength(5);
    expect((await planOf(biz)).data.usage.branches).toBe(1);
  });

  it('a disabled user re-enabled takes a place again', async () => {
    const biz = await signUp(h, 'cafe', 'ARS', 'free');
    const cashier = await roleId(h, biz, 'cashier');
    const a = await addUser(h, biz, [{ roleId: cashier }]);
    expect(
      (await h.agent.patch(`${API}/users/${a.id}`).set(bearer(biz.token)).send({ status: 'disabled' }))
        .status,
    ).toBe(200);
    expect((await invite(biz, cashier)).status).toBe(201);
    expect((await invite(biz, cashier)).status).toBe(201); // owner + 2 invited; the disabled one does not count
    const back = await h.agent
      .patch(`${API}/users/${a.id}`)
      .set(bearer(biz.token))
      .send({ status: 'active' });
    expect(back.status).toBe(403);
    expect(back.body.errors[0]).toMatchObject({ code: 'PLAN_LIMIT_REACHED', field: 'limits.users' });
  });

  it('shows the products and orders POS reported', async () => {
    const biz = await signUp(h, 'cafe', 'ARS', 'free');
    await reportPlanUsage(h.redis, biz.tenantId, { products: 12, monthlyOrders: 40 });
    expect((await planOf(biz)).data.usage).toMatchObject({ products: 12, monthlyOrders: 40 });
  });
});

describe('changing the plan', () => {
  it('only the owner changes it (tenant.plan); a manager reads it', async () => {
    const biz = await signUp(h, 'cafe', 'ARS', 'free');
    const branch = await addBranch(h, biz);
    const manager = await addUser(h, biz, [{ roleId: await roleId(h, biz, 'manager'), branchId: branch }]);
    const admin = await addUser(h, biz, [{ roleId: await roleId(h, biz, 'admin') }]);
    expect(
      (await h.agent.put(`${API}/tenant/plan`).set(bearer(manager.token)).send({ plan: 'pro' })).status,
    ).toBe(403);
    expect(
      (await h.agent.put(`${API}/tenant/plan`).set(bearer(admin.token)).send({ plan: 'pro' })).status,
    ).toBe(403);
    expect(
      (await h.agent.put(`${API}/tenant/plan`).set(bearer(biz.token)).send({ plan: 'enterprise' })).status,
    ).toBe(400);
  });

  it('free → basic starts the trial and lifts the limit; a downgrade must fit the usage; audited', async () => {
    const biz = await signUp(h, 'cafe', 'ARS', 'free');
    await addBranch(h, biz);
    const up = await h.agent.put(`${API}/tenant/plan`).set(bearer(biz.token)).send({ plan: 'basic' });
    expect(up.status).toBe(200);
    expect(up.body.data.plan).toMatchObject({ name: 'basic', price: { amount: '2900000', currency: 'ARS' } });
    expect(up.body.data.subscription.status).toBe('trialing');
    expect(up.body.data.subscription.periodEnd).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await addBranch(h, biz); // the second branch basic allows

    const down = await h.agent.put(`${API}/tenant/plan`).set(bearer(biz.token)).send({ plan: 'free' });
    expect(down.status).toBe(422);
    expect(down.body.errors[0]).toMatchObject({ code: 'PLAN_USAGE_EXCEEDS', field: 'limits.branches' });
    expect((await planOf(biz)).data.plan.name).toBe('basic');

    // Upgrading during the trial is at once; the same plan again is a conflict.
    expect(
      (await h.agent.put(`${API}/tenant/plan`).set(bearer(biz.token)).send({ plan: 'pro' })).body.data.plan
        .name,
    ).toBe('pro');
    expect(
      (await h.agent.put(`${API}/tenant/plan`).set(bearer(biz.token)).send({ plan: 'pro' })).status,
    ).toBe(409);
    const events = await runWithContext({ tenantId: biz.tenantId }, () =>
      withEm(h.orm, (em) => em.find(AuditEvent, { tenantId: biz.tenantId, type: 'tenant.plan_changed' })),
    );
    expect(
      events.map((e) => [
        e.actorId,
        (e.data.before as { plan: string }).plan,
        (e.data.after as { plan: string }).plan,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [biz.ownerId, 'free', 'basic'],
        [biz.ownerId, 'basic', 'pro'],
      ]),
    );
  });

  it('a paid period downgrades at its end (pending) when the usage fits; the current plan again drops it', async () => {
    const biz = await signUp(h, 'cafe', 'ARS', 'pro');
    await withEm(h.orm, (em) =>
      em.execute(`update identity.tenants set subscription_status = 'active' where id = ?`, [biz.tenantId]),
    );
    const down = await h.agent.put(`${API}/tenant/plan`).set(bearer(biz.token)).send({ plan: 'basic' });
    expect(down.status).toBe(200);
    expect(down.body.data.plan.name).toBe('pro');
    expect(down.body.data.subscription).toMatchObject({ status: 'active', pendingPlan: 'basic' });
    const kept = await h.agent.put(`${API}/tenant/plan`).set(bearer(biz.token)).send({ plan: 'pro' });
    expect(kept.body.data.subscription.pendingPlan).toBeNull();
  });

  it('other services see a new plan at once (the directory answers it, their cache of it dropped)', async () => {
    const biz = await signUp(h, 'cafe', 'ARS', 'free');
    const lookup = async () =>
      (await h.agent.post(`${API}/directory/lookup`).set(bearer(biz.token)).send({})).body.data
        .plan as string;
    expect(await lookup()).toBe('free');
    await h.redis.set(authKeys.plan(biz.tenantId), 'free', 'EX', 60); // what a guard cached
    await h.agent.put(`${API}/tenant/plan`).set(bearer(biz.token)).send({ plan: 'basic' });
    expect(await h.redis.get(authKeys.plan(biz.tenantId))).toBeNull();
    expect(await lookup()).toBe('basic');
  });
});

describe('platform operators: every business with plan, usage and MRR', () => {
  it('lists with filters and pages, sums the MRR of paying businesses; businesses are refused', async () => {
    const paid = await signUp(h, 'cafe', 'ARS', 'basic');
    const trial = await signUp(h, 'cafe', 'ARS', 'basic');
    const free = await signUp(h, 'cafe', 'ARS', 'free');
    await withEm(h.orm, (em) =>
      em.execute(`update identity.tenants set subscription_status = 'active' where id = ?`, [paid.tenantId]),
    );
    await reportPlanUsage(h.redis, paid.tenantId, { products: 7, monthlyOrders: 3 });

    const all = await h.agent.get(`${API}/admin/tenants?limit=100&plan=basic`).set(bearer(ops));
    expect(all.status).toBe(200);
    const byId = new Map(all.body.data.map((t: { id: string }) => [t.id, t]));
    expect(byId.get(paid.tenantId)).toMatchObject({
      plan: 'basic',
      status: 'active',
      subscription: { status: 'active' },
      usage: { branches: 0, users: 1, products: 7, monthlyOrders: 3 },
      limits: PLANS.basic.limits,
      mrr: { amount: '2900000', currency: 'ARS' },
    });
    expect(byId.get(trial.tenantId)).toMatchObject({
      subscription: { status: 'trialing' },
      mrr: { amount: '0' },
    });
    expect(byId.has(free.tenantId)).toBe(false);
    const ars = all.body.meta.mrr.find((m: { currency: string }) => m.currency === 'ARS');
    expect(BigInt(ars.amount) % 2900000n).toBe(0n);
    expect(BigInt(ars.amount) >= 2900000n).toBe(true);

    const page = await h.agent
      .get(`${API}/admin/tenants?limit=1&subscriptionStatus=trialing`)
      .set(bearer(ops));
    expect(page.body.data).toHaveLength(1);
    expect(page.body.meta.nextCursor).toEqual(expect.any(String));
    const q = await h.agent.get(`${API}/admin/tenants?q=${free.slug}`).set(bearer(ops));
    expect(q.body.data.map((t: { id: string }) => t.id)).toEqual([free.tenantId]);

    // A suspended paying business brings no MRR.
    await h.agent.post(`${API}/tenants/${paid.tenantId}/suspend`).set(bearer(ops)).send({ reason: 'unpaid' });
    const after = await h.agent.get(`${API}/admin/tenants?q=${paid.slug}`).set(bearer(ops));
    expect(after.body.data[0]).toMatchObject({ status: 'suspended', mrr: { amount: '0' } });

    expect((await h.agent.get(`${API}/admin/tenants`).set(bearer(paid.token))).status).toBe(401); // suspended
    expect((await h.agent.get(`${API}/admin/tenants`).set(bearer(free.token))).status).toBe(403);
  });
});
