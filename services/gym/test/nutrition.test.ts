import { addUser, roleId, signUp } from '../../identity/test/harness.ts';
import { STARTER_INGREDIENTS } from '../src/domain/catalogs.ts';
import { portion } from '../src/domain/nutrition.ts';
import { todayIn } from '../src/domain/dates.ts';
import {
  API,
  bearer,
  clientUser,
  gym,
  member,
  ok,
  startGym,
  type Gym,
  type GymHarness,
  type User,
} from './harness.ts';

let h: GymHarness;
let g: Gym;
let nutritionist: User;
let ana: { user: User; memberId: string };
let bob: { user: User; memberId: string };
let inB: string;
let chicken: string;
let rice: string;
const today = todayIn('UTC');

beforeAll(async () => {
  h = await startGym();
  g = await gym(h);
  const n = await addUser(h.p.identity, g.biz, [
    { roleId: await roleId(h.p.identity, g.biz, 'nutritionist') },
  ]);
  nutritionist = { id: n.id, token: n.token };
  const linked = async () => {
    const user = await clientUser(h, g);
    return { user, memberId: (await member(h, g.receptionist, g.branchA, { userId: user.id })).id };
  };
  ana = await linked();
  bob = await linked();
  inB = (await member(h, g.owner, g.branchB)).id;
  const catalog = ok<Array<{ id: string; name: string }>>(
    await h.agent.get(`${API}/ingredients?limit=100`).set(bearer(nutritionist.token)),
    'catalog',
  );
  expect(catalog).toHaveLength(STARTER_INGREDIENTS.length);
  chicken = catalog.find((i) => i.name === 'Chicken breast, cooked')!.id;
  rice = catalog.find((i) => i.name === 'White rice, cooked')!.id;
}, 90_000);
afterAll(() => h.close());

const lunch = () => ({
  name: 'Almuerzo proteico',
  meals: [
    {
      name: 'Almuerzo',
      items: [
        { ingredientId: chicken, grams: 150 },
        { ingredientId: rice, grams: 200 },
      ],
    },
  ],
});

describe('nutrition plans', () => {
  it('computes every line and total in integers, rounding each line half up', async () => {
    expect(portion(165, 150)).toBe(248); // 247.5 kcal → 248
    expect(portion(3_600, 150)).toBe(5_400);
    expect(portion(333, 50)).toBe(167); // 166.5 → 167
    expect(portion(333, 49)).toBe(163); // 163.17 → 163
    const res = await h.agent.post(`${API}/nutrition-plans`).set(bearer(nutritionist.token)).send(lunch());
    expect(res.status).toBe(201);
    const meal = res.body.data.meals[0];
    expect(meal.items).toEqual([
      {
        ingredientId: chicken,
        name: 'Chicken breast, cooked',
        grams: 150,
        kcal: 248,
        proteinMg: 46_500,
        carbsMg: 0,
        fatMg: 5_400,
      },
      {
        ingredientId: rice,
        name: 'White rice, cooked',
        grams: 200,
        kcal: 260,
        proteinMg: 5_400,
        carbsMg: 56_400,
        fatMg: 600,
      },
    ]);
    expect(res.body.data.totals).toEqual({ kcal: 508, proteinMg: 51_900, carbsMg: 56_400, fatMg: 6_000 });
    expect(meal).toMatchObject({ kcal: 508, proteinMg: 51_900 });
  });

  it('refuses unknown ingredients and impossible macros; a receptionist writes no plans', async () => {
    const unknown = await h.agent
      .post(`${API}/nutrition-plans`)
      .set(bearer(nutritionist.token))
      .send({
        name: 'X',
        meals: [{ name: 'A', items: [{ ingredientId: '00000000-0000-7000-8000-000000000000', grams: 10 }] }],
      });
    expect([unknown.status, unknown.body.errors[0].code]).toEqual([422, 'UNKNOWN_REFERENCE']);
    const heavy = await h.agent
      .post(`${API}/ingredients`)
      .set(bearer(nutritionist.token))
      .send({ name: 'Nope', per100g: { kcal: 100, proteinMg: 60_000, carbsMg: 50_000, fatMg: 0 } });
    expect([heavy.status, heavy.body.errors[0].code]).toEqual([422, 'MACROS_EXCEED_WEIGHT']);
    expect(
      (await h.agent.post(`${API}/nutrition-plans`).set(bearer(g.receptionist.token)).send(lunch())).status,
    ).toBe(403);
    const own = await h.agent
      .post(`${API}/ingredients`)
      .set(bearer(nutritionist.token))
      .send({
        name: 'Hummus',
        nameEs: 'Hummus',
        per100g: { kcal: 166, proteinMg: 7_900, carbsMg: 14_300, fatMg: 9_600 },
      });
    expect([own.status, own.body.data.starter]).toEqual([201, false]);
  });

  it('a nutritionist or a trainer assigns a copy to a member of their branch; the member sees only their own', async () => {
    const tpl = ok<{ id: string }>(
      await h.agent.post(`${API}/nutrition-plans`).set(bearer(nutritionist.token)).send(lunch()),
      'template',
    );
    const give = (memberId: string, token: string) =>
      h.agent
        .post(`${API}/nutrition-plans/${tpl.id}/assign`)
        .set(bearer(token))
        .send({ memberId, startsOn: today });
    const forAna = await give(ana.memberId, nutritionist.token);
    expect(forAna.status).toBe(201);
    expect(forAna.body.data).toMatchObject({ isTemplate: false, templateId: tpl.id, memberId: ana.memberId });
    expect((await give(bob.memberId, g.trainer.token)).status).toBe(201);
    expect((await give(inB, g.trainer.token)).status).toBe(404);
    expect((await give(ana.memberId, g.receptionist.token)).status).toBe(403);
    expect((await give(ana.memberId, ana.user.token)).status).toBe(403);
    // Editing the template later leaves the member's copy as assigned.
    await h.agent
      .patch(`${API}/nutrition-plans/${tpl.id}`)
      .set(bearer(nutritionist.token))
      .send({ meals: [{ name: 'Solo arroz', items: [{ ingredientId: rice, grams: 100 }] }] });
    const mine = ok<Array<{ id: string; memberId: string; totals: { kcal: number } }>>(
      await h.agent.get(`${API}/members/me/nutrition-plans`).set(bearer(ana.user.token)),
      'mine',
    );
    expect(mine.map((p) => [p.id, p.memberId, p.totals.kcal])).toEqual([
      [forAna.body.data.id, ana.memberId, 508],
    ]);
    expect(
      (await h.agent.get(`${API}/members/${bob.memberId}/nutrition-plans`).set(bearer(ana.user.token)))
        .status,
    ).toBe(403);
    const trainerB = await addUser(h.p.identity, g.biz, [
      { roleId: await roleId(h.p.identity, g.biz, 'trainer'), branchId: g.branchB },
    ]);
    expect(
      (await h.agent.get(`${API}/nutrition-plans/${forAna.body.data.id}`).set(bearer(trainerB.token))).status,
    ).toBe(404);
    const stranger = await signUp(h.p.identity, 'gym', 'CLP');
    expect((await h.agent.get(`${API}/nutrition-plans/${tpl.id}`).set(bearer(stranger.token))).status).toBe(
      404,
    );
  });
});
