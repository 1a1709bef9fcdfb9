import { addUser, roleId, signUp } from '../../identity/test/harness.ts';
import { addDays, todayIn } from '../src/domain/dates.ts';
import { STARTER_EXERCISES } from '../src/domain/catalogs.ts';
import {
  API,
  bearer,
  clientUser,
  gym,
  member,
  ok,
  sql,
  startGym,
  type Gym,
  type GymHarness,
  type User,
} from './harness.ts';

let h: GymHarness;
let g: Gym;
/** A second trainer of branch A (not the one who assigns). */
let otherTrainer: User;
let ana: { user: User; memberId: string };
let bob: { user: User; memberId: string };
let inB: string;
let squat: string;
let bench: string;
const today = todayIn('UTC');

beforeAll(async () => {
  h = await startGym();
  g = await gym(h);
  const t = await addUser(h.p.identity, g.biz, [
    { roleId: await roleId(h.p.identity, g.biz, 'trainer'), branchId: g.branchA },
  ]);
  otherTrainer = { id: t.id, token: t.token };
  const linked = async () => {
    const user = await clientUser(h, g);
    return { user, memberId: (await member(h, g.receptionist, g.branchA, { userId: user.id })).id };
  };
  ana = await linked();
  bob = await linked();
  inB = (await member(h, g.owner, g.branchB)).id;
  const catalog = ok<Array<{ id: string; name: string }>>(
    await h.agent.get(`${API}/exercises?limit=100`).set(bearer(g.trainer.token)),
    'catalog',
  );
  squat = catalog.find((e) => e.name === 'Back squat')!.id;
  bench = catalog.find((e) => e.name === 'Bench press')!.id;
}, 90_000);
afterAll(() => h.close());

const routine = (name: string, reps = 5) => ({
  name,
  difficulty: 'intermediate',
  days: [
    {
      name: 'Día A',
      exercises: [
        { exerciseId: squat, sets: 5, reps, weightGrams: 80_000, restSeconds: 180, tempo: '3-1-1-0' },
        { exerciseId: bench, sets: 3, reps: 8 },
      ],
    },
  ],
});
const template = async (name: string, token = g.trainer.token) =>
  ok<{ id: string; currentVersion: number }>(
    await h.agent.post(`${API}/routine-templates`).set(bearer(token)).send(routine(name)),
    'template',
  );
const assign = (memberId: string, body: Record<string, unknown>, token = g.trainer.token) =>
  h.agent
    .post(`${API}/members/${memberId}/routines`)
    .set(bearer(token))
    .send({ startsOn: today, ...body });

describe('the exercise catalog', () => {
  it('every business starts with the starter set, English and Spanish, seeded once even when asked at once', async () => {
    const biz = await signUp(h.p.identity, 'gym', 'CLP');
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() => h.agent.get(`${API}/exercises?limit=100`).set(bearer(biz.token))),
    );
    for (const a of answers) expect(a.body.data).toHaveLength(STARTER_EXERCISES.length);
    expect(STARTER_EXERCISES.length).toBeGreaterThanOrEqual(30);
    const rows = await sql<{ n: string }>(h, `select count(*) as n from gym.exercises where tenant_id = ?`, [
      biz.tenantId,
    ]);
    expect(Number(rows[0]!.n)).toBe(STARTER_EXERCISES.length);
    const found = ok<Array<{ name: string; nameEs: string; starter: boolean }>>(
      await h.agent.get(`${API}/exercises?q=sentadilla`).set(bearer(biz.token)),
      'search',
    );
    expect(found.map((e) => e.name)).toEqual(expect.arrayContaining(['Back squat', 'Front squat']));
    expect(found.every((e) => e.starter)).toBe(true);
    const chest = ok<Array<{ muscleGroups: string[] }>>(
      await h.agent.get(`${API}/exercises?muscleGroup=chest&limit=100`).set(bearer(biz.token)),
      'chest',
    );
    expect(chest.length).toBeGreaterThan(2);
    expect(chest.every((e) => e.muscleGroups.includes('chest'))).toBe(true);
  });

  it('a trainer adds exercises; a receptionist may not', async () => {
    const body = {
      name: 'Sled push',
      nameEs: 'Empuje de trineo',
      muscleGroups: ['quadriceps'],
      equipment: 'other',
    };
    expect((await h.agent.post(`${API}/exercises`).set(bearer(g.receptionist.token)).send(body)).status).toBe(
      403,
    );
    const made = await h.agent.post(`${API}/exercises`).set(bearer(g.trainer.token)).send(body);
    expect([made.status, made.body.data.starter]).toEqual([201, false]);
  });
});

