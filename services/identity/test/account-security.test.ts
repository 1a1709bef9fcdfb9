/**
 * Issue 13: account throttles a stranger cannot turn against the owner, a per-address signup limit,
 * sessions that end, access tokens of the right type, retired signing keys deleted. Real HTTP from
 * real loopback addresses (Linux routes all of 127.0.0.0/8 to lo: each test address is a distinct
 * client socket, no proxy header), real Redis and PostgreSQL.
 */
import http from 'node:http';
import { SignJWT, type JWTPayload } from 'jose';
import { serve, type RunningServer } from '@faena/platform';
import { createApp } from '../src/app.ts';
import { addressKey } from '../src/domain/throttle.ts';
import { createKeyStore } from '../src/domain/keys.ts';
import { createIdentityDeps } from '../src/wiring.ts';
import {
  API,
  PASSWORD,
  TEST_CONFIG,
  addUser,
  bearer,
  roleId,
  signUp,
  startIdentity,
  unique,
  type Harness,
  type SignedUp,
} from './harness.ts';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: { data?: Record<string, unknown>; errors?: Array<{ code: string }> };
}

/** One HTTP request to `server` from the loopback address `from`. */
function call(
  server: RunningServer,
  from: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        localAddress: from,
        method,
        path,
        headers: { ...(payload && { 'Content-Type': 'application/json' }), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? (JSON.parse(text) as Answer['body']) : {},
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A loopback address of its own for this run (Redis counters outlive runs; 127.0.0.1 is everyone's). */
const runOctets = [1 + Math.floor(Math.random() * 250), 1 + Math.floor(Math.random() * 250)];
const address = (n: number) => `127.${runOctets[0]}.${runOctets[1]}.${n}`;

/** identity with small windows, served over HTTP beside the default one (same database and Redis). */
const TIGHT = {
  ...TEST_CONFIG,
  SIGNUPS_PER_HOUR_PER_IP: 3,
  LOGIN_ACCOUNT_FREE_FAILURES: 3,
  LOGIN_ACCOUNT_DELAY_SECONDS: 10,
  LOGIN_ACCOUNT_MAX_DELAY_SECONDS: 40,
  SESSION_MAX_AGE_SECONDS: 2,
};

let h: Harness;
let biz: SignedUp;
let normal: RunningServer;
let tight: RunningServer;
beforeAll(async () => {
  h = await startIdentity();
  biz = await signUp(h);
  const logger = h.deps.logger;
  normal = await serve(h.app, { port: 0, host: '127.0.0.1', logger, signals: [] });
  const tightApp = createApp(createIdentityDeps(TIGHT, { orm: h.orm, redis: h.redis, logger }));
  tight = await serve(tightApp, { port: 0, host: '127.0.0.1', logger, signals: [] });
  // Counters an earlier run may have left on this run's addresses.
  const stale = await h.redis.keys(`*127.${runOctets[0]}.${runOctets[1]}.*`);
  if (stale.length) await h.redis.del(...stale);
}, 60000);
afterAll(async () => {
  await tight.stop();
  await normal.stop();
  await h.close();
});

const login = (server: RunningServer, from: string, email: string, password: string, extra = {}) =>
  call(server, from, 'POST', `${API}/auth/login`, { tenant: biz.slug, email, password, ...extra });

const signupBody = () => {
  const slug = `t-${unique()}`;
  return {
    tenant: {
      name: `Biz ${slug}`,
      slug,
      kind: 'gym',
      currency: 'ARS',
      locale: 'es-AR',
      timeZone: 'America/Argentina/Buenos_Aires',
    },
    owner: { name: 'Owner', email: `owner-${unique()}@example.com`, password: PASSWORD },
  };
};

const header = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, string>;
const payload = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, number>;

describe('login throttles a stranger cannot turn against the owner', () => {
  it("delays each guessing address once the account keeps failing, growing, yet the owner's own address logs in", async () => {
    const wrong = 'not the password!';
    // A stranger spreads 3 failures (the free allowance) over 3 addresses: the account is delayed.
    for (const n of [1, 2, 3])
      expect((await login(tight, address(n), biz.ownerEmail, wrong)).status).toBe(401);

    // Every address gets one try per delay: the first is checked (and fails)…
    expect((await login(tight, address(1), biz.ownerEmail, wrong)).status).toBe(401);
    // …the next waits, refused before the password is looked at: even the right one gets no answer.
    const held = await login(tight, address(1), biz.ownerEmail, wrong);
    expect(held.status).toBe(429);
    expect(held.body.errors![0]!.code).toBe('RATE_LIMITED');
    const firstWait = Number(held.headers['retry-after']);
    expect(firstWait).toBeGreaterThanOrEqual(9);
    expect(firstWait).toBeLessThanOrEqual(10);
    expect((await login(tight, address(1), biz.ownerEmail, PASSWORD)).status).toBe(429);

    // The wait doubles with every further failure of the account (4 failures now: 20 s).
    expect((await login(tight, address(2), biz.ownerEmail, wrong)).status).toBe(401);
    const longer = await login(tight, address(2), biz.ownerEmail, wrong);
    expect(longer.status).toBe(429);
    expect(Number(longer.headers['retry-after'])).toBeGreaterThan(firstWait);

    // The owner, from an address that has not tried during the delay, logs in at once.
    const owner = await login(tight, address(9), biz.ownerEmail, PASSWORD);
    expect(owner.status).toBe(200);
    expect(owner.body.data!.accessToken).toEqual(expect.any(String));

    // The delay's start is audited once, as a lockout of the account (not of one address).
    const audit = await call(normal, address(9), 'GET', `${API}/audit-events?type=login.locked`, undefined, {
      ...bearer(String(owner.body.data!.accessToken)),
    });
    const locks = (
      audit.body.data as unknown as Array<{ subjectId: string; data: { scope: string } }>
    ).filter((e) => e.subjectId === biz.ownerId);
    expect(locks.map((e) => e.data.scope)).toEqual(['account']);
  });

  it("blocks only the failing address on the account: the owner's correct password elsewhere still logs in", async () => {
    const { email } = await addUser(h, biz, [{ roleId: await roleId(h, biz, 'cashier') }]);
    const stranger = address(20);
    for (let i = 0; i < 5; i++)
      expect((await login(normal, stranger, email, 'guess number ' + i)).status).toBe(401);
    const blocked = await login(normal, stranger, email, PASSWORD);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBe(60);
    // The stranger's address stays blocked even with the right password; the owner's does not.
    expect((await login(normal, stranger, email, PASSWORD)).status).toBe(429);
    expect((await login(normal, address(21), email, PASSWORD)).status).toBe(200);
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped one as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::7')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(addressKey('198.51.100.7')).toBe('198.51.100.7');
  });
});

describe('signup is limited per real address', () => {
  it('counts the socket address: a rotating X-Forwarded-For does not help, another address is not affected', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await call(tight, address(30), 'POST', `${API}/signup`, signupBody(), {
        'X-Forwarded-For': `203.0.113.${i}`,
      });
      expect(res.status).toBe(201);
    }
    const fourth = await call(tight, address(30), 'POST', `${API}/signup`, signupBody(), {
      'X-Forwarded-For': '198.51.100.99',
    });
    expect(fourth.status).toBe(429);
    expect(fourth.body.errors![0]!.code).toBe('RATE_LIMITED');
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call(tight, address(31), 'POST', `${API}/signup`, signupBody())).status).toBe(201);
  });
});

