/**
 * The waitlist of a full class, its seat offers, the class's cancellation and its attendance.
 * Every step runs under the occurrence's row lock (`lockOccurrence`), so seats, holds and the line
 * change one at a time. Invariant after each step: `held` counts the seats kept for the line —
 * the open offers, plus a seat freed while people wait (a cancel, more capacity) until the waitlist
 * process's next `syncOffers` offers it to the first in line (or gives it back when no one waits).
 * The process (workflows/src/waitlist) decides when: which offer expired, when the window closed,
 * when no-shows are settled; these functions only apply it.
 */
import { raw } from '@mikro-orm/core';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, notFound } from '@faena/platform';
import type {
  BookingConfirmation,
  FeeToCharge,
  MemberRecipient,
  SeatOffer,
  WaitlistSnapshot,
} from '@faena/workflows/waitlist/contract';
import { applyPenalty, lockOccurrence, payingMembership, seat } from './bookings.ts';
import { Booking, ClassOccurrence, ClassSchedule, ClassType, Member, Membership } from './entities.ts';
import { recordMembershipEvent } from './memberships.ts';
import type { Settings } from './settings.ts';
import { LIVE_WAITLIST_STATUSES, WaitlistEntry } from './waitlist-entities.ts';
import { markChanged } from './waitlist-outbox.ts';

const MINUTE = 60_000;
/** Check-in opens this long before the start (and closes at the end of the class). */
export const CHECK_IN_OPENS_MINUTES = 120;

export const presentEntry = (e: WaitlistEntry, position: number | null) => ({
  id: e.id,
  occurrenceId: e.occurrenceId,
  memberId: e.memberId,
  branchId: e.branchId,
  status: e.status,
  /** 1 = the next seat is theirs; null once the entry left the line. */
  position,
  offeredAt: e.offeredAt?.toISOString() ?? null,
  offerExpiresAt: e.offerExpiresAt?.toISOString() ?? null,
  bookingId: e.bookingId ?? null,
  createdAt: e.createdAt.toISOString(),
});

/** The live entries of a class in arrival order (`seq`, drawn by the database). */
async function line(em: EntityManager, o: ClassOccurrence): Promise<WaitlistEntry[]> {
  const rows = await em.execute<Array<{ id: string }>>(
    `select id from gym.waitlist_entries where tenant_id = ? and occurrence_id = ? and status in ('waiting', 'offered') order by seq`,
    [o.tenantId, o.id],
  );
  if (!rows.length) return [];
  const byId = new Map(
    (await em.find(WaitlistEntry, { id: { $in: rows.map((r) => r.id) } }, { refresh: true })).map((e) => [
      e.id,
      e,
    ]),
  );
  return rows.map((r) => byId.get(r.id)!).filter(Boolean);
}

/** Position in the line (1 = first) of a live entry; null for one that left it. */
export async function positionOf(em: EntityManager, e: WaitlistEntry): Promise<number | null> {
  if (e.status !== 'waiting' && e.status !== 'offered') return null;
  const [row] = await em.execute<Array<{ n: string }>>(
    `select count(*) as n from gym.waitlist_entries w
      where w.tenant_id = ? and w.occurrence_id = ? and w.status in ('waiting', 'offered')
        and w.seq <= (select seq from gym.waitlist_entries where tenant_id = ? and id = ?)`,
    [e.tenantId, e.occurrenceId, e.tenantId, e.id],
  );
  return Number(row?.n ?? 0) || null;
}

const recipients = async (em: EntityManager, memberIds: string[]): Promise<Map<string, MemberRecipient>> =>
  new Map(
    (await em.find(Member, { id: { $in: memberIds } }, { filters: { softDelete: false } })).map((m) => [
      m.id,
      {
        memberId: m.id,
        name: `${m.firstName} ${m.lastName}`.trim(),
        userId: m.userId ?? null,
        email: m.email ?? null,
      },
    ]),
  );

