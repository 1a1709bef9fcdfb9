import { API, PASSWORD, bearer, signUp, startIdentity, type Harness, type SignedUp } from './harness.ts';

let h: Harness;
let biz: SignedUp;
beforeAll(async () => {
  h = await startIdentity();
  biz = await signUp(h);
}, 60000);
afterAll(() => h.close());

const login = (email: string, password = PASSWORD, extra: Record<string, unknown> = {}) =>
  h.agent.post(`${API}/auth/login`).send({ tenant: biz.slug, email, password, ...extra });

describe('sign-up', () => {
  it('creates the tenant, its system roles and its owner, who can act at once', async () => {
    const me = await h.agent.get(`${API}/auth/me`).set(bearer(biz.token));
    expect(me.status).toBe(200);
    expect(me.body.data.tenant).toMatchObject({
      id: biz.tenantId,
      slug: biz.slug,
      status: 'active',
      currency: 'ARS',
    });
    expect(me.body.data.roles.map((r: { name: string }) => r.name)).toEqual(['owner']);
    expect(me.body.data.permissions['users.manage']).toEqual(['*']);
    expect(me.body.data.permissions['platform.tenants']).toBeUndefined();
    const roles = await h.agent.get(`${API}/roles?system=true&limit=100`).set(bearer(biz.token));
    expect(roles.body.data.map((r: { name: string }) => r.name).sort()).toEqual([
      'admin',
      'cashier',
      'client',
      'kitchen',
      'manager',
      'nutritionist',
      'owner',
      'professional',
      'receptionist',
      'trainer',
      'waiter',
    ]);
  });

  it('refuses a taken slug, a short password, an unknown time zone and currency, all reported at once', async () => {
    const res = await h.agent.post(`${API}/signup`).send({
      tenant: {
        name: 'X',
        slug: biz.slug,
        kind: 'gym',
        currency: 'XXZ',
        locale: 'es',
        timeZone: 'Mars/Olympus',
      },
      owner: { name: 'O', email: 'o@example.com', password: 'short' },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'body.owner.password',
      'body.tenant.currency',
      'body.tenant.timeZone',
    ]);
    const taken = await h.agent.post(`${API}/signup`).send({
      tenant: { name: 'X', slug: biz.slug, kind: 'gym', currency: 'USD', locale: 'es', timeZone: 'UTC' },
      owner: { name: 'O', email: 'o@example.com', password: PASSWORD },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.errors[0]).toMatchObject({ code: 'CONFLICT', field: 'body.tenant.slug' });
  });

  it('stores the password with argon2id at OWASP parameters or above', async () => {
    const [row] = await h.orm.em
      .fork()
      .getConnection()
      .execute<Array<{ password_hash: string }>>(`select password_hash from identity.users where id = ?`, [
        biz.ownerId,
      ]);
    const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(
      row!.password_hash.replace(/m=(\d+),p=(\d+),t=(\d+)/, 'm=$1,t=$3,p=$2'),
    );
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(19456);
    expect(Number(m![2])).toBeGreaterThanOrEqual(2);
    expect(Number(m![3])).toBeGreaterThanOrEqual(1);
  });
});

describe('login', () => {
  it('answers an unknown email and a wrong password the same way', async () => {
    const wrong = await login(biz.ownerEmail, 'not the right password');
    const unknown = await login('nobody-here@example.com', 'not the right password');
    const noTenant = await h.agent
      .post(`${API}/auth/login`)
      .send({ tenant: 'no-such-tenant', email: biz.ownerEmail, password: PASSWORD });
    for (const res of [wrong, unknown, noTenant]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        success: false,
        errors: [{ code: 'UNAUTHENTICATED', message: 'Invalid email or password' }],
      });
    }
  });

  it('issues a bearer session and records the event in the audit log', async () => {
    const res = await login(biz.ownerEmail);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(res.body.data.refreshToken).toMatch(/^rt_/);
    const audit = await h.agent.get(`${API}/audit-events?type=login.succeeded`).set(bearer(biz.token));
    expect(audit.body.data.some((e: { subjectId: string }) => e.subjectId === biz.ownerId)).toBe(true);
    const failed = await h.agent.get(`${API}/audit-events?type=login.failed`).set(bearer(biz.token));
    expect(failed.body.data.length).toBeGreaterThan(0);
    expect(JSON.stringify(failed.body)).not.toContain('not the right password');
  });

  it('allows 5 attempts a minute per IP and email, then locks out for a growing time', async () => {
    const email = `locked-${Date.now()}@example.com`;
    for (let i = 0; i < 5; i++) expect((await login(email, 'wrong password!')).status).toBe(401);
    const sixth = await login(email, 'wrong password!');
    expect(sixth.status).toBe(429);
    expect(sixth.body.errors[0].code).toBe('RATE_LIMITED');
    expect(Number(sixth.headers['retry-after'])).toBe(60);
    // Still locked: even the right credentials wait.
    expect((await login(biz.ownerEmail)).status).toBe(200); // another email is not affected
    const lockedAudit = await h.agent.get(`${API}/audit-events?type=login.locked`).set(bearer(biz.token));
    expect(lockedAudit.body.data.some((e: { data: { email: string } }) => e.data.email === email)).toBe(true);

    // The window passes (its counter expires): the next lockout lasts twice as long.
    // (an IPv4-mapped address counts as IPv4, an IPv6 one by its /64)
    await h.redis.del(
      `identity:login:127.0.0.1|${biz.slug}|${email}`,
      `identity:login:0:0:0:0::/64|${biz.slug}|${email}`,
    );
    for (let i = 0; i < 5; i++) expect((await login(email, 'wrong password!')).status).toBe(401);
    const again = await login(email, 'wrong password!');
    expect(again.status).toBe(429);
    expect(Number(again.headers['retry-after'])).toBe(120);
  });

  it('counts attempts from the real address: a rotating X-Forwarded-For changes nothing (no trusted proxy)', async () => {
    const email = `spoof-${Date.now()}@example.com`;
    const spoofed = (i: number) =>
      h.agent
        .post(`${API}/auth/login`)
        .set('X-Forwarded-For', `203.0.113.${i}`)
        .send({ tenant: biz.slug, email, password: 'wrong password!' });
    // Before: every request counted for another address, so 30 attempts never hit 429.
    for (let i = 0; i < 5; i++) expect((await spoofed(i)).status).toBe(401);
    expect((await spoofed(99)).status).toBe(429);
  });
});

