/**
 * Memberships: bought through payments, paused within the plan's freeze rules, cancelled. One
 * member's live memberships (pending payment, active, paused) never overlap: an exclusion
 * constraint on `daterange(starts_on, ends_on)` per member refuses it (409 MEMBERSHIP_OVERLAP),
 * whoever writes the row and however many purchases race.
 *
 * What is stored is what happened (`pending_payment`, `active`, `cancelled`, the freezes, the end
 * date); `paused` and `expired` are what the dates say today in the business's calendar
 * (`effectiveStatus`), so no sweep has to run for a membership to expire or a freeze to end.
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  DomainError,
  assertDrawer,
  notFound,
  type PaymentAnswer,
  type PaymentsClient,
} from '@faena/platform';
import { addDays, addMonths, daysBetween } from './dates.ts';
import {
  Membership,
  MembershipEvent,
  MembershipFreeze,
  type Member,
  type MembershipStatus,
  type PaymentMethod,
  type Plan,
} from './entities.ts';
import { isExclusionViolation, isUniqueViolation } from '@faena/platform';
import { priceIn } from './plans.ts';

/** The first day a membership of `plan` starting on `startsOn` no longer covers. */
export function endOf(plan: Plan, startsOn: string): string {
  switch (plan.kind) {
    case 'monthly':
      return addMonths(startsOn, 1);
    case 'yearly':
      return addMonths(startsOn, 12);
    case 'drop_in':
      return addDays(startsOn, 1);
    case 'class_pack':
      return addDays(startsOn, plan.validityDays ?? 1);
  }
}

export function effectiveStatus(m: Membership, freezes: MembershipFreeze[], today: string): MembershipStatus {
  if (m.status !== 'active') return m.status;
  if (today >= m.endsOn) return 'expired';
  if (freezes.some((f) => f.membershipId === m.id && f.startsOn <= today && today < f.endsOn))
    return 'paused';
  return 'active';
}

export async function freezesOf(em: EntityManager, memberships: Membership[]): Promise<MembershipFreeze[]> {
  if (!memberships.length) return [];
  return em.find(
    MembershipFreeze,
    { membershipId: { $in: memberships.map((m) => m.id) } },
    { orderBy: { startsOn: 'asc' } },
  );
}

export const presentMembership = (m: Membership, freezes: MembershipFreeze[], today: string) => ({
  id: m.id,
  memberId: m.memberId,
  planId: m.planId,
  branchId: m.branchId,
  status: effectiveStatus(m, freezes, today),
  startsOn: m.startsOn,
  endsOn: m.endsOn,
  sessionsLeft: m.sessionsLeft ?? null,
  amount: m.amount.toString(),
  currency: m.currency,
  payment: {
    method: m.paymentMethod,
    id: m.paymentId ?? null,
    checkoutUrl: m.checkoutUrl ?? null,
    drawerId: m.drawerId ?? null,
  },
  freezes: freezes
    .filter((f) => f.membershipId === m.id)
    .map((f) => ({ startsOn: f.startsOn, endsOn: f.endsOn })),
  cancelledReason: m.cancelledReason ?? null,
  autoRenew: m.autoRenew,
  createdAt: m.createdAt.toISOString(),
});

export const presentEvent = (e: MembershipEvent) => ({
  id: e.id,
  type: e.type,
  data: e.data,
  createdBy: e.createdBy ?? null,
  createdAt: e.createdAt.toISOString(),
});

function record(
  em: EntityManager,
  m: Membership,
  type: MembershipEvent['type'],
  actor: string | null,
  data: Record<string, unknown> = {},
) {
  em.create(MembershipEvent, { tenantId: m.tenantId, membershipId: m.id, type, data, createdBy: actor });
}

const overlap = () =>
  new DomainError('MEMBERSHIP_OVERLAP', 'The member already has a membership for some of these days', {
    field: 'body.startsOn',
  });

/** Flushes, turning the exclusion constraint's refusal into 409 MEMBERSHIP_OVERLAP. */
async function flushDays(em: EntityManager): Promise<void> {
  try {
    await em.flush();
  } catch (err) {
    if (isExclusionViolation(err)) throw overlap();
    throw err;
  }
}

export interface Purchase {
  member: Member;
  plan: Plan;
  branchId: string;
  startsOn: string;
  method: PaymentMethod;
  payerCode?: string | undefined;
  /** cash: the reception drawer whose open cash session takes it. */
  drawerId?: string | undefined;
  /** The purchase request's scoped Idempotency-Key. */
  purchaseKey: string;
  actor: string;
  /**
   * The member buys for themselves with their own token (payments' `POST /payments/self`: their
   * own wallet or a MercadoPago checkout, nothing else); staff sell with `payments.create`.
   */
  self?: boolean;
}

