/**
 * A business's SaaS subscription as the seller of the `renewal` workflow keeps it (issue 18): the
 * platform sells the plan, the business's owner pays it through MercadoPago checkouts in the
 * platform's books, identity records what each step of the chain means for the business:
 *
 *   trialing ──(trial ends, checkout paid)──▶ active ──(renewal paid)──▶ active (next period)
 *        └──(unpaid)──▶ past_due ──(dunning tries unpaid)──▶ suspended ──(checkout paid)──▶ active
 *   a downgrade to free (or free chosen in the trial) ─▶ cancelled at period end ─▶ free, none
 *   suspended and never paid (180 days) ─▶ free, none, the business active again on the free plan
 *
 * Every function here is idempotent: the workflow's activities may run twice. The subscription's id
 * in the chain is the business's own id (one plan per business).
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, PLANS, authKeys, planOf, planPrice, type PlanName, type Redis } from '@faena/platform';
import { IDENTITY_TASK_QUEUE } from '@faena/workflows/identity/contract';
import { addMonths } from '@faena/workflows/renewal/calendar';
import type { RenewalInput, RenewalItem } from '@faena/workflows/renewal/contract';
import { publishTenantStatus } from './access.ts';
import { audit, type AuditType } from './audit.ts';
import { Tenant } from './entities.ts';
import { PLAN_KINDS } from './plans.ts';

/** What the subscription's charges say they are for (payments' `purpose`). */
export const SUBSCRIPTION_PURPOSE = 'saas_subscription';
/** The platform tenant's slug by default: its books receive every subscription's payments. */
export const DEFAULT_PLATFORM_TENANT_SLUG = 'faena';

/** Whether identity renews the business's plan: a POS business on a paid plan. */
export const renews = (t: Pick<Tenant, 'kind' | 'plan' | 'subscriptionStatus'>): boolean =>
  PLAN_KINDS.includes(t.kind) && t.plan !== 'free' && t.subscriptionStatus !== 'none';

/** A plan as the renewal sells it, in the business's currency (USD without a price list). */
export function itemOf(t: Pick<Tenant, 'currency'>, name: string): RenewalItem {
  const plan = planOf(name);
  const price = planPrice(plan, t.currency);
  return { planId: plan.name, planName: plan.title, amount: price.amount, currency: price.currency };
}

/** The plan the next period is sold at: a downgrade decided for the period's end, else the current one. */
export const nextPlanOf = (t: Pick<Tenant, 'plan' | 'pendingPlan'>): string => t.pendingPlan ?? t.plan;

/** The business's owner (the payer): its first active user holding the `owner` role. */
async function ownerOf(em: EntityManager, tenantId: string): Promise<{ id: string; name: string } | null> {
  const [row] = await em.execute<Array<{ id: string; name: string }>>(
    `select u.id, u.name from identity.users u
       join identity.user_roles ur on ur.user_id = u.id
       join identity.roles r on r.id = ur.role_id
      where u.tenant_id = ? and r.tenant_id = ? and r.name = 'owner' and u.status = 'active' and u.deleted_at is null
      order by u.created_at, u.id limit 1`,
    [tenantId, tenantId],
  );
  return row ?? null;
}

/** The chain's input for the business's current subscription, or null when its plan does not renew. */
export async function subscriptionInputOf(
  em: EntityManager,
  t: Tenant,
  platformSlug: string,
): Promise<RenewalInput | null> {
  if (!renews(t) || !t.periodEnd) return null;
  const platform = await em.findOne(Tenant, { slug: platformSlug, kind: 'platform' }, { fields: ['id'] });
  if (!platform)
    throw new DomainError('SERVICE_UNAVAILABLE', `The platform tenant "${platformSlug}" does not exist`);
  const owner = await ownerOf(em, t.id);
  if (!owner) return null;
  return {
    tenantId: t.id,
    subscriptionId: t.id,
    seller: { taskQueue: IDENTITY_TASK_QUEUE, name: 'Faena', purpose: SUBSCRIPTION_PURPOSE },
    payer: { userId: owner.id, name: owner.name },
    subscriberName: t.name,
    item: itemOf(t, t.plan),
    branchId: null,
    timeZone: t.timeZone,
    locale: t.locale,
    periodStart: t.periodStart ?? addMonths(t.periodEnd, -1),
    periodEnd: t.periodEnd,
    cycle: t.renewalCycle,
    charge: { tenantId: platform.id, method: 'mercadopago' },
    events: 'subscription',
    trial: t.subscriptionStatus === 'trialing',
  };
}

/** The chain was started for the current subscription (the sweeper leaves it alone). */
export async function markSubscriptionStarted(em: EntityManager, t: Tenant): Promise<void> {
  await em.nativeUpdate(Tenant, { id: t.id, renewalStartedAt: null }, { renewalStartedAt: new Date() });
  t.renewalStartedAt ??= new Date();
}

type Change = (t: Tenant) => AuditType | null;

/**
 * Applies `change` to the business under its row lock; when it answers an audit type, the change
 * is audited (system actor: the renewal did it) and the cached plan dropped, and a status change is
 * published to every guard.
 */
