import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { DomainError, expandPermission, grantCovers, notFound, type Grants } from '@faena/platform';
import { Branch, Role, User, UserRole } from './entities.ts';
import { conferred } from './access.ts';
import { sha256 } from './tokens.ts';

export interface Assignment {
  roleId: string;
  branchId?: string | null;
}

const INVITATION_TTL_MS = 7 * 86400_000;

/** Checks every role and branch of `assignments` belongs to the tenant (another tenant's id is simply not found). */
export async function checkAssignments(
  em: EntityManager,
  assignments: Assignment[],
): Promise<Map<string, Role>> {
  const roleIds = [...new Set(assignments.map((a) => a.roleId))];
  const branchIds = [...new Set(assignments.flatMap((a) => (a.branchId ? [a.branchId] : [])))];
  const [roles, branches] = await Promise.all([
    em.find(Role, { id: { $in: roleIds } }),
    em.find(Branch, { id: { $in: branchIds } }),
  ]);
  assignments.forEach((a, i) => {
    if (!roles.some((r) => r.id === a.roleId))
      throw new DomainError('VALIDATION_FAILED', 'Role not found', { field: `body.roles.${i}.roleId` });
    if (a.branchId && !branches.some((b) => b.id === a.branchId))
      throw new DomainError('VALIDATION_FAILED', 'Branch not found', { field: `body.roles.${i}.branchId` });
  });
  return new Map(roles.map((r) => [r.id, r]));
}

/** Who changes grants: the caller's id and what they hold (`authOf(ctx)`). */
export interface Granter {
  sub: string;
  grants: Grants;
}

/** The tenant's roles by id (what `conferred` walks). */
export async function rolesById(em: EntityManager): Promise<Map<string, Role>> {
  return new Map((await em.find(Role, {})).map((r) => [r.id, r]));
}

/** Refuses, with OWNER_ONLY, a change to an owner by someone who is not one. */
export async function assertOwnerActs(
  em: EntityManager,
  by: Granter,
  target: User,
  owners?: Set<string>,
): Promise<void> {
  owners ??= await ownerIds(em);
  if (owners.has(target.id) && !owners.has(by.sub))
    throw new DomainError('OWNER_ONLY', 'Only an owner can disable, remove or change an owner');
}

/**
 * No escalation: nobody changes their own roles; only an owner grants or removes the owner role
 * (or touches an owner's roles); every other role granted or removed needs each of its permissions
 * held by the granter at that scope (the branch, or tenant-wide) or wider.
 */
export async function assertMayGrant(
  em: EntityManager,
  by: Granter,
  target: User | null,
  changes: Assignment[],
): Promise<void> {
  if (target && target.id === by.sub)
    throw new DomainError('OWN_ROLES', 'Nobody changes their own roles; another administrator must');
  const owners = await ownerIds(em);
  if (target) await assertOwnerActs(em, by, target, owners);
  const byId = changes.length ? await rolesById(em) : new Map<string, Role>();
  for (const c of changes) {
    const role = byId.get(c.roleId);
    if (!role) continue; // checkAssignments names it
    if (role.system && role.name === 'owner' && !owners.has(by.sub))
      throw new DomainError('OWNER_ONLY', 'Only an owner grants or removes the owner role');
    const scope = c.branchId ?? null;
    const missing = conferred(role, byId).filter((p) => !grantCovers(by.grants, p, scope));
    if (missing.length)
      throw new DomainError(
        'GRANT_NOT_HELD',
        `You cannot grant ${role.name}${scope ? ' in that branch' : ' tenant-wide'}: you do not hold ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? '…' : ''}`,
      );
  }
}

