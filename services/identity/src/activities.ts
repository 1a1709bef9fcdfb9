import type { EntityManager } from '@mikro-orm/core';
import { ApplicationFailure } from '@temporalio/common';
import { ALL_PERMISSIONS, inTenantActivity, type Logger, type Orm } from '@faena/platform';
import {
  ROLE_HOLDERS_CAP,
  type IdentityActivities,
  type RoleHoldersInput,
  type UserProfile,
} from '@faena/workflows/identity/contract';
import { computeGrants, conferred } from './domain/access.ts';
import { Branch, Role, Tenant, User, UserRole } from './domain/entities.ts';

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
const invalid = (message: string) => ApplicationFailure.nonRetryable(message, 'VALIDATION_FAILED');

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

  const profile = (u: Pick<User, 'id' | 'name' | 'email'>): UserProfile => ({
    id: u.id,
    name: u.name,
    email: u.email,
    locale: null,
  });

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

    /**
     * Who to tell in a branch: the active users holding `role` (by name, the role itself) or
     * `permission` (through any role, expanded as the guard does) by an assignment for that branch
     * or a tenant-wide one. A branch the tenant does not have (or closed) has nobody. Ordered by
     * name then id, at most `ROLE_HOLDERS_CAP` (`truncated` when more), id/name/email only.
     */
    async roleHolders(input: RoleHoldersInput) {
      const { tenantId, branchId, role, permission } = input;
      if ((role === undefined) === (permission === undefined))
        throw invalid('roleHolders takes exactly one of role or permission');
      if (!UUID.test(branchId)) throw invalid('the branch id is not a UUID');
      return inTenant(tenantId, async (em) => {
        const none = { holders: [] as UserProfile[], truncated: false };
        if (permission !== undefined && !ALL_PERMISSIONS.includes(permission)) {
          deps.logger.warn('holders asked for a permission outside the catalog', { permission });
          return none;
        }
        // Open branches only (the soft-delete filter), as computeGrants: a closed branch grants nothing.
        if (!(await em.count(Branch, { id: branchId }))) return none;
        const roles = await em.find(Role, {});
        const byId = new Map(roles.map((r) => [r.id, r]));
        const matching = roles
          .filter((r) => (role !== undefined ? r.name === role : conferred(r, byId).includes(permission!)))
          .map((r) => r.id);
        if (!matching.length) return none;
        const assignments = await em.find(
          UserRole,
          { roleId: { $in: matching }, $or: [{ branchId: null }, { branchId }] },
          { fields: ['userId'] },
        );
        const userIds = [...new Set(assignments.map((a) => a.userId))];
        if (!userIds.length) return none;
        const users = await em.find(
          User,
          { id: { $in: userIds }, status: 'active' },
          {
            fields: ['id', 'name', 'email'],
            orderBy: { name: 'asc', id: 'asc' },
            limit: ROLE_HOLDERS_CAP + 1,
          },
        );
        const truncated = users.length > ROLE_HOLDERS_CAP;
        if (truncated)
          deps.logger.warn('role holders capped', { branchId, role, permission, cap: ROLE_HOLDERS_CAP });
        return { holders: users.slice(0, ROLE_HOLDERS_CAP).map(profile), truncated };
      });
    },
  } satisfies IdentityActivities;
}
