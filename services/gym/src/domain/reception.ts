/**
 * Reception: members in and out at the door.
 *
 * **The QR token** a member shows is `fc1.<passId>.<expires>.<mac>`: the id of a pass row, its
 * expiry (Unix seconds) and `HMAC-SHA256(CHECKIN_TOKEN_SECRET, "fc1.<tenant>.<passId>.<expires>")`
 * in hex. It carries no personal data (the pass row knows the member), the MAC binds it to the
 * business (another business's token does not verify) and is compared in constant time, and a
 * pass is used once: the check-in consumes it with one conditional `update … where used_at is null
 * and expires_at > now()` in the transaction of the visit, so two scans of one token (two desks, two
 * replicas) open one visit and the second is 409 `CHECKIN_TOKEN_USED`.
 *
 * A visit needs a membership that covers today (active, not frozen); one visit per member is open
 * at a time (partial unique index), and a visit left open longer than `STALE_VISIT_HOURS` (a
 * forgotten check-out) is closed by the member's next check-in and no longer counts as inside.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, hmacHex, notFound, safeEqualHex } from '@faena/platform';
import { todayIn } from './dates.ts';
import { Booking, ClassOccurrence, Membership, type Member } from './entities.ts';
import { isUniqueViolation } from '@faena/platform';
import { effectiveStatus, freezesOf } from './memberships.ts';
import { CheckIn, CheckinPass, type CheckinMethod } from './reception-entities.ts';
import { CHECK_IN_OPENS_MINUTES, markAttended } from './waitlist.ts';

export const TOKEN_VERSION = 'fc1';
const TOKEN = /^fc1\.([0-9a-f-]{36})\.(\d{1,12})\.([0-9a-f]{64})$/;
/** A visit open longer than this is a forgotten check-out: not inside, closed by the next check-in. */
export const STALE_VISIT_HOURS = 12;
const HOUR = 3_600_000;

export interface TokenConfig {
  secret: string;
  ttlSeconds: number;
}

const macOf = (secret: string, tenantId: string, passId: string, expires: number) =>
  hmacHex(secret, `${TOKEN_VERSION}.${tenantId}.${passId}.${expires}`);

/** A new pass for the member and its signed token (what the QR encodes). */
export async function issuePass(
  em: EntityManager,
  cfg: TokenConfig,
  member: Member,
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const expires = Math.floor(now.getTime() / 1000) + cfg.ttlSeconds;
  const pass = em.create(CheckinPass, {
    id: randomUUID(),
    tenantId: member.tenantId,
    memberId: member.id,
    expiresAt: new Date(expires * 1000),
  });
  await em.flush();
  const token = `${TOKEN_VERSION}.${pass.id}.${expires}.${macOf(cfg.secret, member.tenantId, pass.id, expires)}`;
  return { token, expiresAt: pass.expiresAt };
}

const invalid = () =>
  new DomainError('CHECKIN_TOKEN_INVALID', 'Not a check-in code of this business', { field: 'body.token' });

/** The pass a token names, once its signature holds (constant time) and it has not expired. */
export function verifyToken(
  cfg: TokenConfig,
  tenantId: string,
  token: string,
  now: Date,
): { passId: string; expiresAt: Date } {
  const m = TOKEN.exec(token);
  if (!m) throw invalid();
  const [, passId, exp, mac] = m as unknown as [string, string, string, string];
  const expires = Number(exp);
  if (!safeEqualHex(mac, macOf(cfg.secret, tenantId, passId, expires))) throw invalid();
  if (expires * 1000 <= now.getTime())
    throw new DomainError('CHECKIN_TOKEN_EXPIRED', 'The check-in code expired: show a new one', {
      field: 'body.token',
    });
  return { passId, expiresAt: new Date(expires * 1000) };
}

/** The membership that lets the member in today (active and not frozen), or 422 MEMBERSHIP_REQUIRED. */
async function coveringMembership(em: EntityManager, memberId: string, today: string): Promise<Membership> {
  const ms = await em.find(
    Membership,
    { memberId, status: 'active', startsOn: { $lte: today }, endsOn: { $gt: today } },
    { orderBy: { startsOn: 'asc' } },
  );
  const freezes = await freezesOf(em, ms);
  const m = ms.find((x) => effectiveStatus(x, freezes, today) === 'active');
  if (!m)
    throw new DomainError(
      'MEMBERSHIP_REQUIRED',
      ms.length ? 'The membership is frozen today' : 'No membership of the member covers today',
    );
  return m;
}

export const presentCheckIn = (c: CheckIn) => ({
  id: c.id,
  branchId: c.branchId,
  memberId: c.memberId,
  membershipId: c.membershipId,
  method: c.method,
  reason: c.reason ?? null,
  checkedInAt: c.checkedInAt.toISOString(),
  checkedOutAt: c.checkedOutAt?.toISOString() ?? null,
  attendedBookingId: c.attendedBookingId ?? null,
  createdBy: c.createdBy ?? null,
});

export interface CheckInInput {
  branchId: string;
  timeZone: string;
  now: Date;
  actor: string;
}

/**
 * Opens a visit in `tx` (the caller's transaction, where a QR pass was consumed): closes a stale
 * one first; a fresh open visit is 409 ALREADY_CHECKED_IN.
 */
