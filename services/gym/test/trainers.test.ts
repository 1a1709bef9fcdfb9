import { readdir } from 'node:fs/promises';
import { addUser, roleId, signUp } from '../../identity/test/harness.ts';
import { addDays, todayIn, weekdayOf } from '../src/domain/dates.ts';
import {
  API,
  UPLOAD_TEST_MAX_BYTES,
  bearer,
  gym,
  ok,
  sql,
  startGym,
  type Gym,
  type GymHarness,
  type User,
} from './harness.ts';

const ZONE = 'America/Santiago';
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startTime: '06:00', endTime: '22:00' }));
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(200, 0x20), Buffer.from('\n%%EOF\n')]);

let h: GymHarness;
let g: Gym;
let yoga: string;
let tomorrow: string;
beforeAll(async () => {
  h = await startGym();
  g = await gym(h);
  yoga = ok<{ id: string }>(
    await h.agent.post(`${API}/class-types`).set(bearer(g.manager.token)).send({ name: 'Yoga' }),
    'class type',
  ).id;
  tomorrow = addDays(todayIn(ZONE), 1);
  ok(
    await h.agent
      .post(`${API}/trainers`)
      .set(bearer(g.manager.token))
      .send({
        userId: g.trainer.id,
        branchId: g.branchA,
        displayName: 'Carla Trainer',
        specialties: ['yoga', 'strength'],
        timeZone: ZONE,
        availability: EVERY_DAY,
      }),
    'trainer',
  );
}, 90_000);
afterAll(() => h.close());

/** A weekly class in branch A on tomorrow's weekday (no trainer unless given). */
const schedule = (body: Record<string, unknown> = {}, token = g.manager.token) =>
  h.agent
    .post(`${API}/classes`)
    .set(bearer(token))
    .send({
      branchId: g.branchA,
      classTypeId: yoga,
      weekday: weekdayOf(tomorrow),
      startTime: '19:00',
      durationMinutes: 60,
      capacity: 10,
      timeZone: ZONE,
      startsOn: todayIn(ZONE),
      ...body,
    });

/** The first occurrence of a schedule (tomorrow). */
async function firstOccurrence(scheduleId: string): Promise<{ id: string; trainerId: string | null }> {
  const rows = await sql<{ id: string; trainer_id: string | null }>(
    h,
    `select id, trainer_id from gym.class_occurrences where schedule_id = ? order by starts_at limit 1`,
    [scheduleId],
  );
  return { id: rows[0]!.id, trainerId: rows[0]!.trainer_id };
}

async function newTrainer(availability = EVERY_DAY, branchId = g.branchA): Promise<User> {
  const u = await addUser(h.p.identity, g.biz, [
    { roleId: await roleId(h.p.identity, g.biz, 'trainer'), branchId },
  ]);
  ok(
    await h.agent.post(`${API}/trainers`).set(bearer(g.manager.token)).send({
      userId: u.id,
      branchId,
      displayName: 'Otro Trainer',
      timeZone: ZONE,
      availability,
    }),
    'trainer',
  );
  return { id: u.id, token: u.token };
}

