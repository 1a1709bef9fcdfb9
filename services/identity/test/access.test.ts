import { runWithContext, withEm } from '@faena/platform';
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
let biz: SignedUp;
let other: SignedUp;
let branchA: string;
let branchB: string;
beforeAll(async () => {
  h = await startIdentity();
  [biz, other] = await Promise.all([signUp(h, 'restaurant'), signUp(h, 'gym')]);
  const make = (name: string) => addBranch(h, biz, name);
  [branchA, branchB] = await Promise.all([make('Centro'), make('Norte')]);
}, 60000);
afterAll(() => h.close());

describe('roles and permissions', () => {
  it('a role inherits the permissions of its parent chain', async () => {
    // admin → manager: an admin can read reports (manager) and manage users (admin).
    const admin = await addUser(h, biz, [{ roleId: await roleId(h, biz, 'admin') }]);
    const me = await h.agent.get(`${API}/auth/me`).set(bearer(admin.token));
    expect(me.body.data.permissions['users.manage']).toEqual(['*']);
    expect(me.body.data.permissions['reports.read']).toEqual(['*']);
    expect(me.body.data.permissions['cash.close']).toEqual(['*']); // manager grants cash.*
    expect(me.body.data.permissions['platform.tenants']).toBeUndefined();

    const custom = await h.agent
      .post(`${API}/roles`)
      .set(bearer(biz.token))
      .send({
        name: `head-waiter-${unique()}`,
        parentId: await roleId(h, biz, 'waiter'),
        permissions: ['orders.void'],
      });
    expect(custom.status).toBe(201);
    const headWaiter = await addUser(h, biz, [{ roleId: custom.body.data.id }]);
    const perms = (await h.agent.get(`${API}/auth/me`).set(bearer(headWaiter.token))).body.data.permissions;
    expect(Object.keys(perms).sort()).toEqual([
      'floors.read',
      'menu.read',
      'notifications.read',
      'orders.create',
      'orders.read',
      'orders.void',
      'tenant.read',
    ]);
  });

  it('scopes a role to a branch', async () => {
    const cashier = await addUser(h, biz, [{ roleId: await roleId(h, biz, 'cashier'), branchId: branchA }]);
    const me = await h.agent.get(`${API}/auth/me`).set(bearer(cashier.token));
    expect(me.body.data.permissions['cash.close']).toEqual([branchA]);
    expect(me.body.data.roles).toEqual([expect.objectContaining({ name: 'cashier', branchId: branchA })]);
    const widened = await h.agent
      .put(`${API}/users/${cashier.id}/roles`)
      .set(bearer(biz.token))
      .send({
        roles: [
          { roleId: await roleId(h, biz, 'cashier'), branchId: branchA },
          { roleId: await roleId(h, biz, 'cashier'), branchId: branchB },
        ],
      });
    expect(widened.status).toBe(200);
    const after = await h.agent.get(`${API}/auth/me`).set(bearer(cashier.token));
    expect(after.body.data.permissions['cash.close']).toEqual([branchA, branchB].sort());

    // Closing a branch ends the grants scoped to it, on the next request.
    const closing = await addBranch(h, biz, 'Temporal');
    const temp = await addUser(h, biz, [{ roleId: await roleId(h, biz, 'cashier'), branchId: closing }]);
    expect(
      (await h.agent.get(`${API}/auth/me`).set(bearer(temp.token))).body.data.permissions['cash.close'],
    ).toEqual([closing]);
    expect((await h.agent.delete(`${API}/branches/${closing}`).set(bearer(biz.token))).status).toBe(204);
    expect((await h.agent.get(`${API}/auth/me`).set(bearer(temp.token))).body.data.permissions).toEqual({});
  });

  it('a revoked permission stops working on the next request, without logging in again', async () => {
    const auditor = await h.agent
      .post(`${API}/roles`)
      .set(bearer(biz.token))
      .send({ name: `auditor-${unique()}`, permissions: ['audit.read'] });
    const user = await addUser(h, biz, [{ roleId: auditor.body.data.id }]);
    expect((await h.agent.get(`${API}/audit-events`).set(bearer(user.token))).status).toBe(200);
    const changed = await h.agent
      .patch(`${API}/roles/${auditor.body.data.id}`)
      .set(bearer(biz.token))
      .send({ permissions: ['roles.read'] });
    expect(changed.status).toBe(200);
    const denied = await h.agent.get(`${API}/audit-events`).set(bearer(user.token));
    expect(denied.status).toBe(403);
    expect(denied.body.errors[0].code).toBe('FORBIDDEN');
    expect((await h.agent.get(`${API}/roles`).set(bearer(user.token))).status).toBe(200);
  });

  it('refuses unknown permissions, platform permissions and inheritance loops', async () => {
    const bad = await h.agent
      .post(`${API}/roles`)
      .set(bearer(biz.token))
      .send({ name: `bad-${unique()}`, permissions: ['orders.fly'] });
    expect(bad.status).toBe(400);
    const platform = await h.agent
      .post(`${API}/roles`)
      .set(bearer(biz.token))
      .send({ name: `root-${unique()}`, permissions: ['platform.tenants'] });
    expect(platform.status).toBe(403);
    const a = await h.agent
      .post(`${API}/roles`)
      .set(bearer(biz.token))
      .send({ name: `a-${unique()}`, permissions: [] });
    const b = await h.agent
      .post(`${API}/roles`)
      .set(bearer(biz.token))
      .send({ name: `b-${unique()}`, parentId: a.body.data.id, permissions: [] });
    const loop = await h.agent
      .patch(`${API}/roles/${a.body.data.id}`)
      .set(bearer(biz.token))
      .send({ parentId: b.body.data.id });
    expect(loop.status).toBe(400);
    expect(loop.body.errors[0].field).toBe('body.parentId');
  });

  it('a user without the permission gets 403, without a token 401', async () => {
    const waiter = await addUser(h, biz, [{ roleId: await roleId(h, biz, 'waiter') }]);
    expect((await h.agent.get(`${API}/users`).set(bearer(waiter.token))).status).toBe(403);
    expect((await h.agent.get(`${API}/users`)).status).toBe(401);
    expect((await h.agent.get(`${API}/users`).set('Authorization', 'Bearer nonsense')).status).toBe(401);
  });
});

