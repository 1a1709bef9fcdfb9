import { API, bearer, clientUser, gym, member, sql, startGym, type Gym, type GymHarness } from './harness.ts';

let h: GymHarness;
let g: Gym;
beforeAll(async () => {
  h = await startGym();
  g = await gym(h);
}, 90_000);
afterAll(() => h.close());

describe('members', () => {
  it('a receptionist of branch A enrols, sees and changes members of A only (B is not found)', async () => {
    const a = await member(h, g.receptionist, g.branchA, {
      email: 'ana@example.com',
      document: '12.345.678-9',
      emergencyContact: { name: 'Luis', phone: '+56 9 1234 5678', relation: 'hermano' },
    });
    const refused = await h.agent
      .post(`${API}/members`)
      .set(bearer(g.receptionist.token))
      .send({ branchId: g.branchB, firstName: 'Beto', lastName: 'Soto' });
    expect(refused.status).toBe(403);
    const b = await member(h, g.manager, g.branchB, { firstName: 'Beto', lastName: 'Soto' });

    const list = await h.agent.get(`${API}/members?limit=100`).set(bearer(g.receptionist.token));
    expect(list.status).toBe(200);
    const ids = (list.body.data as Array<{ id: string }>).map((m) => m.id);
    expect(ids).toContain(a.id);
    expect(ids).not.toContain(b.id);
    expect((await h.agent.get(`${API}/members/${b.id}`).set(bearer(g.receptionist.token))).status).toBe(404);

    const got = await h.agent.get(`${API}/members/${a.id}`).set(bearer(g.receptionist.token));
    expect(got.body.data).toMatchObject({
      branchId: g.branchA,
      email: 'ana@example.com',
      emergencyContact: { name: 'Luis', relation: 'hermano' },
    });
    expect(got.body.data).not.toHaveProperty('healthNotes');
    const changed = await h.agent
      .patch(`${API}/members/${a.id}`)
      .set(bearer(g.receptionist.token))
      .send({ phone: '+56 2 2222 2222' });
    expect(changed.body.data.phone).toBe('+56 2 2222 2222');
    expect(
      (await h.agent.patch(`${API}/members/${b.id}`).set(bearer(g.receptionist.token)).send({ phone: 'x' }))
        .status,
    ).toBe(404);
  });

  it('searches name, email and document as typed (% and _ are text), with cursor pages', async () => {
    const tag = `z${Date.now().toString(36)}`;
    const made = [];
    for (let i = 0; i < 3; i++)
      made.push(
        await member(h, g.receptionist, g.branchA, { firstName: `${tag}_${i}`, email: `${tag}${i}@x.cl` }),
      );
    await member(h, g.receptionist, g.branchA, { firstName: `${tag}X1`, document: `D-${tag}` });
    const search = (q: string, extra = '') =>
      h.agent.get(`${API}/members?q=${encodeURIComponent(q)}${extra}`).set(bearer(g.receptionist.token));
    // `_` is a character, not "any character": tagX1 does not match `tag_`.
    expect(((await search(`${tag}_`)).body.data as unknown[]).length).toBe(3);
    expect(((await search(`D-${tag}`)).body.data as unknown[]).length).toBe(1);
    expect(((await search(`${tag}1@X.CL`)).body.data as unknown[]).length).toBe(1);
    expect(((await search('%')).body.data as unknown[]).length).toBe(0);
    const first = await search(`${tag}_`, '&limit=2');
    expect(first.body.data).toHaveLength(2);
    const next = await search(`${tag}_`, `&limit=2&cursor=${first.body.meta.nextCursor}`);
    expect(next.body.data).toHaveLength(1);
    expect(next.body.meta.nextCursor).toBeNull();
    expect((await search('x', '&cursor=forged')).body.errors[0].code).toBe('INVALID_CURSOR');
  });

  it('health notes need members.health: the trainer of A reads and writes them, the receptionist is refused', async () => {
    const a = await member(h, g.receptionist, g.branchA);
    const put = await h.agent
      .put(`${API}/members/${a.id}/health`)
      .set(bearer(g.trainer.token))
      .send({ healthNotes: 'Asma leve; evitar HIIT' });
    expect(put.status).toBe(200);
    const read = await h.agent.get(`${API}/members/${a.id}/health`).set(bearer(g.trainer.token));
    expect(read.body.data).toEqual({ memberId: a.id, healthNotes: 'Asma leve; evitar HIIT' });
    const asReception = await h.agent.get(`${API}/members/${a.id}/health`).set(bearer(g.receptionist.token));
    expect(asReception.status).toBe(403);
    expect(asReception.body.errors[0].code).toBe('FORBIDDEN');
    // Not in the ordinary answer either.
    const got = await h.agent.get(`${API}/members/${a.id}`).set(bearer(g.receptionist.token));
    expect(JSON.stringify(got.body)).not.toContain('Asma');
  });

  it('a member who logs in (client role) sees only their own record', async () => {
    const u = await clientUser(h, g);
    const mine = await member(h, g.receptionist, g.branchA, { userId: u.id });
    await member(h, g.receptionist, g.branchA);
    const me = await h.agent.get(`${API}/members/me`).set(bearer(u.token));
    expect(me.status).toBe(200);
    expect(me.body.data.id).toBe(mine.id);
    expect((await h.agent.get(`${API}/members?limit=5`).set(bearer(u.token))).status).toBe(403);
    expect((await h.agent.get(`${API}/members/${mine.id}`).set(bearer(u.token))).status).toBe(403);
    // One live member per user; a user of another business is an unknown reference.
    const twice = await h.agent
      .post(`${API}/members`)
      .set(bearer(g.receptionist.token))
      .send({ branchId: g.branchA, firstName: 'Otra', lastName: 'Vez', userId: u.id });
    expect(twice.status).toBe(409);
    expect(twice.body.errors[0]).toMatchObject({ code: 'ALREADY_EXISTS', field: 'body.userId' });
    const other = await gym(h);
    const stranger = await clientUser(h, other);
    const foreign = await h.agent
      .post(`${API}/members`)
      .set(bearer(g.receptionist.token))
      .send({ branchId: g.branchA, firstName: 'X', lastName: 'Y', userId: stranger.id });
    expect(foreign.body.errors[0]).toMatchObject({ code: 'UNKNOWN_REFERENCE', field: 'body.userId' });
  });

  it('removing a member is a soft delete: hidden everywhere, the row kept', async () => {
    const u = await clientUser(h, g);
    const a = await member(h, g.receptionist, g.branchA, { userId: u.id });
    const del = await h.agent.delete(`${API}/members/${a.id}`).set(bearer(g.receptionist.token));
    expect(del.status).toBe(204);
    expect((await h.agent.get(`${API}/members/${a.id}`).set(bearer(g.receptionist.token))).status).toBe(404);
    expect((await h.agent.get(`${API}/members/me`).set(bearer(u.token))).status).toBe(404);
    const rows = await sql<{ deleted_at: unknown }>(h, 'select deleted_at from gym.members where id = ?', [
      a.id,
    ]);
    expect(rows[0]?.deleted_at).toBeTruthy();
    // The user may be linked to a new member once the old one is removed.
    await member(h, g.receptionist, g.branchA, { userId: u.id });
  });

  it('validates input with every problem named (400) and refuses another business (404)', async () => {
    const bad = await h.agent
      .post(`${API}/members`)
      .set(bearer(g.receptionist.token))
      .send({ branchId: g.branchA, firstName: '', birthDate: '2020-13-01', extra: 1 });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual(
      ['body.birthDate', 'body.extra', 'body.firstName', 'body.lastName'].sort(),
    );
    const a = await member(h, g.receptionist, g.branchA);
    const other = await gym(h);
    expect((await h.agent.get(`${API}/members/${a.id}`).set(bearer(other.owner.token))).status).toBe(404);
  });
});
