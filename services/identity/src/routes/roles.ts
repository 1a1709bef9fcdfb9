import Joi from 'joi';
import {
  ALL_PERMISSIONS,
  DomainError,
  PERMISSION_CATALOG,
  containsPattern,
  currentEm,
  expandPermission,
  findPage,
  notFound,
  reply,
  type Route,
  defineRoute,
  authOf,
} from '@faena/platform';
import type { EntityManager } from '@mikro-orm/core';
import { bumpPermissionVersion, conferred } from '../domain/access.ts';
import { audit } from '../domain/audit.ts';
import { AuditEvent, Role, Tenant, UserRole } from '../domain/entities.ts';
import type { IdentityDeps } from '../deps.ts';
import { assertMayEditRole, rolesById } from '../domain/users.ts';
import { auditEventOut, id, idParams, list } from './schemas.ts';
import { BASE_PATH } from '../constants.ts';

const roleOut = Joi.object({
  id: Joi.string(),
  name: Joi.string(),
  description: Joi.string().allow(''),
  system: Joi.boolean(),
  parentId: Joi.string().allow(null),
  permissions: Joi.array().items(Joi.string()),
  createdAt: Joi.string().isoDate(),
  updatedAt: Joi.string().isoDate(),
});
/** A role as the API answers it (`roleOut`). */
const presentRole = (r: Role) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  system: r.system,
  parentId: r.parentId ?? null,
  permissions: r.permissions,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});
const permissionPattern = Joi.string().max(100);

async function checkPermissions(em: EntityManager, tenantId: string, patterns: string[]): Promise<void> {
  const tenant = await em.findOneOrFail(Tenant, { id: tenantId });
  patterns.forEach((p, i) => {
    if (p.startsWith('platform.') && tenant.kind !== 'platform')
      throw new DomainError('FORBIDDEN', 'Platform permissions belong to platform operators', {
        field: `body.permissions.${i}`,
      });
    if (expandPermission(p).length === 0)
      throw new DomainError('VALIDATION_FAILED', `Unknown permission ${p}`, {
        field: `body.permissions.${i}`,
      });
  });
}

/** A parent must exist in the tenant and must not make the inheritance chain loop back. */
async function checkParent(
  em: EntityManager,
  roleId: string | undefined,
  parentId: string | null | undefined,
): Promise<void> {
  if (!parentId) return;
  const roles = await em.find(Role, {});
  const byId = new Map(roles.map((r) => [r.id, r]));
  if (!byId.has(parentId))
    throw new DomainError('VALIDATION_FAILED', 'Parent role not found', { field: 'body.parentId' });
  for (let r = byId.get(parentId); r; r = r.parentId ? byId.get(r.parentId) : undefined) {
    if (r.id === roleId)
      throw new DomainError('VALIDATION_FAILED', 'A role cannot inherit from itself', {
        field: 'body.parentId',
      });
  }
}

/** What a parent role would confer (checked like the role's own permissions). */
async function parentPermissions(em: EntityManager, parentId: string | null | undefined): Promise<string[]> {
  if (!parentId) return [];
  const byId = await rolesById(em);
  const parent = byId.get(parentId);
  return parent ? conferred(parent, byId) : [];
}

