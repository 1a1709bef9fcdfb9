/**
 * Bookings. The seat is taken in the database: `update class_occurrences set booked = booked + 1
 * where booked < capacity - held` (its row lock serialises concurrent bookings of one class; seats
 * held for the waitlist are not free; a CHECK `booked + held <= capacity` is the backstop), in the
 * same transaction as the booking row, whose partial unique index allows one live booking per
 * member and class. A full class answers 409 CLASS_FULL, or, when the caller asked to wait
 * (`waitlist: true`), puts the member at the end of its line (`domain/waitlist.ts`: arrival order is
 * the identity the database draws at the insert). A class pack's session is
 * taken in that transaction too (`sessions_left > 0`, CHECK `>= 0`) and given back when the booking
 * is cancelled at least `cancelHours` before the start; a later cancel keeps it used (or owes the
 * plan's `lateCancelFee` when the plan has no sessions). A cancel while people wait holds the seat
 * for the first of them (the waitlist process offers it).
 */
import { raw } from '@mikro-orm/core';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, notFound } from '@faena/platform';
import { recordMembershipEvent } from './memberships.ts';
import { Booking, ClassOccurrence, Membership, MembershipFreeze, Plan, type Member } from './entities.ts';
import { isUniqueViolation } from '@faena/platform';
import type { Settings } from './settings.ts';
import { WaitlistEntry } from './waitlist-entities.ts';
import { markChanged, type OutboxState } from './waitlist-outbox.ts';

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
  attendedAt: b.attendedAt?.toISOString() ?? null,
  noShow: b.noShow,
  penalty: b.penalty ?? null,
  penaltyAmount: b.penaltyAmount?.toString() ?? null,
  penaltyCurrency: b.penaltyCurrency ?? null,
  penaltyPaymentId: b.penaltyPaymentId ?? null,
  feeConsent: b.feeConsent,
  confirmedAt: b.confirmedAt?.toISOString() ?? null,
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
export async function payingMembership(
  em: EntityManager,
  member: Member,
  o: ClassOccurrence,
): Promise<Membership> {
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

/** The occurrence, locked for this transaction (bookings, entries and offers of a class queue here). */
export async function lockOccurrence(tx: EntityManager, occurrenceId: string): Promise<ClassOccurrence> {
  const o = await tx.findOne(
    ClassOccurrence,
    { id: occurrenceId },
    { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
  );
  if (!o) throw notFound('Class');
  return o;
}

/**
 * Takes a seat for `member` paid by `m` (the occurrence is locked by the caller): a free seat, or
 * with `fromHeld` the seat held for their accepted offer. A pack's session is used.
 */
export async function seat(
  tx: EntityManager,
  o: ClassOccurrence,
  member: Member,
  m: Membership,
  actor: string | null,
  opts: { fromHeld?: boolean; waitlistEntryId?: string; feeConsent?: boolean; confirmedAt?: Date } = {},
): Promise<Booking> {
  const taken = opts.fromHeld
    ? await tx.nativeUpdate(
        ClassOccurrence,
        { id: o.id, status: 'scheduled', held: { $gt: 0 } },
        { booked: raw('booked + 1'), held: raw('held - 1') },
      )
    : await tx.nativeUpdate(
        ClassOccurrence,
        { id: o.id, status: 'scheduled', booked: { $lt: raw('capacity - held') } },
        { booked: raw('booked + 1') },
      );
  if (taken !== 1) throw full();
  const pack = m.sessionsLeft !== null;
  if (pack) {
    const used = await tx.nativeUpdate(
      Membership,
      { id: m.id, sessionsLeft: { $gt: 0 } },
      { sessionsLeft: raw('sessions_left - 1') },
    );
    if (used !== 1) throw new DomainError('NO_SESSIONS_LEFT', "The member's class pack has no sessions left");
    recordMembershipEvent(tx, m, 'session_used', actor, { occurrenceId: o.id });
  }
  const b = tx.create(Booking, {
    occurrenceId: o.id,
    memberId: member.id,
    membershipId: m.id,
    branchId: o.branchId,
    sessionConsumed: pack,
    waitlistEntryId: opts.waitlistEntryId ?? null,
    feeConsent: opts.feeConsent ?? false,
    confirmedAt: opts.confirmedAt ?? null,
  });
  await tx.flush();
  return b;
}

export const alreadyBooked = () =>
  new DomainError('ALREADY_EXISTS', 'The member is already booked in this class', {
    field: 'body.occurrenceId',
  });

/** What a booking did, with the class as it was read and its outbox as the change left it. */
export type BookingResult = { occurrence: ClassOccurrence; outbox: OutboxState } & (
  { booking: Booking; entry?: undefined } | { entry: WaitlistEntry; booking?: undefined }
);

/**
 * Books `member` into a class, or (full, and `waitlist` asked) puts them at the end of its line.
 * Concurrent callers: the first `capacity` to update the occurrence's row take the seats, the
 * others join the line in the order their entries are inserted. A seat that frees meanwhile is not
 * lost: the waitlist process offers every seat nobody booked to the line.
 */
export async function book(
  em: EntityManager,
  input: {
    occurrenceId: string;
    member: Member;
    settings: Settings;
    now: Date;
    actor: string;
    waitlist?: boolean;
    /** The member books with their own token, told the plan's fees: the process may charge them. */
    feeConsent?: boolean;
  },
  load: (tx: EntityManager, occurrenceId: string) => Promise<ClassOccurrence>,
): Promise<BookingResult> {
  const { member } = input;
  try {
    return await em.transactional(async (tx): Promise<BookingResult> => {
      const seen = await load(tx, input.occurrenceId);
      const cancelled = () => new DomainError('INVALID_STATE_TRANSITION', 'The class was cancelled');
      if (seen.status !== 'scheduled') throw cancelled();
      if (!bookingOpen(seen, input.settings, input.now))
        throw new DomainError(
          'BOOKING_WINDOW_CLOSED',
          `Bookings open ${input.settings.bookingOpensDays} days and close ${input.settings.bookingClosesMinutes} minutes before the class`,
        );
      const m = await payingMembership(tx, member, seen);
      if (await tx.count(Booking, { occurrenceId: seen.id, memberId: member.id, status: 'booked' }))
        throw alreadyBooked();
      if (seen.booked + seen.held < seen.capacity) {
        try {
          // The conditional update takes the row's lock: concurrent bookings go one at a time.
          const booking = await seat(tx, seen, member, m, input.actor, {
            feeConsent: input.feeConsent ?? false,
          });
          // A member who was waiting and found a free seat leaves the line (a held seat they had goes back to it).
          await tx.nativeUpdate(
            WaitlistEntry,
            { occurrenceId: seen.id, memberId: member.id, status: { $in: ['waiting', 'offered'] } },
            { status: 'left' },
          );
          return { booking, occurrence: seen, outbox: await markChanged(tx, seen.tenantId, seen.id) };
        } catch (err) {
          if (!(err instanceof DomainError && err.code === 'CLASS_FULL' && input.waitlist)) throw err;
        }
      } else if (!input.waitlist) throw full();
      // Full: the end of the line (its order is the identity the database draws at the insert).
      // Drawn under the class's row lock, so entries commit in the order of their numbers and the
      // position answered after the commit counts every entry before this one.
      await lockOccurrence(tx, seen.id);
      const entry = tx.create(WaitlistEntry, {
        occurrenceId: seen.id,
        memberId: member.id,
        branchId: seen.branchId,
      });
      await tx.flush();
      return { entry, occurrence: seen, outbox: await markChanged(tx, seen.tenantId, seen.id) };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'bookings_live_unique')) throw alreadyBooked();
    if (isUniqueViolation(err, 'waitlist_entries_live_unique'))
      throw new DomainError('ALREADY_EXISTS', 'The member is already in the waitlist of this class', {
        field: 'body.occurrenceId',
      });
    throw err;
  }
}

/**
 * Cancels a booking before the class starts: the seat is free again (held for the first in line
 * when people wait and the booking window is open); a pack's session comes back when it is at
 * least `cancelHours` before the start. A later cancel is `lateCancel`: the pack's session stays
 * used (penalty `session`), or a plan without sessions owes its `lateCancelFee` (`fee_due`).
 */
export async function cancelBooking(
  em: EntityManager,
  bookingId: string,
  input: { settings: Settings; now: Date; actor: string },
  visible: (b: Booking) => boolean,
): Promise<{ booking: Booking; occurrence: ClassOccurrence; outbox: OutboxState }> {
  return em.transactional(async (tx) => {
    const seen = await tx.findOne(Booking, { id: bookingId });
    if (!seen || !visible(seen)) throw notFound('Booking');
    // The class first, then the booking: the order every step of the class takes (the waitlist's
    // sync locks the class, then confirms its bookings) — the other order could deadlock with it.
    const o = await lockOccurrence(tx, seen.occurrenceId);
    const b = await tx.findOneOrFail(
      Booking,
      { id: bookingId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    if (b.status !== 'booked') throw new DomainError('INVALID_STATE_TRANSITION', 'The booking is cancelled');
    if (input.now >= o.startsAt)
      throw new DomainError('BOOKING_WINDOW_CLOSED', 'The class has started: it can no longer be cancelled');
    const inTime = input.now.getTime() <= o.startsAt.getTime() - input.settings.cancelHours * 60 * MINUTE;
    b.status = 'cancelled';
    b.cancelledAt = input.now;
    b.lateCancel = !inTime;
    const waiting =
      bookingOpen(o, input.settings, input.now) &&
      (await tx.count(WaitlistEntry, { occurrenceId: o.id, status: 'waiting' })) > 0;
    await tx.nativeUpdate(
      ClassOccurrence,
      { id: o.id, booked: { $gt: 0 } },
      waiting ? { booked: raw('booked - 1'), held: raw('held + 1') } : { booked: raw('booked - 1') },
    );
    if (b.sessionConsumed && inTime) {
      await tx.nativeUpdate(Membership, { id: b.membershipId }, { sessionsLeft: raw('sessions_left + 1') });
      const m = await tx.findOneOrFail(Membership, { id: b.membershipId });
      recordMembershipEvent(tx, m, 'session_restored', input.actor, { bookingId: b.id });
    }
    if (!inTime) await applyPenalty(tx, b, 'lateCancelFee');
    await tx.flush();
    return { booking: b, occurrence: o, outbox: await markChanged(tx, o.tenantId, o.id) };
  });
}

/**
 * What a late cancel or a no-show costs: a pack's session stays used (`session`); a plan without
 * sessions owes its fee (`fee_due`, in the membership's currency) when it has one, charged at the
 * desk (`POST /bookings/:id/penalty/charge`). Nothing when the plan sets no fee.
 */
export async function applyPenalty(
  tx: EntityManager,
  b: Booking,
  fee: 'lateCancelFee' | 'noShowFee',
): Promise<void> {
  if (b.sessionConsumed) {
    b.penalty = 'session';
    return;
  }
  const m = await tx.findOneOrFail(Membership, { id: b.membershipId });
  const plan = await tx.findOneOrFail(Plan, { id: m.planId });
  const amount = plan[fee];
  if (amount === null || amount === undefined) return;
  b.penalty = 'fee_due';
  b.penaltyAmount = amount;
  b.penaltyCurrency = m.currency;
}
