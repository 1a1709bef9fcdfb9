/**
 * The class waitlist end to end: the gym API (real PostgreSQL, identity and payments over HTTP), the
 * real `classWaitlist` workflow on the time-skipping test server with the gym's real waitlist
 * activities, and a stand-in for notifications' `notify` that only witnesses the messages (the
 * notifications suite renders the templates). Offer holds, the booking window's end and the
 * no-show grace pass with `env.sleep` (the server's clock), never a real sleep.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eventually } from '@faena/platform/testing';
import { waitlistChanged, waitlistWorkflowId } from '@faena/workflows/waitlist/contract';
import { addDays, todayIn } from '../src/domain/dates.ts';
import {
  API,
  bearer,
  clientUser,
  fundWallet,
  ok,
  payerCode,
  plan,
  sql,
  walletBalance,
  type Gym,
  type GymHarness,
  type User,
} from './harness.ts';
import { inMinutes, tomorrow, waitlistSuite } from './waitlist-support.ts';

const HOLD_MINUTES = 10;
const w = waitlistSuite({ holdMinutes: HOLD_MINUTES });
const { classAt, members, bookAtDesk, processOf, processStatus, emailOf, skipTo } = w;
const { sent } = w.suite;
let env: TestWorkflowEnvironment;
let h: GymHarness;
let g: Gym;
beforeAll(() => {
  ({ env, h, g } = w.suite);
});

interface Entry {
  id: string;
  memberId: string;
  status: string;
  position: number | null;
  offerExpiresAt: string | null;
  bookingId: string | null;
}

const waitlistOf = async (occurrenceId: string) =>
  ok<Entry[]>(
    await h.agent.get(`${API}/occurrences/${occurrenceId}/waitlist`).set(bearer(g.receptionist.token)),
    'waitlist',
  );
const occurrence = async (id: string) =>
  ok<{ booked: number; held: number; seatsLeft: number; status: string; capacity: number }>(
    await h.agent.get(`${API}/occurrences/${id}`).set(bearer(g.receptionist.token)),
    'occurrence',
  );
describe('waitlist and seat offers', () => {
  let full: string;
  let everyone: string[];
  let bookings: Array<{ id: string; memberId: string }>;
  let line: Entry[];

  it('100 concurrent bookings for 20 seats with waitlist: 20 booked, 80 in line in arrival order', async () => {
    const libre = await plan(h, g, { name: 'Libre' }, 10_000, [g.branchA]);
    full = await classAt(tomorrow(), 20);
    everyone = await members(102, libre.id);
    const answers = await Promise.all(everyone.slice(0, 100).map((m) => bookAtDesk(full, m, true)));
    const odd = answers.filter((r) => r.status !== 201);
    expect(odd.map((r) => [r.status, JSON.stringify(r.body).slice(0, 300)])).toEqual([]);
    const booked = answers.filter((r) => r.body.data.status === 'booked');
    const waiting = answers.filter((r) => r.body.data.status === 'waiting');
    expect(booked).toHaveLength(20);
    expect(waiting).toHaveLength(80);
    bookings = booked.map((r) => r.body.data as { id: string; memberId: string });
    // Positions are 1…80, each once, in the order the database drew them (the row lock's order).
    const positions = waiting.map((r) => r.body.data.position as number).sort((a, b) => a - b);
    expect(positions).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    line = await waitlistOf(full);
    expect(line.map((e) => e.position)).toEqual(positions);
    const byMember = new Map(
      waiting.map((r) => [r.body.data.memberId as string, r.body.data.position as number]),
    );
    expect(line.map((e) => byMember.get(e.memberId))).toEqual(positions);
    // Later arrivals go to the end; one entry per member and class; no booking over the seats.
    const late = await bookAtDesk(full, everyone[100]!, true);
    expect(late.body.data).toMatchObject({ status: 'waiting', position: 81 });
    const again = await bookAtDesk(full, everyone[100]!, true);
    expect(again.status).toBe(409);
    expect(again.body.errors[0].code).toBe('ALREADY_EXISTS');
    expect((await bookAtDesk(full, everyone[101]!)).body.errors[0].code).toBe('CLASS_FULL');
    expect(await occurrence(full)).toMatchObject({ booked: 20, held: 0, seatsLeft: 0 });
    // The class's process runs and sees the line; each direct booking is confirmed once.
    await eventually(
      async () => expect(await processStatus(full)).toMatchObject({ state: 'open', waiting: 81 }),
      20_000,
    );
    const confirmedOf = (n: { key: string; event: string }) =>
      n.event === 'gym.booking_confirmed' &&
      n.key.startsWith(`${waitlistWorkflowId(g.biz.tenantId, full)}/confirmed/`);
    await eventually(async () => expect(sent.filter(confirmedOf)).toHaveLength(20), 20_000);
    expect(new Set(sent.filter(confirmedOf).map((n) => n.email))).toEqual(
      new Set(await Promise.all(bookings.map((b) => emailOf(b.memberId)))),
    );
  }, 240_000);

  it('a cancellation holds the seat and offers it to the first in line; nobody else can book it', async () => {
    const cancelled = await h.agent
      .post(`${API}/bookings/${bookings[0]!.id}/cancel`)
      .set(bearer(g.receptionist.token))
      .send();
    expect(cancelled.body.data.status).toBe('cancelled');
    const first = line[0]!;
    await eventually(
      async () => expect((await waitlistOf(full))[0]).toMatchObject({ id: first.id, status: 'offered' }),
      20_000,
    );
    expect(await occurrence(full)).toMatchObject({ booked: 19, held: 1, seatsLeft: 0 });
    expect((await bookAtDesk(full, everyone[101]!)).body.errors[0].code).toBe('CLASS_FULL');
    await eventually(async () =>
      expect(sent.find((n) => n.event === 'gym.seat_offered' && n.email === undefined)).toBeUndefined(),
    );
    const email = await emailOf(first.memberId);
    await eventually(async () =>
      expect(sent.filter((n) => n.event === 'gym.seat_offered').map((n) => n.email)).toEqual([email]),
    );
    expect(sent.find((n) => n.event === 'gym.seat_offered')!.variables).toMatchObject({
      className: 'Yoga',
      when: `${addDays(todayIn('UTC'), 1)} 19:00 (UTC)`,
      holdMinutes: HOLD_MINUTES,
    });
  });

  it('an offer not accepted in K minutes expires and passes to the next in line', async () => {
    const [first, second] = line;
    await env.sleep(HOLD_MINUTES * 60_000 + 1000);
    await eventually(async () => {
      const now = await waitlistOf(full);
      expect(now.find((e) => e.id === first!.id)).toMatchObject({ status: 'expired', position: null });
      expect(now.find((e) => e.id === second!.id)).toMatchObject({ status: 'offered', position: 1 });
    }, 20_000);
    expect(await occurrence(full)).toMatchObject({ booked: 19, held: 1 });
    const firstEmail = await emailOf(first!.memberId);
    await eventually(async () =>
      expect(sent.filter((n) => n.event === 'gym.seat_offer_expired').map((n) => n.email)).toEqual([
        firstEmail,
      ]),
    );
    // The expired offer can no longer be taken.
    const late = await h.agent
      .post(`${API}/waitlist/${first!.id}/accept`)
      .set(bearer(g.receptionist.token))
      .send();
    expect(late.status).toBe(409);
  });

  it('an accepted offer books the held seat', async () => {
    const second = line[1]!;
    const accepted = await h.agent
      .post(`${API}/waitlist/${second.id}/accept`)
      .set(bearer(g.receptionist.token))
      .send();
    expect(accepted.status).toBe(200);
    expect(accepted.body.data).toMatchObject({ memberId: second.memberId, status: 'booked' });
    expect(await occurrence(full)).toMatchObject({ booked: 20, held: 0, seatsLeft: 0 });
    expect((await waitlistOf(full)).find((e) => e.id === second.id)).toMatchObject({
      status: 'booked',
      bookingId: accepted.body.data.id,
    });
    const email = await emailOf(second.memberId);
    // The accept confirms its booking (keyed by the entry); the 20 direct bookings had theirs.
    await eventually(async () =>
      expect(
        sent
          .filter((n) => n.event === 'gym.booking_confirmed' && n.key.includes('/booked/'))
          .map((n) => n.email),
      ).toEqual([email]),
    );
    expect((await processStatus(full)).counts).toMatchObject({ offered: 2, accepted: 1, expired: 1 });
    // Accepting twice is refused: the offer is over.
    const twice = await h.agent
      .post(`${API}/waitlist/${second.id}/accept`)
      .set(bearer(g.receptionist.token))
      .send();
    expect(twice.status).toBe(409);
  });

  it('more capacity offers the new seats to the line; a decline passes the seat on', async () => {
    const [, , third, fourth, fifth] = line;
    const more = await h.agent
      .put(`${API}/occurrences/${full}/capacity`)
      .set(bearer(g.manager.token))
      .send({ capacity: 22 });
    expect(more.body.data).toMatchObject({ capacity: 22, booked: 20, held: 2, seatsLeft: 0 });
    await eventually(async () => {
      const now = await waitlistOf(full);
      expect(now.find((e) => e.id === third!.id)?.status).toBe('offered');
      expect(now.find((e) => e.id === fourth!.id)?.status).toBe('offered');
      expect(now.find((e) => e.id === fifth!.id)?.status).toBe('waiting');
    }, 20_000);
    const below = await h.agent
      .put(`${API}/occurrences/${full}/capacity`)
      .set(bearer(g.manager.token))
      .send({ capacity: 21 });
    expect(below.status).toBe(409);
    const declined = await h.agent
      .post(`${API}/waitlist/${third!.id}/decline`)
      .set(bearer(g.receptionist.token))
      .send();
    expect(declined.body.data).toMatchObject({ status: 'declined', position: null });
    await eventually(async () => {
      expect((await waitlistOf(full)).find((e) => e.id === fifth!.id)?.status).toBe('offered');
    }, 20_000);
    expect(await occurrence(full)).toMatchObject({ booked: 20, held: 2 });
  });

  it('an accept racing the offer expiry ends one way only: never a lost seat, never a double booking', async () => {
    const offered = (await waitlistOf(full)).filter((e) => e.status === 'offered');
    expect(offered).toHaveLength(2);
    const [accept] = await Promise.all([
      h.agent.post(`${API}/waitlist/${offered[0]!.id}/accept`).set(bearer(g.receptionist.token)).send(),
      env.sleep(HOLD_MINUTES * 60_000 + 1000),
    ]);
    await eventually(async () => {
      const now = await waitlistOf(full);
      const first = now.find((e) => e.id === offered[0]!.id)!;
      expect(first.status).toBe(accept.status === 200 ? 'booked' : 'expired');
      // The other offer expired; its seat went to the next in line.
      expect(now.find((e) => e.id === offered[1]!.id)?.status).toBe('expired');
      expect(now.filter((e) => e.status === 'offered')).toHaveLength(accept.status === 200 ? 1 : 2);
    }, 20_000);
    const [row] = await sql<{ booked: number; held: number; capacity: number; live: string; twice: string }>(
      h,
      `select o.booked, o.held, o.capacity,
          (select count(*) from gym.bookings b where b.occurrence_id = o.id and b.status = 'booked') as live,
          (select count(*) from (select member_id from gym.bookings b where b.occurrence_id = o.id and b.status = 'booked'
            group by member_id having count(*) > 1) d) as twice
         from gym.class_occurrences o where o.id = ?`,
      [full],
    );
    expect(row!.booked).toBe(Number(row!.live));
    expect(row!.twice).toBe('0');
    expect(row!.booked + row!.held).toBe(row!.capacity);
  });
});

describe('class cancellation', () => {
  it('cancels every booking and entry, gives pack sessions back and tells everyone', async () => {
    const pack = await plan(
      h,
      g,
      { name: 'Pack 5', kind: 'class_pack', sessions: 5, validityDays: 30 },
      10_000,
      [g.branchA],
    );
    const o = await classAt(new Date(tomorrow().getTime() + 30 * 60_000), 2);
    const [a, b, c] = await members(3, pack.id, 5);
    expect((await bookAtDesk(o, a!)).status).toBe(201);
    expect((await bookAtDesk(o, b!)).status).toBe(201);
    expect((await bookAtDesk(o, c!, true)).body.data.status).toBe('waiting');
    const sessions = async (m: string) =>
      (
        await sql<{ s: number }>(h, `select sessions_left as s from gym.memberships where member_id = ?`, [m])
      )[0]!.s;
    expect(await sessions(a!)).toBe(4);
    // The receptionist may not cancel classes; the manager may.
    const refused = await h.agent
      .post(`${API}/occurrences/${o}/cancel`)
      .set(bearer(g.receptionist.token))
      .send({ reason: 'Profesora enferma' });
    expect(refused.status).toBe(403);
    const res = await h.agent
      .post(`${API}/occurrences/${o}/cancel`)
      .set(bearer(g.manager.token))
      .send({ reason: 'Profesora enferma' });
    expect(res.body.data).toMatchObject({
      status: 'cancelled',
      booked: 0,
      held: 0,
      cancelledReason: 'Profesora enferma',
    });
    expect([await sessions(a!), await sessions(b!), await sessions(c!)]).toEqual([5, 5, 5]);
    expect((await waitlistOf(o))[0]).toMatchObject({ memberId: c, status: 'cancelled' });
    const again = await h.agent
      .post(`${API}/occurrences/${o}/cancel`)
      .set(bearer(g.manager.token))
      .send({ reason: 'x' });
    expect(again.status).toBe(409);
    const emails = await Promise.all([a!, b!, c!].map(emailOf));
    await eventually(async () => {
      expect(
        sent
          .filter((n) => n.event === 'gym.class_cancelled')
          .map((n) => n.email)
          .sort(),
      ).toEqual(emails.sort());
    }, 20_000);
    expect(sent.find((n) => n.event === 'gym.class_cancelled')!.variables).toMatchObject({
      reason: 'Profesora enferma',
    });
    await eventually(async () => expect((await processStatus(o)).state).toBe('cancelled'), 20_000);
    expect(await processOf(o).result()).toMatchObject({ state: 'cancelled' });
  }, 60_000);
});

describe('booking window, late cancel, attendance and no-shows', () => {
  // Both classes start about 100 minutes from now: booking closes 30 minutes before, the in-time
  // cancel limit is 2 hours (so any cancel now is late), check-in opens 2 hours before.
  let closing: string;
  let attendance: string;
  let start: Date;
  const ids: Record<string, string> = {};
  let payer: User;

  it('a late cancel keeps a pack session or owes the plan fee', async () => {
    start = inMinutes(100);
    closing = await classAt(start, 1);
    attendance = await classAt(new Date(start.getTime() + 60_000), 10);
    const pack = await plan(
      h,
      g,
      { name: 'Pack 3', kind: 'class_pack', sessions: 3, validityDays: 30 },
      10_000,
      [g.branchA],
    );
    const feePlan = await plan(h, g, { name: 'Con multas', lateCancelFee: 2500, noShowFee: 4000 }, 10_000, [
      g.branchA,
    ]);
    expect(feePlan).toMatchObject({ lateCancelFee: '2500', noShowFee: '4000' });
    const [packLate, packAbsent, packPresent] = await members(3, pack.id, 3);
    const [feeLate, feeAbsent] = await members(2, feePlan.id);
    Object.assign(ids, { packLate, packAbsent, packPresent, feeLate, feeAbsent });
    for (const m of [packLate, packAbsent, packPresent, feeLate, feeAbsent])
      expect((await bookAtDesk(attendance, m!)).status).toBe(201);
    const cancel = async (m: string) => {
      const [b] = await sql<{ id: string }>(
        h,
        `select id from gym.bookings where member_id = ? and status = 'booked'`,
        [m],
      );
      return h.agent.post(`${API}/bookings/${b!.id}/cancel`).set(bearer(g.receptionist.token)).send();
    };
    expect((await cancel(packLate!)).body.data).toMatchObject({ lateCancel: true, penalty: 'session' });
    expect((await cancel(feeLate!)).body.data).toMatchObject({
      lateCancel: true,
      penalty: 'fee_due',
      penaltyAmount: '2500',
      penaltyCurrency: 'CLP',
    });
    const [left] = await sql<{ s: number }>(
      h,
      `select sessions_left as s from gym.memberships where member_id = ?`,
      [packLate],
    );
    expect(left!.s).toBe(2);
  });

  it('no offer is made once the booking window has closed', async () => {
    const libre = await plan(h, g, { name: 'Libre 2' }, 10_000, [g.branchA]);
    const [seated, waiter] = await members(2, libre.id);
    const b = await bookAtDesk(closing, seated!);
    expect(b.body.data.status).toBe('booked');
    const w = await bookAtDesk(closing, waiter!, true);
    expect(w.body.data).toMatchObject({ status: 'waiting', position: 1 });
    await eventually(async () => expect((await processStatus(closing)).state).toBe('open'), 20_000);
    // The window closes 30 minutes before the start (the process's clock).
    await skipTo(new Date(start.getTime() - 30 * 60_000));
    await eventually(async () => expect((await processStatus(closing)).state).toBe('closed'), 20_000);
    expect((await waitlistOf(closing))[0]).toMatchObject({
      memberId: waiter,
      status: 'closed',
      position: null,
    });
    // A cancel afterwards frees the seat without holding or offering it to anyone.
    await h.agent.post(`${API}/bookings/${b.body.data.id}/cancel`).set(bearer(g.receptionist.token)).send();
    await processOf(closing).signal(waitlistChanged);
    await eventually(async () => expect((await processStatus(closing)).offers).toEqual([]));
    expect(await occurrence(closing)).toMatchObject({ booked: 0, held: 0, seatsLeft: 1 });
    const waiterEmail = await emailOf(waiter!);
    expect(sent.filter((n) => n.email === waiterEmail)).toEqual([]);
  });

  it('after the start plus the grace, who did not check in is a no-show: a session kept or a fee owed', async () => {
    const bookingOf = async (m: string) =>
      (
        await sql<{ id: string }>(
          h,
          `select id from gym.bookings where member_id = ? and status = 'booked'`,
          [m],
        )
      )[0]!.id;
    const present = await h.agent
      .post(`${API}/bookings/${await bookingOf(ids.packPresent!)}/check-in`)
      // The trainer running the class takes attendance (checkins.create in its branch).
      .set(bearer(g.trainer.token))
      .send();
    expect(present.body.data.attendedAt).toEqual(expect.any(String));
    // The fee is charged to a member with a wallet: link feeAbsent to a client user with money.
    payer = await clientUser(h, g);
    await sql(h, `update gym.members set user_id = ? where id = ?`, [payer.id, ids.feeAbsent]);
    await fundWallet(h, g, payer.id, 10_000);
    // No-shows are decided at the start plus the grace (15 minutes), by the process, unattended.
    await skipTo(new Date(start.getTime() + 60_000 + 15 * 60_000));
    await eventually(async () => expect((await processStatus(attendance)).state).toBe('finished'), 20_000);
    expect((await processStatus(attendance)).counts.noShows).toBe(2);
    const rows = await sql<{
      member_id: string;
      no_show: boolean;
      penalty: string | null;
      penalty_amount: string | null;
    }>(
      h,
      `select member_id, no_show, penalty, penalty_amount from gym.bookings where occurrence_id = ? and status = 'booked'`,
      [attendance],
    );
    const byMember = new Map(rows.map((r) => [r.member_id, r]));
    expect(byMember.get(ids.packAbsent!)).toMatchObject({ no_show: true, penalty: 'session' });
    expect(byMember.get(ids.feeAbsent!)).toMatchObject({
      no_show: true,
      penalty: 'fee_due',
      penalty_amount: '4000',
    });
    expect(byMember.get(ids.packPresent!)).toMatchObject({ no_show: false, penalty: null });
    // The desk charges the fee once, with the member's payer code.
    const bookingId = (
      await sql<{ id: string }>(h, `select id from gym.bookings where member_id = ? and occurrence_id = ?`, [
        ids.feeAbsent,
        attendance,
      ])
    )[0]!.id;
    const charge = async () =>
      h.agent
        .post(`${API}/bookings/${bookingId}/penalty/charge`)
        .set(bearer(g.receptionist.token))
        .set('Idempotency-Key', `fee-${bookingId}`)
        .send({ payerCode: await payerCode(h, payer) });
    const charged = await charge();
    expect(charged.body.data).toMatchObject({ penalty: 'fee_paid', penaltyPaymentId: expect.any(String) });
    expect(await walletBalance(h, payer)).toBe('6000');
    const again = await h.agent
      .post(`${API}/bookings/${bookingId}/penalty/charge`)
      .set(bearer(g.receptionist.token))
      .set('Idempotency-Key', `fee-again-${bookingId}`)
      .send({ payerCode: await payerCode(h, payer) });
    expect(again.body.data.penalty).toBe('fee_paid');
    expect(await walletBalance(h, payer)).toBe('6000');
  });
});
