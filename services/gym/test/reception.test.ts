/**
 * Reception on the real stack: QR codes signed, expiring and single use (refused when expired,
 * tampered or reused, also by concurrent scans), manual check-ins with their permission, check-out,
 * occupancy and its real-time event.
 */
import { hmacHex } from '@faena/platform';
import { verifyToken } from '../src/domain/reception.ts';
import {
  API,
  CHECKIN_TEST_SECRET,
  bearer,
  clientUser,
  fundWallet,
  gym,
  member,
  newKey,
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
let monthly: { id: string };
beforeAll(async () => {
  h = await startGym();
  g = await gym(h);
  monthly = await plan(h, g);
}, 90_000);
afterAll(() => h.close());

/** A member of branch A who logs in as `user`; with a paid monthly membership unless `paid: false`. */
async function aMember(paid = true): Promise<{ user: User; memberId: string }> {
  const user = await clientUser(h, g);
  const m = await member(h, g.receptionist, g.branchA, {
    userId: user.id,
    firstName: 'Zoe',
    lastName: 'Quiroga',
  });
  if (paid) await buyMembership(user, m.id);
  return { user, memberId: m.id };
}

async function buyMembership(user: User, memberId: string) {
  await fundWallet(h, g, user.id, 30_000);
  const res = await h.agent
    .post(`${API}/memberships`)
    .set(bearer(g.receptionist.token))
    .set('Idempotency-Key', newKey('sell'))
    .send({
      branchId: g.branchA,
      method: 'wallet',
      memberId,
      planId: monthly.id,
      payerCode: await payerCode(h, user),
    });
  expect(res.status).toBe(201);
}

const code = async (user: User) => {
  const res = await h.agent.post(`${API}/members/me/checkin-codes`).set(bearer(user.token)).send({});
  expect(res.status).toBe(201);
  return res.body.data as { token: string; expiresAt: string; svg: string; png: string };
};
const scan = (token: string, branchId = g.branchA, who = g.receptionist) =>
  h.agent.post(`${API}/reception/check-ins`).set(bearer(who.token)).send({ branchId, token });
const checkOut = (body: Record<string, unknown>, who = g.receptionist) =>
  h.agent
    .post(`${API}/reception/check-outs`)
    .set(bearer(who.token))
    .send({ branchId: g.branchA, ...body });
const occupancy = async (branchId = g.branchA) =>
  (await h.agent.get(`${API}/reception/occupancy/${branchId}`).set(bearer(g.receptionist.token))).body.data
    .occupancy as number;
const refused = (
  res: { status: number; body: { errors: Array<{ code: string }> } },
  status: number,
  code: string,
) => {
  expect({ status: res.status, code: res.body.errors?.[0]?.code }).toEqual({ status, code });
};
/** Re-signs a token's pass with another expiry (with the real key: a valid signature). */
const resign = (token: string, expires: number, secret = CHECKIN_TEST_SECRET) => {
  const [, passId] = token.split('.');
  return `fc1.${passId}.${expires}.${hmacHex(secret, `fc1.${g.biz.tenantId}.${passId}.${expires}`)}`;
};

describe('QR check-in codes', () => {
  it('a member gets a signed code without personal data, rendered as SVG and PNG; the desk scans it once', async () => {
    const { user, memberId } = await aMember();
    const c = await code(user);
    expect(c.token).toMatch(/^fc1\.[0-9a-f-]{36}\.\d+\.[0-9a-f]{64}$/);
    for (const personal of [memberId, user.id, 'Zoe', 'Quiroga']) expect(c.token).not.toContain(personal);
    expect(new Date(c.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(120_000);
    expect(c.svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(Buffer.from(c.png.split(',')[1]!, 'base64').subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    const before = await occupancy();
    const streamFrom = `${Date.now() - 1}`;
    const inside = await scan(c.token);
    expect(inside.status).toBe(201);
    expect(inside.body.data).toMatchObject({
      memberId,
      branchId: g.branchA,
      method: 'qr',
      checkedOutAt: null,
    });
    expect(await occupancy()).toBe(before + 1);
    // Pushed to the branch's front-desk room through notifications' real-time intake.
    const entries = await h.redis.xrange('faena:realtime:intake', streamFrom, '+');
    const events = entries.map(
      ([, fields]) => JSON.parse(fields[1]!) as { room: string; event: string; data: { occupancy: number } },
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        room: `tenant:${g.biz.tenantId}:gym:${g.branchA}`,
        event: 'occupancy:changed',
        data: { branchId: g.branchA, occupancy: before + 1 },
      }),
    );
    // Reused: refused, and the visit is one.
    refused(await scan(c.token), 409, 'CHECKIN_TOKEN_USED');
    // A second check-in while inside (a fresh code) is refused too.
    refused(await scan((await code(user)).token), 409, 'ALREADY_CHECKED_IN');
    // Out with a new code; then not inside any more.
    const out = await checkOut({ token: (await code(user)).token });
    expect(out.status).toBe(200);
    expect(out.body.data.checkedOutAt).not.toBeNull();
    expect(await occupancy()).toBe(before);
    refused(await checkOut({ memberId }), 409, 'NOT_CHECKED_IN');
  });

  it('refuses tampered, forged, garbled and expired codes', async () => {
    const { user } = await aMember();
    const { token } = await code(user);
    const [v, passId, exp, mac] = token.split('.') as [string, string, string, string];
    const flipped = mac.slice(0, -1) + (mac.endsWith('0') ? '1' : '0');
    refused(await scan(`${v}.${passId}.${exp}.${flipped}`), 422, 'CHECKIN_TOKEN_INVALID');
    // A later expiry without the key: the signature no longer holds.
    refused(await scan(`${v}.${passId}.${Number(exp) + 3600}.${mac}`), 422, 'CHECKIN_TOKEN_INVALID');
    // Signed with another key, or for another business: invalid.
    refused(
      await scan(resign(token, Number(exp), 'another-secret-of-at-least-32-characters!')),
      422,
      'CHECKIN_TOKEN_INVALID',
    );
    expect(() =>
      verifyToken({ secret: CHECKIN_TEST_SECRET, ttlSeconds: 60 }, g.branchB, token, new Date()),
    ).toThrow(expect.objectContaining({ code: 'CHECKIN_TOKEN_INVALID' }));
    refused(await scan('not-a-code'), 422, 'CHECKIN_TOKEN_INVALID');
    // Expired by its signed time, and by the pass row's time (a code re-signed to live longer).
    refused(await scan(resign(token, Math.floor(Date.now() / 1000) - 1)), 422, 'CHECKIN_TOKEN_EXPIRED');
    await sql(
      h,
      `update "gym"."checkin_passes" set "expires_at" = now() - interval '1 second' where "id" = ?`,
      [passId],
    );
    refused(await scan(token), 422, 'CHECKIN_TOKEN_EXPIRED');
    // None of it let the member in.
    const visits = await sql<{ n: string }>(
      h,
      `select count(*) as n from "gym"."check_ins" where "pass_id" = ?`,
      [passId],
    );
    expect(Number(visits[0]!.n)).toBe(0);
  });

  it('concurrent scans of one code open exactly one visit (the database holds single use)', async () => {
    const { user, memberId } = await aMember();
    const { token } = await code(user);
    const answers = await Promise.all(Array.from({ length: 6 }, () => scan(token)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect(
      answers.filter((a) => a.status === 409).every((a) => a.body.errors[0].code === 'CHECKIN_TOKEN_USED'),
    ).toBe(true);
    const open = await sql<{ n: string }>(
      h,
      `select count(*) as n from "gym"."check_ins" where "member_id" = ? and "checked_out_at" is null`,
      [memberId],
    );
    expect(Number(open[0]!.n)).toBe(1);
  });

  it('needs a membership covering today; a refused visit leaves the code usable', async () => {
    const { user, memberId } = await aMember(false);
    const { token } = await code(user);
    refused(await scan(token), 422, 'MEMBERSHIP_REQUIRED');
    await buyMembership(user, memberId);
    expect((await scan(token)).status).toBe(201);
  });
});

describe('attendance from the door', () => {
  it('a member booked in a class starting soon is marked attended when they check in', async () => {
    const { user, memberId } = await aMember();
    const type = await h.agent
      .post(`${API}/class-types`)
      .set(bearer(g.manager.token))
      .send({ name: 'Funcional' });
    // A class an hour from now (UTC calendar): bookable (closes 30 minutes before), attendance open.
    const at = new Date(Math.ceil((Date.now() + 60 * 60_000) / 60_000) * 60_000);
    const day = at.toISOString().slice(0, 10);
    const weekday = ((at.getUTCDay() + 6) % 7) + 1;
    const schedule = await h.agent
      .post(`${API}/classes`)
      .set(bearer(g.manager.token))
      .send({
        branchId: g.branchA,
        classTypeId: type.body.data.id,
        weekday,
        startTime: at.toISOString().slice(11, 16),
        durationMinutes: 45,
        capacity: 10,
        timeZone: 'UTC',
        startsOn: day,
      });
    expect(schedule.status).toBe(201);
    const [occ] = await sql<{ id: string }>(
      h,
      `select "id" from "gym"."class_occurrences" where "schedule_id" = ? order by "starts_at" limit 1`,
      [schedule.body.data.id],
    );
    const booking = await h.agent
      .post(`${API}/bookings`)
      .set(bearer(g.receptionist.token))
      .send({ occurrenceId: occ!.id, memberId });
    expect(booking.status).toBe(201);
    const visit = await scan((await code(user)).token);
    expect(visit.status).toBe(201);
    expect(visit.body.data.attendedBookingId).toBe(booking.body.data.id);
    const [row] = await sql<{ attended_at: Date | null }>(
      h,
      `select "attended_at" from "gym"."bookings" where "id" = ?`,
      [booking.body.data.id],
    );
    expect(row!.attended_at).not.toBeNull();
  });
});

describe('who may check in, and where', () => {
  it("scans only in the branches of the caller's grant; members and trainers do not scan", async () => {
    const { user } = await aMember();
    const { token } = await code(user);
    refused(await scan(token, g.branchB), 403, 'FORBIDDEN');
    refused(await scan(token, g.branchA, user), 403, 'FORBIDDEN');
    // Staff have no code of their own (no members.self).
    refused(
      await h.agent.post(`${API}/members/me/checkin-codes`).set(bearer(g.receptionist.token)).send({}),
      403,
      'FORBIDDEN',
    );
    expect((await scan(token)).status).toBe(201);
  });

  it('manual check-in needs checkins.manual (the manager) and a reason on record', async () => {
    const { memberId } = await aMember();
    const manual = (who: User, body: Record<string, unknown>) =>
      h.agent
        .post(`${API}/reception/check-ins/manual`)
        .set(bearer(who.token))
        .send({ branchId: g.branchA, memberId, ...body });
    refused(await manual(g.receptionist, { reason: 'olvidó el teléfono' }), 403, 'FORBIDDEN');
    refused(await manual(g.manager, {}), 400, 'VALIDATION_FAILED');
    const ok = await manual(g.manager, { reason: 'olvidó el teléfono' });
    expect(ok.status).toBe(201);
    expect(ok.body.data).toMatchObject({
      method: 'manual',
      reason: 'olvidó el teléfono',
      createdBy: g.manager.id,
    });
    const listed = await h.agent
      .get(`${API}/reception/check-ins?inside=true&memberId=${memberId}`)
      .set(bearer(g.receptionist.token));
    expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual([ok.body.data.id]);
  });
});
