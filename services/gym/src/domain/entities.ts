/**
 * The gym's tables (schema `gym`). References to rows of this schema are plain uuid columns here;
 * the database holds them with composite `(tenant_id, x_id)` foreign keys, and the rules no entity
 * can say (one live membership per member and day, seats never above capacity, one booking per
 * member and class) are constraints of the migrations (`Migration20261204100000_constraints`).
 * Dates without a time (`date` columns) are `YYYY-MM-DD` strings in the branch's calendar.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import {
  auditProperties,
  idProperty,
  moneyProperty,
  softDeleteProperties,
  tenantProperty,
} from '@faena/platform';
import { WaitlistEntry, WaitlistOutbox } from './waitlist-entities.ts';
import { trainingEntities } from './training-entities.ts';
import { MembershipRenewal } from './renewal-entities.ts';
import { receptionEntities } from './reception-entities.ts';
import { storeEntities } from './store-entities.ts';
import { incidentEntities } from './incident-entities.ts';
import { lowStockEntities } from './low-stock-entities.ts';

/** A calendar day, `YYYY-MM-DD` (a `date` column). */
const day = () => p.string().columnType('date');

/** Each business's booking rules. */
export const GymSettings = defineEntity({
  name: 'GymSettings',
  tableName: 'settings',
  properties: {
    tenantId: p.uuid().primary(),
    /** A class opens for booking this many days before it starts. */
    bookingOpensDays: p.integer().default(7),
    /** ...and closes this many minutes before it starts. */
    bookingClosesMinutes: p.integer().default(30),
    /** A cancellation at least this many hours before the start gives a pack's session back. */
    cancelHours: p.integer().default(2),
    /** A seat offered to the waitlist is held this many minutes for the member to accept it. */
    offerHoldMinutes: p.integer().default(15),
    /** A booked member not checked in this many minutes after the start is a no-show. */
    noShowGraceMinutes: p.integer().default(15),
    /**
     * The calendar memberships count days in (today, expiry). Identity keeps the business's zone, but
     * no gym caller may read it yet; a schedule names its branch's own zone.
     */
    timeZone: p.string().length(64).default('UTC'),
    updatedAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type GymSettings = InferEntity<typeof GymSettings>;

export interface EmergencyContact {
  name: string;
  phone: string;
  relation?: string;
}

/** A member (the seed's "client") of a branch; optionally an identity user who logs in. */
export const Member = defineEntity({
  name: 'Member',
  tableName: 'members',
  properties: {
    ...idProperty,
    ...tenantProperty,
    /** The home branch (identity branch): staff see the members of the branches their grant covers. */
    branchId: p.uuid().index(),
    /** The identity user who logs in as this member (`client` role), if any. */
    userId: p.uuid().nullable(),
    firstName: p.string().length(100),
    lastName: p.string().length(100),
    email: p.string().length(254).nullable(),
    phone: p.string().length(40).nullable(),
    /** National id or passport, as written. */
    document: p.string().length(40).nullable(),
    birthDate: day().nullable(),
    emergencyContact: p.json<EmergencyContact>().nullable(),
    /** Readable only with `members.health`; never in the member's ordinary answer. */
    healthNotes: p.text().nullable().lazy(),
    ...auditProperties,
    ...softDeleteProperties,
  },
});
export type Member = InferEntity<typeof Member>;

export const PLAN_KINDS = ['monthly', 'yearly', 'drop_in', 'class_pack'] as const;
export type PlanKind = (typeof PLAN_KINDS)[number];

/** What a membership is sold as. Tenant-wide; its price is per branch (PlanPrice). */
export const Plan = defineEntity({
  name: 'Plan',
  tableName: 'plans',
  properties: {
    ...idProperty,
    ...tenantProperty,
    name: p.string().length(120),
    kind: p.enum(PLAN_KINDS),
    /** Sessions a class pack (or drop-in: 1) gives; null = unlimited classes. */
    sessions: p.integer().nullable(),
    /** Days a class pack is valid from its start (monthly, yearly and drop-in follow the calendar). */
    validityDays: p.integer().nullable(),
    /** Freeze rules: days a membership may be paused per year from its start, and the shortest freeze. */
    freezeMaxDaysPerYear: p.integer().default(0),
    freezeMinDays: p.integer().default(1),
    /** Class types it allows; empty = every class type. */
    classTypeIds: p.array().columnType('uuid[]').default([]),
    /** Charged (minor units) for a late cancel / a no-show of a plan without sessions; null: none. */
    lateCancelFee: moneyProperty().nullable(),
    noShowFee: moneyProperty().nullable(),
    active: p.boolean().default(true),
    ...auditProperties,
  },
});
export type Plan = InferEntity<typeof Plan>;

/** A plan's price in a branch, in minor units of the business's currency. */
export const PlanPrice = defineEntity({
  name: 'PlanPrice',
  tableName: 'plan_prices',
  properties: {
    ...idProperty,
    ...tenantProperty,
    planId: p.uuid().index(),
    branchId: p.uuid(),
    amount: moneyProperty(),
    currency: p.string().length(3),
    ...auditProperties,
  },
});
export type PlanPrice = InferEntity<typeof PlanPrice>;

export const MEMBERSHIP_STATUSES = ['pending_payment', 'active', 'paused', 'expired', 'cancelled'] as const;
export type MembershipStatus = (typeof MEMBERSHIP_STATUSES)[number];
/** The statuses that hold the member's days (no other membership may overlap them). */
export const LIVE_MEMBERSHIP_STATUSES = ['pending_payment', 'active', 'paused'] as const;
export const PAYMENT_METHODS = ['wallet', 'mercadopago', 'cash'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** A member's plan for a period `[startsOn, endsOn)`, paid through payments. */
export const Membership = defineEntity({
  name: 'Membership',
  tableName: 'memberships',
  properties: {
    ...idProperty,
    ...tenantProperty,
    memberId: p.uuid().index(),
    planId: p.uuid(),
    /** The branch that sold it (its price, its payment). */
    branchId: p.uuid(),
    status: p.enum(MEMBERSHIP_STATUSES).default('pending_payment'),
    startsOn: day(),
    /** Exclusive: the first day it no longer covers. Pauses push it. */
    endsOn: day(),
    /** A pack's sessions left (null: unlimited). */
    sessionsLeft: p.integer().nullable(),
    amount: moneyProperty(),
    currency: p.string().length(3),
    paymentMethod: p.enum(PAYMENT_METHODS),
    /** The payments service's payment (null until it answered). */
    paymentId: p.uuid().nullable(),
    /** The provider page a MercadoPago payment is paid on. */
    checkoutUrl: p.text().nullable(),
    /** Cash: payments' reception drawer whose open session took it (CHECK: cash only). */
    drawerId: p.uuid().nullable(),
    /** The purchase request's scoped Idempotency-Key: a retried purchase finds its membership. */
    purchaseKey: p.string().length(300),
    cancelledReason: p.string().length(300).nullable(),
    /** The member's consent to be charged from their wallet each period (the renewal workflow). */
    autoRenew: p.boolean().default(false),
    /** Who gave that consent: the member's own user (CHECK: set whenever autoRenew is). */
    autoRenewBy: p.uuid().nullable(),
    /** When its renewal workflow was started (null: still to start). */
    renewalStartedAt: p.datetime().columnType('timestamptz').nullable(),
    ...auditProperties,
  },
});
export type Membership = InferEntity<typeof Membership>;

/** A pause of a membership: `[startsOn, endsOn)`, the days it pushed the end by. */
export const MembershipFreeze = defineEntity({
  name: 'MembershipFreeze',
  tableName: 'membership_freezes',
  properties: {
    ...idProperty,
    ...tenantProperty,
    membershipId: p.uuid().index(),
    startsOn: day(),
    endsOn: day(),
    ...auditProperties,
  },
});
export type MembershipFreeze = InferEntity<typeof MembershipFreeze>;

/** What happened to a membership, in order (its history). */
export const MembershipEvent = defineEntity({
  name: 'MembershipEvent',
  tableName: 'membership_events',
  properties: {
    ...idProperty,
    ...tenantProperty,
    membershipId: p.uuid().index(),
    type: p.enum([
      'purchased',
      'activated',
      'payment_failed',
      'paused',
      'resumed',
      'cancelled',
      'session_used',
      'session_restored',
    ] as const),
    data: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    createdBy: p.uuid().nullable(),
  },
});
export type MembershipEvent = InferEntity<typeof MembershipEvent>;

export const ClassType = defineEntity({
  name: 'ClassType',
  tableName: 'class_types',
  properties: {
    ...idProperty,
    ...tenantProperty,
    name: p.string().length(120),
    description: p.text().default(''),
    ...auditProperties,
  },
});
export type ClassType = InferEntity<typeof ClassType>;

/** A recurring class: every `weekday` (1 = Monday … 7 = Sunday) at `startTime` in `timeZone`. */
export const ClassSchedule = defineEntity({
  name: 'ClassSchedule',
  tableName: 'class_schedules',
  properties: {
    ...idProperty,
    ...tenantProperty,
    branchId: p.uuid().index(),
    classTypeId: p.uuid(),
    /** The identity user who teaches it. */
    trainerId: p.uuid().nullable(),
    room: p.string().length(80).default(''),
    weekday: p.integer(),
    /** Local wall-clock time, `HH:mm`. */
    startTime: p.string().length(5),
    durationMinutes: p.integer(),
    capacity: p.integer(),
    /** The branch's IANA zone: occurrences are at `startTime` there, whatever its offset that day. */
    timeZone: p.string().length(64),
    startsOn: day(),
    endsOn: day().nullable(),
    ...auditProperties,
  },
});
export type ClassSchedule = InferEntity<typeof ClassSchedule>;

export const OCCURRENCE_STATUSES = ['scheduled', 'cancelled'] as const;

/** One class on the calendar; `booked` never exceeds `capacity` (a CHECK). */
export const ClassOccurrence = defineEntity({
  name: 'ClassOccurrence',
  tableName: 'class_occurrences',
  properties: {
    ...idProperty,
    ...tenantProperty,
    scheduleId: p.uuid().index(),
    branchId: p.uuid().index(),
    classTypeId: p.uuid(),
    trainerId: p.uuid().nullable(),
    room: p.string().length(80).default(''),
    startsAt: p.datetime().columnType('timestamptz'),
    endsAt: p.datetime().columnType('timestamptz'),
    /** Its calendar day in the branch's zone (what a membership must cover). */
    localDate: day(),
    capacity: p.integer(),
    booked: p.integer().default(0),
    /** Seats held for the waitlist (offers being decided): `booked + held <= capacity` (a CHECK). */
    held: p.integer().default(0),
    status: p.enum(OCCURRENCE_STATUSES).default('scheduled'),
    cancelledAt: p.datetime().columnType('timestamptz').nullable(),
    cancelledReason: p.string().length(300).nullable(),
    ...auditProperties,
  },
});
export type ClassOccurrence = InferEntity<typeof ClassOccurrence>;

export const BOOKING_STATUSES = ['booked', 'cancelled'] as const;
export const BOOKING_PENALTIES = ['session', 'fee_due', 'fee_paid'] as const;

/** A member's seat in a class, paid by a membership (a pack's session when it has them). */
export const Booking = defineEntity({
  name: 'Booking',
  tableName: 'bookings',
  properties: {
    ...idProperty,
    ...tenantProperty,
    occurrenceId: p.uuid().index(),
    memberId: p.uuid().index(),
    membershipId: p.uuid(),
    /** The occurrence's branch, copied: bookings are branch records. */
    branchId: p.uuid(),
    status: p.enum(BOOKING_STATUSES).default('booked'),
    /** Whether booking took one of the membership's pack sessions. */
    sessionConsumed: p.boolean().default(false),
    cancelledAt: p.datetime().columnType('timestamptz').nullable(),
    /** Cancelled later than the tenant's cancelHours: the session stays used. */
    lateCancel: p.boolean().default(false),
    /** Checked in to the class (staff or the door's QR). */
    attendedAt: p.datetime().columnType('timestamptz').nullable(),
    /** Not checked in by the start plus the tenant's grace. */
    noShow: p.boolean().default(false),
    /**
     * What a late cancel or a no-show cost: the pack's `session` (kept used), a fee owed
     * (`fee_due`, `penaltyAmount` in the plan's fee) or paid (`fee_paid`, `penaltyPaymentId`).
     */
    penalty: p.enum(BOOKING_PENALTIES).nullable(),
    penaltyAmount: moneyProperty().nullable(),
    penaltyCurrency: p.string().length(3).nullable(),
    penaltyPaymentId: p.uuid().nullable(),
    /** The waitlist entry whose accepted offer made this booking. */
    waitlistEntryId: p.uuid().nullable(),
    /** When the class's process confirmed it (`gym.booking_confirmed`, once; waitlist-outbox migration). */
    confirmedAt: p.datetime().columnType('timestamptz').nullable(),
    /** Booked by the member with their own token, told the fees: the process may charge them unattended. */
    feeConsent: p.boolean().default(false),
    /** The process's unattended fee charge was declined: the fee stays `fee_due` for the desk. */
    penaltyDeclinedAt: p.datetime().columnType('timestamptz').nullable(),
    ...auditProperties,
  },
});
export type Booking = InferEntity<typeof Booking>;

export const entities = [
  GymSettings,
  Member,
  Plan,
  PlanPrice,
  Membership,
  MembershipFreeze,
  MembershipEvent,
  ClassType,
  ClassSchedule,
  ClassOccurrence,
  Booking,
  WaitlistEntry,
  WaitlistOutbox,
  MembershipRenewal,
  ...trainingEntities,
  ...receptionEntities,
  ...storeEntities,
  ...incidentEntities,
  ...lowStockEntities,
];
