/**
 * Reception (`Migration20261206120000_reception_store_incidents`): the door's single-use check-in
 * passes and the visits they open. A pass is the row a member's QR token names (its id and expiry,
 * signed); consuming it is one conditional `update` (unused and unexpired), so a pass opens one
 * visit whichever replica scans it and however often. One open visit per member (partial unique).
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, tenantProperty } from '@faena/platform';

/** A QR check-in pass of a member: valid until `expiresAt`, used once (`usedAt`). */
export const CheckinPass = defineEntity({
  name: 'CheckinPass',
  tableName: 'checkin_passes',
  properties: {
    ...idProperty,
    ...tenantProperty,
    memberId: p.uuid().index(),
    expiresAt: p.datetime().columnType('timestamptz'),
    usedAt: p.datetime().columnType('timestamptz').nullable(),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});
export type CheckinPass = InferEntity<typeof CheckinPass>;

export const CHECKIN_METHODS = ['qr', 'manual'] as const;
export type CheckinMethod = (typeof CHECKIN_METHODS)[number];

/** A member's visit to a branch: in at the door (QR or manual with a reason), out when they leave. */
export const CheckIn = defineEntity({
  name: 'CheckIn',
  tableName: 'check_ins',
  properties: {
    ...idProperty,
    ...tenantProperty,
    branchId: p.uuid().index(),
    memberId: p.uuid().index(),
    /** The membership that covered the day. */
    membershipId: p.uuid(),
    method: p.enum(CHECKIN_METHODS),
    /** Why a manual check-in skipped the QR (required for manual ones). */
    reason: p.string().length(300).nullable(),
    /** The pass a QR check-in consumed. */
    passId: p.uuid().nullable(),
    checkedInAt: p.datetime().columnType('timestamptz'),
    checkedOutAt: p.datetime().columnType('timestamptz').nullable(),
    checkedOutBy: p.uuid().nullable(),
    /** The booking marked attended by this visit (a class starting soon), if any. */
    attendedBookingId: p.uuid().nullable(),
    ...auditProperties,
  },
});
export type CheckIn = InferEntity<typeof CheckIn>;

export const receptionEntities = [CheckinPass, CheckIn];