describe('trainer profiles', () => {
  it('a manager gives a staff user a profile; the receptionist and the trainer themself may not', async () => {
    const got = ok<{ availability: unknown[]; specialties: string[]; certifications: unknown[] }>(
      await h.agent.get(`${API}/trainers/${g.trainer.id}`).set(bearer(g.receptionist.token)),
      'get',
    );
    expect(got.specialties).toEqual(['yoga', 'strength']);
    expect(got.availability).toHaveLength(7);
    const u = await addUser(h.p.identity, g.biz, [{ roleId: await roleId(h.p.identity, g.biz, 'trainer') }]);
    const body = { userId: u.id, branchId: g.branchA, displayName: 'X', timeZone: ZONE };
    for (const who of [g.receptionist, g.trainer])
      expect((await h.agent.post(`${API}/trainers`).set(bearer(who.token)).send(body)).status).toBe(403);
    const unknown = await h.agent
      .post(`${API}/trainers`)
      .set(bearer(g.manager.token))
      .send({ ...body, userId: '00000000-0000-7000-8000-000000000000' });
    expect([unknown.status, unknown.body.errors[0].code]).toEqual([422, 'UNKNOWN_REFERENCE']);
    expect((await h.agent.post(`${API}/trainers`).set(bearer(g.manager.token)).send(body)).status).toBe(201);
    const again = await h.agent.post(`${API}/trainers`).set(bearer(g.manager.token)).send(body);
    expect([again.status, again.body.errors[0].code]).toEqual([409, 'ALREADY_EXISTS']);
    const listed = ok<Array<{ id: string }>>(
      await h.agent.get(`${API}/trainers?specialty=yoga`).set(bearer(g.receptionist.token)),
      'list',
    );
    expect(listed.map((t) => t.id)).toEqual([g.trainer.id]);
  });

  it('availability windows of a day may not overlap or end before they start', async () => {
    const t = await newTrainer([]);
    const put = (windows: unknown[]) =>
      h.agent.put(`${API}/trainers/${t.id}/availability`).set(bearer(g.manager.token)).send({ windows });
    const overlap = await put([
      { weekday: 1, startTime: '08:00', endTime: '12:00' },
      { weekday: 1, startTime: '11:00', endTime: '13:00' },
    ]);
    expect([overlap.status, overlap.body.errors[0].field]).toEqual([400, 'body.availability']);
    expect((await put([{ weekday: 2, startTime: '10:00', endTime: '09:00' }])).status).toBe(400);
    const saved = await put([
      { weekday: 1, startTime: '08:00', endTime: '12:00' },
      { weekday: 1, startTime: '18:00', endTime: '24:00' },
    ]);
    expect(saved.status).toBe(200);
    expect(saved.body.data).toEqual([
      { weekday: 1, startTime: '08:00', endTime: '12:00' },
      { weekday: 1, startTime: '18:00', endTime: '24:00' },
    ]);
    // The database refuses overlapping windows whoever writes them.
    await expect(
      sql(
        h,
        `insert into gym.trainer_availability (id, tenant_id, trainer_id, weekday, start_time, end_time, created_at)
          values (gen_random_uuid(), ?, ?, 1, '09:00', '10:00', now())`,
        [g.biz.tenantId, t.id],
      ),
    ).rejects.toMatchObject({ code: '23P01' });
  });

  it('a manager of branch A only manages the trainers of branch A', async () => {
    const managerA = await addUser(h.p.identity, g.biz, [
      { roleId: await roleId(h.p.identity, g.biz, 'manager'), branchId: g.branchA },
    ]);
    const inB = await newTrainer(EVERY_DAY, g.branchB);
    expect(
      (await h.agent.patch(`${API}/trainers/${inB.id}`).set(bearer(managerA.token)).send({ bio: 'hola' }))
        .status,
    ).toBe(404);
    expect(
      (
        await h.agent
          .patch(`${API}/trainers/${g.trainer.id}`)
          .set(bearer(managerA.token))
          .send({ bio: 'Yoga y fuerza' })
      ).body.data.bio,
    ).toBe('Yoga y fuerza');
    const u = await addUser(h.p.identity, g.biz, [{ roleId: await roleId(h.p.identity, g.biz, 'trainer') }]);
    expect(
      (
        await h.agent
          .post(`${API}/trainers`)
          .set(bearer(managerA.token))
          .send({ userId: u.id, branchId: g.branchB, displayName: 'B', timeZone: ZONE })
      ).status,
    ).toBe(403);
  });

  it("another business's trainer is not found", async () => {
    const other = await signUp(h.p.identity, 'gym', 'CLP');
    expect((await h.agent.get(`${API}/trainers/${g.trainer.id}`).set(bearer(other.token))).status).toBe(404);
    expect(
      (
        await h.agent
          .put(`${API}/trainers/${g.trainer.id}/availability`)
          .set(bearer(other.token))
          .send({ windows: [] })
      ).status,
    ).toBe(404);
  });
});

