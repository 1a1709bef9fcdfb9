/**
 * The renewal process's contract: one entity workflow per renewable subscription (a gym membership
 * today, a café's SaaS plan later), from one period to the next, continued as new each cycle.
 * Generic on purpose: the input names what is sold, who pays, the price and the seller's task queue;
 * the seller implements `RenewalSellerActivities` there (gym: services/gym/src/renewal.ts) and the
 * workflow never knows its tables. Constants, types and message definitions only: safe anywhere.
 *
 *   client.workflow.start<RenewalWorkflow>(RENEWAL_WORKFLOW_TYPE, { taskQueue: RENEWAL_TASK_QUEUE, … })
 *
 * Calendar days are `YYYY-MM-DD` in the seller's time zone; amounts are minor units as decimal strings.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { TASK_QUEUES } from '../queues.ts';

export const RENEWAL_WORKFLOW_TYPE = 'renewal';
export const RENEWAL_TASK_QUEUE = TASK_QUEUES.workflows;
/** The gym worker's queue: the gym's activities of every process (renewal's seller side among them). */
export const GYM_TASK_QUEUE = TASK_QUEUES.gym;
/** One chain per subscription: every cycle continues as new under the same id. */
export const renewalWorkflowId = (tenantId: string, subscriptionId: string): string =>
  `renewal/${tenantId}/${subscriptionId}`;
/** The charge of a cycle (and of a plan change within it): the payments idempotency key. */
export const renewalChargeKey = (subscriptionId: string, cycle: number, step?: string): string =>
  `renewal:${subscriptionId}:${cycle}${step ? `:${step}` : ''}`;

/** What is sold, as the seller names it (a plan of a membership, a SaaS plan). */
export interface RenewalItem {
  planId: string;
  planName: string;
  /** Price of one period: minor units as a decimal string. */
  amount: string;
  currency: string;
}

/**
 * Where and how a cycle is charged when it is not the payer's wallet in the subscription's own
 * business: a café's SaaS plan is sold by the platform, so its charges are MercadoPago checkouts in
 * the platform's books (`tenantId`), paid by the café's owner (issue 18).
 */
export interface RenewalCharge {
  tenantId: string;
  method: 'mercadopago';
}

export interface RenewalInput {
  tenantId: string;
  /** The seller's id of what renews (a gym membership id). */
  subscriptionId: string;
  /** Who sells: the task queue serving `RenewalSellerActivities`, its name in messages and `purpose` of its charges. */
  seller: { taskQueue: string; name: string; purpose: string };
  /** Who pays (an identity user) and their name (summary only). */
  payer: { userId: string; name: string };
  /** The subscriber named in messages (a member), when it is not the payer's name. */
  subscriberName?: string;
  item: RenewalItem;
  /** The branch the charges belong to (payments' branch scope), if any. */
  branchId?: string | null;
  /** The seller's calendar (IANA zone): reminder and charge days are days there. */
  timeZone: string;
  locale?: string;
  /** The current period `[periodStart, periodEnd)`; `periodEnd` is the renewal date. */
  periodStart: string;
  periodEnd: string;
  /** The cycle the next charge pays for (1: the first renewal after the purchase). */
  cycle: number;
  /** Reminder this many days before the renewal date (default 3; 0: none). */
  reminderDays?: number;
  /** Dunning: days after the renewal date the declined charge is tried again (default [1, 3]: 3 tries in all). */
  retryDays?: number[];
  /** Carried over continue-as-new. */
  cancelAtPeriodEnd?: boolean;
  /**
   * Credit of a downgrade taken off the next charge (minor units). Provider charges: negative when an
   * upgrade's pro-rated difference is owed with the next charge.
   */
  credit?: string;
  /** When the chain began (ISO): outcomes measure lateness per cycle, this names the chain. */
  chainStartedAt?: string;
  /**
   * Provider charges (SaaS plans): each try is a checkout the payer pays (told with its link);
   * the last try unpaid suspends the subscription at the seller (`renewalSuspended`) and the chain
   * waits `suspended` for the payment, which reactivates it. Absent: the payer's wallet, here.
   */
  charge?: RenewalCharge;
  /** The messages' family: `membership.*` (default) or `subscription.*` (SaaS plans). */
  events?: 'membership' | 'subscription';
  /** This period is a trial (the reminder says the trial ends); not carried over continue-as-new. */
  trial?: boolean;
}