/** Refuses a role's new permissions unless the editor holds each tenant-wide and does not hold the role. */
export async function assertMayEditRole(
  em: EntityManager,
  by: Granter,
  role: Role | null,
  permissions: string[] | undefined,
): Promise<void> {
  if (role && (await em.count(UserRole, { userId: by.sub, roleId: role.id })))
    throw new DomainError('OWN_ROLES', 'Nobody edits a role they hold; another administrator must');
  const missing = (permissions ?? [])
    .flatMap(expandPermission)
    .filter((p) => !grantCovers(by.grants, p, null));
  if (missing.length)
    throw new DomainError(
      'GRANT_NOT_HELD',
      `A role cannot confer what you do not hold tenant-wide: ${[...new Set(missing)].slice(0, 5).join(', ')}`,
    );
}

/** Active users holding the owner role anywhere in the tenant. */
export async function ownerIds(em: EntityManager): Promise<Set<string>> {
  const owner = await em.findOne(Role, { name: 'owner', system: true });
  if (!owner) return new Set();
  const holders = await em.find(UserRole, { roleId: owner.id });
  const active = await em.find(User, { id: { $in: holders.map((h) => h.userId) }, status: 'active' });
  return new Set(active.map((u) => u.id));
}

/** Refuses a change that would leave the tenant without an active owner. */
export async function assertOwnerRemains(em: EntityManager, userId: string): Promise<void> {
  const owners = await ownerIds(em);
  if (owners.has(userId) && owners.size === 1) {
    throw new DomainError('CONFLICT', 'The last owner cannot be removed; make someone else owner first');
  }
}

/** Creates an invited user with their roles; returns the one-time invitation token (only its hash is stored). */
export async function inviteUser(
  em: EntityManager,
  input: { email: string; name: string; roles: Assignment[] },
): Promise<{ user: User; invitationToken: string }> {
  if (await em.findOne(User, { email: input.email }))
    throw new DomainError('CONFLICT', 'A user with this email exists', { field: 'body.email' });
  await checkAssignments(em, input.roles);
  const invitationToken = `inv_${randomBytes(24).toString('base64url')}`;
  const user = em.create(User, {
    email: input.email,
    name: input.name,
    passwordHash: null,
    status: 'invited',
    invitationHash: sha256(invitationToken),
    invitationExpiresAt: new Date(Date.now() + INVITATION_TTL_MS),
  });
  for (const a of input.roles)
    em.create(UserRole, {
      userId: user.id,
      roleId: a.roleId,
      branchId: a.branchId,
    });
  return { user, invitationToken };
}

/**
 * Replaces a user's roles; returns what was added and removed (for the audit log). `check` sees
 * the changes before anything is touched (no escalation: `assertMayGrant`).
 */
export async function setRoles(
  em: EntityManager,
  user: User,
  roles: Assignment[],
  check: (changes: Assignment[]) => Promise<void> = () => Promise.resolve(),
): Promise<{ added: Assignment[]; removed: Assignment[] }> {
  const byId = await checkAssignments(em, roles);
  const current = await em.find(UserRole, { userId: user.id });
  const key = (a: Assignment) => `${a.roleId}|${a.branchId ?? ''}`;
  const wanted = new Map(roles.map((a) => [key(a), a]));
  const removed = current.filter((c) => !wanted.has(key(c)));
  const added = [...wanted.values()].filter((a) => !current.some((c) => key(c) === key(a)));
  await check([...added, ...removed.map((r) => ({ roleId: r.roleId, branchId: r.branchId ?? null }))]);
  const ownerRole =
    [...byId.values()].find((r) => r.name === 'owner' && r.system) ??
    (await em.findOne(Role, { name: 'owner', system: true }));
  if (
    ownerRole &&
    removed.some((r) => r.roleId === ownerRole.id) &&
    !added.some((a) => a.roleId === ownerRole.id && !a.branchId)
  ) {
    await assertOwnerRemains(em, user.id);
  }
  for (const r of removed) em.remove(r);
  for (const a of added)
    em.create(UserRole, {
      userId: user.id,
      roleId: a.roleId,
      branchId: a.branchId,
    });
  return { added, removed: removed.map((r) => ({ roleId: r.roleId, branchId: r.branchId ?? null })) };
}

export async function loadUser(em: EntityManager, id: string): Promise<User> {
  return (await em.findOne(User, { id })) ?? Promise.reject(notFound('User'));
}