describe('sessions end', () => {
  it('rotation keeps the end fixed at login + SESSION_MAX_AGE_SECONDS (default 30 days)', async () => {
    const before = Date.now();
    const first = (await login(normal, address(40), biz.ownerEmail, PASSWORD)).body.data!;
    let token = String(first.refreshToken);
    for (let i = 0; i < 2; i++) {
      const next = await call(normal, address(40), 'POST', `${API}/auth/refresh`, { refreshToken: token });
      expect(next.status).toBe(200);
      token = String(next.body.data!.refreshToken);
    }
    const rows = await h.orm.em
      .fork()
      .getConnection()
      .execute<Array<{ session_ms: string; expires_ms: string }>>(
        `select extract(epoch from session_expires_at) * 1000 as session_ms, extract(epoch from expires_at) * 1000 as expires_ms
         from identity.refresh_tokens where family_id = ? order by created_at`,
        [first.sessionId],
      );
    expect(rows).toHaveLength(3);
    const end = Number(rows[0]!.session_ms);
    expect(end).toBeGreaterThanOrEqual(before + 30 * 86400_000 - 1);
    expect(end).toBeLessThan(Date.now() + 30 * 86400_000);
    for (const row of rows) {
      expect(Number(row.session_ms)).toBe(end);
      expect(Number(row.expires_ms)).toBeLessThanOrEqual(end);
    }
  });

  it('refuses a refresh after the end, however recently the token rotated; nothing issued outlives it', async () => {
    const first = await login(tight, address(41), biz.ownerEmail, PASSWORD);
    expect(first.status).toBe(200);
    // The session began before its login answered: it ends at most 2 s after this.
    const answered = Date.now();
    // The access token ends with the session too.
    const claims = payload(String(first.body.data!.accessToken));
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(2);
    expect(Number(first.body.data!.expiresIn)).toBeLessThanOrEqual(2);
    const rotated = await call(tight, address(41), 'POST', `${API}/auth/refresh`, {
      refreshToken: first.body.data!.refreshToken,
    });
    expect(rotated.status).toBe(200);
    // Cookie mode: the refresh and CSRF cookies last no longer than the session.
    const browser = await login(tight, address(41), biz.ownerEmail, PASSWORD, { mode: 'cookie' });
    for (const cookie of browser.headers['set-cookie']!) {
      const maxAge = /max-age=(\d+)/i.exec(cookie);
      if (maxAge) expect(Number(maxAge[1])).toBeLessThanOrEqual(2);
    }

    // The one unavoidable wait: the 2-second session ends.
    await new Promise((r) => setTimeout(r, Math.max(0, answered + 2100 - Date.now())));
    const late = await call(tight, address(41), 'POST', `${API}/auth/refresh`, {
      refreshToken: rotated.body.data!.refreshToken,
    });
    expect(late.status).toBe(401);
    expect(late.body.errors![0]!.code).toBe('UNAUTHENTICATED');
  });
});