export type RenewalState =
  /** Waiting for the renewal date (the member may pause, cancel at period end, change plan). */
  | 'active'
  /** The renewal date came and the charge was declined: dunning tries again. */
  | 'past_due'
  /** Cancelled at period end: the period ran out and nothing was charged. */
  | 'cancelled'
  /** Every dunning try was declined: the subscription ended unpaid. */
  | 'expired'
  /** The seller ended it (cancelled at the desk, auto-renew turned off, no longer renewable). */
  | 'ended'
  /**
   * The cycle was charged, the seller refused the next period and the refund failed: the money is
   * the payer's and waits for an operator's `retryRefund` (or the hourly automatic retry), with the
   * same idempotency key. Ends `cancelled` once refunded.
   */
  | 'refund_pending'
  /**
   * Provider charges only: every try went unpaid, the seller suspended the subscription (a business
   * on a SaaS plan), and the chain waits for the payment of the open checkout, which reactivates it.
   */
  | 'suspended';

export const FINAL_RENEWAL_STATES: readonly RenewalState[] = ['cancelled', 'expired', 'ended'];

export interface RenewalStatus {
  state: RenewalState;
  subscriptionId: string;
  cycle: number;
  plan: { id: string; name: string };
  amount: string;
  currency: string;
  /** The charge the next renewal will make (the amount less any credit). */
  nextCharge: string;
  credit: string;
  periodStart: string;
  periodEnd: string;
  /** ISO instant of the next charge try, when one is planned. */
  nextChargeAt: string | null;
  cancelAtPeriodEnd: boolean;
  /**
   * A plan change decided for the period, applied at once (pro-rated). Provider charges: `charged`
   * is added to the next renewal's checkout, not paid at the change.
   */
  lastPlanChange: { from: string; to: string; charged: string; credited: string } | null;
  /** Tries of the current cycle's charge so far and the last refusal. */
  attempts: number;
  lastFailure: { code: string; reason: string } | null;
  paymentId: string | null;
  /** Provider charges: the payer's checkout link of the open payment, while one waits. */
  checkoutUrl?: string | null;
  /** A refund that failed and waits (`refund_pending`): what is owed, since when, tries so far, the last error. */
  refund: { paymentId: string; amount: string; since: string; attempts: number; reason: string } | null;
  /** What an operator may do now (`retryRefund` while a refund is pending), else null. */
  operatorAction: 'retryRefund' | null;
  /** One line a support person reads (names, formatted amount, next date in the seller's zone). */
  summary: string;
}

/**
 * Pro-ration of a plan change in the middle of a period, computed by `prorate()` (proration.ts)
 * for the preview and again by the workflow when it applies it. `charge` is paid now; `credit`
 * comes off the next renewal.
 */
export interface PlanChangeQuote {
  fromPlanId: string;
  toPlanId: string;
  fromAmount: string;
  toAmount: string;
  currency: string;
  /** Days of the period left (from `today`) and its length. */
  daysLeft: number;
  periodDays: number;
  charge: string;
  credit: string;
}

export type RenewalWorkflow = (input: RenewalInput) => Promise<RenewalStatus>;

export const renewalStatusQuery = defineQuery<RenewalStatus>('renewalStatus');

/** Pauses the subscription from `startsOn` for `days`: the renewal date moves by the seller's answer. */
export const pauseRenewal = defineUpdate<
  RenewalStatus,
  [{ startsOn: string; days: number; actorId: string }]
