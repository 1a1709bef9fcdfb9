/**
 * identity for the process tests, real: its schema migrated in the test database, a business signed
 * up with identity's own domain (its system roles and owner), branches and staff written as its
 * routes write them, and identity's real activities (services/identity/src/activities.ts) to
 * serve on the `identity` queue. Shared by the time-skipping tests and the live batches.
 */
import type { EntityManager } from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import { runMigrations, runWithContext, withEm, type Logger, type Orm } from '@faena/platform';
import { createActivities } from '../../../services/identity/src/activities.ts';
import { Branch, Role, User, UserRole } from '../../../services/identity/src/domain/entities.ts';
import { signUp } from '../../../services/identity/src/domain/tenants.ts';
import { createIdentityOrm } from '../../../services/identity/src/wiring.ts';

export interface IdentityFixture {
  orm: Orm;
  tenantId: string;
  ownerId: string;
  /** identity's real activities on this database. */
  activities(logger: Logger): ReturnType<typeof createActivities>;
  /** Opens a branch of the business (with this id, when the gym already uses one). */
  branch(id?: string): Promise<string>;
  /** An active user holding `role` in `branchId` (null: tenant-wide), or `status` if given. */
  staff(
    role: string,
    branchId: string | null,
    opts?: { status?: 'active' | 'disabled'; name?: string },
  ): Promise<{ id: string; email: string; name: string }>;
  close(): Promise<void>;
}

export async function identityFixture(url: string): Promise<IdentityFixture> {
  const orm = await createIdentityOrm({ DATABASE_URL: url, DATABASE_POOL_MAX: 5 });
  await runMigrations(orm);
  const slug = `gym-${uuidv7().slice(-12)}`;
  const { tenant, owner } = await withEm(orm, (em) =>
    signUp(
      em as unknown as EntityManager,
      {
        tenant: {
          name: 'Zentro Gym',
          slug,
          kind: 'gym',
          currency: 'CLP',
          locale: 'es-CL',
          timeZone: 'America/Santiago',
        },
        owner: { name: 'Olga Dueña', email: `owner-${slug}@example.com`, password: 'correct horse battery' },
      },
      null,
    ),
  );
  const tenantId = tenant.id;
  const inTenant = <T>(fn: (em: EntityManager) => Promise<T>) =>
    runWithContext({ tenantId }, () => withEm(orm, (em) => fn(em as unknown as EntityManager)));
  return {
    orm,
    tenantId,
    ownerId: owner.id,
    activities: (logger) => createActivities({ orm, logger }),
    branch: (id = uuidv7()) =>
      inTenant(async (em) => {
        em.create(Branch, {
          id,
          tenantId,
          name: `Sede ${id.slice(-4)}`,
          timeZone: 'America/Santiago',
          address: { line1: 'Av. Providencia 1', city: 'Santiago', country: 'CL' },
        });
        await em.flush();
        return id;
      }),
    staff: (role, branchId, opts = {}) =>
      inTenant(async (em) => {
        const r = await em.findOneOrFail(Role, { name: role });
        const name = opts.name ?? `${role} ${uuidv7().slice(-6)}`;
        const u = em.create(User, {
          tenantId,
          email: `${role}-${uuidv7()}@example.com`,
          name,
          status: opts.status ?? 'active',
        });
        em.create(UserRole, { tenantId, userId: u.id, roleId: r.id, branchId });
        await em.flush();
        return { id: u.id, email: u.email, name };
      }),
    close: () => orm.close(true),
  };
}
