import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { DomainError, notFound } from '@faena/platform';
import { Branch, Role, User, UserRole } from './entities.ts';
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

/** Replaces a user's roles; returns what was added and removed (for the audit log). */
export async function setRoles(
  em: EntityManager,
  user: User,
  roles: Assignment[],
): Promise<{ added: Assignment[]; removed: Assignment[] }> {
  const byId = await checkAssignments(em, roles);
  const current = await em.find(UserRole, { userId: user.id });
  const key = (a: Assignment) => `${a.roleId}|${a.branchId ?? ''}`;
  const wanted = new Map(roles.map((a) => [key(a), a]));
  const removed = current.filter((c) => !wanted.has(key(c)));
  const added = [...wanted.values()].filter((a) => !current.some((c) => key(c) === key(a)));
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