describe('templates and versions', () => {
  it('editing a template writes a new version; routines assigned before keep theirs', async () => {
    const t = await template('Fuerza 5x5');
    const before = await assign(ana.memberId, { templateId: t.id });
    expect(before.body.data.routine.version).toBe(1);
    const edited = await h.agent
      .put(`${API}/routine-templates/${t.id}`)
      .set(bearer(g.trainer.token))
      .send(routine('Fuerza 5x3', 3));
    expect([edited.status, edited.body.data.currentVersion, edited.body.data.name]).toEqual([
      200,
      2,
      'Fuerza 5x3',
    ]);
    const after = await assign(bob.memberId, { templateId: t.id });
    expect(after.body.data.routine.version).toBe(2);
    const kept = await h.agent
      .get(`${API}/routine-assignments/${before.body.data.id}`)
      .set(bearer(g.trainer.token));
    expect(kept.body.data.routine.version).toBe(1);
    expect(kept.body.data.routine.days[0].exercises[0]).toMatchObject({
      reps: 5,
      weightGrams: 80_000,
      tempo: '3-1-1-0',
    });
    const older = await assign(bob.memberId, { templateId: t.id, version: 1 });
    expect(older.body.data.routine.version).toBe(1);
    const versions = ok<Array<{ version: number }>>(
      await h.agent.get(`${API}/routine-templates/${t.id}/versions`).set(bearer(g.trainer.token)),
      'versions',
    );
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
  });

  it('only its author or a tenant-wide routines.manage changes a template; anyone with routines.manage clones it', async () => {
    const t = await template('Hipertrofia');
    const foreign = await h.agent
      .put(`${API}/routine-templates/${t.id}`)
      .set(bearer(otherTrainer.token))
      .send(routine('Mía'));
    expect([foreign.status, foreign.body.errors[0].code]).toEqual([403, 'FORBIDDEN']);
    expect(
      (
        await h.agent
          .put(`${API}/routine-templates/${t.id}`)
          .set(bearer(g.manager.token))
          .send(routine('Gerente'))
      ).body.data.currentVersion,
    ).toBe(2);
    const clone = await h.agent
      .post(`${API}/routine-templates/${t.id}/clone`)
      .set(bearer(otherTrainer.token))
      .send({ name: 'Hipertrofia (Pedro)' });
    expect(clone.status).toBe(201);
    expect(clone.body.data).toMatchObject({
      currentVersion: 1,
      clonedFrom: t.id,
      createdBy: otherTrainer.id,
    });
    expect(clone.body.data.routine.days).toEqual(
      routine('x').days.map((d) => ({
        ...d,
        exercises: d.exercises.map((e) => ({
          weightGrams: null,
          restSeconds: 90,
          tempo: null,
          notes: '',
          ...e,
        })),
      })),
    );
    expect(
      (
        await h.agent
          .put(`${API}/routine-templates/${clone.body.data.id}`)
          .set(bearer(otherTrainer.token))
          .send(routine('y'))
      ).status,
    ).toBe(200);
  });

  it('refuses exercises the business does not have', async () => {
    const bad = routine('Rara');
    bad.days[0]!.exercises[0]!.exerciseId = '00000000-0000-7000-8000-000000000000';
    const res = await h.agent.post(`${API}/routine-templates`).set(bearer(g.trainer.token)).send(bad);
    expect([res.status, res.body.errors[0].code]).toEqual([422, 'UNKNOWN_REFERENCE']);
  });
});

