/**
 * identity's `roleHolders` activity on the real PostgreSQL, with real role grants made through the
 * API: who holds a role (by name) or a permission in one branch — branch-scoped grants only there,
 * tenant-wide ones everywhere — active users only, tenant isolation, id/name/email only, capped.
 */
import { ApplicationFailure } from '@temporalio/common';
import { runWithContext } from '@faena/platform';
import { captureLogger } from '@faena/platform/testing';
import { ROLE_HOLDERS_CAP } from '@faena/workflows/identity/contract';
import { createActivities } from '../src/activities.ts';
import { User, UserRole } from '../src/domain/entities.ts';
import {
  API,
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
let gym: SignedUp;
let other: SignedUp;
let acts: ReturnType<typeof createActivities>;
let centro: string;
let norte: string;
const logs = captureLogger('identity-worker');

beforeAll(async () => {
  h = await startIdentity();
  [gym, other] = await Promise.all([signUp(h, 'gym'), signUp(h, 'gym')]);
  acts = createActivities({ orm: h.orm, logger: logs.logger });
  [centro, norte] = await Promise.all([addBranch(h, gym, 'Centro'), addBranch(h, gym, 'Norte')]);
}, 60000);
afterAll(() => h.close());

/** A user of `biz` named `name` (so the answer's order can be checked) holding `roles`. */
async function person(
  biz: SignedUp,
  name: string,
  roles: Array<{ role: string; branchId?: string | null }>,
): Promise<{ id: string; email: string; name: string }> {
  const grants = await Promise.all(
    roles.map(async (r) => ({ roleId: await roleId(h, biz, r.role), branchId: r.branchId ?? null })),
  );
  const user = await addUser(h, biz, grants);
  const full = `${name} ${unique()}`;
  const res = await h.agent.patch(`${API}/users/${user.id}`).set(bearer(biz.token)).send({ name: full });
  expect(res.status).toBe(200);
  return { id: user.id, email: user.email, name: full };
}

const ids = (a: { holders: Array<{ id: string }> }) => a.holders.map((u) => u.id).sort();

describe('roleHolders', () => {
  it('a role by name: holders in that branch or tenant-wide, never those of another branch', async () => {
    const [desk, deskNorte, deskEverywhere, manager] = await Promise.all([
      person(gym, 'Ana Centro', [{ role: 'receptionist', branchId: centro }]),
      person(gym, 'Bruno Norte', [{ role: 'receptionist', branchId: norte }]),
      person(gym, 'Carla Todas', [{ role: 'receptionist' }]),
      person(gym, 'Diego Gerente', [{ role: 'manager', branchId: centro }]),
    ]);
    const inCentro = await acts.roleHolders({
      tenantId: gym.tenantId,
      branchId: centro,
      role: 'receptionist',
    });
    expect(inCentro.truncated).toBe(false);
    expect(ids(inCentro)).toEqual([desk.id, deskEverywhere.id].sort());
    // Only what notify needs: id, name, email, locale (users keep none).
    expect(inCentro.holders.find((u) => u.id === desk.id)).toEqual({
      id: desk.id,
      name: desk.name,
      email: desk.email,
      locale: null,
    });
    expect(Object.keys(inCentro.holders[0]!).sort()).toEqual(['email', 'id', 'locale', 'name']);
    const inNorte = await acts.roleHolders({ tenantId: gym.tenantId, branchId: norte, role: 'receptionist' });
    expect(ids(inNorte)).toEqual([deskNorte.id, deskEverywhere.id].sort());
    // The role itself, not roles that inherit from it: the owner (owner → admin → manager) is not a "manager".
    const managers = await acts.roleHolders({ tenantId: gym.tenantId, branchId: centro, role: 'manager' });
    expect(ids(managers)).toEqual([manager.id]);
    const owners = await acts.roleHolders({ tenantId: gym.tenantId, branchId: norte, role: 'owner' });
    expect(ids(owners)).toEqual([gym.ownerId]);
  });

  it('ordered by name, then id', async () => {
    const role = 'nutritionist';
    const [zoe, abel] = await Promise.all([
      person(gym, 'Zoe', [{ role, branchId: norte }]),
      person(gym, 'Abel', [{ role, branchId: norte }]),
    ]);
    const answer = await acts.roleHolders({ tenantId: gym.tenantId, branchId: norte, role });
    expect(answer.holders.map((u) => u.id)).toEqual([abel.id, zoe.id]);
  });

  it('a permission through any role, inherited ones and `*` included, in that branch or tenant-wide', async () => {
    const [manager, managerNorte, admin, desk] = await Promise.all([
      person(gym, 'Elena', [{ role: 'manager', branchId: centro }]),
      person(gym, 'Fabio', [{ role: 'manager', branchId: norte }]),
      person(gym, 'Gabi', [{ role: 'admin' }]),
      person(gym, 'Hugo', [{ role: 'receptionist', branchId: centro }]),
    ]);
    const answer = await acts.roleHolders({
      tenantId: gym.tenantId,
      branchId: centro,
      permission: 'store.manage',
    });
    const holders = ids(answer);
    // manager holds store.manage; admin inherits it; the owner holds `*`; the desk does not.
    expect(holders).toEqual(expect.arrayContaining([manager.id, admin.id, gym.ownerId]));
    expect(holders).not.toContain(managerNorte.id);
    expect(holders).not.toContain(desk.id);
    // A permission outside the catalog holds nobody (a typo never notifies everyone).
    expect(
      await acts.roleHolders({ tenantId: gym.tenantId, branchId: centro, permission: 'store.manag' }),
    ).toEqual({ holders: [], truncated: false });
  });

  it('disabled, removed and invited users are never answered', async () => {
    const branch = await addBranch(h, gym);
    const [active, disabled, removed] = await Promise.all([
      person(gym, 'Activa', [{ role: 'receptionist', branchId: branch }]),
      person(gym, 'Deshabilitada', [{ role: 'receptionist', branchId: branch }]),
      person(gym, 'Borrada', [{ role: 'receptionist', branchId: branch }]),
    ]);
    const invited = await h.agent
      .post(`${API}/users`)
      .set(bearer(gym.token))
      .send({
        email: `invitee-${unique()}@example.com`,
        name: 'Invitada',
        roles: [{ roleId: await roleId(h, gym, 'receptionist'), branchId: branch }],
      });
    expect(invited.status).toBe(201);
    const invitedId = invited.body.data.id as string;
    // Only this test's people (a tenant-wide receptionist of another test holds it here too).
    const mine = new Set([active.id, disabled.id, removed.id, invitedId]);
    const ask = async () =>
      ids(await acts.roleHolders({ tenantId: gym.tenantId, branchId: branch, role: 'receptionist' })).filter(
        (id) => mine.has(id),
      );
    // Before: the two who will leave are there (so the assertions below are about their status).
    expect(await ask()).toEqual([active.id, disabled.id, removed.id].sort());
    const off = await h.agent
      .patch(`${API}/users/${disabled.id}`)
      .set(bearer(gym.token))
      .send({ status: 'disabled' });
    expect(off.status).toBe(200);
    expect((await h.agent.delete(`${API}/users/${removed.id}`).set(bearer(gym.token))).status).toBe(204);
    expect(await ask()).toEqual([active.id]);
  });

  it('a closed branch, or one the tenant does not have, has nobody', async () => {
    const branch = await addBranch(h, gym);
    await person(gym, 'Irene', [{ role: 'receptionist', branchId: branch }]);
    const ask = (tenantId: string, branchId: string) =>
      acts.roleHolders({ tenantId, branchId, role: 'owner' });
    expect(ids(await ask(gym.tenantId, branch))).toEqual([gym.ownerId]);
    expect((await h.agent.delete(`${API}/branches/${branch}`).set(bearer(gym.token))).status).toBe(204);
    expect(await ask(gym.tenantId, branch)).toEqual({ holders: [], truncated: false });
    // Another tenant's branch: not this tenant's, so even its tenant-wide owner is not answered.
    expect(await ask(other.tenantId, centro)).toEqual({ holders: [], truncated: false });
  });

  it("tenant isolation: another tenant's holders are never answered", async () => {
    const otherBranch = await addBranch(h, other);
    const theirs = await person(other, 'Julia Otra', [{ role: 'receptionist', branchId: otherBranch }]);
    const answer = await acts.roleHolders({
      tenantId: other.tenantId,
      branchId: otherBranch,
      role: 'receptionist',
    });
    expect(ids(answer)).toEqual([theirs.id]);
    const ours = await acts.roleHolders({ tenantId: gym.tenantId, branchId: centro, role: 'receptionist' });
    expect(ids(ours)).not.toContain(theirs.id);
    const owners = await acts.roleHolders({ tenantId: other.tenantId, branchId: otherBranch, role: 'owner' });
    expect(ids(owners)).toEqual([other.ownerId]);
  });

  it(`answers at most ${ROLE_HOLDERS_CAP}, saying when more hold it`, async () => {
    const branch = await addBranch(h, gym);
    const trainer = await roleId(h, gym, 'trainer');
    // Many holders at once, written as the users route writes them (active users, one assignment each).
    await runWithContext({ tenantId: gym.tenantId }, async () => {
      const em = h.orm.em.fork();
      for (let i = 0; i <= ROLE_HOLDERS_CAP; i++) {
        const u = em.create(User, {
          tenantId: gym.tenantId,
          email: `bulk-${i}-${unique()}@example.com`,
          name: `Bulk ${String(i).padStart(3, '0')}`,
          status: 'active',
        });
        em.create(UserRole, { tenantId: gym.tenantId, userId: u.id, roleId: trainer, branchId: branch });
      }
      await em.flush();
    });
    const answer = await acts.roleHolders({ tenantId: gym.tenantId, branchId: branch, role: 'trainer' });
    expect(answer.truncated).toBe(true);
    expect(answer.holders).toHaveLength(ROLE_HOLDERS_CAP);
    expect(answer.holders[0]!.name).toBe('Bulk 000');
    expect(logs.lines().some((l) => l.message === 'role holders capped')).toBe(true);
  });

  it('a malformed question is a non-retryable VALIDATION_FAILED; a bad tenant id NOT_FOUND', async () => {
    const failures = await Promise.all(
      [
        acts.roleHolders({ tenantId: gym.tenantId, branchId: centro }),
        acts.roleHolders({
          tenantId: gym.tenantId,
          branchId: centro,
          role: 'owner',
          permission: 'store.manage',
        }),
        acts.roleHolders({ tenantId: gym.tenantId, branchId: 'centro', role: 'owner' }),
        acts.roleHolders({ tenantId: 'acme', branchId: centro, role: 'owner' }),
      ].map((p) =>
        p.then(
          () => null,
          (e: unknown) => e as ApplicationFailure,
        ),
      ),
    );
    expect(failures.map((f) => f instanceof ApplicationFailure && [f.type, f.nonRetryable])).toEqual([
      ['VALIDATION_FAILED', true],
      ['VALIDATION_FAILED', true],
      ['VALIDATION_FAILED', true],
      ['NOT_FOUND', true],
    ]);
  });
});
