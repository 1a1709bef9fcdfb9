import Joi from 'joi';
import {
  containsPattern,
  currentEm,
  findPage,
  reply,
  type Route,
  defineRoute,
  authOf,
} from '@faena/platform';
import { bumpPermissionVersion } from '../domain/access.ts';
import { audit } from '../domain/audit.ts';
import { User, UserRole } from '../domain/entities.ts';
import { enforceIdentityLimit } from '../domain/plans.ts';
import { revokeFamilies } from '../domain/tokens.ts';
import {
  assertMayGrant,
  assertOwnerActs,
  assertOwnerRemains,
  inviteUser,
  loadUser,
  setRoles,
  type Assignment,
} from '../domain/users.ts';
import type { IdentityDeps } from '../deps.ts';
import { email, id, idParams, list, roleAssignment, userStatus } from './schemas.ts';
import { BASE_PATH } from '../constants.ts';

const userOut = Joi.object({
  id: Joi.string(),
  email: Joi.string(),
  name: Joi.string(),
  status: Joi.string(),
  lastLoginAt: Joi.string().isoDate().allow(null),
  createdAt: Joi.string().isoDate(),
  roles: Joi.array().items(roleAssignment),
});

async function withRoles(users: User[]) {
  const assignments = users.length
    ? await currentEm().find(UserRole, { userId: { $in: users.map((u) => u.id) } })
    : [];
  return users.map((u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    status: u.status,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
    roles: assignments
      .filter((a) => a.userId === u.id)
      .map((a) => ({ roleId: a.roleId, branchId: a.branchId })),
  }));
}

