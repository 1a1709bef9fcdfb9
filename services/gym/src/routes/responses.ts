/**
 * What the gym API answers, one schema per resource, each the shape of its presenter (domain/*).
 * Money is minor units as a decimal string with its currency; instants ISO 8601 UTC; days YYYY-MM-DD.
 */
import Joi from 'joi';
import { uuid } from '@faena/platform';
import {
  BOOKING_PENALTIES,
  BOOKING_STATUSES,
  MEMBERSHIP_STATUSES,
  OCCURRENCE_STATUSES,
  PAYMENT_METHODS,
  PLAN_KINDS,
} from '../domain/entities.ts';
import { WAITLIST_STATUSES } from '../domain/waitlist-entities.ts';

const iso = Joi.string().isoDate();
const day = Joi.string().pattern(/^\d{4}-\d{2}-\d{2}$/);
const minor = Joi.string().pattern(/^\d+$/).description('minor units as a decimal string');
const nullable = <T extends Joi.Schema>(s: T) => s.allow(null).required();

export const memberOut = Joi.object({
  id: uuid.required(),
  branchId: uuid.required(),
  userId: nullable(uuid),
  firstName: Joi.string().required(),
  lastName: Joi.string().required(),
  email: nullable(Joi.string()),
  phone: nullable(Joi.string()),
  document: nullable(Joi.string()),
  birthDate: nullable(day),
  emergencyContact: nullable(
    Joi.object({
      name: Joi.string().required(),
      phone: Joi.string().required(),
      relation: Joi.string(),
    }),
  ),
  createdAt: iso.required(),
  updatedAt: iso.required(),
});

export const healthOut = Joi.object({
  memberId: uuid.required(),
  healthNotes: nullable(Joi.string().allow('')),
});

export const priceOut = Joi.object({
  branchId: uuid.required(),
  amount: minor.required(),
  currency: Joi.string().required(),
});

export const planOut = Joi.object({
  id: uuid.required(),
  name: Joi.string().required(),
  kind: Joi.string()
    .valid(...PLAN_KINDS)
    .required(),
  sessions: nullable(Joi.number().integer()),
  validityDays: nullable(Joi.number().integer()),
  freeze: Joi.object({
    maxDaysPerYear: Joi.number().integer().required(),
    minDays: Joi.number().integer().required(),
  }).required(),
  classTypeIds: Joi.array().items(uuid).required(),
  active: Joi.boolean().required(),
  lateCancelFee: nullable(minor),
  noShowFee: nullable(minor),
  prices: Joi.array().items(priceOut).required(),
  createdAt: iso.required(),
});

export const membershipOut = Joi.object({
  id: uuid.required(),
  memberId: uuid.required(),
  planId: uuid.required(),
  branchId: uuid.required(),
  status: Joi.string()
    .valid(...MEMBERSHIP_STATUSES)
    .required()
    .description(
      'pending_payment until payments captured it; active, paused (a freeze covers today), expired (past its end) or cancelled',
    ),
  startsOn: day.required(),
  endsOn: day.required().description('exclusive: the first day it no longer covers'),
  sessionsLeft: nullable(Joi.number().integer()),
  amount: minor.required(),
  currency: Joi.string().required(),
  payment: Joi.object({
    method: Joi.string()
      .valid(...PAYMENT_METHODS)
      .required(),
    id: nullable(uuid),
    checkoutUrl: nullable(Joi.string()),
    drawerId: nullable(uuid).description("cash: payments' reception drawer whose open cash session took it"),
  }).required(),
  freezes: Joi.array()
    .items(Joi.object({ startsOn: day.required(), endsOn: day.required() }))
    .required(),
  cancelledReason: nullable(Joi.string()),
  autoRenew: Joi.boolean()
    .required()
    .description("the member's consent to be charged from their wallet each period (renewal)"),
  createdAt: iso.required(),
});

export const membershipEventOut = Joi.object({
  id: uuid.required(),
  type: Joi.string().required(),
  data: Joi.object().unknown().required(),
  createdBy: nullable(uuid),
  createdAt: iso.required(),
});

export const settingsOut = Joi.object({
  bookingOpensDays: Joi.number().integer().required(),
  bookingClosesMinutes: Joi.number().integer().required(),
  cancelHours: Joi.number().integer().required(),
  timeZone: Joi.string().required(),
  offerHoldMinutes: Joi.number().integer().required(),
  noShowGraceMinutes: Joi.number().integer().required(),
});

export const classTypeOut = Joi.object({
  id: uuid.required(),
  name: Joi.string().required(),
  description: Joi.string().allow('').required(),
  createdAt: iso.required(),
});

export const scheduleOut = Joi.object({
  id: uuid.required(),
  branchId: uuid.required(),
  classTypeId: uuid.required(),
  trainerId: nullable(uuid),
  room: Joi.string().allow('').required(),
  weekday: Joi.number().integer().min(1).max(7).required(),
  startTime: Joi.string().required(),
  durationMinutes: Joi.number().integer().required(),
  capacity: Joi.number().integer().required(),
  timeZone: Joi.string().required(),
  startsOn: day.required(),
  endsOn: nullable(day),
  createdAt: iso.required(),
});

export const occurrenceOut = Joi.object({
  id: uuid.required(),
  scheduleId: uuid.required(),
  branchId: uuid.required(),
  classTypeId: uuid.required(),
  trainerId: nullable(uuid),
  room: Joi.string().allow('').required(),
  startsAt: iso.required(),
  endsAt: iso.required(),
  localDate: day.required(),
  capacity: Joi.number().integer().required(),
  booked: Joi.number().integer().required(),
  held: Joi.number().integer().required().description('seats held for the waitlist (offers being decided)'),
  seatsLeft: Joi.number().integer().required(),
  status: Joi.string()
    .valid(...OCCURRENCE_STATUSES)
    .required(),
  cancelledReason: nullable(Joi.string()),
});

export const bookingOut = Joi.object({
  id: uuid.required(),
  occurrenceId: uuid.required(),
  memberId: uuid.required(),
  membershipId: uuid.required(),
  branchId: uuid.required(),
  status: Joi.string()
    .valid(...BOOKING_STATUSES)
    .required(),
  sessionConsumed: Joi.boolean().required(),
  lateCancel: Joi.boolean().required(),
  cancelledAt: nullable(iso),
  attendedAt: nullable(iso),
  noShow: Joi.boolean().required(),
  penalty: nullable(Joi.string().valid(...BOOKING_PENALTIES)),
  penaltyAmount: nullable(minor),
  penaltyCurrency: nullable(Joi.string()),
  penaltyPaymentId: nullable(uuid),
  feeConsent: Joi.boolean()
    .required()
    .description(
      "booked by the member with their own token: a late cancel's or no-show's fee of the plan is charged to their wallet by the class's process",
    ),
  confirmedAt: nullable(iso),
  createdAt: iso.required(),
});

export const waitlistEntryOut = Joi.object({
  id: uuid.required(),
  occurrenceId: uuid.required(),
  memberId: uuid.required(),
  branchId: uuid.required(),
  status: Joi.string()
    .valid(...WAITLIST_STATUSES)
    .required(),
  position: nullable(Joi.number().integer().min(1)).description('1 = the next seat is theirs'),
  offeredAt: nullable(iso),
  offerExpiresAt: nullable(iso),
  bookingId: nullable(uuid),
  createdAt: iso.required(),
});

/** A booking (a seat was free) or, when the class was full and the caller asked to wait, a waitlist entry. */
export const bookingOrEntryOut = Joi.alternatives().try(bookingOut, waitlistEntryOut);