async function apply(
  em: EntityManager,
  redis: Redis,
  tenantId: string,
  reason: string,
  change: Change,
  actorId: string | null = null,
): Promise<Tenant> {
  let changed = false;
  let statusBefore = '';
  const tenant = await em.transactional(async (tx) => {
    const t = await tx.findOne(Tenant, { id: tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!t) throw new DomainError('NOT_FOUND', `tenant ${tenantId} not found`);
    statusBefore = t.status;
    const before = { plan: t.plan, subscriptionStatus: t.subscriptionStatus, status: t.status };
    const type = change(t);
    if (type) {
      changed = true;
      audit(tx, {
        tenantId: t.id,
        type,
        actorId,
        subjectId: t.id,
        ip: null,
        data: {
          by: 'renewal',
          reason,
          before,
          after: { plan: t.plan, subscriptionStatus: t.subscriptionStatus, status: t.status },
        },
      });
    }
    return t;
  });
  if (changed) {
    await redis.del(authKeys.plan(tenant.id));
    if (tenant.status !== statusBefore) await publishTenantStatus(redis, tenant);
  }
  return tenant;
}

/** The period after a paid cycle: a month from the end of the one paid for. */
export const nextPeriodOf = (periodEnd: string) => ({
  periodStart: periodEnd,
  periodEnd: addMonths(periodEnd, 1),
});

/**
 * A cycle is paid (`renewalExtend`): the next period at the plan it was sold at (a pending
 * downgrade applied), the subscription active, and a business billing suspended active again.
 * Once per cycle: a repeat answers the period it already gave.
 */
export function extendSubscription(
  em: EntityManager,
  redis: Redis,
  input: { tenantId: string; cycle: number; item: RenewalItem },
): Promise<Tenant> {
  return apply(em, redis, input.tenantId, `cycle ${input.cycle} paid`, (t) => {
    if (t.renewalCycle !== input.cycle) return null;
    if (!t.periodEnd) throw new DomainError('CONFLICT', 'The business has no paid subscription to extend');
    const period = nextPeriodOf(t.periodEnd);
    t.periodStart = period.periodStart;
    t.periodEnd = period.periodEnd;
    t.plan = PLANS[input.item.planId as PlanName] ? input.item.planId : t.plan;
    t.pendingPlan = null;
    t.renewalCycle = input.cycle + 1;
    const reactivated = t.subscriptionStatus === 'suspended' && t.suspendedBy === 'billing';
    t.subscriptionStatus = 'active';
    if (reactivated) {
      t.status = 'active';
      t.suspendedBy = null;
      return 'tenant.reactivated';
    }
    return 'tenant.plan_renewed';
  });
}

/** The renewal date's try went unpaid: past due while dunning runs. */
export const markPastDue = (
  em: EntityManager,
  redis: Redis,
  input: { tenantId: string; cycle: number; reason: string },
) =>
  apply(em, redis, input.tenantId, input.reason, (t) => {
    if (t.renewalCycle !== input.cycle || !['trialing', 'active'].includes(t.subscriptionStatus)) return null;
    t.subscriptionStatus = 'past_due';
    return 'tenant.plan_past_due';
  });

/**
 * Every try unpaid: the business is suspended (the guard refuses its requests) until the open
 * checkout is paid. A business a platform operator suspended stays the operator's to lift.
 */
export const suspendForNonPayment = (
  em: EntityManager,
  redis: Redis,
  input: { tenantId: string; cycle: number; reason: string },
) =>
  apply(em, redis, input.tenantId, input.reason, (t) => {
    if (t.renewalCycle !== input.cycle || t.subscriptionStatus === 'suspended' || !renews(t)) return null;
    t.subscriptionStatus = 'suspended';
    if (t.status === 'active') {
      t.status = 'suspended';
      t.suspendedBy = 'billing';
    }
    return 'tenant.suspended';
  });

/**
 * The chain ended: cancelled at period end (a move to the free plan) or suspended and never paid.
 * Either way the business is on the free plan with no subscription; billing's suspension is lifted
 * (the free plan costs nothing). A later paid plan starts a new chain.
 */
export const endSubscription = (
  em: EntityManager,
  redis: Redis,
  input: { tenantId: string; cycle: number; state: 'expired' | 'cancelled'; reason: string },
) =>
  apply(em, redis, input.tenantId, `${input.state}: ${input.reason}`, (t) => {
    if (t.renewalCycle !== input.cycle || t.subscriptionStatus === 'none') return null;
    t.plan = 'free';
    t.subscriptionStatus = 'none';
    t.periodStart = null;
    t.periodEnd = null;
    t.pendingPlan = null;
    t.renewalStartedAt = null;
    if (t.status === 'suspended' && t.suspendedBy === 'billing') {
      t.status = 'active';
      t.suspendedBy = null;
    }
    return 'tenant.plan_ended';
  });

/** An upgrade within a paid period, applied by the renewal's `changePlan` once its pro-ration is settled. */
export const switchSubscriptionPlan = (
  em: EntityManager,
  redis: Redis,
  input: { tenantId: string; item: RenewalItem; actorId: string },
) =>
  apply(
    em,
    redis,
    input.tenantId,
    `upgraded to ${input.item.planId} within the period (pro-rated with the next charge)`,
    (t) => {
      if (t.plan === input.item.planId) return null;
      t.plan = planOf(input.item.planId).name;
      t.pendingPlan = null;
      return 'tenant.plan_changed';
    },
    input.actorId,
  );
