import Joi from 'joi';
import {
  PLAN_LIMITS,
  PLAN_NAMES,
  authOf,
  containsPattern,
  currentEm,
  defineRoute,
  findPage,
  planOf,
  reply,
  type PlanName,
  type Route,
} from '@faena/platform';
import { SUBSCRIPTION_STATUSES, Tenant } from '../domain/entities.ts';
import {
  changeTenantPlan,
  mrrOf,
  planUsage,
  presentPlan,
  presentSubscription,
  tenantPlanView,
} from '../domain/plans.ts';
import { presentTenant } from '../domain/tenants.ts';
import type { IdentityDeps } from '../deps.ts';
import { list, tenantKind, tenantOut, tenantStatus } from './schemas.ts';

const money = Joi.object({
  amount: Joi.string().pattern(/^\d+$/).required().description('minor units'),
  currency: Joi.string().length(3).required(),
});
const count = Joi.number().integer().min(0);
const limitsOut = Joi.object(
  Object.fromEntries(
    PLAN_LIMITS.map((l) => [l, count.allow(null).required().description('null: unlimited')]),
  ),
);
const planOut = Joi.object({
  name: Joi.string()
    .valid(...PLAN_NAMES)
    .required(),
  title: Joi.string().required(),
  price: money.required().description("monthly, in the business's currency (USD when it has no price list)"),
  trialDays: count.required(),
  limits: limitsOut.required(),
});
const usageOut = Joi.object({
  branches: count.required(),
  users: count.required(),
  products: count.allow(null).required().description('as POS last reported it; null: not reported'),
  monthlyOrders: count.allow(null).required().description('this calendar month (UTC), as POS reported it'),
});
const subscriptionOut = Joi.object({
  status: Joi.string()
    .valid(...SUBSCRIPTION_STATUSES)
    .required(),
  periodEnd: Joi.string()
    .isoDate()
    .allow(null)
    .required()
    .description('first day the trial or paid period does not cover'),
  pendingPlan: Joi.string()
    .valid(...PLAN_NAMES)
    .allow(null)
    .required()
    .description('a downgrade applied at the period end'),
});
const tenantPlanOut = Joi.object({
  plan: planOut.required(),
  subscription: subscriptionOut.required(),
  usage: usageOut.required(),
  limitsEnforced: Joi.boolean()
    .required()
    .description('branch and user limits apply to POS businesses (café, restaurant) only, for now'),
  plans: Joi.array().items(planOut).required(),
});
const adminTenantOut = tenantOut.keys({
  limits: limitsOut.required(),
  subscription: subscriptionOut.required(),
  usage: usageOut.required(),
  mrr: money.required().description('monthly recurring revenue: the plan price while paid or past due'),
});

/** The business's SaaS plan (its owner's) and the platform operators' view of every business's. */
export function planRoutes(deps: IdentityDeps): Route[] {
  const { guard, redis } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/tenant/plan',
      summary: "The business's SaaS plan: limits, subscription, current usage and the plans to change to",
      tags: ['plans'],
      auth: true,
      middleware: [guard.requirePermission('tenant.read', 'tenant')],
      schemas: { response: tenantPlanOut },
      handler: async (ctx) => {
        const em = currentEm();
        return tenantPlanView(em, redis, await em.findOneOrFail(Tenant, { id: authOf(ctx).claims.tid }));
      },
    }),
    defineRoute({
      method: 'put',
      path: '/tenant/plan',
      summary:
        'Change the plan: up at once (from free: a trial), down at the period end and only when usage fits (422 PLAN_USAGE_EXCEEDS)',
      tags: ['plans'],
      auth: true,
      middleware: [guard.requirePermission('tenant.plan', 'tenant')],
      schemas: {
        body: Joi.object<{ plan: PlanName }>({
          plan: Joi.string()
            .valid(...PLAN_NAMES)
            .required(),
        }).required(),
        response: tenantPlanOut,
      },
      handler: async (ctx, input) => {
        const { claims } = authOf(ctx);
        const em = currentEm();
        const tenant = await changeTenantPlan(em, redis, {
          tenantId: claims.tid,
          plan: input.body.plan,
          actorId: claims.sub,
          ip: ctx.ip,
        });
        return tenantPlanView(em, redis, tenant);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/tenants',
      summary:
        'Every business with its plan, subscription, usage and monthly recurring revenue (platform operators); meta.mrr sums the filtered list per currency',
      tags: ['plans'],
      auth: true,
      middleware: [guard.requirePermission('platform.tenants', 'tenant')],
      schemas: {
        query: list<{
          limit: number;
          cursor?: string;
          status?: string;
          kind?: string;
          plan?: string;
          subscriptionStatus?: string;
          q?: string;
        }>({
          status: tenantStatus,
          kind: tenantKind,
          plan: Joi.string().valid(...PLAN_NAMES),
          subscriptionStatus: Joi.string().valid(...SUBSCRIPTION_STATUSES),
          q: Joi.string().max(100),
        }),
        response: Joi.array().items(adminTenantOut),
      },
      handler: async (_ctx, input) => {
        const q = input.query;
        const em = currentEm();
        const where = {
          kind: q.kind ?? { $ne: 'platform' },
          ...(q.status && { status: q.status }),
          ...(q.plan && { plan: q.plan }),
          ...(q.subscriptionStatus && { subscriptionStatus: q.subscriptionStatus }),
          ...(q.q && {
            $or: [{ name: { $ilike: containsPattern(q.q) } }, { slug: { $ilike: containsPattern(q.q) } }],
          }),
        };
        const [{ items, meta }, all] = await Promise.all([
          findPage(em, Tenant, where as object, q),
          em.find(Tenant, where as object, {
            fields: ['plan', 'subscriptionStatus', 'status', 'currency'],
          }),
        ]);
        const usage = await planUsage(
          em,
          redis,
          items.map((t) => t.id),
        );
        const totals = new Map<string, bigint>();
        for (const t of all) {
          const m = mrrOf(t);
          totals.set(m.currency, (totals.get(m.currency) ?? 0n) + BigInt(m.amount));
        }
        return reply(
          items.map((t) => ({
            ...presentTenant(t),
            limits: presentPlan(planOf(t.plan), t.currency).limits,
            subscription: presentSubscription(t),
            usage: usage.get(t.id)!,
            mrr: mrrOf(t),
          })),
          {
            meta: {
              ...meta,
              mrr: [...totals]
                .filter(([, v]) => v > 0n)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([currency, amount]) => ({ currency, amount: amount.toString() })),
            },
          },
        );
      },
    }),
  ];
}
