import type { EntityManager } from '@mikro-orm/core';
import { DomainError, isErrnoException, isRecord, runWithContext } from '@faena/platform';
import { audit } from './audit.ts';
import { Role, Tenant, User, UserRole } from './entities.ts';
import { hashPassword } from './passwords.ts';
import { startingPlan } from './plans.ts';
import { PLATFORM_OWNER_PERMISSIONS, SYSTEM_ROLES } from './system-roles.ts';

export interface SignUpInput {
  tenant: {
    name: string;
    slug: string;
    kind: Tenant['kind'];
    currency: string;
    locale: string;
    timeZone: string;
    plan?: string;
  };
  owner: { name: string; email: string; password: string };
}

const isUniqueViolation = (err: unknown) =>
  (isErrnoException(err) && err.code === '23505') ||
  (isRecord(err) && err.name === 'UniqueConstraintViolationException');

/** Creates the tenant, its system roles and its owner in one transaction. */
export async function signUp(
  em: EntityManager,
  input: SignUpInput,
  ip: string | null,
): Promise<{ tenant: Tenant; owner: User }> {
  const passwordHash = await hashPassword(input.owner.password);
  try {
    return await em.transactional(async (tx) => {
      const tenant = tx.create(Tenant, {
        ...input.tenant,
        status: 'active',
        ...startingPlan(input.tenant.plan ?? 'free', input.tenant.timeZone),
      });
      return runWithContext({ tenantId: tenant.id }, async () => {
        const roles = new Map<string, Role>();
        for (const r of SYSTEM_ROLES) {
          const permissions =
            r.name === 'owner' && tenant.kind === 'platform' ? PLATFORM_OWNER_PERMISSIONS : r.permissions;
          roles.set(
            r.name,
            tx.create(Role, {
              tenantId: tenant.id,
              name: r.name,
              description: r.description,
              system: true,
              permissions,
              parentId: null,
            }),
          );
        }
        for (const r of SYSTEM_ROLES) if (r.parent) roles.get(r.name)!.parentId = roles.get(r.parent)!.id;
        const owner = tx.create(User, {
          tenantId: tenant.id,
          email: input.owner.email,
          name: input.owner.name,
          passwordHash,
          status: 'active',
        });
        tx.create(UserRole, {
          tenantId: tenant.id,
          userId: owner.id,
          roleId: roles.get('owner')!.id,
          branchId: null,
        });
        audit(tx, {
          tenantId: tenant.id,
          type: 'tenant.created',
          actorId: owner.id,
          subjectId: tenant.id,
          ip,
          data: { slug: tenant.slug, kind: tenant.kind },
        });
        await tx.flush();
        return { tenant, owner };
      });
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new DomainError('CONFLICT', 'This slug is taken', { field: 'body.tenant.slug' });
    throw err;
  }
}

export { isUniqueViolation };

/** A business as the API answers it (`tenantOut`): its profile, timestamps in ISO 8601 UTC. */
export const presentTenant = (t: Tenant) => ({
  id: t.id,
  slug: t.slug,
  name: t.name,
  kind: t.kind,
  currency: t.currency,
  locale: t.locale,
  timeZone: t.timeZone,
  status: t.status,
  plan: t.plan,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
});
