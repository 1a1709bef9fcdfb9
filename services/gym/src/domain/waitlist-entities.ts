/**
 * The waitlist of a full class (`Migration20261206110000_waitlist`): entries in arrival order (the
 * column `seq`, an identity the database draws, read through SQL only), one live entry (waiting or
 * offered) per member and class. An offered entry holds one of the class's `held` seats until it is
 * accepted (booked), declined, or its offer expires.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, tenantProperty } from '@faena/platform';

export const WAITLIST_STATUSES = [
  /** In line. */
  'waiting',
  /** Offered a held seat until `offerExpiresAt`. */
  'offered',
  /** Accepted the offer: `bookingId` is the seat. */
  'booked',
  /** Let the offer pass its time. */
  'expired',
  'declined',
  /** Left the line (the member or the desk). */
  'left',
  /** The booking window closed before a seat came. */
  'closed',
  /** The class was cancelled. */
  'cancelled',
] as const;
export type WaitlistStatus = (typeof WAITLIST_STATUSES)[number];
export const LIVE_WAITLIST_STATUSES = ['waiting', 'offered'] as const;

export const WaitlistEntry = defineEntity({
  name: 'WaitlistEntry',
  tableName: 'waitlist_entries',
  properties: {
    ...idProperty,
    ...tenantProperty,
    occurrenceId: p.uuid(),
    memberId: p.uuid().index(),
    /** The occurrence's branch, copied: entries are branch records. */
    branchId: p.uuid(),
    status: p.enum(WAITLIST_STATUSES).default('waiting'),
    offeredAt: p.datetime().columnType('timestamptz').nullable(),
    offerExpiresAt: p.datetime().columnType('timestamptz').nullable(),
    bookingId: p.uuid().nullable(),
    ...auditProperties,
  },
});
export type WaitlistEntry = InferEntity<typeof WaitlistEntry>;

/**
 * The waitlist's outbox (`Migration20261208100000_waitlist_outbox`): an occurrence whose process
 * must look again, recorded in the transaction of the change (`domain/waitlist-outbox.ts`). Pending
 * while `signalled < version`; read and written through SQL only.
 */
export const WaitlistOutbox = defineEntity({
  name: 'WaitlistOutbox',
  tableName: 'waitlist_outbox',
  properties: {
    occurrenceId: p.uuid().primary(),
    ...tenantProperty,
    version: p.integer().default(1),
    signalled: p.integer().default(0),
    changedAt: p.datetime().columnType('timestamptz'),
  },
});
export type WaitlistOutbox = InferEntity<typeof WaitlistOutbox>;
