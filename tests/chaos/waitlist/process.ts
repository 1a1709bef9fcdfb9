/**
 * The gym's class waitlist and seat offers as a chaos process, through the public HTTP APIs only:
 * a gym business, members who log in (the `client` role) with a monthly membership bought at the
 * desk, and per case a class of 2 seats tomorrow. Two members book it, the next ones join the
 * waitlist (`waitlist: true`), the booked ones cancel, the waitlist process offers the freed seats
 * and the members in line accept them — while workers die and Temporal/PostgreSQL restart.
 *   handoff: one cancels, the first in line accepts; the other cancels with nobody left in line
 *            (the seat goes back free).
 *   both:    both cancel at once, both in line accept.
 *   late-fee: (a plan with a late-cancel fee; the business's cancel limit is 48 h, so every cancel
 *            is late) one of two booked cancels: the class's process charges the fee to their
 *            wallet unattended (they booked with their own token: consent), exactly once.
 * Offers are held the default 15 minutes: no offer expires in the run (the hold is at least one
 * real minute; the expiry is the live test's, workflows/test/live/waitlists.ts). The check reads
 * the gym's database and API: every freed seat booked by someone in line or free again, no entry
 * left offered or waiting (0 lost); never more seats taken than the class has, one live booking per
 * member, an accepted offer booked exactly once (0 duplicated). Every case also checks the
 * waitlist outbox (no change left undelivered to the process) and the confirmations (each booking
 * confirmed: `confirmed_at` set and one `gym.booking_confirmed` message per booking and channel).
 */
import { send, sleep } from '../http.ts';
import { CURRENCY, GYM, PAYMENTS, clientRoleId, invitedUser, must, openDrawer, signUpGym } from '../gym.ts';
import type { Case, ChaosProcess, Expectation, RunContext, Verdict } from '../process.ts';

const PRICE = 20_000;
const FEE = 1_500;
const CAPACITY = 2;

export type WaitlistScenario = 'handoff' | 'both' | 'late-fee';
/** How many members each scenario brings: two book, the rest wait. */
const MEMBERS: Record<WaitlistScenario, number> = { handoff: 3, both: 4, 'late-fee': 2 };
/** Who holds a seat at the end (indexes into the case's members). */
const SEATED: Record<WaitlistScenario, number[]> = { handoff: [2], both: [2, 3], 'late-fee': [1] };

interface User {
  id: string;
  token: string;
}
interface Seat {
  member: User;
  memberId: string;
  bookingId?: string;
  entryId?: string;
  /** The booking an accepted offer answered. */
  offerBookingId?: string;
}
interface WaitlistCase {
  occurrenceId?: string;
  seats: Seat[];
  final?: string;
  /** Seeded pauses (a person taking their time), so the steps spread over the faults' window. */
  startDelayMs: number;
  thinks: number[];
}
interface World {
  owner: User;
  branchId: string;
}

/** Where a class ends: the seated ones booked, no seat held for the line. */
const expected = (c: Case<WaitlistScenario>): Expectation => ({
  states: [`booked ${SEATED[c.scenario].length}, held 0`],
  values: { capacity: CAPACITY },
});
const data = (c: Case) => c.data as unknown as WaitlistCase;
const day = (d: Date) => d.toISOString().slice(0, 10);

