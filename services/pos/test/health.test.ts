import { bearer } from '../../identity/test/harness.ts';
import { API, ok, restaurant, startPos, type PosHarness } from './harness.ts';

let h: PosHarness;
beforeAll(async () => {
  h = await startPos();
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('the POS service skeleton', () => {
  it('is ready on its own PostgreSQL schema and Redis, and serves its OpenAPI document', async () => {
    const ready = await h.agent.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.data).toEqual({ status: 'up' });
    const doc = await h.agent.get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths as object)).toContain(`${API}/categories`);
    const schema = await h.orm.em
      .fork()
      .getConnection()
      .execute<Array<{ table_name: string }>>(
        `select table_name from information_schema.tables where table_schema = 'pos' and table_name = 'categories'`,
      );
    expect(schema).toHaveLength(1);
  });

  it('answers over HTTP behind identity’s tokens: 401 without one, the error envelope', async () => {
    const res = await fetch(`${h.url}${API}/categories`);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { errors: Array<{ code: string }> };
    expect(body.errors[0]!.code).toBe('UNAUTHENTICATED');
    const r = await restaurant(h);
    const list = ok<unknown[]>(await h.agent.get(`${API}/categories`).set(bearer(r.waiter.token)), 'list');
    expect(list).toEqual([]);
  });
});
