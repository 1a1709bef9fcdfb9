/**
 * JWT negative suite: every forged, misused or stale token is refused with 401 by a service other
 * than identity, whose guard verifies tokens against identity's JWKS over real HTTP.
 */
import Joi from 'joi';
import { SignJWT, exportSPKI, generateKeyPair, importJWK, type CryptoKey, type JWTPayload } from 'jose';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import {
  createAuthGuard,
  createHttpApp,
  createRedis,
  serve,
  authOf,
  type RunningServer,
} from '@faena/platform';
import { captureLogger, eventually, testStack } from '@faena/platform/testing';
import {
  API,
  PASSWORD,
  addUser,
  bearer,
  signUp,
  startIdentity,
  type Harness,
  type SignedUp,
} from '../../services/identity/test/harness.ts';

let identity: Harness;
let server: RunningServer;
let probe: ReturnType<typeof request>;
let guard: ReturnType<typeof createAuthGuard>;
let biz: SignedUp;
const redis = createRedis(testStack.redisUrl);

beforeAll(async () => {
  identity = await startIdentity();
  server = await serve(identity.app, {
    port: 0,
    host: '127.0.0.1',
    logger: captureLogger().logger,
    signals: [],
  });
  const identityUrl = `http://127.0.0.1:${server.port}`;
  guard = createAuthGuard({
    jwks: `${identityUrl}/.well-known/jwks.json`,
    identityUrl,
    issuer: 'faena-identity',
    audience: 'faena',
    redis,
  });
  const app = createHttpApp({
    service: 'probe',
    basePath: '/api/probe/v1',
    logger: captureLogger().logger,
    routes: [
      {
        method: 'get',
        path: '/whoami',
        summary: 'Who the token says I am',
        middleware: [guard.requirePermission('users.read', 'tenant')],
        schemas: { query: Joi.object({}) },
        handler: async (ctx) => ({ userId: authOf(ctx).claims.sub }),
      },
    ],
  });
  probe = request(app.app.callback());
  biz = await signUp(identity, 'cafe');
}, 60000);

afterAll(async () => {
  await server.stop();
  await guard.close();
  await identity.close();
  await redis.quit();
});

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const claims = (over: JWTPayload = {}): JWTPayload => ({
  sub: biz.ownerId,
  tid: biz.tenantId,
  roles: ['owner'],
  sid: '01900000-0000-7000-8000-000000000000',
  iss: 'faena-identity',
  aud: 'faena',
  iat: now(),
  nbf: now(),
  exp: now() + 600,
  ...over,
});

/** Signs with identity's real private key, so only the named defect makes the token bad. */
async function signWithIdentityKey(payload: JWTPayload, header: Record<string, unknown> = {}) {
  const { kid, key } = await identity.deps.keys.signingKey();
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt', ...header }).sign(key);
}

const whoami = (token?: string) =>
  token ? probe.get('/api/probe/v1/whoami').set(bearer(token)) : probe.get('/api/probe/v1/whoami');

async function expectRefused(token: string | undefined) {
  const res = await whoami(token);
  expect(res.status).toBe(401);
  expect(res.body.errors[0].code).toBe('UNAUTHENTICATED');
  expect(res.headers['www-authenticate']).toBe('Bearer');
}

