import Joi from 'joi';
import {
  DomainError,
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
import { changePlan, type RenewalStatus } from '@faena/workflows/renewal/contract';
import { SUBSCRIPTION_STATUSES, Tenant } from '../domain/entities.ts';
import {
  changeTenantPlan,
  mrrOf,
  planUsage,
  presentPlan,
  presentSubscription,
  tenantPlanView,
  upgradesThroughRenewal,
} from '../domain/plans.ts';
import { itemOf } from '../domain/subscriptions.ts';
import { runningSubscription, startSubscriptionSoon, updateSubscription } from '../subscription.ts';
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
const renewalOut = Joi.object({
  state: Joi.string().required().description('the renewal chain: active, past_due, suspended…'),
  nextCharge: money
    .required()
    .description('what the next renewal charges (an upgrade’s pro-rated difference included)'),
  nextChargeAt: Joi.string().isoDate().allow(null).required(),
  checkoutUrl: Joi.string()
    .allow(null)
    .required()
    .description('the open checkout the owner pays the renewal with, while one waits'),
  lastFailure: Joi.object({ code: Joi.string().required(), reason: Joi.string().required() })
    .allow(null)
    .required(),
  summary: Joi.string().required(),
});
const tenantPlanOut = Joi.object({
  plan: planOut.required(),
  subscription: subscriptionOut.required(),
  renewal: renewalOut
    .allow(null)
    .required()
    .description('the running renewal of a paid plan (null: none runs, or its process cannot be read now)'),
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
  const presentRenewal = (st: RenewalStatus) => ({
    state: st.state,
    nextCharge: { amount: st.nextCharge, currency: st.currency },
    nextChargeAt: st.nextChargeAt,
    checkoutUrl: st.checkoutUrl ?? null,
    lastFailure: st.lastFailure,
    summary: st.summary,
  });
  /** The plan view with its running renewal (null when none runs or its process cannot be read now). */
  const viewOf = async (em: ReturnType<typeof currentEm>, tenant: Tenant) => {
    let renewal: ReturnType<typeof presentRenewal> | null = null;
    if (deps.subscriptions)
      try {
        const st = await runningSubscription(deps.subscriptions, tenant);
        renewal = st && presentRenewal(st);
      } catch (err) {
        deps.logger.warn('the subscription process could not be read', {
          tenantId: tenant.id,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    return { ...(await tenantPlanView(em, redis, tenant)), renewal };
  };
  const unavailable = (why: string) =>
    new DomainError('SERVICE_UNAVAILABLE', `${why}; retry`, { headers: { 'Retry-After': '5' } });
  /**
   * An upgrade within a paid period goes through the renewal: its `changePlan` Update switches the
   * plan (identity's `renewalChangePlan`) and adds the pro-rated difference for the days left to the
   * next charge, computed by the chain on its own calendar.
   */
  const upgradeThroughRenewal = async (tenant: Tenant, to: PlanName, actorId: string) => {
    const p = deps.subscriptions;
    if (!p) throw unavailable('The subscription process cannot be reached');
    if (!(await runningSubscription(p, tenant)))
      throw unavailable('The subscription process is being started');
    // No preview here: the change takes the day's pro-ration, shown in the answer's next charge.
    await updateSubscription(p, tenant, changePlan, { actorId, plan: itemOf(tenant, to) });
  };
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
        return viewOf(em, await em.findOneOrFail(Tenant, { id: authOf(ctx).claims.tid }));
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
        const current = await em.findOneOrFail(Tenant, { id: claims.tid });
        if (upgradesThroughRenewal(current, input.body.plan)) {
          await upgradeThroughRenewal(current, input.body.plan, claims.sub);
          return viewOf(em, await em.findOneOrFail(Tenant, { id: claims.tid }, { refresh: true }));
        }
        const tenant = await changeTenantPlan(em, redis, {
          tenantId: claims.tid,
          plan: input.body.plan,
          actorId: claims.sub,
          ip: ctx.ip,
        });
        // From free: the trial's renewal chain (the sweeper starts it if Temporal is away now).
        await startSubscriptionSoon(em, deps.subscriptions, tenant);
        return viewOf(em, tenant);
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
