/**
 * The gym's side of the renewal process (workflows/src/renewal): what renews (a monthly or yearly
 * membership whose member consented with `autoRenew`), the next period once a cycle is paid (once
 * per cycle: `membership_renewals` is unique per membership and cycle), the end of the chain, and a
 * plan change in the middle of a period. Pauses and resumes are `pause()` / `resume()` of
 * memberships.ts, the one way a membership's dates change; the workflow reaches them through its
 * activities.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, notFound } from '@faena/platform';
import type { RenewalItem } from '@faena/workflows/renewal/contract';
import { Membership, Plan } from './entities.ts';
import { endOf, lockMembership } from './memberships.ts';
import { priceIn } from './plans.ts';
import { MembershipRenewal } from './renewal-entities.ts';
import { isExclusionViolation, isUniqueViolation } from '@faena/platform';

/** Plans that renew: the ones that follow the calendar (a pack or a drop-in is bought again). */
export const RENEWABLE_KINDS: ReadonlySet<Plan['kind']> = new Set(['monthly', 'yearly']);

/** The plan as the renewal sells it: its name and its price in the membership's branch (else what was paid). */
export async function itemOf(em: EntityManager, m: Membership, plan: Plan): Promise<RenewalItem> {
  const price = await priceIn(em, plan, m.branchId).catch(() => null);
  return {
    planId: plan.id,
    planName: plan.name,
    amount: (price?.amount ?? m.amount).toString(),
    currency: price?.currency ?? m.currency,
  };
}

/** The current period of a membership: from its last renewal's start (or its own) to its end. */
export async function periodOf(em: EntityManager, m: Membership): Promise<{ start: string; end: string }> {
  const last = await em.findOne(
    MembershipRenewal,
    { membershipId: m.id, result: 'renewed' },
    { orderBy: { cycle: 'desc' } },
  );
  return { start: last?.startsOn ?? m.startsOn, end: m.endsOn };
}

/** The next cycle to pay: one after the last recorded. */
export async function nextCycleOf(em: EntityManager, m: Membership): Promise<number> {
  const last = await em.findOne(MembershipRenewal, { membershipId: m.id }, { orderBy: { cycle: 'desc' } });
  return (last?.cycle ?? 0) + 1;
}

/** Whether (and why not) a membership renews now. */
export function renewalRefusal(m: Membership, plan: Plan): string | null {
  if (!RENEWABLE_KINDS.has(plan.kind)) return `a ${plan.kind} plan does not renew`;
  if (m.status !== 'active') return `the membership is ${m.status}`;
  if (!m.autoRenew) return 'auto-renew is off';
  return null;
}

/** Turns auto-renew on or off. On is the payer's consent: only their own user gives it (the route checks who). */
export async function setAutoRenew(
  em: EntityManager,
  membershipId: string,
  on: boolean,
  actor: string,
): Promise<Membership> {
  return em.transactional(async (tx) => {
    const m = await lockMembership(tx, membershipId);
    if (on) {
      const plan = await tx.findOneOrFail(Plan, { id: m.planId });
      if (!RENEWABLE_KINDS.has(plan.kind))
        throw new DomainError('INVALID_STATE_TRANSITION', `A ${plan.kind} plan does not renew`);
      if (m.status === 'cancelled')
        throw new DomainError('INVALID_STATE_TRANSITION', 'The membership is cancelled');
    }
    m.autoRenew = on;
    m.autoRenewBy = on ? actor : null;
    await tx.flush();
    return m;
  });
}

/** The renewal workflow of this membership was started (or found running). */
export async function markRenewalStarted(em: EntityManager, m: Membership): Promise<void> {
  await em.nativeUpdate(Membership, { id: m.id, renewalStartedAt: null }, { renewalStartedAt: new Date() });
  m.renewalStartedAt ??= new Date();
}