describe('access tokens', () => {
  const claims = (): JWTPayload => ({
    sub: biz.ownerId,
    tid: biz.tenantId,
    roles: ['owner'],
    sid: '01900000-0000-7000-8000-000000000001',
    iss: TEST_CONFIG.JWT_ISSUER,
    aud: TEST_CONFIG.JWT_AUDIENCE,
  });
  const signed = async (typ: string | undefined) => {
    const { kid, key } = await h.deps.keys.signingKey();
    return new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', kid, ...(typ && { typ }) })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
  };

  it('are issued as typ at+jwt and the guard refuses any other type, even signed with the real key', async () => {
    expect(header(biz.token).typ).toBe('at+jwt');
    expect((await h.agent.get(`${API}/auth/me`).set(bearer(await signed('at+jwt')))).status).toBe(200);
    for (const typ of [undefined, 'JWT', 'id+jwt']) {
      const res = await h.agent.get(`${API}/auth/me`).set(bearer(await signed(typ)));
      expect(res.status).toBe(401);
      expect(res.body.errors[0].code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('browser cookies', () => {
  it('are __Host- cookies (Secure, Path=/, no Domain); a plain-named access cookie is not read', async () => {
    const res = await login(normal, address(50), biz.ownerEmail, PASSWORD, { mode: 'cookie' });
    expect(res.status).toBe(200);
    const cookies = res.headers['set-cookie']!;
    const names = cookies.map((c) => c.split('=')[0]).sort();
    expect(names).toEqual(['__Host-faena_at', '__Host-faena_csrf', '__Host-faena_rt']);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/;\s*secure/i);
      expect(cookie).toMatch(/;\s*path=\/(;|$)/i);
      expect(cookie).not.toMatch(/domain=/i);
    }
    const token = /__Host-faena_at=([^;]+)/.exec(cookies.join(';'))![1]!;
    const jar = cookies.map((c) => c.split(';')[0]).join('; ');
    expect(
      (await call(normal, address(50), 'GET', `${API}/auth/me`, undefined, { Cookie: jar })).status,
    ).toBe(200);
    // What a sibling subdomain could plant (Domain=.parent): ignored.
    const planted = await call(normal, address(50), 'GET', `${API}/auth/me`, undefined, {
      Cookie: `faena_at=${token}`,
    });
    expect(planted.status).toBe(401);
  });

  it('keep plain names (and the auth path for the refresh cookie) over plain HTTP (COOKIE_SECURE=false)', async () => {
    const { cookieNames } = await import('../src/routes/auth.ts');
    expect(cookieNames(false)).toEqual({
      access: 'faena_at',
      csrf: 'faena_csrf',
      refresh: 'faena_rt',
      refreshPath: `${API}/auth`,
    });
  });
});

describe('signing keys', () => {
  it('lose the private half at retirement and the whole row after the verification window', async () => {
    const oldToken = (await login(normal, address(60), biz.ownerEmail, PASSWORD)).body.data!;
    // Signed by the same key and never shown to the guard, which caches a token it has verified.
    const unseen = String(
      (await login(normal, address(60), biz.ownerEmail, PASSWORD)).body.data!.accessToken,
    );
    const oldKid = header(String(oldToken.accessToken)).kid!;
    expect(header(unseen).kid).toBe(oldKid);
    const newKid = await h.deps.keys.rotate();
    const sql = h.orm.em.fork().getConnection();
    const row = async (kid: string) =>
      (
        await sql.execute<Array<{ private_jwk_encrypted: string | null; retired_at: string | null }>>(
          `select private_jwk_encrypted, retired_at from identity.signing_keys where kid = ?`,
          [kid],
        )
      )[0];
    // Retired: no private key any more, the public one still verifies its tokens.
    expect(await row(oldKid)).toMatchObject({ private_jwk_encrypted: null, retired_at: expect.anything() });
    expect((await row(newKid))!.private_jwk_encrypted).toEqual(expect.any(String));
    const jwks = async () =>
      ((await h.agent.get('/.well-known/jwks.json')).body as { keys: Array<{ kid: string }> }).keys.map(
        (k) => k.kid,
      );
    expect(await jwks()).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect((await h.agent.get(`${API}/auth/me`).set(bearer(String(oldToken.accessToken)))).status).toBe(200);

    // The window (access-token lifetime + 60 s) passes: the next rotation deletes the row.
    const windowSeconds = TEST_CONFIG.ACCESS_TOKEN_TTL_SECONDS + 60;
    await sql.execute(
      `update identity.signing_keys set retired_at = now() - make_interval(secs => ?) where kid = ?`,
      [windowSeconds + 1, oldKid],
    );
    const newest = await h.deps.keys.rotate();
    expect(await row(oldKid)).toBeUndefined();
    expect(await jwks()).toEqual(expect.arrayContaining([newKid, newest]));
    expect(await jwks()).not.toContain(oldKid);
    expect((await h.agent.get(`${API}/auth/me`).set(bearer(unseen))).status).toBe(401);

    // Without a rotation, reading the keys deletes what has passed its window too.
    await sql.execute(
      `update identity.signing_keys set retired_at = now() - make_interval(secs => ?) where kid = ?`,
      [windowSeconds + 1, newKid],
    );
    const store = createKeyStore({
      em: () => h.orm.em,
      secret: TEST_CONFIG.KEY_ENCRYPTION_SECRET,
      accessTtlSeconds: TEST_CONFIG.ACCESS_TOKEN_TTL_SECONDS,
      cacheMs: 0,
    });
    // (Suites sharing this database may add keys of their own meanwhile: only these two are asserted.)
    const kids = (await store.jwks()).keys.map((k) => k.kid);
    expect(kids).toContain(newest);
    expect(kids).not.toContain(newKid);
    expect(await row(newKid)).toBeUndefined();
  });
});