/**
 * The class's bookings nobody confirmed yet, marked confirmed in the caller's transaction: the
 * process tells each member once (a sync's answer is in its history, so a retry never loses one).
 */
async function confirmBookings(
  tx: EntityManager,
  o: ClassOccurrence,
  now: Date,
): Promise<BookingConfirmation[]> {
  const fresh = await tx.find(
    Booking,
    { occurrenceId: o.id, status: 'booked', confirmedAt: null },
    { refresh: true, orderBy: { createdAt: 'asc' } },
  );
  if (!fresh.length) return [];
  await tx.nativeUpdate(
    Booking,
    { id: { $in: fresh.map((b) => b.id) }, confirmedAt: null },
    { confirmedAt: now },
  );
  const who = await recipients(
    tx,
    fresh.map((b) => b.memberId),
  );
  return fresh.flatMap((b) => {
    const r = who.get(b.memberId);
    return r ? [{ ...r, bookingId: b.id }] : [];
  });
}

/**
 * Fees of the class the process may charge unattended: owed (`fee_due`), consented (the member
 * booked with their own token), never declined, and the member has a wallet (an identity user).
 */
export async function feesToCharge(em: EntityManager, occurrenceId: string): Promise<FeeToCharge[]> {
  const owed = await em.find(
    Booking,
    { occurrenceId, penalty: 'fee_due', feeConsent: true, penaltyDeclinedAt: null },
    { refresh: true, orderBy: { createdAt: 'asc' } },
  );
  if (!owed.length) return [];
  const who = await recipients(
    em,
    owed.map((b) => b.memberId),
  );
  return owed.flatMap((b) => {
    const r = who.get(b.memberId);
    if (!r?.userId || b.penaltyAmount == null || !b.penaltyCurrency) return [];
    return [
      {
        ...r,
        bookingId: b.id,
        payerId: r.userId,
        branchId: b.branchId,
        amount: b.penaltyAmount.toString(),
        currency: b.penaltyCurrency,
      },
    ];
  });
}

/**
 * The outcome of the process's unattended fee charge: paid (`fee_paid` with the payment) or
 * declined (stays `fee_due` for the desk; never tried by the process again). Only a fee still
 * owed changes, so a retry or a desk charge that came first is left as it is.
 */
export async function settleFee(
  em: EntityManager,
  bookingId: string,
  outcome: { paymentId?: string; declined?: string },
  now: Date,
): Promise<boolean> {
  const changed = await em.nativeUpdate(
    Booking,
    { id: bookingId, penalty: 'fee_due', feeConsent: true, penaltyDeclinedAt: null },
    outcome.paymentId
      ? { penalty: 'fee_paid', penaltyPaymentId: outcome.paymentId }
      : { penaltyDeclinedAt: now },
  );
  return changed === 1;
}

/**
 * Makes the offers the seats allow and answers the class's state for the process. `now` is the
 * process's clock: from the end of the booking window on, the line is closed (entries `closed`,
 * holds given back) and nothing is offered any more. Otherwise every seat not booked and not under
 * an open offer goes to the next waiting entries, each held `offerHoldMinutes`.
 */