describe('assignments, workouts and progress', () => {
  it('a trainer assigns to members of their branch; a receptionist and a member may not', async () => {
    const t = await template('Base');
    expect((await assign(inB, { templateId: t.id })).status).toBe(404);
    expect((await assign(ana.memberId, { templateId: t.id }, g.receptionist.token)).status).toBe(403);
    expect((await assign(ana.memberId, { templateId: t.id }, ana.user.token)).status).toBe(403);
    const stranger = await signUp(h.p.identity, 'gym', 'CLP');
    expect((await assign(ana.memberId, { templateId: t.id }, stranger.token)).status).toBe(404);
    const bad = await assign(ana.memberId, { templateId: t.id, endsOn: today });
    expect(bad.status).toBe(400);
  });

  it('the member and their trainer log workouts; progress gives best weight, estimated 1RM and volume', async () => {
    const t = await template('Progreso');
    const a = ok<{ id: string }>(
      await assign(ana.memberId, { templateId: t.id, endsOn: addDays(today, 30) }),
      'assign',
    );
    const mine = await h.agent
      .post(`${API}/members/me/workouts`)
      .set(bearer(ana.user.token))
      .send({
        assignmentId: a.id,
        performedOn: today,
        dayIndex: 0,
        sets: [
          { exerciseId: squat, reps: 5, weightGrams: 100_000 },
          { exerciseId: squat, reps: 8, weightGrams: 80_000 },
          { exerciseId: squat, reps: 0, weightGrams: 120_000 },
        ],
      });
    expect(mine.status).toBe(201);
    expect(mine.body.data.loggedBy).toBe(ana.user.id);
    const byTrainer = await h.agent
      .post(`${API}/routine-assignments/${a.id}/workouts`)
      .set(bearer(g.trainer.token))
      .send({
        performedOn: addDays(today, 1),
        dayIndex: 0,
        sets: [{ exerciseId: squat, reps: 3, weightGrams: 105_000 }],
      });
    expect([byTrainer.status, byTrainer.body.data.loggedBy]).toEqual([201, g.trainer.id]);
    // Another trainer of the branch follows the member but does not change their routine.
    const foreign = await h.agent
      .post(`${API}/routine-assignments/${a.id}/workouts`)
      .set(bearer(otherTrainer.token))
      .send({ performedOn: today, dayIndex: 0, sets: [{ exerciseId: squat, reps: 1 }] });
    expect(foreign.status).toBe(403);
    const outside = await h.agent
      .post(`${API}/members/me/workouts`)
      .set(bearer(ana.user.token))
      .send({
        assignmentId: a.id,
        performedOn: addDays(today, 30),
        dayIndex: 0,
        sets: [{ exerciseId: squat, reps: 1 }],
      });
    expect([outside.status, outside.body.errors[0].code]).toEqual([422, 'ASSIGNMENT_NOT_ACTIVE']);
    const badDay = await h.agent
      .post(`${API}/members/me/workouts`)
      .set(bearer(ana.user.token))
      .send({ assignmentId: a.id, performedOn: today, dayIndex: 3, sets: [{ exerciseId: squat, reps: 1 }] });
    expect(badDay.status).toBe(400);
    // Bob cannot log on Ana's routine.
    const notHis = await h.agent
      .post(`${API}/members/me/workouts`)
      .set(bearer(bob.user.token))
      .send({ assignmentId: a.id, performedOn: today, dayIndex: 0, sets: [{ exerciseId: squat, reps: 1 }] });
    expect([notHis.status, notHis.body.errors[0].code]).toEqual([422, 'UNKNOWN_REFERENCE']);

    const progress = ok<Array<Record<string, unknown> & { days: Array<Record<string, unknown>> }>>(
      await h.agent.get(`${API}/members/me/progress?exerciseId=${squat}`).set(bearer(ana.user.token)),
      'progress',
    );
    expect(progress).toHaveLength(1);
    expect(progress[0]!.days[0]).toEqual({
      date: today,
      sets: 3,
      reps: 13,
      bestWeightGrams: 120_000,
      // Epley: 100 kg × (1 + 5/30) = 116.6667 kg → 116 667 g; 80 kg × 8 gives 101 333 g; 0 reps: none.
      estimatedOneRepMaxGrams: 116_667,
      volumeGrams: 100_000 * 5 + 80_000 * 8,
    });
    expect(progress[0]).toMatchObject({
      bestWeightGrams: 120_000,
      bestEstimatedOneRepMaxGrams: 116_667,
      totalVolumeGrams: 1_140_000 + 315_000,
    });
    const staffView = await h.agent
      .get(`${API}/members/${ana.memberId}/progress`)
      .set(bearer(g.trainer.token));
    expect(staffView.body.data[0].totalVolumeGrams).toBe(1_455_000);
    expect(
      (await h.agent.get(`${API}/members/${ana.memberId}/progress`).set(bearer(g.receptionist.token))).status,
    ).toBe(403);

    // Ending the routine: no workouts after it; only its trainer (or trainers.manage) ends it.
    expect(
      (await h.agent.post(`${API}/routine-assignments/${a.id}/end`).set(bearer(otherTrainer.token)).send({}))
        .status,
    ).toBe(403);
    const ended = await h.agent
      .post(`${API}/routine-assignments/${a.id}/end`)
      .set(bearer(g.trainer.token))
      .send({ endsOn: addDays(today, 2) });
    expect([ended.body.data.status, ended.body.data.endsOn]).toEqual(['ended', addDays(today, 2)]);
    const late = await h.agent
      .post(`${API}/members/me/workouts`)
      .set(bearer(ana.user.token))
      .send({
        assignmentId: a.id,
        performedOn: addDays(today, 2),
        dayIndex: 0,
        sets: [{ exerciseId: squat, reps: 1 }],
      });
    expect(late.body.errors[0].code).toBe('ASSIGNMENT_NOT_ACTIVE');
  });

  it('a member sees only their own routines and workouts; staff routes refuse them', async () => {
    const t = await template('Solo Bob');
    const a = ok<{ id: string }>(await assign(bob.memberId, { templateId: t.id }), 'assign');
    const anas = ok<Array<{ id: string; memberId: string }>>(
      await h.agent.get(`${API}/members/me/routines?limit=100`).set(bearer(ana.user.token)),
      'ana',
    );
    expect(anas.every((r) => r.memberId === ana.memberId)).toBe(true);
    expect(anas.map((r) => r.id)).not.toContain(a.id);
    const bobs = ok<Array<{ id: string }>>(
      await h.agent.get(`${API}/members/me/routines?limit=100`).set(bearer(bob.user.token)),
      'bob',
    );
    expect(bobs.map((r) => r.id)).toContain(a.id);
    expect(
      (await h.agent.get(`${API}/members/${bob.memberId}/routines`).set(bearer(ana.user.token))).status,
    ).toBe(403);
    expect((await h.agent.get(`${API}/routine-assignments/${a.id}`).set(bearer(ana.user.token))).status).toBe(
      403,
    );
    const workouts = ok<Array<{ memberId: string }>>(
      await h.agent.get(`${API}/members/me/workouts`).set(bearer(bob.user.token)),
      'workouts',
    );
    expect(workouts.every((w) => w.memberId === bob.memberId)).toBe(true);
    // A trainer of branch B does not see branch A's routines.
    const trainerB = await addUser(h.p.identity, g.biz, [
      { roleId: await roleId(h.p.identity, g.biz, 'trainer'), branchId: g.branchB },
    ]);
    expect((await h.agent.get(`${API}/routine-assignments/${a.id}`).set(bearer(trainerB.token))).status).toBe(
      404,
    );
    expect(
      (await h.agent.get(`${API}/members/${bob.memberId}/routines`).set(bearer(trainerB.token))).status,
    ).toBe(404);
  });
});
