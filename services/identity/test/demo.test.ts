/**
 * The demo is a product: after `make dev`'s seed (run here as dev.sh runs it, twice: it is
 * idempotent and repairs what an earlier seed got wrong), every demo user of every demo business logs
 * in and holds its role's permissions in its own tenant. Before, every non-owner demo user had no
 * permissions at all: the seed, in system context, gave them another tenant's role.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { testDatabaseUrl } from '@faena/platform/testing';
import { DEMO_PASSWORD, DEMO_TENANTS, demoEmail, rolesOf } from '../src/demo.ts';
import { SYSTEM_ROLES } from '../src/domain/system-roles.ts';
import { API, bearer, startIdentity, type Harness } from './harness.ts';

const run = promisify(execFile);
const SEED = path.resolve(import.meta.dirname, '../src/seed.ts');
let h: Harness;

beforeAll(async () => {
  h = await startIdentity();
  const env = { ...process.env, DATABASE_URL: await testDatabaseUrl(), LOG_LEVEL: 'warn' };
  for (let i = 0; i < 2; i++)
    await run(process.execPath, ['--disable-warning=ExperimentalWarning', SEED], { env, timeout: 120_000 });
}, 240_000);
afterAll(() => h.close());

describe.each(DEMO_TENANTS.map((t) => [t.slug, t] as const))('%s', (_slug, t) => {
  it.each(rolesOf(t.kind))('%s logs in and holds its role in its own business', async (role) => {
    const login = await h.agent
      .post(`${API}/auth/login`)
      .send({ tenant: t.slug, email: demoEmail(role, t.slug), password: DEMO_PASSWORD });
    expect(login.status).toBe(200);
    const me = await h.agent.get(`${API}/auth/me`).set(bearer(login.body.data.accessToken as string));
    expect(me.status).toBe(200);
    expect(me.body.data.tenant.slug).toBe(t.slug);
    expect(me.body.data.roles.map((r: { name: string }) => r.name)).toEqual([role]);
    const expected = SYSTEM_ROLES.find((r) => r.name === role)!.permissions;
    const held = Object.keys(me.body.data.permissions as Record<string, string[]>);
    expect(held.length).toBeGreaterThan(0);
    if (!expected.includes('*')) for (const p of expected) if (!p.endsWith('*')) expect(held).toContain(p);
  });
});