export async function syncOffers(
  em: EntityManager,
  occurrenceId: string,
  now: Date,
  settings: Settings & { offerHoldMinutes: number; noShowGraceMinutes: number },
): Promise<WaitlistSnapshot> {
  return em.transactional(async (tx) => {
    const o = await lockOccurrence(tx, occurrenceId);
    const [type, schedule] = await Promise.all([
      tx.findOne(ClassType, { id: o.classTypeId }),
      tx.findOne(ClassSchedule, { id: o.scheduleId }),
    ]);
    const closesAt = new Date(o.startsAt.getTime() - settings.bookingClosesMinutes * MINUTE);
    const entries = o.status === 'scheduled' ? await line(tx, o) : [];
    const offers: SeatOffer[] = [];
    let held = 0;
    if (o.status === 'scheduled' && now >= closesAt) {
      for (const e of entries) e.status = 'closed';
    } else if (o.status === 'scheduled') {
      const open = entries.filter((e) => e.status === 'offered');
      const seats = Math.max(0, o.capacity - o.booked - open.length);
      const fresh = entries.filter((e) => e.status === 'waiting').slice(0, seats);
      for (const e of fresh) {
        e.status = 'offered';
        e.offeredAt = now;
        e.offerExpiresAt = new Date(now.getTime() + settings.offerHoldMinutes * MINUTE);
      }
      const who = await recipients(
        tx,
        [...open, ...fresh].map((e) => e.memberId),
      );
      for (const e of [...open, ...fresh])
        offers.push({
          ...who.get(e.memberId)!,
          entryId: e.id,
          expiresAt: e.offerExpiresAt!.toISOString(),
          fresh: fresh.includes(e),
        });
      held = offers.length;
    }
    if (o.status === 'scheduled' && o.held !== held) {
      await tx.nativeUpdate(ClassOccurrence, { id: o.id }, { held });
      o.held = held;
    }
    await tx.flush();
    const confirmations = o.status === 'scheduled' ? await confirmBookings(tx, o, now) : [];
    const fees = o.status === 'scheduled' ? await feesToCharge(tx, o.id) : [];
    return {
      status: o.status === 'cancelled' ? 'cancelled' : 'scheduled',
      ...(o.status === 'cancelled' && { cancelledReason: o.cancelledReason ?? '' }),
      className: type?.name ?? 'Class',
      startsAt: o.startsAt.toISOString(),
      closesAt: closesAt.toISOString(),
      noShowAt: new Date(o.startsAt.getTime() + settings.noShowGraceMinutes * MINUTE).toISOString(),
      timeZone: schedule?.timeZone ?? settings.timeZone,
      holdMinutes: settings.offerHoldMinutes,
      capacity: o.capacity,
      booked: o.booked,
      held: o.held,
      waiting: entries.filter((e) => e.status === 'waiting').length,
      offers,
      confirmations,
      fees,
    };
  });
}

/** Ends an open offer not taken (`expired`, `declined`): its seat stays held until the next sync offers it on. */
export async function endOffer(
  em: EntityManager,
  occurrenceId: string,
  entryId: string,
  outcome: 'expired' | 'declined' | 'left',
): Promise<boolean> {
  return em.transactional(async (tx) => {
    await lockOccurrence(tx, occurrenceId);
    const ended = await tx.nativeUpdate(
      WaitlistEntry,
      { id: entryId, occurrenceId, status: 'offered' },
      { status: outcome },
    );
    return ended === 1;
  });
}

/** The offered member takes the held seat: a booking like any other (their membership pays). */
export async function bookOffer(
  em: EntityManager,
  occurrenceId: string,
  entryId: string,
  actor: string | null,
  feeConsent = false,
): Promise<Booking> {
  return em.transactional(async (tx) => {
    const o = await lockOccurrence(tx, occurrenceId);
    const e = await tx.findOne(WaitlistEntry, { id: entryId, occurrenceId }, { refresh: true });
    if (!e) throw notFound('Waitlist entry');
    if (e.status !== 'offered' || o.status !== 'scheduled')
      throw new DomainError('INVALID_STATE_TRANSITION', 'The seat offer is no longer open');
    const member = await tx.findOneOrFail(Member, { id: e.memberId });
    const m = await payingMembership(tx, member, o);
    // Confirmed by the process's accept itself (`gym.booking_confirmed` keyed by the entry).
    const b = await seat(tx, o, member, m, actor, {
      fromHeld: true,
      waitlistEntryId: e.id,
      feeConsent,
      confirmedAt: new Date(),
    });
    e.status = 'booked';
    e.bookingId = b.id;
    await tx.flush();
    return b;
  });
}