describe('refresh tokens', () => {
  it('rotate on every use; reusing a rotated one revokes the whole session', async () => {
    const first = (await login(biz.ownerEmail)).body.data;
    const second = await h.agent.post(`${API}/auth/refresh`).send({ refreshToken: first.refreshToken });
    expect(second.status).toBe(200);
    expect(second.body.data.refreshToken).not.toBe(first.refreshToken);
    expect(second.body.data.sessionId).toBe(first.sessionId);

    const reuse = await h.agent.post(`${API}/auth/refresh`).send({ refreshToken: first.refreshToken });
    expect(reuse.status).toBe(401);
    // The legitimate holder's newer token is dead too, and so are the session's access tokens.
    expect(
      (await h.agent.post(`${API}/auth/refresh`).send({ refreshToken: second.body.data.refreshToken }))
        .status,
    ).toBe(401);
    expect((await h.agent.get(`${API}/auth/me`).set(bearer(second.body.data.accessToken))).status).toBe(401);
    const audit = await h.agent.get(`${API}/audit-events?type=refresh.reuse_detected`).set(bearer(biz.token));
    expect(
      audit.body.data.some((e: { data: { sessionId: string } }) => e.data.sessionId === first.sessionId),
    ).toBe(true);
  });

  it('lets exactly one of two concurrent uses of the same token win', async () => {
    const s = (await login(biz.ownerEmail)).body.data;
    const [a, b] = await Promise.all([
      h.agent.post(`${API}/auth/refresh`).send({ refreshToken: s.refreshToken }),
      h.agent.post(`${API}/auth/refresh`).send({ refreshToken: s.refreshToken }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 401]);
  });

  it('refuses garbage', async () => {
    expect((await h.agent.post(`${API}/auth/refresh`).send({ refreshToken: 'rt_nope' })).status).toBe(401);
  });
});

describe('cookie mode (browsers)', () => {
  it('sets HttpOnly Secure SameSite __Host- cookies and requires the CSRF token on unsafe requests', async () => {
    const res = await login(biz.ownerEmail, PASSWORD, { mode: 'cookie' });
    expect(res.status).toBe(200);
    expect(res.body.data.accessToken).toBeUndefined();
    const csrf = res.body.data.csrfToken as string;
    const cookies = res.headers['set-cookie'] as unknown as string[];
    const at = cookies.find((c) => c.startsWith('__Host-faena_at='))!;
    expect(at).toMatch(/httponly/i);
    expect(at).toMatch(/secure/i);
    expect(at).toMatch(/samesite=strict/i);
    // __Host- requires Path=/: the refresh cookie is HttpOnly, and only useful with the CSRF token
    expect(cookies.find((c) => c.startsWith('__Host-faena_rt='))).toMatch(/path=\/;.*httponly/i);
    expect(cookies.find((c) => c.startsWith('__Host-faena_csrf='))).not.toMatch(/httponly/i);
    const jar = cookies.map((c) => c.split(';')[0]).join('; ');

    expect((await h.agent.get(`${API}/auth/me`).set('Cookie', jar)).status).toBe(200);
    const noCsrf = await h.agent
      .post(`${API}/auth/password`)
      .set('Cookie', jar)
      .send({ currentPassword: PASSWORD, newPassword: PASSWORD });
    expect(noCsrf.status).toBe(403);
    const wrongCsrf = await h.agent
      .post(`${API}/auth/password`)
      .set('Cookie', jar)
      .set('X-CSRF-Token', 'csrf_forged')
      .send({ currentPassword: PASSWORD, newPassword: PASSWORD });
    expect(wrongCsrf.status).toBe(403);

    const refreshNoCsrf = await h.agent.post(`${API}/auth/refresh`).set('Cookie', jar).send({});
    expect(refreshNoCsrf.status).toBe(403);
    const refreshed = await h.agent
      .post(`${API}/auth/refresh`)
      .set('Cookie', jar)
      .set('X-CSRF-Token', csrf)
      .send({});
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.data.csrfToken).toMatch(/^csrf_/);

    const jar2 = (refreshed.headers['set-cookie'] as unknown as string[])
      .map((c) => c.split(';')[0])
      .join('; ');
    const out = await h.agent
      .post(`${API}/auth/logout`)
      .set('Cookie', jar2)
      .set('X-CSRF-Token', refreshed.body.data.csrfToken);
    expect(out.status).toBe(204);
    expect((await h.agent.get(`${API}/auth/me`).set('Cookie', jar2)).status).toBe(401);
  });
});