export function roleRoutes(deps: IdentityDeps): Route[] {
  const { guard } = deps;
  const load = async (roleId: string) =>
    (await currentEm().findOne(Role, { id: roleId })) ?? Promise.reject(notFound('Role'));
  return [
    {
      method: 'get',
      path: '/permissions',
      summary: 'The permission catalog every service checks against',
      tags: ['roles'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        response: Joi.array().items(
          Joi.object({
            name: Joi.string().required(),
            service: Joi.string().required(),
            description: Joi.string().required(),
          }),
        ),
      },
      handler: () =>
        Promise.resolve(
          Object.entries(PERMISSION_CATALOG).flatMap(([service, perms]) =>
            Object.entries(perms).map(([name, description]) => ({ name, service, description })),
          ),
        ),
    },
    defineRoute({
      method: 'get',
      path: '/roles',
      summary: 'Roles of the business',
      tags: ['roles'],
      auth: true,
      middleware: [guard.requirePermission('roles.read', 'tenant')],
      schemas: {
        query: list<{ limit: number; cursor?: string; system?: boolean; q?: string }>({
          system: Joi.boolean(),
          q: Joi.string().max(64),
        }),
        response: Joi.array().items(roleOut),
      },
      handler: async (_ctx, input) => {
        const q = input.query;
        const where = {
          ...(q.system !== undefined && { system: q.system }),
          ...(q.q && { name: { $ilike: containsPattern(q.q) } }),
        };
        const { items, meta } = await findPage(currentEm(), Role, where, q);
        return reply(items.map(presentRole), { meta });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/roles',
      summary: 'Create a custom role, optionally inheriting from another',
      tags: ['roles'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('roles.manage', 'tenant')],
      schemas: {
        body: Joi.object<{
          name: string;
          description: string;
          parentId: string | null;
          permissions: string[];
        }>({
          name: Joi.string()
            .pattern(/^[a-z][a-z0-9_-]{1,63}$/)
            .required(),
          description: Joi.string().max(500).default(''),
          parentId: id.allow(null).default(null),
          permissions: Joi.array().items(permissionPattern).max(ALL_PERMISSIONS.length).unique().required(),
        }).required(),
        response: roleOut,
      },
      handler: async (ctx, input) => {
        const { claims } = authOf(ctx);
        const body = input.body;
        const em = currentEm();
        if (await em.findOne(Role, { name: body.name }))
          throw new DomainError('CONFLICT', 'A role with this name exists', { field: 'body.name' });
        await checkPermissions(em, claims.tid, body.permissions);
        await checkParent(em, undefined, body.parentId);
        const by = { sub: claims.sub, grants: authOf(ctx).grants };
        await assertMayEditRole(em, by, null, [
          ...body.permissions,
          ...(await parentPermissions(em, body.parentId)),
        ]);
        const role = em.create(Role, { ...body, system: false });
        audit(em, {
          tenantId: claims.tid,
          type: 'role.created',
          actorId: claims.sub,
          subjectId: role.id,
          ip: ctx.ip,
          data: { name: role.name, permissions: role.permissions, parentId: role.parentId },
        });
        await em.flush();
        return reply(presentRole(role), {
          status: 201,
          headers: { Location: `${BASE_PATH}/roles/${role.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/roles/:id',
      summary: 'One role',
      tags: ['roles'],
      auth: true,
      middleware: [guard.requirePermission('roles.read', 'tenant')],
      schemas: { params: idParams, response: roleOut },
      handler: async (_ctx, input) => presentRole(await load(input.params.id)),
    }),
    defineRoute({
      method: 'patch',
      path: '/roles/:id',
      summary: "Change a custom role; holders' permissions change on their next request",
      tags: ['roles'],
      auth: true,
      middleware: [guard.requirePermission('roles.manage', 'tenant')],
      schemas: {
        params: idParams,
        body: Joi.object<{ description?: string; parentId?: string | null; permissions?: string[] }>({
          description: Joi.string().max(500),
          parentId: id.allow(null),
          permissions: Joi.array().items(permissionPattern).unique(),
        })
          .min(1)
          .required(),
        response: roleOut,
      },
      handler: async (ctx, input) => {
        const { claims } = authOf(ctx);
        const em = currentEm();
        const role = await load(input.params.id);
        const body = input.body;
        if (role.system && (body.permissions || body.parentId !== undefined))
          throw new DomainError(
            'CONFLICT',
            'System roles keep their permissions; create a custom role instead',
          );
        if (body.permissions) await checkPermissions(em, claims.tid, body.permissions);
        if (body.parentId !== undefined) await checkParent(em, role.id, body.parentId);
        await assertMayEditRole(em, { sub: claims.sub, grants: authOf(ctx).grants }, role, [
          ...(body.permissions ?? []),
          ...(await parentPermissions(em, body.parentId)),
        ]);
        const before = { permissions: role.permissions, parentId: role.parentId ?? null };
        em.assign(role, body);
        audit(em, {
          tenantId: claims.tid,
          type: 'role.updated',
          actorId: claims.sub,
          subjectId: role.id,
          ip: ctx.ip,
          data: { before, after: body },
        });
        await em.flush();
        await bumpPermissionVersion(deps.redis, claims.tid);
        return presentRole(role);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/roles/:id',
      summary: 'Delete a custom role nobody holds or inherits from',
      tags: ['roles'],
      auth: true,
      status: 204,
      middleware: [guard.requirePermission('roles.manage', 'tenant')],
      schemas: { params: idParams },
      handler: async (ctx, input) => {
        const { claims } = authOf(ctx);
        const em = currentEm();
        const role = await load(input.params.id);
        if (role.system) throw new DomainError('CONFLICT', 'System roles cannot be deleted');
        if (await em.count(UserRole, { roleId: role.id }))
          throw new DomainError('CONFLICT', 'The role is held by users');
        if (await em.count(Role, { parentId: role.id }))
          throw new DomainError('CONFLICT', 'Other roles inherit from this role');
        em.remove(role);
        audit(em, {
          tenantId: claims.tid,
          type: 'role.deleted',
          actorId: claims.sub,
          subjectId: role.id,
          ip: ctx.ip,
          data: { name: role.name },
        });
        await em.flush();
        await bumpPermissionVersion(deps.redis, claims.tid);
        return reply(null, { status: 204 });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/audit-events',
      summary: 'Security audit log (logins, lockouts, token reuse, role changes…), newest first',
      tags: ['audit'],
      auth: true,
      middleware: [guard.requirePermission('audit.read', 'tenant')],
      schemas: {
        response: Joi.array().items(auditEventOut),
        query: list<{
          limit: number;
          cursor?: string;
          type?: string;
          actorId?: string;
          subjectId?: string;
          from?: Date;
          to?: Date;
        }>({
          type: Joi.string().max(64),
          actorId: id,
          subjectId: id,
          from: Joi.date().iso(),
          to: Joi.date().iso(),
        }),
      },
      handler: async (_ctx, input) => {
        const q = input.query;
        const where = {
          ...(q.type && { type: q.type }),
          ...(q.actorId && { actorId: q.actorId }),
          ...(q.subjectId && { subjectId: q.subjectId }),
          ...((q.from || q.to) && {
            createdAt: { ...(q.from && { $gte: q.from }), ...(q.to && { $lt: q.to }) },
          }),
        };
        const { items, meta } = await findPage(currentEm(), AuditEvent, where, q);
        return reply(
          items.map((e) => ({
            id: e.id,
            type: e.type,
            actorId: e.actorId ?? null,
            subjectId: e.subjectId ?? null,
            ip: e.ip ?? null,
            data: e.data,
            createdAt: e.createdAt.toISOString(),
          })),
          { meta },
        );
      },
    }),
  ];
}
