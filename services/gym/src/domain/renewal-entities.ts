/**
 * What the renewal process recorded of each cycle of a membership (one row per membership and
 * cycle, unique): the result of its charge — `renewed` with the payment, or `expired` / `cancelled`
 * when the chain ended — the tries, the last refusal, and the period it paid for.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idProperty, moneyProperty, tenantProperty } from '@faena/platform';

export const RENEWAL_RESULTS = ['renewed', 'expired', 'cancelled'] as const;
export type RenewalResult = (typeof RENEWAL_RESULTS)[number];

export const MembershipRenewal = defineEntity({
  name: 'MembershipRenewal',
  tableName: 'membership_renewals',
  properties: {
    ...idProperty,
    ...tenantProperty,
    membershipId: p.uuid().index(),
    /** 1: the first renewal after the purchase. */
    cycle: p.integer(),
    result: p.enum(RENEWAL_RESULTS),
    /** The payments service's payment of the cycle (null: nothing was charged). */
    paymentId: p.uuid().nullable(),
    planId: p.uuid(),
    /** What was charged (minor units; 0 when a credit covered it or nothing was charged). */
    amount: moneyProperty(),
    currency: p.string().length(3),
    /** The period it paid for (renewed) or the day it ended. */
    startsOn: p.string().columnType('date'),
    endsOn: p.string().columnType('date'),
    reason: p.string().length(300).nullable(),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});
export type MembershipRenewal = InferEntity<typeof MembershipRenewal>;
