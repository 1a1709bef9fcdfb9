/**
 * Text search (`?q=`) finds the text as typed: `%`, `_` and `\` are characters, not LIKE patterns
 * (issue 14: `users?q=%` listed every user, `roles?q=_` every role).
 */
import {
  API,
  addUser,
  bearer,
  roleId,
  signUp,
  startIdentity,
  type Harness,
  type SignedUp,
} from './harness.ts';

let h: Harness;
let biz: SignedUp;
beforeAll(async () => {
  h = await startIdentity();
  biz = await signUp(h);
  const client = await roleId(h, biz, 'client');
  await h.agent
    .post(`${API}/users`)
    .set(bearer(biz.token))
    .send({ email: `pct-${biz.slug}@example.com`, name: '100% Ana', roles: [{ roleId: client }] })
    .expect(201);
  await addUser(h, biz, [{ roleId: client }]);
  for (const name of ['night_shift', 'nightxshift'])
    await h.agent
      .post(`${API}/roles`)
      .set(bearer(biz.token))
      .send({ name, permissions: ['branches.read'] })
      .expect(201);
  for (const name of ['C:\\Norte', 'Centro'])
    await h.agent
      .post(`${API}/branches`)
      .set(bearer(biz.token))
      .send({
        name,
        timeZone: 'America/Bogota',
        address: { line1: 'Calle 1', city: 'Bogotá', country: 'CO' },
      })
      .expect(201);
}, 60_000);
afterAll(() => h.close());

const names = async (path: string, q: string) => {
  const res = await h.agent.get(`${API}/${path}`).query({ q, limit: 100 }).set(bearer(biz.token));
  expect(res.status).toBe(200);
  return (res.body.data as Array<{ name: string | null }>).map((x) => x.name).sort();
};

describe('?q= is text, not a LIKE pattern', () => {
  it('users?q=% finds the user whose name holds a percent sign, not every user', async () => {
    expect(await names('users', '%')).toEqual(['100% Ana']);
    expect(await names('users', '0%')).toEqual(['100% Ana']);
  });

  it('roles?q=_ finds the role whose name holds an underscore, not every role', async () => {
    expect(await names('roles', '_')).toEqual(['night_shift']);
    expect(await names('roles', 't_s')).toEqual(['night_shift']);
  });

  it('branches?q=\\ finds the branch whose name holds a backslash', async () => {
    expect(await names('branches', '\\')).toEqual(['C:\\Norte']);
    expect(await names('branches', 'c:\\n')).toEqual(['C:\\Norte']);
  });

  it('still matches case-insensitively inside words', async () => {
    expect(await names('roles', 'SHIFT')).toEqual(['night_shift', 'nightxshift']);
  });
});
