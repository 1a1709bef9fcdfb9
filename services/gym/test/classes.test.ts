import { addDays, localInstant, todayIn, weekdayOf } from '../src/domain/dates.ts';
import {
  API,
  bearer,
  clientUser,
  fundWallet,
  gym,
  member,
  newKey,
  ok,
  payerCode,
  plan,
  sql,
  startGym,
  type Gym,
  type GymHarness,
  type User,
} from './harness.ts';

let h: GymHarness;
let g: Gym;
let yoga: string;
let spinning: string;
beforeAll(async () => {
  h = await startGym();
  g = await gym(h);
  const type = async (name: string) =>
    ok<{ id: string }>(
      await h.agent.post(`${API}/class-types`).set(bearer(g.manager.token)).send({ name }),
      'class type',
    ).id;
  yoga = await type('Yoga');
  spinning = await type('Spinning');
  // Bookings open 7 days before and close 30 minutes before; in-time cancel: 2 hours.
}, 90_000);
afterAll(() => h.close());

interface Occurrence {
  id: string;
  startsAt: string;
  localDate: string;
  capacity: number;
  booked: number;
  seatsLeft: number;
}

/** A weekly class in branch A on tomorrow's weekday (Santiago), and its first occurrence (tomorrow). */
async function weekly(body: Record<string, unknown> = {}): Promise<{ scheduleId: string; next: Occurrence }> {
  const tomorrow = addDays(todayIn('America/Santiago'), 1);
  const schedule = ok<{ id: string }>(
    await h.agent
      .post(`${API}/classes`)
      .set(bearer(g.manager.token))
      .send({
        branchId: g.branchA,
        classTypeId: yoga,
        // [training] no trainer: a trainer needs a gym profile and availability, and teaches one class at a time (test/trainers.test.ts)
        room: 'Sala 1',
        weekday: weekdayOf(tomorrow),
        startTime: '19:00',
        durationMinutes: 60,
        capacity: 20,
        timeZone: 'America/Santiago',
        startsOn: todayIn('America/Santiago'),
        ...body,
      }),
    'schedule',
  );
  const cal = await h.agent
    .get(
      `${API}/occurrences?from=${new Date().toISOString()}&to=${new Date(Date.now() + 8 * 86_400_000).toISOString()}`,
    )
    .set(bearer(g.receptionist.token));
  const next = (cal.body.data as Array<Occurrence & { scheduleId: string }>).find(
    (o) => o.scheduleId === schedule.id,
  )!;
  return { scheduleId: schedule.id, next };
}

/** A member of A who logs in, with an active membership of `planBody`'s plan. */
async function memberWith(planBody: Record<string, unknown> = {}): Promise<{ user: User; memberId: string }> {
  const p = await plan(h, g, planBody, 10_000, [g.branchA]);
  const user = await clientUser(h, g);
  const m = await member(h, g.receptionist, g.branchA, { userId: user.id });
  await fundWallet(h, g, user.id, 10_000);
  const sold = await h.agent
    .post(`${API}/memberships`)
    .set(bearer(g.receptionist.token))
    .set('Idempotency-Key', newKey('sell'))
    .send({
      memberId: m.id,
      planId: p.id,
      branchId: g.branchA,
      method: 'wallet',
      payerCode: await payerCode(h, user),
    });
  if (sold.status !== 201) throw new Error(`sell: ${sold.status} ${JSON.stringify(sold.body)}`);
  return { user, memberId: m.id };
}

const bookAtDesk = (occurrenceId: string, memberId: string, token = g.receptionist.token) =>
  h.agent.post(`${API}/bookings`).set(bearer(token)).send({ occurrenceId, memberId });

