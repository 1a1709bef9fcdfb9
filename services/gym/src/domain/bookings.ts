/**
 * Bookings. The seat is taken in the database: `update class_occurrences set booked = booked + 1
 * where id = ? and booked < capacity` (the row lock serialises concurrent bookings of one class,
 * and a CHECK `booked <= capacity` is the backstop), in the same transaction as the booking row,
 * whose partial unique index allows one live booking per member and class. A class pack's session
 * is taken in that transaction too (`sessions_left > 0`, CHECK `>= 0`) and given back when the
 * booking is cancelled at least `cancelHours` before the start; a later cancel keeps it used.
 */
import { raw } from '@mikro-orm/core';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, notFound } from '@faena/platform';
import { recordMembershipEvent } from './memberships.ts';
import { Booking, ClassOccurrence, Membership, MembershipFreeze, Plan, type Member } from './entities.ts';
import { isUniqueViolation } from './errors.ts';
import type { Settings } from './settings.ts';

export const presentBooking = (b: Booking) => ({
  id: b.id,
  occurrenceId: b.occurrenceId,
  memberId: b.memberId,
  membershipId: b.membershipId,
  branchId: b.branchId,
  status: b.status,
  sessionConsumed: b.sessionConsumed,
  lateCancel: b.lateCancel,
  cancelledAt: b.cancelledAt?.toISOString() ?? null,
  createdAt: b.createdAt.toISOString(),
});

const MINUTE = 60_000;

/** Whether `now` is inside the class's booking window (opens N days before, closes M minutes before). */
export function bookingOpen(o: ClassOccurrence, settings: Settings, now: Date): boolean {
  const start = o.startsAt.getTime();
  return (
    now.getTime() >= start - settings.bookingOpensDays * 1440 * MINUTE &&
    now.getTime() <= start - settings.bookingClosesMinutes * MINUTE
  );
}

/**
 * The membership that pays for `member` in class `o`: active, covering the class's day (not frozen
 * then), its plan allowing the class type, sessions left when it counts them. Unlimited ones first.
 */
async function payingMembership(em: EntityManager, member: Member, o: ClassOccurrence): Promise<Membership> {
  const candidates = await em.find(
    Membership,
    { memberId: member.id, status: 'active', startsOn: { $lte: o.localDate }, endsOn: { $gt: o.localDate } },
    { orderBy: { startsOn: 'asc' } },
  );
  if (!candidates.length)
    throw new DomainError('MEMBERSHIP_REQUIRED', 'No membership of the member covers the day of this class');
  const frozen = new Set(
    (
      await em.find(MembershipFreeze, {
        membershipId: { $in: candidates.map((m) => m.id) },
        startsOn: { $lte: o.localDate },
        endsOn: { $gt: o.localDate },
      })
    ).map((f) => f.membershipId),
  );
  const plans = new Map(
    (await em.find(Plan, { id: { $in: candidates.map((m) => m.planId) } })).map((p) => [p.id, p]),
  );
  const allowed = candidates.filter((m) => {
    const types = plans.get(m.planId)?.classTypeIds ?? [];
    return !frozen.has(m.id) && (types.length === 0 || types.includes(o.classTypeId));
  });
  if (!allowed.length)
    throw new DomainError(
      'MEMBERSHIP_REQUIRED',
      frozen.size
        ? 'The membership is frozen on the day of this class'
        : "The member's plan does not include this class",
    );
  const usable =
    allowed.find((m) => m.sessionsLeft === null) ?? allowed.find((m) => (m.sessionsLeft ?? 0) > 0);
  if (!usable) throw new DomainError('NO_SESSIONS_LEFT', "The member's class pack has no sessions left");
  return usable;
}

const full = () => new DomainError('CLASS_FULL', 'The class is full');

export async function book(
  em: EntityManager,
  input: { occurrenceId: string; member: Member; settings: Settings; now: Date; actor: string },
  load: (tx: EntityManager, occurrenceId: string) => Promise<ClassOccurrence>,
): Promise<Booking> {
  const { member } = input;
  try {
    return await em.transactional(async (tx) => {
      const o = await load(tx, input.occurrenceId);
      if (o.status !== 'scheduled')
        throw new DomainError('INVALID_STATE_TRANSITION', 'The class was cancelled');
      if (!bookingOpen(o, input.settings, input.now))
        throw new DomainError(
          'BOOKING_WINDOW_CLOSED',
          `Bookings open ${input.settings.bookingOpensDays} days and close ${input.settings.bookingClosesMinutes} minutes before the class`,
        );
      if (o.booked >= o.capacity) throw full();
      const m = await payingMembership(tx, member, o);
      // The seat: the database decides, one booking at a time per class (row lock), never past capacity.
      const seated = await tx.nativeUpdate(
        ClassOccurrence,
        { id: o.id, status: 'scheduled', booked: { $lt: o.capacity } },
        { booked: raw('booked + 1') },
      );
      if (seated !== 1) throw full();
      const pack = m.sessionsLeft !== null;
      if (pack) {
        const taken = await tx.nativeUpdate(
          Membership,
          { id: m.id, sessionsLeft: { $gt: 0 } },
          { sessionsLeft: raw('sessions_left - 1') },
        );
        if (taken !== 1)
          throw new DomainError('NO_SESSIONS_LEFT', "The member's class pack has no sessions left");
        recordMembershipEvent(tx, m, 'session_used', input.actor, { occurrenceId: o.id });
      }
      const b = tx.create(Booking, {
        occurrenceId: o.id,
        memberId: member.id,
        membershipId: m.id,
        branchId: o.branchId,
        sessionConsumed: pack,
      });
      await tx.flush();
      return b;
    });
  } catch (err) {
    if (isUniqueViolation(err, 'bookings_live_unique'))
      throw new DomainError('ALREADY_EXISTS', 'The member is already booked in this class', {
        field: 'body.occurrenceId',
      });
    throw err;
  }
}

/**
 * Cancels a booking before the class starts: the seat is free again; a pack's session comes back
 * when it is at least `cancelHours` before the start (a later cancel is `lateCancel` and keeps it
 * used).
 */
export async function cancelBooking(
  em: EntityManager,
  bookingId: string,
  input: { settings: Settings; now: Date; actor: string },
  visible: (b: Booking) => boolean,
): Promise<Booking> {
  return em.transactional(async (tx) => {
    const b = await tx.findOne(
      Booking,
      { id: bookingId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    if (!b || !visible(b)) throw notFound('Booking');
    if (b.status !== 'booked') throw new DomainError('INVALID_STATE_TRANSITION', 'The booking is cancelled');
    const o = await tx.findOneOrFail(ClassOccurrence, { id: b.occurrenceId });
    if (input.now >= o.startsAt)
      throw new DomainError('BOOKING_WINDOW_CLOSED', 'The class has started: it can no longer be cancelled');
    const inTime = input.now.getTime() <= o.startsAt.getTime() - input.settings.cancelHours * 60 * MINUTE;
    b.status = 'cancelled';
    b.cancelledAt = input.now;
    b.lateCancel = !inTime;
    await tx.nativeUpdate(ClassOccurrence, { id: o.id, booked: { $gt: 0 } }, { booked: raw('booked - 1') });
    if (b.sessionConsumed && inTime) {
      await tx.nativeUpdate(Membership, { id: b.membershipId }, { sessionsLeft: raw('sessions_left + 1') });
      const m = await tx.findOneOrFail(Membership, { id: b.membershipId });
      recordMembershipEvent(tx, m, 'session_restored', input.actor, { bookingId: b.id });
    }
    await tx.flush();
    return b;
  });
}