/**
 * A paid cycle: the membership covers the next period of its (possibly changed) plan. Once per
 * cycle: a repeat finds the cycle's row and answers the same period.
 */
export async function extendForCycle(
  em: EntityManager,
  input: { membershipId: string; cycle: number; paymentId: string | null; amount: bigint; item: RenewalItem },
): Promise<{ periodStart: string; periodEnd: string }> {
  const done = async () => {
    const r = await em.findOne(MembershipRenewal, { membershipId: input.membershipId, cycle: input.cycle });
    return r && { periodStart: r.startsOn, periodEnd: r.endsOn };
  };
  const existing = await done();
  if (existing) return existing;
  try {
    return await em.transactional(async (tx) => {
      const m = await lockMembership(tx, input.membershipId);
      const plan = await tx.findOne(Plan, { id: input.item.planId });
      if (!plan) throw notFound('Plan');
      const startsOn = m.endsOn;
      const endsOn = endOf(plan, startsOn);
      tx.create(MembershipRenewal, {
        tenantId: m.tenantId,
        membershipId: m.id,
        cycle: input.cycle,
        result: 'renewed',
        paymentId: input.paymentId,
        planId: plan.id,
        amount: input.amount,
        currency: input.item.currency,
        startsOn,
        endsOn,
        reason: null,
      });
      m.endsOn = endsOn;
      m.planId = plan.id;
      m.amount = BigInt(input.item.amount);
      if (input.paymentId) m.paymentId = input.paymentId;
      try {
        await tx.flush();
      } catch (err) {
        if (isExclusionViolation(err))
          throw new DomainError(
            'MEMBERSHIP_OVERLAP',
            'The member already has a membership for the next period: the renewal cannot extend into it',
          );
        throw err;
      }
      return { periodStart: startsOn, periodEnd: endsOn };
    });
  } catch (err) {
    // The same cycle raced itself (a retried activity): the first one's period.
    if (isUniqueViolation(err, 'membership_renewals_cycle_unique')) {
      em.clear();
      const again = await done();
      if (again) return again;
    }
    throw err;
  }
}

/** The chain ended (`expired` after dunning, `cancelled` at period end): recorded once, auto-renew off. */
export async function endRenewal(
  em: EntityManager,
  input: { membershipId: string; cycle: number; result: 'expired' | 'cancelled'; reason: string },
): Promise<void> {
  await em.transactional(async (tx) => {
    const m = await lockMembership(tx, input.membershipId);
    const seen = await tx.findOne(MembershipRenewal, { membershipId: m.id, cycle: input.cycle });
    if (!seen)
      tx.create(MembershipRenewal, {
        tenantId: m.tenantId,
        membershipId: m.id,
        cycle: input.cycle,
        result: input.result,
        paymentId: null,
        planId: m.planId,
        amount: 0n,
        currency: m.currency,
        startsOn: m.endsOn,
        endsOn: m.endsOn,
        reason: input.reason.slice(0, 300),
      });
    m.autoRenew = false;
    m.autoRenewBy = null;
    await tx.flush();
  });
}

/** A plan change the workflow settled (charged or credited): the membership is on the new plan now. */
export async function switchPlan(em: EntityManager, membershipId: string, item: RenewalItem): Promise<void> {
  await em.transactional(async (tx) => {
    const m = await lockMembership(tx, membershipId);
    const plan = await tx.findOne(Plan, { id: item.planId });
    if (!plan) throw notFound('Plan');
    m.planId = plan.id;
    m.amount = BigInt(item.amount);
    await tx.flush();
  });
}

export const presentRenewal = (r: MembershipRenewal) => ({
  cycle: r.cycle,
  result: r.result,
  paymentId: r.paymentId ?? null,
  planId: r.planId,
  amount: r.amount.toString(),
  currency: r.currency,
  startsOn: r.startsOn,
  endsOn: r.endsOn,
  reason: r.reason ?? null,
  createdAt: r.createdAt.toISOString(),
});