describe('the guard of another service', () => {
  it('accepts a genuine token (control)', async () => {
    const res = await whoami(biz.token);
    expect(res.status).toBe(200);
    expect(res.body.data.userId).toBe(biz.ownerId);
    expect((await whoami(await signWithIdentityKey(claims()))).status).toBe(200);
  });

  it('refuses a missing or malformed token', async () => {
    await expectRefused(undefined);
    await expectRefused('not-a-jwt');
  });

  it('refuses alg: none', async () => {
    await expectRefused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`);
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const jwks = (await request(`http://127.0.0.1:${server.port}`).get('/.well-known/jwks.json')).body as {
      keys: Array<Record<string, string>>;
    };
    const publicJwk = jwks.keys[0]!;
    const pem = await exportSPKI((await importJWK(publicJwk, 'ES256', { extractable: true })) as CryptoKey);
    for (const secret of [pem, JSON.stringify(publicJwk)]) {
      const head = b64({ alg: 'HS256', typ: 'JWT', kid: publicJwk.kid });
      const body = b64(claims());
      const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
      await expectRefused(`${head}.${body}.${sig}`);
    }
  });

  it('refuses a wrong issuer or audience', async () => {
    await expectRefused(await signWithIdentityKey(claims({ iss: 'https://evil.example' })));
    await expectRefused(await signWithIdentityKey(claims({ aud: 'another-system' })));
  });

  it('refuses an expired token and one not yet valid', async () => {
    await expectRefused(
      await signWithIdentityKey(claims({ iat: now() - 3600, nbf: now() - 3600, exp: now() - 60 })),
    );
    await expectRefused(await signWithIdentityKey(claims({ nbf: now() + 3600, exp: now() + 7200 })));
  });

  it('refuses a token missing required claims', async () => {
    const { tid: _tid, ...noTenant } = claims();
    await expectRefused(await signWithIdentityKey(noTenant));
  });

  it('refuses a tampered payload', async () => {
    const [head, , sig] = biz.token.split('.');
    const forged = {
      ...JSON.parse(Buffer.from(biz.token.split('.')[1]!, 'base64url').toString()),
      sub: '01900000-0000-7000-8000-00000000dead',
    };
    await expectRefused(`${head}.${b64(forged)}.${sig}`);
  });

  it('refuses an unknown kid', async () => {
    await expectRefused(await signWithIdentityKey(claims(), { kid: 'no-such-key' }));
  });

  it('refuses a token signed by a key that is not in the JWKS, whatever kid it claims', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const realKid = (await identity.deps.keys.signingKey()).kid;
    for (const kid of [realKid, 'attacker-key']) {
      await expectRefused(
        await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey),
      );
    }
  });

  it('refuses the token of a suspended tenant within seconds, and serves it again on reactivation', async () => {
    // Warm the probe's cache with a good answer first: suspension must still get through.
    expect((await whoami(biz.token)).status).toBe(200);
    const { signUp: createTenant } = await import('../../services/identity/src/domain/tenants.ts');
    const { withEm } = await import('@faena/platform');
    const slug = `ops-${Date.now()}`;
    await withEm(identity.orm, (em) =>
      createTenant(
        em,
        {
          tenant: { name: 'Ops', slug, kind: 'platform', currency: 'USD', locale: 'en', timeZone: 'UTC' },
          owner: { name: 'Ops', email: `${slug}@faena.dev`, password: PASSWORD },
        },
        null,
      ),
    );
    const ops = (
      await identity.agent
        .post(`${API}/auth/login`)
        .send({ tenant: slug, email: `${slug}@faena.dev`, password: PASSWORD })
    ).body.data.accessToken as string;
    expect(
      (
        await identity.agent
          .post(`${API}/tenants/${biz.tenantId}/suspend`)
          .set(bearer(ops))
          .send({ reason: 'fraud review' })
      ).status,
    ).toBe(200);
    await eventually(async () => {
      const res = await whoami(biz.token);
      expect(res.status).toBe(401);
      expect(res.body.errors[0].message).toBe('Tenant is suspended');
    });
    expect(
      (await identity.agent.post(`${API}/tenants/${biz.tenantId}/reactivate`).set(bearer(ops)).send({}))
        .status,
    ).toBe(200);
    await eventually(async () => expect((await whoami(biz.token)).status).toBe(200));
  });

  it('applies a revoked permission within 5 s, without re-login', async () => {
    const role = await identity.agent
      .post(`${API}/roles`)
      .set(bearer(biz.token))
      .send({ name: `reader-${Date.now()}`, permissions: ['users.read'] });
    const user = await addUser(identity, biz, [{ roleId: role.body.data.id }]);
    expect((await whoami(user.token)).status).toBe(200);
    await identity.agent
      .patch(`${API}/roles/${role.body.data.id}`)
      .set(bearer(biz.token))
      .send({ permissions: ['roles.read'] });
    await eventually(async () => {
      const res = await whoami(user.token);
      expect(res.status).toBe(403);
      expect(res.body.errors[0].code).toBe('FORBIDDEN');
    });
  });

  it('refuses a logged-out session within seconds', async () => {
    const session = (
      await identity.agent
        .post(`${API}/auth/login`)
        .send({ tenant: biz.slug, email: biz.ownerEmail, password: PASSWORD })
    ).body.data;
    expect((await whoami(session.accessToken)).status).toBe(200);
    expect((await identity.agent.post(`${API}/auth/logout`).set(bearer(session.accessToken))).status).toBe(
      204,
    );
    await eventually(() => expectRefused(session.accessToken));
  });
});
