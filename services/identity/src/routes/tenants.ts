import Joi from 'joi';
import type { Context } from 'koa';
import {
  DomainError,
  asSystem,
  containsPattern,
  currentEm,
  findPage,
  reply,
  type Route,
  defineRoute,
  authOf,
} from '@faena/platform';
import { publishTenantStatus } from '../domain/access.ts';
import { audit } from '../domain/audit.ts';
import { Tenant } from '../domain/entities.ts';
import { presentTenant } from '../domain/tenants.ts';
import type { IdentityDeps } from '../deps.ts';
import {
  currency,
  idParams,
  list,
  locale,
  tenantKind,
  tenantOut,
  tenantStatus,
  timeZone,
} from './schemas.ts';

export function tenantRoutes(deps: IdentityDeps): Route[] {
  const { guard } = deps;
  const setStatus =
    (status: Tenant['status'], type: 'tenant.suspended' | 'tenant.reactivated') =>
    async (ctx: Context, input: { params: { id: string }; body: { reason?: string } }) => {
      const { claims } = authOf(ctx);
      const em = currentEm();
      const tenant = await em.findOne(Tenant, { id: input.params.id });
      if (!tenant) throw new DomainError('NOT_FOUND', 'Tenant not found');
      if (tenant.kind === 'platform')
        throw new DomainError('CONFLICT', 'The platform tenant cannot be suspended');
      tenant.status = status;
      // An operator's suspension is never lifted by a payment (only billing's is: subscriptions.ts).
      tenant.suspendedBy = status === 'suspended' ? 'operator' : null;
      await em.flush();
      // The audit event belongs to the tenant it happened to; written as system work.
      await asSystem(async () => {
        const fork = em.fork();
        audit(fork, {
          tenantId: tenant.id,
          type,
          actorId: claims.sub,
          subjectId: tenant.id,
          ip: ctx.ip,
          data: { by: claims.tid, reason: input.body.reason },
        });
        await fork.flush();
      });
      await publishTenantStatus(deps.redis, tenant);
      return presentTenant(tenant);
    };

  return [
    {
      method: 'get',
      path: '/tenant',
      summary: "The caller's business profile",
      tags: ['tenants'],
      auth: true,
      middleware: [guard.requirePermission('tenant.read', 'tenant')],
      schemas: { response: tenantOut },
      handler: async (ctx) =>
        presentTenant(await currentEm().findOneOrFail(Tenant, { id: authOf(ctx).claims.tid })),
    },
    defineRoute({
      method: 'patch',
      path: '/tenant',
      summary: "Change the caller's business profile",
      tags: ['tenants'],
      auth: true,
      middleware: [guard.requirePermission('tenant.update', 'tenant')],
      schemas: {
        body: Joi.object<Partial<Tenant>>({ name: Joi.string().max(200), currency, locale, timeZone })
          .min(1)
          .required(),
        response: tenantOut,
      },
      handler: async (ctx, input) => {
        const em = currentEm();
        const tenant = await em.findOneOrFail(Tenant, { id: authOf(ctx).claims.tid });
        em.assign(tenant, input.body);
        await em.flush();
        return presentTenant(tenant);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tenants',
      summary: 'Every tenant (platform operators)',
      tags: ['tenants'],
      auth: true,
      middleware: [guard.requirePermission('platform.tenants', 'tenant')],
      schemas: {
        query: list<{
          limit: number;
          cursor?: string;
          status?: string;
          kind?: string;
          q?: string;
        }>({ status: tenantStatus, kind: tenantKind, q: Joi.string().max(100) }),
        response: Joi.array().items(tenantOut),
      },
      handler: async (_ctx, input) => {
        const q = input.query;
        const where = {
          ...(q.status && { status: q.status }),
          ...(q.kind && { kind: q.kind }),
          ...(q.q && {
            $or: [{ name: { $ilike: containsPattern(q.q) } }, { slug: { $ilike: containsPattern(q.q) } }],
          }),
        };
        const { items, meta } = await findPage(currentEm(), Tenant, where as object, q);
        return reply(items.map(presentTenant), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tenants/:id',
      summary: 'One tenant (platform operators)',
      tags: ['tenants'],
      auth: true,
      middleware: [guard.requirePermission('platform.tenants', 'tenant')],
      schemas: { params: idParams, response: tenantOut },
      handler: async (_ctx, input) => {
        const tenant = await currentEm().findOne(Tenant, { id: input.params.id });
        if (!tenant) throw new DomainError('NOT_FOUND', 'Tenant not found');
        return presentTenant(tenant);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/suspend',
      summary: "Suspend a tenant: its users' tokens are refused by every service within seconds",
      tags: ['tenants'],
      auth: true,
      middleware: [guard.requirePermission('platform.tenants', 'tenant')],
      schemas: {
        params: idParams,
        body: Joi.object<{ reason: string }>({ reason: Joi.string().max(500).required() }).required(),
        response: tenantOut,
      },
      handler: setStatus('suspended', 'tenant.suspended'),
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/reactivate',
      summary: 'Reactivate a suspended tenant',
      tags: ['tenants'],
      auth: true,
      middleware: [guard.requirePermission('platform.tenants', 'tenant')],
      schemas: {
        params: idParams,
        body: Joi.object<{ reason?: string }>({ reason: Joi.string().max(500) }).default({}),
        response: tenantOut,
      },
      handler: setStatus('active', 'tenant.reactivated'),
    }),
    {
      method: 'post',
      path: '/keys/rotate',
      summary: 'Start signing with a new key; the previous one verifies until its tokens expire',
      tags: ['keys'],
      auth: true,
      middleware: [guard.requirePermission('platform.keys', 'tenant')],
      schemas: { response: Joi.object({ kid: Joi.string().required() }) },
      handler: async (ctx) => {
        const { claims } = authOf(ctx);
        const kid = await deps.keys.rotate();
        const em = currentEm();
        audit(em, {
          tenantId: claims.tid,
          type: 'keys.rotated',
          actorId: claims.sub,
          ip: ctx.ip,
          data: { kid },
        });
        await em.flush();
        return { kid };
      },
    },
  ];
}