describe('owners', () => {
  it('the last owner cannot be removed, disabled or lose the owner role', async () => {
    const owners = await h.agent
      .get(`${API}/users?roleId=${await roleId(h, biz, 'owner')}`)
      .set(bearer(biz.token));
    expect(owners.body.data.map((u: { id: string }) => u.id)).toEqual([biz.ownerId]);
    expect((await h.agent.delete(`${API}/users/${biz.ownerId}`).set(bearer(biz.token))).status).toBe(409);
    expect(
      (await h.agent.patch(`${API}/users/${biz.ownerId}`).set(bearer(biz.token)).send({ status: 'disabled' }))
        .status,
    ).toBe(409);
    // Nobody changes their own roles (the last owner included).
    const demote = await h.agent
      .put(`${API}/users/${biz.ownerId}/roles`)
      .set(bearer(biz.token))
      .send({ roles: [{ roleId: await roleId(h, biz, 'admin') }] });
    expect(demote.status).toBe(403);
    expect(demote.body.errors[0].code).toBe('OWN_ROLES');

    // With a second owner, the first may go.
    const second = await addUser(h, biz, [{ roleId: await roleId(h, biz, 'owner') }]);
    const demoted = await h.agent
      .put(`${API}/users/${biz.ownerId}/roles`)
      .set(bearer(second.token))
      .send({ roles: [{ roleId: await roleId(h, biz, 'admin') }] });
    expect(demoted.status).toBe(200);
    expect((await h.agent.delete(`${API}/users/${second.id}`).set(bearer(second.token))).status).toBe(409);
    biz.token = second.token;
  });
});

