import type { EntityManager } from '@mikro-orm/core';
import {
  AUTH_INVALIDATION_CHANNEL,
  authKeys,
  expandPermission,
  type AuthSnapshot,
  type Grants,
  type Redis,
} from '@faena/platform';
import { Branch, Role, Tenant, User, UserRole } from './entities.ts';

/**
 * A user's grants: every role they hold (with the roles it inherits from), expanded against the
 * catalog, each permission valid everywhere (`*`) or in the branches the role was given for.
 */
/** Every permission a role confers: its own and its parents' (`byId`: the tenant's roles), expanded. */
export function conferred(role: Role, byId: ReadonlyMap<string, Role>): string[] {
  const out = new Set<string>();
  const seen = new Set<string>();
  for (
    let r: Role | undefined = role;
    r && !seen.has(r.id);
    r = r.parentId ? byId.get(r.parentId) : undefined
  ) {
    seen.add(r.id);
    for (const pattern of r.permissions) for (const perm of expandPermission(pattern)) out.add(perm);
  }
  return [...out];
}

export async function computeGrants(
  em: EntityManager,
  tenantId: string,
  userId: string,
): Promise<Grants | null> {
  const user = await em.findOne(User, { id: userId, tenantId });
  if (!user || user.status !== 'active') return null;
  const [assignments, roles, branches] = await Promise.all([
    em.find(UserRole, { userId, tenantId }),
    em.find(Role, { tenantId }),
    // Open branches only (the soft-delete filter): a closed branch's assignments grant nothing.
    em.find(Branch, { tenantId }, { fields: ['id'] }),
  ]);
  const byId = new Map(roles.map((r) => [r.id, r]));
  const open = new Set(branches.map((b) => b.id));
  const grants: Record<string, Set<string>> = {};
  for (const a of assignments) {
    if (a.branchId && !open.has(a.branchId)) continue;
    const scope = a.branchId ?? '*';
    const role = byId.get(a.roleId);
    if (role) for (const perm of conferred(role, byId)) (grants[perm] ??= new Set()).add(scope);
  }
  return Object.fromEntries(
    Object.entries(grants).map(([perm, scopes]) => [perm, scopes.has('*') ? ['*'] : [...scopes].sort()]),
  );
}

/** Writes the tenant's status where every guard reads it. */
export async function publishTenantStatus(
  redis: Redis,
  tenant: Pick<Tenant, 'id' | 'status'>,
): Promise<void> {
  await redis
    .multi()
    .hset(authKeys.tenant(tenant.id), 'status', tenant.status)
    .publish(AUTH_INVALIDATION_CHANNEL, `tenant:${tenant.id}`)
    .exec();
}

/** Invalidates every cached grant of the tenant (after any role, assignment or user status change). */
export async function bumpPermissionVersion(redis: Redis, tenantId: string): Promise<void> {
  await redis
    .multi()
    .hincrby(authKeys.tenant(tenantId), 'version', 1)
    .publish(AUTH_INVALIDATION_CHANNEL, `tenant:${tenantId}`)
    .exec();
}

/** Ends a session now: its unexpired access tokens are refused by every guard. */
export async function revokeSessions(
  redis: Redis,
  sessionIds: string[],
  accessTtlSeconds: number,
): Promise<void> {
  if (!sessionIds.length) return;
  const multi = redis.multi();
  for (const sid of sessionIds) {
    multi
      .set(authKeys.revokedSession(sid), '1', 'EX', accessTtlSeconds + 60)
      .publish(AUTH_INVALIDATION_CHANNEL, `session:${sid}`);
  }
  await multi.exec();
}

/** What the guard needs for a token of this user, from the database (cache fill). */
export async function authSnapshot(
  em: EntityManager,
  redis: Redis,
  tenantId: string,
  userId: string,
): Promise<AuthSnapshot> {
  const version = Number((await redis.hget(authKeys.tenant(tenantId), 'version')) ?? 0);
  const tenant = await em.findOne(Tenant, { id: tenantId });
  if (!tenant) return { tenantStatus: 'suspended', version, grants: null };
  return { tenantStatus: tenant.status, version, grants: await computeGrants(em, tenantId, userId) };
}