/** A member leaves the line (an open offer's seat stays held for the next in line). */
export async function leaveWaitlist(
  em: EntityManager,
  entryId: string,
  visible: (e: WaitlistEntry) => boolean,
): Promise<WaitlistEntry> {
  return em.transactional(async (tx) => {
    const found = await tx.findOne(WaitlistEntry, { id: entryId });
    if (!found || !visible(found)) throw notFound('Waitlist entry');
    await lockOccurrence(tx, found.occurrenceId);
    const e = await tx.findOneOrFail(WaitlistEntry, { id: entryId }, { refresh: true });
    if (e.status !== 'waiting' && e.status !== 'offered')
      throw new DomainError('INVALID_STATE_TRANSITION', `The entry is ${e.status}`);
    e.status = 'left';
    await tx.flush();
    await markChanged(tx, e.tenantId, e.occurrenceId);
    return e;
  });
}

/**
 * Staff change a class's capacity: never below the seats booked and held; the seats it adds are
 * held for the line when people wait (the process offers them).
 */
export async function changeCapacity(
  em: EntityManager,
  occurrenceId: string,
  capacity: number,
  visible: (o: ClassOccurrence) => boolean,
): Promise<ClassOccurrence> {
  return em.transactional(async (tx) => {
    const o = await lockOccurrence(tx, occurrenceId);
    if (!visible(o)) throw notFound('Class');
    if (o.status !== 'scheduled')
      throw new DomainError('INVALID_STATE_TRANSITION', 'The class was cancelled');
    if (capacity < o.booked + o.held)
      throw new DomainError(
        'CONFLICT',
        `${o.booked} seats are booked and ${o.held} held for the waitlist: the capacity cannot go below ${o.booked + o.held}`,
        { field: 'body.capacity' },
      );
    const waiting = await tx.count(WaitlistEntry, { occurrenceId: o.id, status: 'waiting' });
    const added = Math.min(Math.max(0, capacity - o.capacity), waiting);
    await tx.nativeUpdate(ClassOccurrence, { id: o.id }, { capacity, held: raw(`held + ${added}`) });
    await markChanged(tx, o.tenantId, o.id);
    return tx.findOneOrFail(ClassOccurrence, { id: o.id }, { refresh: true });
  });
}

/**
 * Staff cancel a class before it starts: every booking is cancelled with its pack session given
 * back (whatever the hour: the member did not cancel), the line is cancelled, no seat stays taken.
 * The waitlist process tells everyone (`cancelledAudience`) and ends.
 */
export async function cancelOccurrence(
  em: EntityManager,
  occurrenceId: string,
  input: { reason: string; actor: string; now: Date },
  visible: (o: ClassOccurrence) => boolean,
): Promise<{ occurrence: ClassOccurrence; bookings: number; waitlisted: number; restored: number }> {
  return em.transactional(async (tx) => {
    const o = await lockOccurrence(tx, occurrenceId);
    if (!visible(o)) throw notFound('Class');
    if (o.status !== 'scheduled')
      throw new DomainError('INVALID_STATE_TRANSITION', 'The class is already cancelled');
    if (input.now >= o.startsAt)
      throw new DomainError(
        'INVALID_STATE_TRANSITION',
        'The class has started: it can no longer be cancelled',
      );
    const bookings = await tx.find(Booking, { occurrenceId: o.id, status: 'booked' }, { refresh: true });
    let restored = 0;
    for (const b of bookings) {
      b.status = 'cancelled';
      b.cancelledAt = input.now;
      if (!b.sessionConsumed) continue;
      await tx.nativeUpdate(Membership, { id: b.membershipId }, { sessionsLeft: raw('sessions_left + 1') });
      const m = await tx.findOneOrFail(Membership, { id: b.membershipId });
      recordMembershipEvent(tx, m, 'session_restored', input.actor, {
        bookingId: b.id,
        reason: 'class cancelled',
      });
      restored++;
    }
    const waitlisted = await tx.nativeUpdate(
      WaitlistEntry,
      { occurrenceId: o.id, status: { $in: [...LIVE_WAITLIST_STATUSES] } },
      { status: 'cancelled' },
    );
    o.status = 'cancelled';
    o.cancelledAt = input.now;
    o.cancelledReason = input.reason;
    o.booked = 0;
    o.held = 0;
    await tx.flush();
    await markChanged(tx, o.tenantId, o.id);
    return { occurrence: o, bookings: bookings.length, waitlisted, restored };
  });
}

