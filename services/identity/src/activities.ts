import type { EntityManager } from '@mikro-orm/core';
import { ApplicationFailure } from '@temporalio/common';
import { ALL_PERMISSIONS, inTenantActivity, type Logger, type Orm } from '@faena/platform';
import type { IdentityActivities, UserProfile } from '@faena/workflows/identity/contract';
import { computeGrants } from './domain/access.ts';
import { Tenant, User } from './domain/entities.ts';

export interface ActivityDeps {
  orm: Orm;
  logger: Logger;
}

/** The only id format identity hands out; anything else is refused before it reaches PostgreSQL. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Failure messages carry ids only: they reach the worker's logs and the workflow's history. A
// non-UUID "id" is never echoed (operators type free text in the Web UI: it may be a name or an email).
const notFound = (message: string) => ApplicationFailure.nonRetryable(message, 'NOT_FOUND');
const forbidden = (message: string) => ApplicationFailure.nonRetryable(message, 'FORBIDDEN');

/**
 * What processes ask of identity (task queue `identity`; the contract is
 * workflows/src/identity/contract.ts). Every activity runs in the tenant's context with its own
 * EntityManager, so the ORM's tenant and soft-delete filters apply: another tenant's user, or a
 * removed one, is simply not found. Unknown ids are non-retryable `NOT_FOUND`, a missing permission
 * `FORBIDDEN`; database errors are thrown as they are, so Temporal retries them. Logs carry ids only.
 */
export function createActivities(deps: ActivityDeps) {
  const inTenant = async <T>(tenantId: string, fn: (em: EntityManager) => Promise<T>): Promise<T> => {
    if (!UUID.test(tenantId)) throw notFound('tenant not found (its id is not a UUID)');
    return inTenantActivity(deps.orm, tenantId, fn);
  };

  /** An active (not invited, not disabled, not removed) user of the context's tenant. */
  const activeUser = async (em: EntityManager, tenantId: string, userId: string): Promise<User> => {
    if (!UUID.test(userId))
      throw notFound(`no active user in tenant ${tenantId} (the user id is not a UUID)`);
    const user = await em.findOne(User, { id: userId });
    if (!user || user.status !== 'active') throw notFound(`no active user ${userId} in tenant ${tenantId}`);
    return user;
  };

  const profile = (u: User): UserProfile => ({ id: u.id, name: u.name, email: u.email, locale: null });

  return {
    /** The business's name and how money and time are written for it (suspended businesses included). */
    async describeTenant(input: { tenantId: string }) {
      return inTenant(input.tenantId, async (em) => {
        const t = await em.findOne(Tenant, { id: input.tenantId });
        if (!t) throw notFound(`tenant ${input.tenantId} not found`);
        return { id: t.id, name: t.name, currency: t.currency, locale: t.locale, timeZone: t.timeZone };
      });
    },

    /** An active user of the tenant, as a process names them. Users keep no locale of their own (null). */
    async describeUser(input: { tenantId: string; userId: string }) {
      return inTenant(input.tenantId, async (em) =>
        profile(await activeUser(em, input.tenantId, input.userId)),
      );
    },

    /**
     * An operator acting on a process: an active user of an active tenant who holds `permission`
     * (a catalog name) through their roles — inherited roles and `*` / `resource.*` patterns
     * expanded by `computeGrants`, the same grants the guard checks — in any branch or tenant-wide.
     */
    async verifyOperator(input: { tenantId: string; userId: string; permission: string }) {
      const { tenantId, userId, permission } = input;
      return inTenant(tenantId, async (em) => {
        const user = await activeUser(em, tenantId, userId);
        if (!ALL_PERMISSIONS.includes(permission)) {
          deps.logger.warn('operator check for a permission outside the catalog', { permission });
          throw forbidden(`permission ${permission} is not in the catalog: nobody holds it`);
        }
        const tenant = await em.findOne(Tenant, { id: tenantId });
        if (!tenant) throw notFound(`tenant ${tenantId} not found`);
        // The guard refuses every request of a suspended business; its operators cannot act on processes either.
        if (tenant.status !== 'active') throw forbidden(`tenant ${tenantId} is ${tenant.status}`);
        const grants = await computeGrants(em, tenantId, userId);
        if (!grants) throw notFound(`no active user ${userId} in tenant ${tenantId}`);
        if (!grants[permission]?.length) {
          deps.logger.warn('operator refused: missing permission', { operatorId: userId, permission });
          throw forbidden(`user ${userId} lacks permission ${permission}`);
        }
        deps.logger.info('operator verified', { operatorId: userId, permission });
        return profile(user);
      });
    },
  } satisfies IdentityActivities;
}
