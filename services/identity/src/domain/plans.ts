/**
 * A business's SaaS plan as identity keeps it (issue 18): which plan, its subscription's state, the
 * limits identity enforces itself (open branches, invited or active users) and the usage it shows
 * (its own counts, and what POS reported for products and the month's orders: `readPlanUsage`).
 * The catalog and the one limit check are `@faena/platform` plans.ts.
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  DomainError,
  PLANS,
  PLAN_NAMES,
  authKeys,
  enforcePlanLimit,
  exceededLimit,
  planOf,
  planPrice,
  readPlanUsage,
  type PlanDefinition,
  type PlanLimit,
  type PlanName,
  type Redis,
} from '@faena/platform';
import { addDays, dayIn } from '@faena/workflows/renewal/calendar';
import { audit } from './audit.ts';
import { Tenant } from './entities.ts';

/**
 * The kinds of business the plans are sold to (the POS businesses). Gyms' members and the
 * marketplace's clients and professionals are users too, so their branch and user limits are not
 * enforced until their own plans exist.
 */
export const PLAN_KINDS: readonly Tenant['kind'][] = ['cafe', 'restaurant'];

export interface PlanUsage {
  branches: number;
  users: number;
  /** As POS last reported them (null: not reported since Redis last lost them). */
  products: number | null;
  monthlyOrders: number | null;
}

/** What identity counts itself (the tenant filter off: a system caller names the tenant). */
export async function identityCounts(
  em: EntityManager,
  tenantIds: readonly string[],
): Promise<Map<string, { branches: number; users: number }>> {
  const out = new Map(tenantIds.map((id) => [id, { branches: 0, users: 0 }]));
  if (!tenantIds.length) return out;
  const rows = await em.execute<{ tenant_id: string; branches: string; users: string }[]>(
    `select t.id as tenant_id,
            (select count(*) from identity.branches b where b.tenant_id = t.id and b.deleted_at is null) as branches,
            (select count(*) from identity.users u where u.tenant_id = t.id and u.deleted_at is null
               and u.status in ('invited', 'active')) as users
       from identity.tenants t where t.id in (${tenantIds.map(() => '?').join(', ')})`,
    [...tenantIds],
  );
  for (const r of rows) out.set(r.tenant_id, { branches: Number(r.branches), users: Number(r.users) });
  return out;
}

export async function planUsage(
  em: EntityManager,
  redis: Redis,
  tenantIds: readonly string[],
): Promise<Map<string, PlanUsage>> {
  const [own, reported] = await Promise.all([identityCounts(em, tenantIds), readPlanUsage(redis, tenantIds)]);
  return new Map(
    tenantIds.map((id) => [
      id,
      {
        ...own.get(id)!,
        ...(reported.get(id) ?? { products: null, monthlyOrders: null }),
      },
    ]),
  );
}

/**
 * Identity's own limits (branches, users), checked in the creating transaction `tx` by the shared
 * `enforcePlanLimit` (the business's lock for that limit, then the count).
 */
export async function enforceIdentityLimit(
  tx: EntityManager,
  tenantId: string,
  limit: Extract<PlanLimit, 'branches' | 'users'>,
): Promise<void> {
  const tenant = await tx.findOneOrFail(Tenant, { id: tenantId }, { fields: ['plan', 'kind'] });
  if (!PLAN_KINDS.includes(tenant.kind)) return;
  await enforcePlanLimit(tx, {
    tenantId,
    plan: tenant.plan,
    limit,
    count: async () => (await identityCounts(tx, [tenantId])).get(tenantId)![limit],
  });
}

/** A plan as the API shows it: limits (null = unlimited) and its monthly price in the business's currency. */
export const presentPlan = (plan: PlanDefinition, currency: string) => ({
  name: plan.name,
  title: plan.title,
  price: planPrice(plan, currency),
  trialDays: plan.trialDays,
  limits: plan.limits,
});

/** Monthly recurring revenue of a business: its plan's price while the subscription is paid (or past due), else 0. */
export function mrrOf(t: Pick<Tenant, 'plan' | 'subscriptionStatus' | 'status' | 'currency'>): {
  amount: string;
  currency: string;
} {
  const price = planPrice(planOf(t.plan), t.currency);
  const paying =
    t.status === 'active' && (t.subscriptionStatus === 'active' || t.subscriptionStatus === 'past_due');
  return paying ? price : { amount: '0', currency: price.currency };
}

export function presentSubscription(t: Tenant) {
  return {
    status: t.subscriptionStatus,
    periodEnd: t.periodEnd ?? null,
    pendingPlan: t.pendingPlan ?? null,
  };
}