>('pause');
/** Ends the current (or drops the coming) pause; the renewal date moves back by the unused days. */
export const resumeRenewal = defineUpdate<RenewalStatus, [{ actorId: string }]>('resume');
/** `cancel: true`: the period runs out and nothing more is charged; `false` takes it back. */
export const cancelAtPeriodEnd = defineUpdate<RenewalStatus, [{ actorId: string; cancel: boolean }]>(
  'cancelAtPeriodEnd',
);
/**
 * Moves to another plan now: the difference for the days left is charged (or credited to the next
 * renewal). `expectedCharge` / `expectedCredit` are what the caller was shown (the preview): a
 * different result refuses the change (`PRICE_CHANGED`) and charges nothing. Without them (a
 * caller that shows no preview: the SaaS plan's owner) the change takes the price of the day, and
 * the answer's `lastPlanChange` says it.
 */
export const changePlan = defineUpdate<
  RenewalStatus,
  [{ actorId: string; plan: RenewalItem; expectedCharge?: string; expectedCredit?: string }]
>('changePlan');

/**
 * An operator retries the pending refund now (same idempotency key: it never refunds twice).
 * `operatorId` must be a user of the tenant holding `RENEWAL_OPERATOR_PERMISSION` (identity checks
 * it); answers once the refund went through or failed again.
 */
export const retryRefund = defineUpdate<RenewalStatus, [{ operatorId: string; note?: string }]>(
  'retryRefund',
);
/** What an operator who retries a renewal's refund must hold (the refund is payments' own act). */
export const RENEWAL_OPERATOR_PERMISSION = 'payments.refund';

/** What the renewal needs of the seller (on `seller.taskQueue`). Refusals are typed non-retryable failures. */
export interface RenewalSellerActivities {
  /** The subscription as it stands: whether it still renews, its current period and item. */
  renewalDescribe(input: { tenantId: string; subscriptionId: string }): Promise<{
    renewable: boolean;
    /** Why it does not renew (cancelled, auto-renew off…). */
    reason: string | null;
    periodStart: string;
    periodEnd: string;
    item: RenewalItem;
  }>;
  /** The seller's own pause rules (gym: `pause()` of domain/memberships.ts); answers the new period end. */
  renewalPause(input: {
    tenantId: string;
    subscriptionId: string;
    startsOn: string;
    days: number;
    today: string;
    actorId: string;
  }): Promise<{ periodEnd: string }>;
  renewalResume(input: {
    tenantId: string;
    subscriptionId: string;
    today: string;
    actorId: string;
  }): Promise<{ periodEnd: string }>;
  /** Switches the item now (the money was settled by the workflow); once per key. */
  renewalChangePlan(input: {
    key: string;
    tenantId: string;
    subscriptionId: string;
    item: RenewalItem;
    paymentId: string | null;
    actorId: string;
  }): Promise<void>;
  /** The cycle is paid: the subscription covers the next period. Once per cycle; answers the new period. */
  renewalExtend(input: {
    tenantId: string;
    subscriptionId: string;
    cycle: number;
    paymentId: string;
    amount: string;
    item: RenewalItem;
  }): Promise<{ periodStart: string; periodEnd: string }>;
  /**
   * Provider charges: every try went unpaid; the seller suspends the subscription until it is paid
   * (`renewalExtend` of the same cycle then reactivates it). Idempotent. Sellers of wallet
   * renewals (the gym) never get it.
   */
  renewalSuspended?(input: {
    tenantId: string;
    subscriptionId: string;
    cycle: number;
    reason: string;
  }): Promise<void>;
  /**
   * Provider charges: the renewal date's try went unpaid; dunning goes on (the seller shows the
   * subscription past due until it is paid or suspended). Idempotent.
   */
  renewalPastDue?(input: {
    tenantId: string;
    subscriptionId: string;
    cycle: number;
    reason: string;
  }): Promise<void>;
  /** The chain is over (`expired`, `cancelled`): the seller records it and stops renewing. Idempotent. */
  renewalEnded(input: {
    tenantId: string;
    subscriptionId: string;
    cycle: number;
    state: 'expired' | 'cancelled';
    reason: string;
  }): Promise<void>;
}