describe('assigning trainers to classes', () => {
  it('refuses a class outside the availability (409 TRAINER_UNAVAILABLE) and a trainer without a profile', async () => {
    const late = await schedule({ trainerId: g.trainer.id, startTime: '21:30' });
    expect([late.status, late.body.errors[0].code]).toEqual([409, 'TRAINER_UNAVAILABLE']);
    const early = await schedule({ trainerId: g.trainer.id, startTime: '05:30' });
    expect([early.status, early.body.errors[0].code]).toEqual([409, 'TRAINER_UNAVAILABLE']);
    const noProfile = await schedule({ trainerId: g.receptionist.id });
    expect([noProfile.status, noProfile.body.errors[0].code, noProfile.body.errors[0].field]).toEqual([
      422,
      'UNKNOWN_REFERENCE',
      'body.trainerId',
    ]);
    // Nothing of the refused schedules stayed.
    const left = await sql<{ n: string }>(
      h,
      `select count(*) as n from gym.class_schedules where tenant_id = ? and start_time in ('21:30', '05:30')`,
      [g.biz.tenantId],
    );
    expect(Number(left[0]!.n)).toBe(0);
  });

  it('refuses a second class of the trainer at the same time (409 TRAINER_BUSY), in the database too', async () => {
    const t = await newTrainer();
    const first = await schedule({ trainerId: t.id, startTime: '10:00' });
    expect(first.status).toBe(201);
    const overlapping = await schedule({ trainerId: t.id, startTime: '10:30', room: 'Sala 2' });
    expect([overlapping.status, overlapping.body.errors[0].code]).toEqual([409, 'TRAINER_BUSY']);
    expect((await schedule({ trainerId: t.id, startTime: '11:00' })).status).toBe(201);
    const occ = await firstOccurrence(first.body.data.id as string);
    await expect(
      sql(
        h,
        `insert into gym.class_occurrences (id, tenant_id, schedule_id, branch_id, class_type_id, trainer_id, starts_at,
          ends_at, local_date, capacity, created_at, updated_at)
          select gen_random_uuid(), tenant_id, schedule_id, branch_id, class_type_id, trainer_id,
            starts_at + interval '15 minutes', ends_at, local_date + 1, capacity, now(), now()
          from gym.class_occurrences where id = ?`,
        [occ.id],
      ),
    ).rejects.toMatchObject({ code: '23P01' });
    const week = ok<Array<{ id: string }>>(
      await h.agent
        .get(
          `${API}/trainers/${t.id}/schedule?from=${new Date().toISOString()}&to=${new Date(Date.now() + 7 * 86_400_000).toISOString()}`,
        )
        .set(bearer(g.receptionist.token)),
      'schedule',
    );
    expect(week).toHaveLength(2);
  });

  it('of concurrent assignments to classes at the same time, exactly one wins', async () => {
    const t = await newTrainer();
    const classes = await Promise.all(
      [1, 2, 3, 4, 5].map(async (i) => {
        const s = await schedule({ startTime: '15:00', room: `Sala ${i}` });
        return firstOccurrence(s.body.data.id as string);
      }),
    );
    const answers = await Promise.all(
      classes.map((o) =>
        h.agent
          .put(`${API}/occurrences/${o.id}/trainer`)
          .set(bearer(g.manager.token))
          .send({ trainerId: t.id }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.errors[0].code)).toEqual(
      Array(4).fill('TRAINER_BUSY'),
    );
    const assigned = await sql<{ n: string }>(
      h,
      `select count(*) as n from gym.class_occurrences where trainer_id = ?`,
      [t.id],
    );
    expect(Number(assigned[0]!.n)).toBe(1);
  });

  it("a recurring class's trainer changes for every class to come, or for none", async () => {
    const t = await newTrainer();
    const busy = await schedule({ trainerId: t.id, startTime: '17:00' });
    expect(busy.status).toBe(201);
    const other = await schedule({ startTime: '17:30', room: 'Sala 3' });
    const refused = await h.agent
      .put(`${API}/classes/${other.body.data.id}/trainer`)
      .set(bearer(g.manager.token))
      .send({ trainerId: t.id });
    expect([refused.status, refused.body.errors[0].code]).toEqual([409, 'TRAINER_BUSY']);
    expect((await firstOccurrence(other.body.data.id as string)).trainerId).toBeNull();
    const free = await schedule({ startTime: '12:00', room: 'Sala 4' });
    const assigned = await h.agent
      .put(`${API}/classes/${free.body.data.id}/trainer`)
      .set(bearer(g.manager.token))
      .send({ trainerId: t.id });
    expect([assigned.status, assigned.body.data.trainerId]).toEqual([200, t.id]);
    const rows = await sql<{ trainer_id: string | null }>(
      h,
      `select trainer_id from gym.class_occurrences where schedule_id = ?`,
      [free.body.data.id],
    );
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.every((r) => r.trainer_id === t.id)).toBe(true);
    // A receptionist (no trainers.manage) may not assign; another business's class is not found.
    expect(
      (
        await h.agent
          .put(`${API}/classes/${free.body.data.id}/trainer`)
          .set(bearer(g.receptionist.token))
          .send({ trainerId: null })
      ).status,
    ).toBe(403);
    const stranger = await signUp(h.p.identity, 'gym', 'CLP');
    expect(
      (
        await h.agent
          .put(`${API}/classes/${free.body.data.id}/trainer`)
          .set(bearer(stranger.token))
          .send({ trainerId: null })
      ).status,
    ).toBe(404);
  });
});