export function userRoutes(deps: IdentityDeps): Route[] {
  const { guard } = deps;
  const actor = (ctx: { state: Record<string, unknown> }) => authOf(ctx).claims;
  return [
    defineRoute({
      method: 'get',
      path: '/users',
      summary: 'Users of the business, filtered by status, role, branch or text',
      tags: ['users'],
      auth: true,
      middleware: [guard.requirePermission('users.read', 'tenant')],
      schemas: {
        query: list<{
          limit: number;
          cursor?: string;
          status?: string;
          roleId?: string;
          branchId?: string;
          q?: string;
        }>({ status: userStatus, roleId: id, branchId: id, q: Joi.string().max(100) }),
        response: Joi.array().items(userOut),
      },
      handler: async (_ctx, input) => {
        const q = input.query;
        const em = currentEm();
        const where: Record<string, unknown> = {};
        if (q.status) where.status = q.status;
        if (q.q)
          where.$or = [
            { email: { $ilike: containsPattern(q.q) } },
            { name: { $ilike: containsPattern(q.q) } },
          ];
        if (q.roleId || q.branchId) {
          const holders = await em.find(UserRole, {
            ...(q.roleId && { roleId: q.roleId }),
            ...(q.branchId && { branchId: q.branchId }),
          });
          where.id = { $in: holders.map((h) => h.userId) };
        }
        const { items, meta } = await findPage(em, User, where, q);
        return reply(await withRoles(items), { meta });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/users',
      summary: 'Invite a user with roles (optionally per branch); answers the one-time invitation token',
      tags: ['users'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('users.manage', 'tenant')],
      schemas: {
        response: userOut.keys({ invitationToken: Joi.string().required() }),
        body: Joi.object<{ email: string; name: string; roles: Assignment[] }>({
          email: email.required(),
          name: Joi.string().max(200).required(),
          roles: Joi.array().items(roleAssignment).min(1).max(50).required(),
        }).required(),
      },
      handler: async (ctx, input) => {
        const em = currentEm();
        await assertMayGrant(em, { sub: actor(ctx).sub, grants: authOf(ctx).grants }, null, input.body.roles);
        const by = actor(ctx);
        const { user, invitationToken } = await em.transactional(async (tx) => {
          await enforceIdentityLimit(tx, by.tid, 'users');
          const invited = await inviteUser(tx, input.body);
          audit(tx, {
            tenantId: by.tid,
            type: 'user.invited',
            actorId: by.sub,
            subjectId: invited.user.id,
            ip: ctx.ip,
            data: { roles: input.body.roles },
          });
          return invited;
        });
        const [out] = await withRoles([user]);
        return reply(
          { ...out, invitationToken },
          { status: 201, headers: { Location: `${BASE_PATH}/users/${user.id}` } },
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/users/:id',
      summary: 'One user with roles',
      tags: ['users'],
      auth: true,
      middleware: [guard.requirePermission('users.read', 'tenant')],
      schemas: { params: idParams, response: userOut },
      handler: async (_ctx, input) => (await withRoles([await loadUser(currentEm(), input.params.id)]))[0],
    }),
    defineRoute({
      method: 'patch',
      path: '/users/:id',
      summary: 'Rename, disable or re-enable a user (disabling ends their sessions)',
      tags: ['users'],
      auth: true,
      middleware: [guard.requirePermission('users.manage', 'tenant')],
      schemas: {
        params: idParams,
        body: Joi.object<{ name?: string; status?: 'active' | 'disabled' }>({
          name: Joi.string().max(200),
          status: Joi.string().valid('active', 'disabled'),
        })
          .min(1)
          .required(),
        response: userOut,
      },
      handler: async (ctx, input) => {
        const em = currentEm();
        const user = await loadUser(em, input.params.id);
        const body = input.body;
        const granter = { sub: actor(ctx).sub, grants: authOf(ctx).grants };
        if (body.status) await assertOwnerActs(em, granter, user);
        if (body.status === 'disabled' && user.status !== 'disabled') await assertOwnerRemains(em, user.id);
        if (body.status === 'active' && user.status === 'invited') delete body.status; // an invitation is accepted, not forced
        const by = actor(ctx);
        await em.transactional(async (tx) => {
          // Re-enabling a user takes a place of the plan's user limit again.
          if (body.status === 'active' && user.status === 'disabled')
            await enforceIdentityLimit(tx, by.tid, 'users');
          em.assign(user, body);
          audit(tx, {
            tenantId: by.tid,
            type: 'user.updated',
            actorId: by.sub,
            subjectId: user.id,
            ip: ctx.ip,
            data: body,
          });
        });
        if (body.status) {
          if (body.status === 'disabled')
            await revokeFamilies(em, deps.tokens, { tenantId: by.tid, userId: user.id });
          await bumpPermissionVersion(deps.redis, by.tid);
        }
        return (await withRoles([user]))[0];
      },
    }),
    defineRoute({
      method: 'put',
      path: '/users/:id/roles',
      summary: "Replace a user's roles; takes effect on their next request, without logging in again",
      tags: ['users'],
      auth: true,
      middleware: [guard.requirePermission('users.manage', 'tenant')],
      schemas: {
        params: idParams,
        body: Joi.object<{ roles: Assignment[] }>({
          roles: Joi.array().items(roleAssignment).max(50).required(),
        }).required(),
        response: userOut,
      },
      handler: async (ctx, input) => {
        const em = currentEm();
        const user = await loadUser(em, input.params.id);
        const by = actor(ctx);
        const granter = { sub: by.sub, grants: authOf(ctx).grants };
        // Checked on what would change, before anything is touched.
        const { added, removed } = await setRoles(em, user, input.body.roles, (changes) =>
          assertMayGrant(em, granter, user, changes),
        );
        for (const a of added)
          audit(em, {
            tenantId: by.tid,
            type: 'role.assigned',
            actorId: by.sub,
            subjectId: user.id,
            ip: ctx.ip,
            data: { ...a },
          });
        for (const r of removed)
          audit(em, {
            tenantId: by.tid,
            type: 'role.unassigned',
            actorId: by.sub,
            subjectId: user.id,
            ip: ctx.ip,
            data: { ...r },
          });
        await em.flush();
        await bumpPermissionVersion(deps.redis, by.tid);
        return (await withRoles([user]))[0];
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/users/:id',
      summary: 'Remove a user (soft delete); their sessions end',
      tags: ['users'],
      auth: true,
      status: 204,
      middleware: [guard.requirePermission('users.manage', 'tenant')],
      schemas: { params: idParams },
      handler: async (ctx, input) => {
        const em = currentEm();
        const user = await loadUser(em, input.params.id);
        const by = actor(ctx);
        await assertOwnerActs(em, { sub: by.sub, grants: authOf(ctx).grants }, user);
        await assertOwnerRemains(em, user.id);
        em.remove(user);
        audit(em, {
          tenantId: by.tid,
          type: 'user.removed',
          actorId: by.sub,
          subjectId: user.id,
          ip: ctx.ip,
        });
        await em.flush();
        await revokeFamilies(em, deps.tokens, { tenantId: by.tid, userId: user.id });
        await bumpPermissionVersion(deps.redis, by.tid);
        return reply(null, { status: 204 });
      },
    }),
  ];
}