async function openVisit(
  tx: EntityManager,
  memberId: string,
  input: CheckInInput & { method: CheckinMethod; reason: string | null; passId: string | null },
): Promise<CheckIn> {
  const membership = await coveringMembership(tx, memberId, todayIn(input.timeZone, input.now));
  const open = await tx.findOne(CheckIn, { memberId, checkedOutAt: null });
  if (open) {
    if (input.now.getTime() - open.checkedInAt.getTime() < STALE_VISIT_HOURS * HOUR)
      throw new DomainError('ALREADY_CHECKED_IN', 'The member is checked in already: check them out first');
    open.checkedOutAt = input.now;
    open.checkedOutBy = input.actor;
    await tx.flush();
  }
  const c = tx.create(CheckIn, {
    branchId: input.branchId,
    memberId,
    membershipId: membership.id,
    method: input.method,
    reason: input.reason,
    passId: input.passId,
    checkedInAt: input.now,
  });
  try {
    await tx.flush();
  } catch (err) {
    if (isUniqueViolation(err, 'check_ins_open_unique'))
      throw new DomainError('ALREADY_CHECKED_IN', 'The member is checked in already: check them out first');
    throw err;
  }
  return c;
}

/**
 * Verifies a token and consumes its pass in `tx`: one conditional update, so of two scans of one
 * code the second finds it used (409 CHECKIN_TOKEN_USED) whichever replica runs it.
 */
export async function consumeToken(
  tx: EntityManager,
  cfg: TokenConfig,
  tenantId: string,
  token: string,
  now: Date,
): Promise<CheckinPass> {
  const { passId } = verifyToken(cfg, tenantId, token, now);
  const claimed = await tx.nativeUpdate(
    CheckinPass,
    { tenantId, id: passId, usedAt: null, expiresAt: { $gt: now } },
    { usedAt: now },
  );
  const pass = await tx.findOne(CheckinPass, { id: passId }, { refresh: true });
  if (!pass) throw invalid();
  if (claimed === 1) return pass;
  if (pass.usedAt)
    throw new DomainError('CHECKIN_TOKEN_USED', 'This check-in code was used already: show a new one', {
      field: 'body.token',
    });
  throw new DomainError('CHECKIN_TOKEN_EXPIRED', 'The check-in code expired: show a new one', {
    field: 'body.token',
  });
}

/**
 * A QR check-in: the token verified, its pass consumed and the visit opened in one transaction, so
 * a refused visit (no membership) leaves the code usable until it expires.
 */
export function checkInWithToken(
  em: EntityManager,
  cfg: TokenConfig,
  tenantId: string,
  token: string,
  input: CheckInInput,
): Promise<CheckIn> {
  return em.transactional(async (tx) => {
    const pass = await consumeToken(tx, cfg, tenantId, token, input.now);
    return openVisit(tx, pass.memberId, { ...input, method: 'qr', reason: null, passId: pass.id });
  });
}

/** A check-in without the code (the member forgot their phone), with the reason on record. */
export function checkInManually(
  em: EntityManager,
  member: Member,
  input: CheckInInput & { reason: string },
): Promise<CheckIn> {
  return em.transactional((tx) => openVisit(tx, member.id, { ...input, method: 'manual', passId: null }));
}

/** Closes the member's open visit (409 NOT_CHECKED_IN when there is none). */
export async function checkOut(
  em: EntityManager,
  memberId: string,
  input: { now: Date; actor: string },
): Promise<CheckIn> {
  const open = await em.findOne(CheckIn, { memberId, checkedOutAt: null });
  if (!open) throw new DomainError('NOT_CHECKED_IN', 'The member is not checked in');
  open.checkedOutAt = input.now;
  open.checkedOutBy = input.actor;
  await em.flush();
  return open;
}

/** Members inside a branch now: open visits younger than `STALE_VISIT_HOURS`. */
export async function occupancyOf(em: EntityManager, branchId: string, now: Date): Promise<number> {
  return em.count(CheckIn, {
    branchId,
    checkedOutAt: null,
    checkedInAt: { $gt: new Date(now.getTime() - STALE_VISIT_HOURS * HOUR) },
  });
}

export async function loadCheckIn(em: EntityManager, id: string): Promise<CheckIn> {
  const c = await em.findOne(CheckIn, { id });
  if (!c) throw notFound('Check-in');
  return c;
}

/**
 * Attendance from the door: a member who checks in while booked in a class of this branch that
 * starts within `CHECK_IN_OPENS_MINUTES` (or is under way) is marked attended (`markAttended`,
 * waitlist.ts); the visit names the booking. Nothing to mark is no error.
 */
export async function attendFromDoor(em: EntityManager, visit: CheckIn, now: Date): Promise<CheckIn> {
  const booked = await em.find(Booking, {
    memberId: visit.memberId,
    branchId: visit.branchId,
    status: 'booked',
    attendedAt: null,
    noShow: false,
  });
  if (!booked.length) return visit;
  const next = await em.findOne(
    ClassOccurrence,
    {
      id: { $in: booked.map((b) => b.occurrenceId) },
      status: 'scheduled',
      startsAt: { $lte: new Date(now.getTime() + CHECK_IN_OPENS_MINUTES * 60_000) },
      endsAt: { $gte: now },
    },
    { orderBy: { startsAt: 'asc' } },
  );
  const booking = next && booked.find((b) => b.occurrenceId === next.id);
  if (!booking) return visit;
  try {
    await markAttended(em, booking.id, { now });
  } catch (err) {
    if (err instanceof DomainError) return visit; // settled meanwhile (a no-show, a cancel)
    throw err;
  }
  visit.attendedBookingId = booking.id;
  await em.flush();
  return visit;
}