describe('certificates', () => {
  const upload = (trainerId: string, body: Buffer, token = g.manager.token, name = 'cert.pdf') =>
    h.agent
      .post(`${API}/trainers/${trainerId}/certifications`)
      .set(bearer(token))
      .field('name', 'Instructor de yoga')
      .field('issuer', 'Yoga Alliance')
      .field('issuedOn', '2024-03-01')
      .attach('file', body, name);

  it('stores a PDF checked by content and serves it to the trainer and their managers only', async () => {
    const up = await upload(g.trainer.id, PDF);
    expect(up.status).toBe(201);
    expect(up.body.data).toMatchObject({ name: 'Instructor de yoga', contentType: 'application/pdf' });
    const url = `${API}/trainers/${g.trainer.id}/certifications/${up.body.data.id}/file`;
    const own = await h.agent.get(url).set(bearer(g.trainer.token)).buffer(true);
    expect(own.status).toBe(200);
    expect(own.headers['content-type']).toBe('application/pdf');
    expect(Buffer.compare(own.body as Buffer, PDF)).toBe(0);
    expect((await h.agent.get(url).set(bearer(g.receptionist.token))).status).toBe(404);
    expect((await h.agent.get(url).set(bearer(g.manager.token))).status).toBe(200);
    const profile = await h.agent.get(`${API}/trainers/${g.trainer.id}`).set(bearer(g.receptionist.token));
    expect((profile.body.data.certifications as Array<{ id: string }>).map((c) => c.id)).toContain(
      up.body.data.id,
    );
  });

  it('refuses a file that is not what it claims (415) and one over the limit (413)', async () => {
    const fake = await upload(g.trainer.id, Buffer.from('#!/bin/sh\necho hi\n'), g.manager.token, 'cert.pdf');
    expect([fake.status, fake.body.errors[0].code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const big = await upload(g.trainer.id, Buffer.concat([PDF, Buffer.alloc(UPLOAD_TEST_MAX_BYTES)]));
    expect([big.status, big.body.errors[0].code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect((await upload(g.trainer.id, PDF, g.receptionist.token)).status).toBe(403);
  });
});

describe('a trainer keeps their own profile (/trainers/me, trainers.self)', () => {
  const mine = (who: User) => h.agent.get(`${API}/trainers/me`).set(bearer(who.token));
  const patchMine = (who: User, body: Record<string, unknown>) =>
    h.agent.patch(`${API}/trainers/me`).set(bearer(who.token)).send(body);
  const putMine = (who: User, windows: unknown[]) =>
    h.agent.put(`${API}/trainers/me/availability`).set(bearer(who.token)).send({ windows });

  it('reads and changes their bio and specialties, and nothing a manager keeps', async () => {
    const t = await newTrainer();
    const got = await mine(t);
    expect(got.status).toBe(200);
    expect(got.body.data).toMatchObject({ id: t.id, displayName: 'Otro Trainer', branchId: g.branchA });
    const changed = await patchMine(t, {
      bio: 'Entreno funcional',
      specialties: ['crossfit', ' crossfit', 'hiit'],
    });
    expect(changed.status).toBe(200);
    expect(changed.body.data).toMatchObject({ bio: 'Entreno funcional', specialties: ['crossfit', 'hiit'] });
    expect(
      (await h.agent.get(`${API}/trainers/${t.id}`).set(bearer(g.receptionist.token))).body.data,
    ).toMatchObject({ bio: 'Entreno funcional', specialties: ['crossfit', 'hiit'] });
    // Their name, zone, being active and their branch are the managers' to change (400: not in the schema).
    for (const body of [
      { active: false },
      { timeZone: 'UTC' },
      { displayName: 'Yo' },
      { branchId: g.branchB },
    ]) {
      const refused = await patchMine(t, body);
      expect([refused.status, refused.body.errors[0].code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await patchMine(t, {})).status).toBe(400);
    expect((await mine(t)).body.data).toMatchObject({
      active: true,
      timeZone: ZONE,
      displayName: 'Otro Trainer',
    });
  });

  it("another trainer reaches only their own profile; others' are 403 for them, no profile is 404", async () => {
    const t = await newTrainer();
    expect((await mine(t)).body.data.id).toBe(t.id);
    expect((await mine(g.trainer)).body.data.id).toBe(g.trainer.id);
    // The routes that name a trainer need trainers.manage, which a trainer does not hold.
    expect(
      (await h.agent.patch(`${API}/trainers/${g.trainer.id}`).set(bearer(t.token)).send({ bio: 'x' })).status,
    ).toBe(403);
    expect(
      (
        await h.agent
          .put(`${API}/trainers/${g.trainer.id}/availability`)
          .set(bearer(t.token))
          .send({ windows: [] })
      ).status,
    ).toBe(403);
    expect(
      (await h.agent.get(`${API}/trainers/${g.trainer.id}`).set(bearer(t.token))).body.data.bio,
    ).not.toBe('x');
    // Nor their own certificates: uploading one is a manager's.
    expect(
      (
        await h.agent
          .post(`${API}/trainers/${t.id}/certifications`)
          .set(bearer(t.token))
          .field('name', 'Autodeclarado')
          .attach('file', PDF, 'cert.pdf')
      ).status,
    ).toBe(403);
    // A trainer-role user without a gym profile, and the owner of another business: not found.
    const noProfile = await addUser(h.p.identity, g.biz, [
      { roleId: await roleId(h.p.identity, g.biz, 'trainer'), branchId: g.branchA },
    ]);
    expect((await mine(noProfile)).status).toBe(404);
    expect((await patchMine(noProfile, { bio: 'x' })).status).toBe(404);
    const other = await signUp(h.p.identity, 'gym', 'CLP');
    expect((await mine({ id: other.ownerId, token: other.token })).status).toBe(404);
    // Staff without trainers.self (a receptionist, a manager) are refused before anything is read.
    for (const who of [g.receptionist, g.manager]) {
      expect((await mine(who)).status).toBe(403);
      expect((await putMine(who, [])).status).toBe(403);
    }
  });

  it('replaces their availability, refusing overlapping windows and leaving a class they teach outside', async () => {
    const t = await newTrainer();
    const day = weekdayOf(tomorrow);
    const evening = { weekday: day, startTime: '18:00', endTime: '22:00' };
    const overlap = await putMine(t, [evening, { weekday: day, startTime: '21:00', endTime: '23:00' }]);
    expect([overlap.status, overlap.body.errors[0].field]).toEqual([400, 'body.windows']);

    const saved = await putMine(t, [
      evening,
      { weekday: (day % 7) + 1, startTime: '07:00', endTime: '09:00' },
    ]);
    expect(saved.status).toBe(200);
    expect(saved.body.data).toHaveLength(2);
    // A weekly class at 19:00 on that day, taught by them.
    expect((await schedule({ trainerId: t.id, startTime: '19:00', room: 'Sala Yo' })).status).toBe(201);

    // Dropping the evening window would leave their classes outside: refused, nothing changed.
    const walkAway = await putMine(t, [{ weekday: day, startTime: '06:00', endTime: '12:00' }]);
    expect([walkAway.status, walkAway.body.errors[0].code, walkAway.body.errors[0].field]).toEqual([
      409,
      'TRAINER_UNAVAILABLE',
      'body.windows',
    ]);
    expect((await mine(t)).body.data.availability).toEqual(saved.body.data);
    const narrower = await putMine(t, [{ weekday: day, startTime: '19:00', endTime: '20:00' }]);
    expect([narrower.status, narrower.body.data]).toEqual([
      200,
      [{ weekday: day, startTime: '19:00', endTime: '20:00' }],
    ]);
    // A manager may still change it (classes already assigned stay assigned).
    const byManager = await h.agent
      .put(`${API}/trainers/${t.id}/availability`)
      .set(bearer(g.manager.token))
      .send({ windows: [] });
    expect([byManager.status, byManager.body.data]).toEqual([200, []]);
  });
});

describe('an inactive trainer', () => {
  it('still changes their own availability while classes they kept are the managers to reassign', async () => {
    const t = await newTrainer();
    expect((await schedule({ trainerId: t.id, startTime: '08:00', room: 'Sala Inactiva' })).status).toBe(201);
    const off = await h.agent
      .patch(`${API}/trainers/${t.id}`)
      .set(bearer(g.manager.token))
      .send({ active: false });
    expect(off.body.data.active).toBe(false);
    const res = await h.agent
      .put(`${API}/trainers/me/availability`)
      .set(bearer(t.token))
      .send({ windows: [{ weekday: 1, startTime: '10:00', endTime: '11:00' }] });
    expect([res.status, res.body.data]).toEqual([
      200,
      [{ weekday: 1, startTime: '10:00', endTime: '11:00' }],
    ]);
  });
});

describe('certificate dates', () => {
  it('refuses an expiry before the issue date before storing any file', async () => {
    const t = await newTrainer();
    const files = async () =>
      (
        await readdir(`${process.env.TMPDIR ?? '/tmp'}/faena-gym-uploads-${process.pid}`, {
          recursive: true,
        }).catch(() => [] as string[])
      ).filter((f) => f.includes(t.id));
    const res = await h.agent
      .post(`${API}/trainers/${t.id}/certifications`)
      .set(bearer(g.manager.token))
      .field('name', 'Primeros auxilios')
      .field('issuedOn', '2024-03-01')
      .field('expiresOn', '2024-02-01')
      .attach('file', PDF, 'cert.pdf');
    expect([res.status, res.body.errors[0].field]).toEqual([400, 'body.expiresOn']);
    expect(await files()).toEqual([]);
  });
});