describe('sessions', () => {
  it('logout-everywhere ends every session of the user, access and refresh tokens alike', async () => {
    const a = (await login(biz.ownerEmail)).body.data;
    const b = (await login(biz.ownerEmail)).body.data;
    const res = await h.agent.post(`${API}/auth/logout-everywhere`).set(bearer(a.accessToken));
    expect(res.status).toBe(200);
    expect(res.body.data.sessionsEnded).toBeGreaterThanOrEqual(2);
    expect((await h.agent.get(`${API}/auth/me`).set(bearer(b.accessToken))).status).toBe(401);
    expect((await h.agent.post(`${API}/auth/refresh`).send({ refreshToken: b.refreshToken })).status).toBe(
      401,
    );
    biz.token = (await login(biz.ownerEmail)).body.data.accessToken;
  });

  it('changing the password ends the other sessions and keeps this one', async () => {
    const other = (await login(biz.ownerEmail)).body.data;
    const mine = (await login(biz.ownerEmail)).body.data;
    const res = await h.agent
      .post(`${API}/auth/password`)
      .set(bearer(mine.accessToken))
      .send({ currentPassword: PASSWORD, newPassword: PASSWORD });
    expect(res.status).toBe(200);
    expect((await h.agent.get(`${API}/auth/me`).set(bearer(other.accessToken))).status).toBe(401);
    expect((await h.agent.get(`${API}/auth/me`).set(bearer(mine.accessToken))).status).toBe(200);
    biz.token = mine.accessToken;
  });
});

describe('signing keys', () => {
  it('serves the JWKS and, after rotation, keeps verifying tokens signed with the previous key', async () => {
    const before = await h.agent.get('/.well-known/jwks.json');
    expect(before.status).toBe(200);
    expect(before.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(before.body.keys[0].d).toBeUndefined();
    const oldToken = biz.token;
    const oldKid = JSON.parse(Buffer.from(oldToken.split('.')[0]!, 'base64url').toString()).kid as string;
    const newKid = await h.deps.keys.rotate();
    expect(newKid).not.toBe(oldKid);
    const after = await h.agent.get('/api/identity/v1/.well-known/jwks.json');
    expect(after.body.keys.map((k: { kid: string }) => k.kid)).toEqual(
      expect.arrayContaining([oldKid, newKid]),
    );
    expect((await h.agent.get(`${API}/auth/me`).set(bearer(oldToken))).status).toBe(200);
    const fresh = (await login(biz.ownerEmail)).body.data.accessToken as string;
    expect(JSON.parse(Buffer.from(fresh.split('.')[0]!, 'base64url').toString()).kid).toBe(newKid);
  });

  it('/openapi.json documents the JWKS as the key set it is, not inside the envelope', async () => {
    const doc = (await h.agent.get('/openapi.json')).body;
    for (const path of ['/.well-known/jwks.json', '/api/identity/v1/.well-known/jwks.json']) {
      const schema = doc.paths[path].get.responses['200'].content['application/json'].schema;
      expect(schema.properties.keys.items.required).toEqual(['kty', 'kid']);
      expect(schema.properties.success).toBeUndefined();
    }
    const served = (await h.agent.get('/.well-known/jwks.json')).body;
    expect(Object.keys(served)).toEqual(['keys']);
  });
});