/** Who is told of a cancelled class: those booked and those in line when it was cancelled. */
export async function cancelledAudience(em: EntityManager, occurrenceId: string): Promise<MemberRecipient[]> {
  const o = await em.findOne(ClassOccurrence, { id: occurrenceId });
  if (!o || o.status !== 'cancelled' || !o.cancelledAt) return [];
  const [booked, waiting] = await Promise.all([
    em.find(Booking, { occurrenceId, status: 'cancelled', cancelledAt: o.cancelledAt }),
    em.find(WaitlistEntry, { occurrenceId, status: 'cancelled' }),
  ]);
  const ids = [...new Set([...booked, ...waiting].map((x) => x.memberId))];
  const who = await recipients(em, ids);
  return ids.map((id) => who.get(id)).filter((r): r is MemberRecipient => r !== undefined);
}

/**
 * Marks a booked member as present (staff at the class, or the door's QR check-in): from
 * `CHECK_IN_OPENS_MINUTES` before the start to the end of the class; again is a no-op. A booking
 * already settled as a no-show stays one.
 */
export async function markAttended(
  em: EntityManager,
  bookingId: string,
  input: { now: Date },
  visible: (b: Booking) => boolean = () => true,
): Promise<Booking> {
  return em.transactional(async (tx) => {
    const b = await tx.findOne(
      Booking,
      { id: bookingId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    if (!b || !visible(b)) throw notFound('Booking');
    if (b.attendedAt) return b;
    if (b.status !== 'booked') throw new DomainError('INVALID_STATE_TRANSITION', 'The booking is cancelled');
    if (b.noShow)
      throw new DomainError('INVALID_STATE_TRANSITION', 'The booking was already settled as a no-show');
    const o = await tx.findOneOrFail(ClassOccurrence, { id: b.occurrenceId });
    if (o.status !== 'scheduled')
      throw new DomainError('INVALID_STATE_TRANSITION', 'The class was cancelled');
    if (input.now.getTime() < o.startsAt.getTime() - CHECK_IN_OPENS_MINUTES * MINUTE || input.now > o.endsAt)
      throw new DomainError(
        'INVALID_STATE_TRANSITION',
        `Check-in opens ${CHECK_IN_OPENS_MINUTES} minutes before the class and closes at its end`,
      );
    b.attendedAt = input.now;
    await tx.flush();
    return b;
  });
}

/**
 * After the start plus the grace (the waitlist process's timer): every booking not checked in is a
 * no-show with its penalty (the pack's session stays used, or the plan's `noShowFee` is owed).
 * Bookings already settled are left as they are, so a retry marks nobody twice.
 */
export async function markNoShows(
  em: EntityManager,
  occurrenceId: string,
): Promise<{ noShows: number; fees: FeeToCharge[] }> {
  return em.transactional(async (tx) => {
    const o = await lockOccurrence(tx, occurrenceId);
    if (o.status !== 'scheduled') return { noShows: 0, fees: [] };
    const absent = await tx.find(
      Booking,
      { occurrenceId, status: 'booked', attendedAt: null, noShow: false },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    for (const b of absent) {
      b.noShow = true;
      await applyPenalty(tx, b, 'noShowFee');
    }
    await tx.flush();
    return { noShows: absent.length, fees: await feesToCharge(tx, occurrenceId) };
  });
}