export function waitlistProcess(): ChaosProcess<WaitlistScenario> {
  let world: World | undefined;
  const note = (ctx: RunContext, c: Case, step: string, result: string) =>
    c.steps.push({ at: Math.round(ctx.clock() * 10) / 10, step, result });

  const gym = (
    ctx: RunContext,
    method: string,
    path: string,
    token: string,
    body?: unknown,
    ok = [200, 201],
  ) => must(ctx, ctx.urls.gym, method, `${GYM}${path}`, { token, body }, ok);

  /** The member's live booking of the class (after a retry answered 409: the first attempt took it). */
  async function myBooking(ctx: RunContext, s: Seat, occurrenceId: string): Promise<string | undefined> {
    const a = await gym(ctx, 'GET', '/members/me/bookings?limit=100', s.member.token);
    return (a.body.data as Array<{ id: string; occurrenceId: string; status: string }>).find(
      (b) => b.occurrenceId === occurrenceId && b.status === 'booked',
    )?.id;
  }
  async function myEntry(ctx: RunContext, s: Seat, occurrenceId: string) {
    const a = await gym(ctx, 'GET', '/members/me/waitlist?limit=100', s.member.token);
    return (
      a.body.data as Array<{ id: string; occurrenceId: string; status: string; bookingId: string | null }>
    ).find((e) => e.occurrenceId === occurrenceId);
  }

  /** Books (or, full, joins the line); a retry that finds it done reads what the first attempt did. */
  async function bookOrWait(ctx: RunContext, c: Case, s: Seat, waitlist: boolean) {
    const o = data(c).occurrenceId!;
    const a = await gym(
      ctx,
      'POST',
      '/members/me/bookings',
      s.member.token,
      { occurrenceId: o, waitlist },
      [201, 409],
    );
    if (a.status === 201) {
      if (a.body.data.status === 'booked') s.bookingId = a.body.data.id as string;
      else s.entryId = a.body.data.id as string;
    } else if (a.body.error?.code !== 'ALREADY_EXISTS') {
      throw new Error(`booking answered 409 ${a.body.error?.code ?? ''} ${a.body.error?.message ?? ''}`);
    } else {
      s.bookingId = await myBooking(ctx, s, o);
      if (!s.bookingId) s.entryId = (await myEntry(ctx, s, o))?.id;
    }
    note(ctx, c, waitlist ? 'wait' : 'book', s.bookingId ? `booked ${s.bookingId}` : `in line ${s.entryId}`);
  }
  async function cancel(ctx: RunContext, c: Case, s: Seat) {
    if (!s.bookingId) throw new Error(`member ${s.memberId} holds no booking to cancel`);
    const a = await gym(
      ctx,
      'POST',
      `/members/me/bookings/${s.bookingId}/cancel`,
      s.member.token,
      {},
      [200, 409],
    );
    // 409: a retry of a cancel the first attempt made.
    note(ctx, c, 'cancel', `${s.bookingId} ${a.status}`);
  }
  /** Waits for the offer (the process makes it), then takes the seat. */
  async function accept(ctx: RunContext, c: Case, s: Seat) {
    const o = data(c).occurrenceId!;
    for (;;) {
      if (Date.now() >= ctx.deadline || ctx.signal.aborted) throw new Error(`no offer reached ${s.entryId}`);
      const e = await myEntry(ctx, s, o);
      if (e?.status === 'booked') {
        s.offerBookingId = e.bookingId ?? undefined;
        break;
      }
      if (e?.status === 'offered') {
        const a = await gym(
          ctx,
          'POST',
          `/members/me/waitlist/${e.id}/accept`,
          s.member.token,
          {},
          [200, 201, 409, 503],
        );
        if (a.status === 200 || a.status === 201) {
          s.offerBookingId = a.body.data.id as string;
          break;
        }
        note(ctx, c, 'accept', `${a.status} ${a.body.error?.code ?? ''}`);
      } else if (e && e.status !== 'waiting') throw new Error(`entry ${e.id} is ${e.status}`);
      await sleep(500, ctx.signal);
    }
    note(ctx, c, 'accept', `booked ${s.offerBookingId}`);
  }

  /** The class as the API shows it to staff. */
  async function occurrence(ctx: RunContext, c: Case) {
    const a = await send(ctx.urls.gym, 'GET', `${GYM}/occurrences/${data(c).occurrenceId}`, {
      token: world!.owner.token,
      deadline: Math.min(ctx.deadline, Date.now() + 15000),
    }).catch(() => null);
    return a?.status === 200
      ? (a.body.data as { capacity: number; booked: number; held: number })
      : undefined;
  }

  return {
    name: 'waitlist',
    // On top of the deals, small: one class per scenario (3), a fourth in the 60-deal run.
    cases: (deals) => Math.min(4, Math.max(3, Math.round(deals / 15))),
    scenarios: { handoff: 1, both: 1, 'late-fee': 1 },

    async prepare(ctx, cases) {
      const { slug, owner, branchId } = await signUpGym(ctx, 'classes', {
        name: 'Chaos Clases',
        address: 'Av. Caos 3',
      });
      const token = owner.token;
      world = { owner, branchId };
      const drawerId = await openDrawer(ctx, token, branchId, 'Recepción');
      const plan = await gym(ctx, 'POST', '/plans', token, { name: 'Libre', kind: 'monthly' }, [201]);
      const planId = plan.body.data.id as string;
      await gym(ctx, 'PUT', `/plans/${planId}/prices/${branchId}`, token, {
        amount: PRICE,
        currency: CURRENCY,
      });
      const feePlan = await gym(
        ctx,
        'POST',
        '/plans',
        token,
        { name: 'Con multa', kind: 'monthly', lateCancelFee: FEE },
        [201],
      );
      const feePlanId = feePlan.body.data.id as string;
      await gym(ctx, 'PUT', `/plans/${feePlanId}/prices/${branchId}`, token, {
        amount: PRICE,
        currency: CURRENCY,
      });
      // Every cancel of a class tomorrow is late: the late-fee cases owe their plan's fee.
      await gym(ctx, 'PUT', '/settings', token, { cancelHours: 48 });
      const type = await gym(ctx, 'POST', '/class-types', token, { name: 'Spinning' }, [201]);
      const roleId = await clientRoleId(ctx, token);
      // Tomorrow 19:00 UTC: far from the booking window's end and the cancel hours.
      const tomorrow = day(new Date(Date.now() + 86_400_000));
      const weekday = ((new Date(`${tomorrow}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
      for (const [i, c] of cases.entries()) {
        const schedule = await gym(
          ctx,
          'POST',
          '/classes',
          token,
          {
            branchId,
            classTypeId: type.body.data.id as string,
            room: `Sala ${i + 1}`,
            weekday,
            startTime: '19:00',
            durationMinutes: 45,
            capacity: CAPACITY,
            timeZone: 'UTC',
            startsOn: tomorrow,
          },
          [201],
        );
        const from = `${tomorrow}T00:00:00.000Z`;
        const to = new Date(Date.parse(from) + 2 * 86_400_000).toISOString();
        const list = await gym(ctx, 'GET', `/occurrences?from=${from}&to=${to}&branchId=${branchId}`, token);
        const o = (list.body.data as Array<{ id: string; scheduleId: string }>).find(
          (x) => x.scheduleId === schedule.body.data.id,
        );
        if (!o) throw new Error('the class has no occurrence tomorrow');
        const d = data(c);
        d.occurrenceId = o.id;
        d.seats = [];
        // Invitations, members and their memberships are not idempotent: made before any fault.
        for (let k = 0; k < MEMBERS[c.scenario]; k++) {
          const email = `class-${c.id}-${k}-${ctx.runId}@chaos.example`;
          const member = await invitedUser(ctx, { slug, token, roleId }, email, `Socia ${c.id}-${k}`);
          const m = await gym(
            ctx,
            'POST',
            '/members',
            token,
            { branchId, firstName: 'Socia', lastName: `${c.id}-${k}`, userId: member.id },
            [201],
          );
          const memberId = m.body.data.id as string;
          await must(
            ctx,
            ctx.urls.payments,
            'POST',
            `${PAYMENTS}/wallets/${member.id}/deposits`,
            {
              token,
              idempotencyKey: `chaos-${ctx.runId}-${c.id}-${k}-deposit`,
              body: { amount: c.scenario === 'late-fee' ? PRICE + FEE : PRICE, currency: CURRENCY, drawerId },
            },
            [201],
          );
          const code = await must(
            ctx,
            ctx.urls.payments,
            'POST',
            `${PAYMENTS}/wallets/me/payer-codes`,
            { token: member.token, body: {} },
            [201],
          );
          await must(
            ctx,
            ctx.urls.gym,
            'POST',
            `${GYM}/memberships`,
            {
              token,
              idempotencyKey: `chaos-${ctx.runId}-${c.id}-${k}-membership`,
              body: {
                memberId,
                planId: c.scenario === 'late-fee' ? feePlanId : planId,
                branchId,
                method: 'wallet',
                payerCode: code.body.data.code as string,
              },
            },
            [200, 201],
          );
          d.seats.push({ member, memberId });
        }
      }
    },

    plan(c) {
      Object.assign(c.data, {
        seats: [],
        startDelayMs: c.rng.int(2000, 20000),
        thinks: Array.from({ length: 8 }, () => c.rng.int(1000, 6000)),
      } satisfies WaitlistCase);
    },

    async drive(ctx, c) {
      const d = data(c);
      const [a, b, ...line] = d.seats as [Seat, Seat, ...Seat[]];
      const think = () => sleep(d.thinks.shift() ?? 1000, ctx.signal);
      try {
        await sleep(d.startDelayMs, ctx.signal);
        await bookOrWait(ctx, c, a, false);
        await bookOrWait(ctx, c, b, false);
        await think();
        for (const s of line) await bookOrWait(ctx, c, s, true);
        if (line.some((s) => !s.entryId)) throw new Error('someone in line got a seat of a full class');
        await think();
        if (c.scenario === 'late-fee') {
          await cancel(ctx, c, a);
        } else if (c.scenario === 'both') {
          await Promise.all([cancel(ctx, c, a), cancel(ctx, c, b)]);
          await think();
          await Promise.all(line.map((s) => accept(ctx, c, s)));
        } else {
          await cancel(ctx, c, a);
          await think();
          await accept(ctx, c, line[0]!);
          await think();
          await cancel(ctx, c, b);
        }
      } catch (err) {
        c.driverError = (err as Error).message;
        note(ctx, c, 'drive', c.driverError);
      }
    },

    expected,

    async settled(ctx, c) {
      if (c.driverError) return true;
      const o = await occurrence(ctx, c);
      if (!o) return false;
      data(c).final = `booked ${o.booked}, held ${o.held}`;
      if (o.held !== 0) return false;
      // The outbox delivered every change, and every fee the process owns is settled.
      const db = await ctx.db().catch(() => null);
      if (!db) return false;
      try {
        const [r] = (
          await db.query<{ pending: string; fees: string }>(
            `select (select count(*) from gym.waitlist_outbox where occurrence_id = $1 and signalled < version) as pending,
                    (select count(*) from gym.bookings where occurrence_id = $1 and penalty = 'fee_due'
                        and fee_consent and penalty_declined_at is null) as fees`,
            [data(c).occurrenceId],
          )
        ).rows;
        return r?.pending === '0' && r.fees === '0';
      } catch {
        return false;
      } finally {
        await db.end().catch(() => undefined);
      }
    },

    async check(ctx, cases): Promise<Verdict[]> {
      const db = await ctx.db();
      const verdicts: Verdict[] = [];
      try {
        for (const c of cases) {
          const d = data(c);
          const want = expected(c);
          const v: Verdict = {
            caseId: c.id,
            scenario: c.scenario,
            expected: want,
            final: null,
            lost: [],
            duplicated: [],
            notes: c.driverError ? [`driver: ${c.driverError}`] : [],
          };
          verdicts.push(v);
          if (!d.occurrenceId) {
            v.lost.push('the class was never scheduled');
            continue;
          }
          const [o] = (
            await db.query<{ capacity: number; booked: number; held: number }>(
              `select capacity, booked, held from gym.class_occurrences where id = $1`,
              [d.occurrenceId],
            )
          ).rows;
          if (!o) {
            v.lost.push('the class is not in the database');
            continue;
          }
          const api = await occurrence(ctx, c);
          v.final = `booked ${o.booked}, held ${o.held}`;
          if (api && (api.booked !== o.booked || api.held !== o.held))
            v.notes.push(`the API shows booked ${api.booked}, held ${api.held}`);
          const live = (
            await db.query<{ id: string; member_id: string; waitlist_entry_id: string | null }>(
              `select id, member_id, waitlist_entry_id from gym.bookings where occurrence_id = $1 and status = 'booked'`,
              [d.occurrenceId],
            )
          ).rows;
          const entries = (
            await db.query<{ id: string; member_id: string; status: string; expired: boolean }>(
              `select id, member_id, status, coalesce(offer_expires_at < now() - interval '1 minute', false) as expired
                 from gym.waitlist_entries where occurrence_id = $1`,
              [d.occurrenceId],
            )
          ).rows;
          // 0 duplicated: never more seats than the class has, one live booking per member, an
          // accepted offer booked once.
          if (o.booked + o.held > o.capacity)
            v.duplicated.push(`${o.booked} booked + ${o.held} held on ${o.capacity} seats`);
          if (live.length !== o.booked)
            v.duplicated.push(`${live.length} live bookings, the class counts ${o.booked}`);
          const perMember = new Map<string, number>();
          for (const b of live) perMember.set(b.member_id, (perMember.get(b.member_id) ?? 0) + 1);
          for (const [m, n] of perMember) if (n > 1) v.duplicated.push(`member ${m} booked ${n} times`);
          const fromOffers = (
            await db.query<{ waitlist_entry_id: string; n: string }>(
              `select waitlist_entry_id, count(*) as n from gym.bookings
                where occurrence_id = $1 and waitlist_entry_id is not null group by waitlist_entry_id`,
              [d.occurrenceId],
            )
          ).rows;
          for (const r of fromOffers)
            if (Number(r.n) > 1) v.duplicated.push(`offer ${r.waitlist_entry_id} booked ${r.n} times`);
          // 0 lost: every freed seat booked by the one in line, or free again; nobody left waiting
          // or holding an offer.
          const seated = SEATED[c.scenario].map((k) => d.seats[k]?.memberId);
          const who = new Set(live.map((b) => b.member_id));
          for (const [k, s] of d.seats.entries())
            if (seated.includes(s.memberId) !== who.has(s.memberId))
              v.lost.push(`member ${k} ${who.has(s.memberId) ? 'holds' : 'lacks'} a seat`);
          if (o.held !== 0) v.lost.push(`${o.held} seats still held for the line`);
          for (const e of entries) {
            if (e.status === 'offered' && e.expired) v.lost.push(`entry ${e.id} offered past its expiry`);
            else if (e.status === 'waiting' || e.status === 'offered')
              v.lost.push(`entry ${e.id} still ${e.status}`);
            else if (e.status !== 'booked') v.lost.push(`entry ${e.id} ended ${e.status}`);
            else if (!live.some((b) => b.waitlist_entry_id === e.id))
              v.lost.push(`entry ${e.id} booked without a live booking`);
          }
          for (const s of d.seats)
            if (s.offerBookingId && !live.some((b) => b.id === s.offerBookingId))
              v.lost.push(`the accepted offer's booking ${s.offerBookingId} is not live`);
          // The outbox: no committed change left undelivered to the process.
          const [pending] = (
            await db.query<{ n: string }>(
              `select count(*) as n from gym.waitlist_outbox where occurrence_id = $1 and signalled < version`,
              [d.occurrenceId],
            )
          ).rows;
          if (pending?.n !== '0') v.lost.push(`the outbox still holds a change for the process`);
          // Confirmations: every live booking confirmed, by one message per channel.
          const all = (
            await db.query<{ id: string; confirmed: boolean; waitlist_entry_id: string | null }>(
              `select id, confirmed_at is not null as confirmed, waitlist_entry_id from gym.bookings
                where occurrence_id = $1 and status = 'booked'`,
              [d.occurrenceId],
            )
          ).rows;
          const messages = (
            await db.query<{ key: string; channel: string; n: string }>(
              `select key, channel, count(*) as n from notifications.notifications
                where event_type = 'gym.booking_confirmed' and key like $1 group by key, channel`,
              [`%/${d.occurrenceId}/%`],
            )
          ).rows;
          for (const b of all) {
            if (!b.confirmed) v.lost.push(`booking ${b.id} never confirmed`);
            const step = b.waitlist_entry_id ? `/booked/${b.waitlist_entry_id}` : `/confirmed/${b.id}`;
            const mine = messages.filter((m) => m.key.endsWith(step));
            if (!mine.length) v.lost.push(`booking ${b.id}: no confirmation sent`);
            for (const m of mine)
              if (Number(m.n) > 1) v.duplicated.push(`booking ${b.id} confirmed ${m.n} times (${m.channel})`);
          }
          // Late fees: the cancelled booking's fee charged once, with its one key.
          if (c.scenario === 'late-fee') {
            const cancelled = d.seats[0]?.bookingId;
            const [fee] = (
              await db.query<{ penalty: string | null; payment: string | null }>(
                `select penalty, penalty_payment_id as payment from gym.bookings where id = $1`,
                [cancelled],
              )
            ).rows;
            const charges = (
              await db.query<{ amount: string; status: string }>(
                `select amount::text as amount, status from payments.payments where idempotency_key = $1`,
                [`gym-penalty:${cancelled}`],
              )
            ).rows;
            if (fee?.penalty !== 'fee_paid')
              v.lost.push(`the late fee is ${fee?.penalty ?? 'missing'}, not paid`);
            if (charges.length > 1) v.duplicated.push(`the late fee was charged ${charges.length} times`);
            if (!charges.length) v.lost.push('no payment for the late fee');
            else if (charges[0]!.amount !== String(FEE))
              v.notes.push(`the fee payment is ${charges[0]!.amount}, not ${FEE}`);
          }
        }
      } finally {
        await db.end().catch(() => undefined);
      }
      return verdicts;
    },
  };
}