describe('no escalation', () => {
  it('nobody changes their own roles, grants what they do not hold, or touches an owner without being one', async () => {
    const nb = await signUp(h, 'restaurant');
    const role = (name: string) => roleId(h, nb, name);
    const put = (token: string, userId: string, roles: Array<{ roleId: string; branchId?: string }>) =>
      h.agent.put(`${API}/users/${userId}/roles`).set(bearer(token)).send({ roles });
    const code = (res: { status: number; body: { errors?: Array<{ code: string }> } }) =>
      `${res.status} ${res.body.errors?.[0]?.code ?? ''}`.trim();
    const admin = await addUser(h, nb, [{ roleId: await role('admin') }]);
    const waiter = await addUser(h, nb, [{ roleId: await role('waiter') }]);

    // A tenant-wide admin made itself owner, then deleted the owner (before: 200, 204).
    expect(code(await put(admin.token, admin.id, [{ roleId: await role('owner') }]))).toBe('403 OWN_ROLES');
    expect(code(await put(admin.token, waiter.id, [{ roleId: await role('owner') }]))).toBe('403 OWNER_ONLY');
    expect(code(await h.agent.delete(`${API}/users/${nb.ownerId}`).set(bearer(admin.token)))).toBe(
      '403 OWNER_ONLY',
    );
    expect(
      code(
        await h.agent
          .patch(`${API}/users/${nb.ownerId}`)
          .set(bearer(admin.token))
          .send({ status: 'disabled' }),
      ),
    ).toBe('403 OWNER_ONLY');
    // What an admin holds it may grant.
    expect((await put(admin.token, waiter.id, [{ roleId: await role('kitchen') }])).status).toBe(200);

    // A custom role holding only roles.manage patched itself to ["*"] (before: 200).
    const custom = async (permissions: string[]) =>
      (
        await h.agent
          .post(`${API}/roles`)
          .set(bearer(nb.token))
          .send({ name: `r-${unique()}`, permissions })
      ).body.data.id as string;
    const rolesManager = await custom(['roles.manage', 'roles.read']);
    const rm = await addUser(h, nb, [{ roleId: rolesManager }]);
    const patchRole = (id: string, permissions: string[]) =>
      h.agent.patch(`${API}/roles/${id}`).set(bearer(rm.token)).send({ permissions });
    expect(code(await patchRole(rolesManager, ['*']))).toBe('403 OWN_ROLES');
    expect(code(await patchRole(await custom(['tenant.read']), ['*']))).toBe('403 GRANT_NOT_HELD');
    expect(
      code(
        await h.agent
          .post(`${API}/roles`)
          .set(bearer(rm.token))
          .send({ name: `r-${unique()}`, permissions: ['payments.refund'] }),
      ),
    ).toBe('403 GRANT_NOT_HELD');

    // A custom role holding only users.manage made itself (or anyone) owner or manager (before: 200).
    const um = await addUser(h, nb, [{ roleId: await custom(['users.manage', 'users.read']) }]);
    expect(code(await put(um.token, waiter.id, [{ roleId: await role('manager') }]))).toBe(
      '403 GRANT_NOT_HELD',
    );

    // Managing users is the business's (a tenant-wide operation): an admin of one branch is refused,
    // even inside that branch, and cannot undo tenant-wide grants.
    const branch = await addBranch(h, nb, 'Sur');
    const adminA = await addUser(h, nb, [{ roleId: await role('admin'), branchId: branch }]);
    const inA = await addUser(h, nb, [{ roleId: await role('waiter'), branchId: branch }]);
    for (const attempt of [
      put(adminA.token, inA.id, [{ roleId: await role('waiter') }]),
      put(adminA.token, waiter.id, [{ roleId: await role('waiter'), branchId: branch }]),
      put(adminA.token, inA.id, [{ roleId: await role('kitchen'), branchId: branch }]),
      put(adminA.token, adminA.id, [{ roleId: await role('owner') }]),
    ])
      expect(code(await attempt)).toBe('403 FORBIDDEN');
    // A tenant-wide admin grants in one branch what it holds there.
    expect(
      (await put(admin.token, inA.id, [{ roleId: await role('kitchen'), branchId: branch }])).status,
    ).toBe(200);

    // Every grant change is audited with its actor.
    const events = await h.agent
      .get(`${API}/audit-events?type=role.assigned&limit=100`)
      .set(bearer(nb.token));
    expect(events.body.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ actorId: admin.id, subjectId: inA.id })]),
    );
  });
});