describe('schedules and the calendar', () => {
  it("puts the coming weeks on the calendar at the local time of the branch's zone, DST included", async () => {
    const { scheduleId } = await weekly({ weekday: 7, startTime: '07:00', startsOn: '2026-03-01' });
    const rows = await sql<{ local_date: string; starts_at: Date }>(
      h,
      `select to_char(local_date, 'YYYY-MM-DD') as local_date, starts_at from gym.class_occurrences
        where schedule_id = ? order by starts_at`,
      [scheduleId],
    );
    // 8 weeks ahead (OCCURRENCE_WEEKS_AHEAD's default), every one a Sunday at 07:00 in Santiago.
    expect(rows.length).toBeGreaterThanOrEqual(7);
    expect(rows.length).toBeLessThanOrEqual(8);
    for (const r of rows) {
      expect(weekdayOf(r.local_date)).toBe(7);
      expect(new Date(r.starts_at).toISOString()).toBe(
        localInstant(r.local_date, '07:00', 'America/Santiago').toISOString(),
      );
    }
    // Generating again adds nothing already there.
    const again = await h.agent
      .post(`${API}/classes/${scheduleId}/occurrences`)
      .set(bearer(g.manager.token))
      .send({ weeks: 8 });
    expect(again.body.data).toEqual([]);
  });

  it('local time survives a DST change: 07:00 in Santiago is 10:00 UTC in winter and 11:00 UTC... before it', () => {
    // Chile leaves DST on the first Sunday of April 2027 (UTC-3 → UTC-4) and returns in September.
    expect(localInstant('2027-03-28', '07:00', 'America/Santiago').toISOString()).toBe(
      '2027-03-28T10:00:00.000Z',
    );
    expect(localInstant('2027-04-11', '07:00', 'America/Santiago').toISOString()).toBe(
      '2027-04-11T11:00:00.000Z',
    );
    expect(localInstant('2027-07-04', '19:00', 'Europe/Madrid').toISOString()).toBe(
      '2027-07-04T17:00:00.000Z',
    );
    expect(localInstant('2027-01-03', '19:00', 'Europe/Madrid').toISOString()).toBe(
      '2027-01-03T18:00:00.000Z',
    );
  });

  it('a receptionist of branch A may not schedule classes, and a trainer of A only in A', async () => {
    const body = {
      branchId: g.branchA,
      classTypeId: yoga,
      weekday: 1,
      startTime: '08:00',
      durationMinutes: 45,
      capacity: 10,
      timeZone: 'America/Santiago',
      startsOn: todayIn('UTC'),
    };
    expect((await h.agent.post(`${API}/classes`).set(bearer(g.receptionist.token)).send(body)).status).toBe(
      403,
    );
    expect((await h.agent.post(`${API}/classes`).set(bearer(g.trainer.token)).send(body)).status).toBe(201);
    expect(
      (
        await h.agent
          .post(`${API}/classes`)
          .set(bearer(g.trainer.token))
          .send({ ...body, branchId: g.branchB })
      ).status,
    ).toBe(403);
    const badZone = await h.agent
      .post(`${API}/classes`)
      .set(bearer(g.trainer.token))
      .send({ ...body, timeZone: 'Mars/Olympus', startTime: '25:00' });
    expect((badZone.body.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual([
      'body.startTime',
      'body.timeZone',
    ]);
  });
});

describe('bookings', () => {
  it('100 concurrent bookings for 20 seats (not asking to wait): exactly 20 booked, the others 409 CLASS_FULL', async () => {
    // Asking to wait (`waitlist: true`) puts the others in the class's line instead: waitlist.test.ts.
    const { next } = await weekly();
    // 100 members of A with an unlimited membership each (written as a sale would leave them: the
    // sale itself is memberships.test's).
    const p = await plan(h, g, { name: 'Libre' }, 10_000, [g.branchA]);
    const everyone: string[] = [];
    for (let i = 0; i < 10; i++)
      everyone.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, async () => (await member(h, g.receptionist, g.branchA)).id),
        )),
      );
    await sql(
      h,
      `insert into gym.memberships (id, tenant_id, member_id, plan_id, branch_id, status, starts_on, ends_on,
         amount, currency, payment_method, purchase_key, created_at, updated_at)
       select gen_random_uuid(), ?, m, ?, ?, 'active', current_date - 1, current_date + 30, 10000, 'CLP', 'wallet',
         'seed:' || m, now(), now() from unnest(cast(? as uuid[])) as m`,
      [g.biz.tenantId, p.id, g.branchA, `{${everyone.join(',')}}`],
    );
    expect(everyone).toHaveLength(100);
    const answers = await Promise.all(everyone.map((id) => bookAtDesk(next.id, id)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 409)).toHaveLength(80);
    expect(answers.filter((r) => r.status === 409).every((r) => r.body.errors[0].code === 'CLASS_FULL')).toBe(
      true,
    );
    const [row] = await sql<{ booked: number; live: string }>(
      h,
      `select o.booked, (select count(*) from gym.bookings b where b.occurrence_id = o.id and b.status = 'booked') as live
         from gym.class_occurrences o where o.id = ?`,
      [next.id],
    );
    expect(row).toEqual({ booked: 20, live: '20' });
  }, 180_000);

  it('one booking per member and class; a pack session is used at booking and given back on an in-time cancel', async () => {
    const { next } = await weekly();
    const { user, memberId } = await memberWith({
      name: 'Pack 2',
      kind: 'class_pack',
      sessions: 2,
      validityDays: 30,
    });
    const first = await h.agent
      .post(`${API}/members/me/bookings`)
      .set(bearer(user.token))
      .send({ occurrenceId: next.id });
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ memberId, status: 'booked', sessionConsumed: true });
    const twice = await bookAtDesk(next.id, memberId);
    expect(twice.status).toBe(409);
    expect(twice.body.errors[0].code).toBe('ALREADY_EXISTS');
    const left = async () =>
      (
        (await h.agent.get(`${API}/members/me/memberships`).set(bearer(user.token))).body.data as Array<{
          sessionsLeft: number;
        }>
      )[0]!.sessionsLeft;
    expect(await left()).toBe(1);
    // Tomorrow 19:00 is more than 2 hours away: in time, the session comes back and the seat frees.
    const cancelled = await h.agent
      .post(`${API}/members/me/bookings/${first.body.data.id}/cancel`)
      .set(bearer(user.token))
      .send();
    expect(cancelled.body.data).toMatchObject({ status: 'cancelled', lateCancel: false });
    expect(await left()).toBe(2);
    const occ = await h.agent.get(`${API}/occurrences/${next.id}`).set(bearer(user.token));
    expect(occ.body.data.booked).toBe(0);
    // Booking again after the cancel is fine; a second class uses the last session, a third has none.
    expect((await bookAtDesk(next.id, memberId)).status).toBe(201);
    const { next: other } = await weekly({ startTime: '20:30' });
    expect((await bookAtDesk(other.id, memberId)).status).toBe(201);
    const { next: third } = await weekly({ startTime: '21:30' });
    const none = await bookAtDesk(third.id, memberId);
    expect(none.status).toBe(422);
    expect(none.body.errors[0].code).toBe('NO_SESSIONS_LEFT');
  });

  it('a late cancel keeps the session used', async () => {
    const soon = new Date(Date.now() + 90 * 60_000);
    const local = todayIn('UTC', soon);
    const hhmm = soon.toISOString().slice(11, 16);
    const { next } = await weekly({
      weekday: weekdayOf(local),
      startTime: hhmm,
      timeZone: 'UTC',
      startsOn: local,
    });
    expect(next.localDate).toBe(local);
    const { user, memberId } = await memberWith({
      name: 'Pack 1',
      kind: 'class_pack',
      sessions: 1,
      validityDays: 30,
    });
    const b = await bookAtDesk(next.id, memberId);
    expect(b.status).toBe(201);
    const late = await h.agent
      .post(`${API}/bookings/${b.body.data.id}/cancel`)
      .set(bearer(g.receptionist.token))
      .send();
    expect(late.body.data).toMatchObject({ status: 'cancelled', lateCancel: true });
    const ms = (await h.agent.get(`${API}/members/me/memberships`).set(bearer(user.token))).body
      .data as Array<{
      sessionsLeft: number;
    }>;
    expect(ms[0]!.sessionsLeft).toBe(0);
  });

  it('needs a membership covering the day and allowing the class type, inside the booking window', async () => {
    const { next } = await weekly();
    const unpaid = await member(h, g.receptionist, g.branchA);
    expect((await bookAtDesk(next.id, unpaid.id)).body.errors[0].code).toBe('MEMBERSHIP_REQUIRED');
    const { memberId } = await memberWith({ name: 'Solo spinning', classTypeIds: [spinning] });
    const wrongType = await bookAtDesk(next.id, memberId);
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.errors[0]).toMatchObject({
      code: 'MEMBERSHIP_REQUIRED',
      message: expect.stringContaining('plan'),
    });
    // Three weeks ahead is before the window opens (7 days).
    const { scheduleId } = await weekly({ startTime: '06:00' });
    const [far] = await sql<{ id: string }>(
      h,
      `select id from gym.class_occurrences where schedule_id = ? and starts_at > now() + interval '20 days' order by starts_at limit 1`,
      [scheduleId],
    );
    const { memberId: ok2 } = await memberWith();
    const early = await bookAtDesk(far!.id, ok2);
    expect(early.status).toBe(422);
    expect(early.body.errors[0].code).toBe('BOOKING_WINDOW_CLOSED');
  });

  it("branch A's receptionist books only A's classes and members; another business finds none", async () => {
    const { next } = await weekly({ branchId: g.branchB });
    const { memberId } = await memberWith();
    expect((await bookAtDesk(next.id, memberId)).status).toBe(404);
    expect((await bookAtDesk(next.id, memberId, g.manager.token)).status).toBe(201);
    const list = await h.agent
      .get(`${API}/occurrences/${next.id}/bookings`)
      .set(bearer(g.receptionist.token));
    expect(list.status).toBe(404);
    const other = await gym(h);
    expect((await h.agent.get(`${API}/occurrences/${next.id}`).set(bearer(other.owner.token))).status).toBe(
      404,
    );
  });
});