/** What payments answered, applied: captured (or held) activates, failed or cancelled cancels. */
function applyPayment(em: EntityManager, m: Membership, p: PaymentAnswer, actor: string | null) {
  m.paymentId = p.id;
  m.checkoutUrl = p.checkoutUrl;
  if (m.status !== 'pending_payment') return;
  if (['captured', 'held', 'partially_refunded'].includes(p.status)) {
    m.status = 'active';
    record(em, m, 'activated', actor, { paymentId: p.id });
  } else if (['failed', 'cancelled'].includes(p.status)) {
    m.status = 'cancelled';
    m.cancelledReason = `payment ${p.status}${p.failureReason ? `: ${p.failureReason}` : ''}`;
    record(em, m, 'payment_failed', actor, { paymentId: p.id, status: p.status });
  }
}

/**
 * Buys a membership: the membership row first (pending payment, its days held), then the charge
 * with `Idempotency-Key: gym-membership:<id>`, then what payments answered. A retried purchase (the
 * same key) finds the same membership and asks payments again with the same key: payments replays
 * its first answer, so nothing is charged twice. A refusal (empty wallet, wrong payer code, no
 * permission, a cash drawer without an open session or of another branch) cancels the membership and frees its days; payments unreachable leaves it pending for
 * the retry.
 */
export async function purchase(
  em: EntityManager,
  payments: PaymentsClient,
  token: string,
  input: Purchase,
): Promise<{ membership: Membership; created: boolean }> {
  const { member, plan } = input;
  let m = await em.findOne(Membership, { purchaseKey: input.purchaseKey });
  const created = !m;
  if (!m) {
    assertDrawer(input.method, input.drawerId);
    if (!member.userId)
      throw new DomainError(
        'MEMBER_NOT_LINKED',
        'Payments charge an identity user: link the member to their user first',
        { field: 'body.memberId' },
      );
    if (!plan.active)
      throw new DomainError('INVALID_STATE_TRANSITION', 'The plan is no longer sold', {
        field: 'body.planId',
      });
    const price = await priceIn(em, plan, input.branchId);
    m = em.create(Membership, {
      memberId: member.id,
      planId: plan.id,
      branchId: input.branchId,
      startsOn: input.startsOn,
      endsOn: endOf(plan, input.startsOn),
      sessionsLeft: plan.sessions ?? null,
      amount: price.amount,
      currency: price.currency,
      paymentMethod: input.method,
      drawerId: input.method === 'cash' ? (input.drawerId ?? null) : null,
      purchaseKey: input.purchaseKey,
    });
    record(em, m, 'purchased', input.actor, {
      planId: plan.id,
      amount: price.amount.toString(),
      method: input.method,
      ...(m.drawerId && { drawerId: m.drawerId }),
    });
    try {
      await flushDays(em);
    } catch (err) {
      // The same purchase raced itself (a duplicate the idempotency lock let through): take the first's row.
      if (!isUniqueViolation(err, 'memberships_purchase_key_unique')) throw err;
      em.clear();
      m = await em.findOneOrFail(Membership, { purchaseKey: input.purchaseKey });
    }
  }
  if (m.status !== 'pending_payment') return { membership: m, created };
  let answer: PaymentAnswer;
  const charge = {
    amount: m.amount,
    currency: m.currency,
    branchId: m.branchId,
    purpose: 'gym_membership',
    reference: `membership:${m.id}`,
  };
  const key = `gym-membership:${m.id}`;
  try {
    if (input.self) {
      if (m.paymentMethod !== 'wallet' && m.paymentMethod !== 'mercadopago')
        throw new DomainError('VALIDATION_FAILED', 'A member pays by wallet or MercadoPago', {
          field: 'body.method',
        });
      answer = await payments.createSelf(token, key, { ...charge, method: m.paymentMethod });
    } else
      answer = await payments.create(token, key, {
        ...charge,
        method: m.paymentMethod,
        payerId: member.userId!,
        payerCode: input.payerCode,
        drawerId: input.drawerId,
      });
  } catch (err) {
    if (err instanceof DomainError && err.status < 500) {
      m.status = 'cancelled';
      m.cancelledReason = `payment refused: ${err.code}`;
      record(em, m, 'payment_failed', input.actor, { code: err.code });
      await em.flush();
    }
    throw err;
  }
  applyPayment(em, m, answer, input.actor);
  await em.flush();
  return { membership: m, created };
}

/**
 * A pending membership asks payments how its payment went (a MercadoPago checkout is paid later)
 * with the caller's token; a caller who may not read the payment sees the stored state. The renewal
 * and payment workflows will push this instead (not built yet).
 */