describe('tenant isolation', () => {
  it("answers 404 for another tenant's record on every identity route that takes an id", async () => {
    const theirBranch = await addBranch(h, other, 'Theirs', 'UTC');
    const theirRole = await roleId(h, other, 'trainer');
    const theirUser = other.ownerId;
    const auth = bearer(biz.token);
    const requests = {
      'GET branch': h.agent.get(`${API}/branches/${theirBranch}`).set(auth),
      'PATCH branch': h.agent.patch(`${API}/branches/${theirBranch}`).set(auth).send({ name: 'Mine now' }),
      'DELETE branch': h.agent.delete(`${API}/branches/${theirBranch}`).set(auth),
      'GET role': h.agent.get(`${API}/roles/${theirRole}`).set(auth),
      'PATCH role': h.agent.patch(`${API}/roles/${theirRole}`).set(auth).send({ description: 'mine' }),
      'DELETE role': h.agent.delete(`${API}/roles/${theirRole}`).set(auth),
      'GET user': h.agent.get(`${API}/users/${theirUser}`).set(auth),
      'PATCH user': h.agent.patch(`${API}/users/${theirUser}`).set(auth).send({ name: 'mine' }),
      'PUT user roles': h.agent.put(`${API}/users/${theirUser}/roles`).set(auth).send({ roles: [] }),
      'DELETE user': h.agent.delete(`${API}/users/${theirUser}`).set(auth),
    };
    for (const [label, req] of Object.entries(requests)) {
      const res = await req;
      expect([label, res.status, res.body.errors?.[0]?.code]).toEqual([label, 404, 'NOT_FOUND']);
    }
    // Nor can their ids be smuggled into an assignment.
    const smuggled = await h.agent
      .post(`${API}/users`)
      .set(bearer(biz.token))
      .send({
        email: `x-${unique()}@example.com`,
        name: 'X',
        roles: [{ roleId: theirRole, branchId: theirBranch }],
      });
    expect(smuggled.status).toBe(400);
    expect(smuggled.body.errors[0].field).toBe('body.roles.0.roleId');
    // And nothing of theirs changed.
    expect(
      (await h.agent.get(`${API}/branches/${theirBranch}`).set(bearer(other.token))).body.data.name,
    ).toBe('Theirs');
  });

  it('lists only the caller tenant', async () => {
    const users = await h.agent.get(`${API}/users?limit=100`).set(bearer(other.token));
    expect(users.body.data.map((u: { id: string }) => u.id)).toEqual([other.ownerId]);
  });
});

describe('platform operators', () => {
  it('suspend a tenant: its tokens are refused at once, and work again after reactivation', async () => {
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
    const ops = (await h.agent.post(`${API}/auth/login`).send({ tenant: slug, email, password: PASSWORD }))
      .body.data.accessToken as string;

    expect((await h.agent.get(`${API}/tenants/${other.tenantId}`).set(bearer(ops))).status).toBe(200);
    expect((await h.agent.get(`${API}/tenants/${other.tenantId}`).set(bearer(biz.token))).status).toBe(403);
    const list = await h.agent.get(`${API}/tenants?kind=gym&limit=100`).set(bearer(ops));
    expect(list.body.data.some((t: { id: string }) => t.id === other.tenantId)).toBe(true);

    expect(
      (
        await h.agent
          .post(`${API}/tenants/${other.tenantId}/suspend`)
          .set(bearer(ops))
          .send({ reason: 'unpaid' })
      ).status,
    ).toBe(200);
    const refused = await h.agent.get(`${API}/auth/me`).set(bearer(other.token));
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0].message).toBe('Tenant is suspended');
    const relogin = await h.agent
      .post(`${API}/auth/login`)
      .send({ tenant: other.slug, email: other.ownerEmail, password: PASSWORD });
    expect(relogin.status).toBe(401);

    expect(
      (await h.agent.post(`${API}/tenants/${other.tenantId}/reactivate`).set(bearer(ops)).send({})).status,
    ).toBe(200);
    expect((await h.agent.get(`${API}/auth/me`).set(bearer(other.token))).status).toBe(200);
    const events = await runWithContext({ tenantId: other.tenantId }, () =>
      withEm(h.orm, (em) =>
        em
          .getConnection()
          .execute<Array<{ type: string }>>(
            `select type from identity.audit_events where tenant_id = ? order by id`,
            [other.tenantId],
          ),
      ),
    );
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['tenant.suspended', 'tenant.reactivated']),
    );
  });
});
