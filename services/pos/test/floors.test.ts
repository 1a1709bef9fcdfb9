import { bearer } from '../../identity/test/harness.ts';
import { API, ok, restaurant, startPos, type PosHarness, type Restaurant } from './harness.ts';

let h: PosHarness;
let r: Restaurant;
let other: Restaurant;
beforeAll(async () => {
  h = await startPos();
  [r, other] = await Promise.all([restaurant(h), restaurant(h)]);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

interface Table {
  id: string;
  floorId: string;
  branchId: string;
  name: string;
  seats: number;
  status: string;
}
interface Floor {
  id: string;
  branchId: string;
  name: string;
  tables: Table[];
}

const send = (method: 'post' | 'patch', token: string, path: string, body: object) =>
  h.agent[method](`${API}${path}`).set(bearer(token)).send(body);
const get = (token: string, path: string) => h.agent.get(`${API}${path}`).set(bearer(token));
const code = (res: { body: unknown }) =>
  (res.body as { errors: Array<{ code: string; field?: string }> }).errors[0];

let seq = 0;
const floor = async (branchId: string, who = r.manager.token, name = `Salón ${++seq}`) =>
  ok<Floor>(await send('post', who, '/floors', { branchId, name }), 'floor');
const table = async (floorId: string, name: string, seats = 4, who = r.manager.token) =>
  ok<Table>(await send('post', who, `/floors/${floorId}/tables`, { name, seats }), 'table');

describe('floors and tables', () => {
  it('a manager lays out a branch; waiters see it; names are unique per branch', async () => {
    const f = await floor(r.branchA);
    const t1 = await table(f.id, '1');
    await table(f.id, '2', 2);
    expect(t1).toMatchObject({ floorId: f.id, branchId: r.branchA, status: 'available', seats: 4 });
    const terraza = await floor(r.branchA, r.manager.token, `Terraza ${++seq}`);
    // Table names are unique across the branch's floors (what the waiter calls it), case-insensitive.
    const dup = await send('post', r.manager.token, `/floors/${terraza.id}/tables`, { name: '1', seats: 2 });
    expect([dup.status, code(dup)!.code]).toEqual([409, 'ALREADY_EXISTS']);
    expect(
      (await send('post', r.manager.token, '/floors', { branchId: r.branchA, name: f.name.toUpperCase() }))
        .status,
    ).toBe(409);
    // The same names in branch B are fine.
    const fb = await floor(r.branchB, r.manager.token, f.name);
    await table(fb.id, '1');
    const seen = ok<Floor>(await get(r.waiter.token, `/floors/${f.id}`), 'read');
    expect(seen.tables.map((t) => t.name).sort()).toEqual(['1', '2']);
    const listed = ok<Floor[]>(await get(r.waiter.token, '/floors?limit=100'), 'list');
    expect(listed.every((x) => x.branchId === r.branchA)).toBe(true);
    expect(listed.map((x) => x.id)).toEqual(expect.arrayContaining([f.id, terraza.id]));
    const tables = ok<Table[]>(await get(r.waiter.token, `/tables?floorId=${f.id}&limit=100`), 'tables');
    expect(tables).toHaveLength(2);
    const bad = await send('post', r.manager.token, `/floors/${f.id}/tables`, { name: '9', seats: 0 });
    expect([bad.status, code(bad)!.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('status is stored with a CHECK; occupied follows orders, not a hand', async () => {
    const f = await floor(r.branchA);
    const t = await table(f.id, `S${++seq}`);
    const occupied = await send('patch', r.manager.token, `/tables/${t.id}`, { status: 'occupied' });
    expect([occupied.status, code(occupied)!.code]).toEqual([422, 'TABLE_STATUS_DERIVED']);
    const out = ok<Table>(
      await send('patch', r.manager.token, `/tables/${t.id}`, { status: 'out_of_service' }),
      'oos',
    );
    expect(out.status).toBe('out_of_service');
    expect(
      ok<Table[]>(await get(r.waiter.token, `/tables?status=out_of_service&limit=100`), 'l').map((x) => x.id),
    ).toContain(t.id);
    const bogus = await send('patch', r.manager.token, `/tables/${t.id}`, { status: 'dirty' });
    expect(bogus.status).toBe(400);
    const conn = h.orm.em.fork().getConnection();
    await expect(
      conn.execute(`update "pos"."dining_tables" set "status" = 'dirty' where "id" = ?`, [t.id]),
    ).rejects.toMatchObject({
      code: '23514',
    });
  });

  it('a table stays in its floor’s branch: moves within the branch only, and the database holds it', async () => {
    const [f1, f2, fb] = [await floor(r.branchA), await floor(r.branchA), await floor(r.branchB)];
    const t = await table(f1.id, `M${++seq}`);
    const moved = ok<Table>(
      await send('patch', r.manager.token, `/tables/${t.id}`, { floorId: f2.id }),
      'move',
    );
    expect(moved.floorId).toBe(f2.id);
    const away = await send('patch', r.manager.token, `/tables/${t.id}`, { floorId: fb.id });
    expect([away.status, code(away)!.code]).toEqual([422, 'UNKNOWN_REFERENCE']);
    const conn = h.orm.em.fork().getConnection();
    await expect(
      conn.execute(`update "pos"."dining_tables" set "branch_id" = ? where "id" = ?`, [r.branchB, t.id]),
    ).rejects.toMatchObject({ code: '23503' });
  });

  it('permissions and branch scope: waiters read, managers keep their own branches; another branch is 404', async () => {
    const fa = await floor(r.branchA);
    const fb = await floor(r.branchB);
    const tb = await table(fb.id, `B${++seq}`);
    expect((await send('post', r.waiter.token, '/floors', { branchId: r.branchA, name: 'X' })).status).toBe(
      403,
    );
    expect(
      (await send('post', r.waiter.token, `/floors/${fa.id}/tables`, { name: 'W', seats: 2 })).status,
    ).toBe(403);
    // The kitchen holds no floors.read.
    expect((await get(r.kitchen.token, `/floors/${fa.id}`)).status).toBe(403);
    // The manager of A: A's floors yes, B's no (403 naming B, 404 for B's records).
    expect(
      (await send('post', r.managerA.token, '/floors', { branchId: r.branchA, name: `A ${++seq}` })).status,
    ).toBe(201);
    expect(
      (await send('post', r.managerA.token, '/floors', { branchId: r.branchB, name: `B ${++seq}` })).status,
    ).toBe(403);
    expect((await send('patch', r.managerA.token, `/floors/${fb.id}`, { name: 'Mine' })).status).toBe(404);
    expect(
      (await send('post', r.managerA.token, `/floors/${fb.id}/tables`, { name: 'Z', seats: 2 })).status,
    ).toBe(404);
    expect((await get(r.waiter.token, `/floors/${fb.id}`)).status).toBe(404);
    expect((await get(r.waiter.token, `/tables/${tb.id}`)).status).toBe(404);
    expect((await send('patch', r.managerA.token, `/tables/${tb.id}`, { seats: 8 })).status).toBe(404);
    expect(ok<Table[]>(await get(r.waiter.token, `/tables?branchId=${r.branchB}&limit=100`), 'l')).toEqual(
      [],
    );
    // Another business: 404, and its branch is not ours to lay out.
    expect((await get(other.manager.token, `/floors/${fa.id}`)).status).toBe(404);
    expect((await get(other.manager.token, `/tables/${tb.id}`)).status).toBe(404);
    const foreign = await send('post', r.manager.token, '/floors', {
      branchId: other.branchA,
      name: 'Ajeno',
    });
    expect([foreign.status, code(foreign)!.code]).toEqual([422, 'UNKNOWN_REFERENCE']);
  });
});