export async function refreshPayment(
  em: EntityManager,
  payments: PaymentsClient,
  token: string,
  m: Membership,
): Promise<void> {
  if (m.status !== 'pending_payment' || !m.paymentId) return;
  const answer = await payments.get(token, m.paymentId).catch(() => null);
  if (!answer) return;
  await em.transactional(async (tx) => {
    const locked = await tx.findOneOrFail(
      Membership,
      { id: m.id },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    applyPayment(tx, locked, answer, null);
    await tx.flush();
    Object.assign(m, { status: locked.status, cancelledReason: locked.cancelledReason });
  });
}

export async function lockMembership(tx: EntityManager, id: string): Promise<Membership> {
  const m = await tx.findOne(Membership, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  if (!m) throw notFound('Membership');
  return m;
}

const freezeRefused = (message: string, field = 'body.days') =>
  new DomainError('FREEZE_NOT_ALLOWED', message, { field });

/** Which year of the membership (from its start) a day falls in: freeze days are counted per year. */
const yearIndex = (m: Membership, day: string) => {
  let i = 0;
  while (addMonths(m.startsOn, 12 * (i + 1)) <= day) i++;
  return i;
};

/**
 * Pauses from `startsOn` for `days`: at least the plan's minimum, within its days per membership
 * year, not overlapping another freeze, starting today or later and before the end; the end moves
 * by `days` (refused with 409 MEMBERSHIP_OVERLAP when that runs into the member's next membership).
 */
export async function pause(
  em: EntityManager,
  membershipId: string,
  plan: Plan,
  input: { startsOn: string; days: number; today: string; actor: string },
): Promise<Membership> {
  return em.transactional(async (tx) => {
    const m = await lockMembership(tx, membershipId);
    const freezes = await freezesOf(tx, [m]);
    const status = effectiveStatus(m, freezes, input.today);
    if (status !== 'active' && status !== 'paused')
      throw new DomainError('INVALID_STATE_TRANSITION', `The membership is ${status}`);
    if (plan.freezeMaxDaysPerYear === 0) throw freezeRefused('The plan allows no freezes');
    if (input.startsOn < input.today || input.startsOn < m.startsOn || input.startsOn >= m.endsOn)
      throw freezeRefused('A freeze starts today or later, within the membership', 'body.startsOn');
    if (input.days < plan.freezeMinDays)
      throw freezeRefused(`A freeze lasts at least ${plan.freezeMinDays} days`);
    const endsOn = addDays(input.startsOn, input.days);
    if (freezes.some((f) => f.startsOn < endsOn && input.startsOn < f.endsOn))
      throw freezeRefused('It overlaps another freeze', 'body.startsOn');
    const year = yearIndex(m, input.startsOn);
    const used = freezes
      .filter((f) => yearIndex(m, f.startsOn) === year)
      .reduce((sum, f) => sum + daysBetween(f.startsOn, f.endsOn), 0);
    if (used + input.days > plan.freezeMaxDaysPerYear)
      throw freezeRefused(
        `The plan allows ${plan.freezeMaxDaysPerYear} freeze days a year; ${used} are used this membership year`,
      );
    tx.create(MembershipFreeze, {
      tenantId: m.tenantId,
      membershipId: m.id,
      startsOn: input.startsOn,
      endsOn,
    });
    m.endsOn = addDays(m.endsOn, input.days);
    record(tx, m, 'paused', input.actor, { startsOn: input.startsOn, days: input.days, endsOn: m.endsOn });
    await flushDays(tx);
    return m;
  });
}

/**
 * Ends the current (or cancels the next) freeze today: the days not used come off the end again. A
 * freeze lasts at least the plan's minimum, so resuming earlier is refused.
 */
export async function resume(
  em: EntityManager,
  membershipId: string,
  plan: Plan,
  input: { today: string; actor: string },
): Promise<Membership> {
  return em.transactional(async (tx) => {
    const m = await lockMembership(tx, membershipId);
    const freezes = await freezesOf(tx, [m]);
    const f = freezes.find((x) => input.today < x.endsOn);
    if (m.status !== 'active' || !f)
      throw new DomainError('INVALID_STATE_TRANSITION', 'The membership has no current or coming freeze');
    const kept = f.startsOn > input.today ? 0 : daysBetween(f.startsOn, input.today);
    if (kept > 0 && kept < plan.freezeMinDays)
      throw freezeRefused(`A freeze lasts at least ${plan.freezeMinDays} days`, 'params.id');
    const unused = daysBetween(f.startsOn, f.endsOn) - kept;
    if (kept === 0) tx.remove(f);
    else f.endsOn = input.today;
    m.endsOn = addDays(m.endsOn, -unused);
    record(tx, m, 'resumed', input.actor, { days: kept, endsOn: m.endsOn });
    await flushDays(tx);
    return m;
  });
}

/** Cancels a membership (its days free for another); money goes back only through a refund in payments. */
export async function cancel(
  em: EntityManager,
  membershipId: string,
  input: { reason: string; actor: string },
): Promise<Membership> {
  return em.transactional(async (tx) => {
    const m = await lockMembership(tx, membershipId);
    if (m.status === 'cancelled')
      throw new DomainError('INVALID_STATE_TRANSITION', 'The membership is cancelled');
    m.status = 'cancelled';
    m.cancelledReason = input.reason;
    record(tx, m, 'cancelled', input.actor, { reason: input.reason });
    await tx.flush();
    return m;
  });
}

export { record as recordMembershipEvent };