/** `GET /tenant/plan`: the plan, its subscription, usage against the limits and the catalog to change to. */
export async function tenantPlanView(em: EntityManager, redis: Redis, tenant: Tenant) {
  const usage = (await planUsage(em, redis, [tenant.id])).get(tenant.id)!;
  return {
    plan: presentPlan(planOf(tenant.plan), tenant.currency),
    subscription: presentSubscription(tenant),
    usage,
    limitsEnforced: PLAN_KINDS.includes(tenant.kind),
    plans: PLAN_NAMES.map((n) => presentPlan(PLANS[n], tenant.currency)),
  };
}

const rank = (name: PlanName) => PLAN_NAMES.indexOf(name);

/**
 * Whether moving to `to` is an upgrade of a paid period: the subscription's renewal applies it
 * (its `changePlan` Update pro-rates it), not `changeTenantPlan`.
 */
export const upgradesThroughRenewal = (
  t: Pick<Tenant, 'plan' | 'subscriptionStatus'>,
  to: PlanName,
): boolean =>
  ['active', 'past_due', 'suspended'].includes(t.subscriptionStatus) && rank(to) > rank(planOf(t.plan).name);

/** A new business's plan: a paid one starts its trial today (in the business's zone). */
export function startingPlan(
  name: string,
  timeZone: string,
  now = new Date(),
): Pick<Tenant, 'plan' | 'subscriptionStatus' | 'periodStart' | 'periodEnd' | 'pendingPlan'> {
  const plan = planOf(name);
  if (plan.name === 'free')
    return {
      plan: 'free',
      subscriptionStatus: 'none',
      periodStart: null,
      periodEnd: null,
      pendingPlan: null,
    };
  const today = dayIn(now.getTime(), timeZone);
  return {
    plan: plan.name,
    subscriptionStatus: 'trialing',
    periodStart: today,
    periodEnd: addDays(today, Math.max(1, plan.trialDays)),
    pendingPlan: null,
  };
}

/**
 * The owner changes the plan (`PUT /tenant/plan`):
 * - up from free: a trial of the new plan's `trialDays` starts today (its period end the trial's);
 * - any change during a trial: at once (nothing has been paid; the renewal charges the plan the
 *   business is on when the trial ends). Up from a paid period is the renewal's `changePlan`
 *   (`upgradesThroughRenewal`: the pro-rated difference comes with the next charge), not this;
 * - down from a paid period: decided now, applied at the period's end (`pending_plan`), and only when
 *   the current usage fits the smaller plan (422 `PLAN_USAGE_EXCEEDS` naming the limit); choosing
 *   the current plan again drops a pending downgrade.
 * Audited (`tenant.plan_changed`); the plan cached for other services is dropped at once.
 */
export async function changeTenantPlan(
  em: EntityManager,
  redis: Redis,
  opts: { tenantId: string; plan: PlanName; actorId: string; ip: string | null; now?: Date },
): Promise<Tenant> {
  const now = opts.now ?? new Date();
  const tenant = await em.transactional(async (tx) => {
    const t = await tx.findOneOrFail(Tenant, { id: opts.tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const from = planOf(t.plan);
    const to = PLANS[opts.plan];
    const before = {
      plan: t.plan,
      subscriptionStatus: t.subscriptionStatus,
      pendingPlan: t.pendingPlan ?? null,
    };
    if (to.name === from.name) {
      if (!t.pendingPlan)
        throw new DomainError('CONFLICT', `The business is on the ${to.title} plan already`);
      t.pendingPlan = null;
    } else {
      const usage = (await planUsage(tx, redis, [t.id])).get(t.id)!;
      const over = rank(to.name) < rank(from.name) ? exceededLimit(to, usage) : null;
      if (over)
        throw new DomainError(
          'PLAN_USAGE_EXCEEDS',
          `The ${to.title} plan allows ${to.limits[over]} ${over}; the business uses ${usage[over]}`,
          { field: `limits.${over}` },
        );
      if (t.subscriptionStatus === 'none') {
        // From free to a paid plan: the trial.
        Object.assign(t, startingPlan(to.name, t.timeZone, now));
      } else if (rank(to.name) > rank(from.name) || t.subscriptionStatus === 'trialing') {
        if (to.name === 'free') {
          // Nothing was paid in the trial: the chain ends at the trial's end without a charge
          // (the seller says the business no longer renews); a later paid plan starts one again.
          t.subscriptionStatus = 'none';
          t.periodStart = null;
          t.periodEnd = null;
          t.renewalStartedAt = null;
        }
        t.plan = to.name;
        t.pendingPlan = null;
      } else {
        t.pendingPlan = to.name;
      }
    }
    audit(tx, {
      tenantId: t.id,
      type: 'tenant.plan_changed',
      actorId: opts.actorId,
      subjectId: t.id,
      ip: opts.ip,
      data: {
        before,
        after: { plan: t.plan, subscriptionStatus: t.subscriptionStatus, pendingPlan: t.pendingPlan ?? null },
      },
    });
    return t;
  });
  await redis.del(authKeys.plan(tenant.id));
  return tenant;
}
