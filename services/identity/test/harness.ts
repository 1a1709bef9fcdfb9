import request from 'supertest';
import type { Client } from '@temporalio/client';
import {
  authGuardFromConfig,
  createLogger,
  createRedis,
  createTemporalClient,
  runMigrations,
  serve,
  type AuthGuard,
  type DatabaseConfig,
  type Orm,
  type Redis,
} from '@faena/platform';
import { captureLogger, testDatabaseUrl, testStack } from '@faena/platform/testing';
import { createApp } from '../src/app.ts';
import type { IdentityDeps } from '../src/deps.ts';
import type { SubscriptionProcess } from '../src/subscription.ts';
import { createIdentityDeps, createIdentityOrm } from '../src/wiring.ts';

export const TEST_CONFIG = {
  JWT_ISSUER: 'faena-identity',
  JWT_AUDIENCE: 'faena',
  ACCESS_TOKEN_TTL_SECONDS: 900,
  REFRESH_TOKEN_TTL_DAYS: 30,
  KEY_ENCRYPTION_SECRET: 'test-secret-test-secret-test-secret-!',
  COOKIE_SECURE: true,
  SIGNUPS_PER_HOUR_PER_IP: 100000,
};

export const PASSWORD = 'correct horse battery staple';
export const API = '/api/identity/v1';

export interface Harness {
  orm: Orm;
  redis: Redis;
  deps: IdentityDeps;
  agent: ReturnType<typeof request>;
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

/**
 * identity wired to this jest worker's database and the shared Redis, migrated. `subscriptions`:
 * the SaaS plans' renewal chains on that Temporal (without it none is started: the sweeper's job).
 */
export async function startIdentity(opts: { subscriptions?: SubscriptionProcess } = {}): Promise<Harness> {
  const url = await testDatabaseUrl();
  const orm = await createIdentityOrm({ DATABASE_URL: url, DATABASE_POOL_MAX: 5 });
  await runMigrations(orm);
  const redis = createRedis(testStack.redisUrl);
  const logger = process.env.TEST_LOGS
    ? createLogger({ service: 'identity', level: 'debug' })
    : captureLogger('identity').logger;
  const deps = createIdentityDeps(TEST_CONFIG, { orm, redis, logger }, opts.subscriptions);
  const app = createApp(deps);
  return {
    orm,
    redis,
    deps,
    app,
    agent: request(app.app.callback()),
    close: async () => {
      await orm.close(true);
      await redis.quit();
    },
  };
}

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

export interface SignedUp {
  tenantId: string;
  slug: string;
  ownerId: string;
  ownerEmail: string;
  token: string;
  refreshToken: string;
}

/** Signs a new business up and returns its owner's session. */
/**
 * A new business of `kind`. On the pro plan (in its trial) unless `plan` says otherwise, so suites
 * that open several branches and invite staff stay inside its limits; plans.test.ts signs up free.
 */
export async function signUp(
  h: Harness,
  kind = 'restaurant',
  currency = 'ARS',
  plan: 'free' | 'basic' | 'pro' = 'pro',
): Promise<SignedUp> {
  const slug = `t-${unique()}`;
  const ownerEmail = `owner-${unique()}@example.com`;
  const res = await h.agent.post(`${API}/signup`).send({
    tenant: {
      name: `Biz ${slug}`,
      slug,
      kind,
      currency,
      locale: 'es-AR',
      timeZone: 'America/Argentina/Buenos_Aires',
      plan,
    },
    owner: { name: 'Owner', email: ownerEmail, password: PASSWORD },
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  const me = await h.agent
    .get(`${API}/auth/me`)
    .set('Authorization', `Bearer ${res.body.data.session.accessToken}`);
  return {
    tenantId: res.body.data.tenant.id,
    slug,
    ownerId: me.body.data.user.id,
    ownerEmail,
    token: res.body.data.session.accessToken,
    refreshToken: res.body.data.session.refreshToken,
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Invites a user with `roles`, accepts the invitation and returns their session. */
export async function addUser(
  h: Harness,
  biz: SignedUp,
  roles: Array<{ roleId: string; branchId?: string | null }>,
): Promise<{ id: string; email: string; token: string; refreshToken: string }> {
  const email = `user-${unique()}@example.com`;
  const invited = await h.agent
    .post(`${API}/users`)
    .set(bearer(biz.token))
    .send({ email, name: 'Someone', roles });
  if (invited.status !== 201)
    throw new Error(`invite failed: ${invited.status} ${JSON.stringify(invited.body)}`);
  const accepted = await h.agent
    .post(`${API}/auth/invitations/accept`)
    .send({ tenant: biz.slug, email, token: invited.body.data.invitationToken, password: PASSWORD });
  if (accepted.status !== 200)
    throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return {
    id: invited.body.data.id,
    email,
    token: accepted.body.data.accessToken,
    refreshToken: accepted.body.data.refreshToken,
  };
}

/** Opens a branch of the business as its owner and returns its id. */
export async function addBranch(
  h: Pick<Harness, 'agent'>,
  biz: Pick<SignedUp, 'token'>,
  name = `Branch ${unique()}`,
  timeZone = 'America/Bogota',
): Promise<string> {
  const res = await h.agent
    .post(`${API}/branches`)
    .set(bearer(biz.token))
    .send({ name, timeZone, address: { line1: 'Calle 1', city: 'Bogotá', country: 'CO' } });
  if (res.status !== 201) throw new Error(`branch failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.id as string;
}

/** Id of a role of the business by name. */
export async function roleId(h: Harness, biz: SignedUp, name: string): Promise<string> {
  const res = await h.agent.get(`${API}/roles?q=${name}&limit=100`).set(bearer(biz.token));
  const role = (res.body.data as Array<{ id: string; name: string }>).find((r) => r.name === name);
  if (!role) throw new Error(`no role ${name}`);
  return role.id;
}

export { unique };

/** What a service that trusts identity needs in a test, wired like production. */
export interface TrustingServiceInfra {
  identity: Harness;
  /** identity served over HTTP (its JWKS and session look-ups), for the service's guard. */
  identityUrl: string;
  logs: ReturnType<typeof captureLogger>;
  orm: Orm;
  redis: Redis;
  temporal: Client;
  guard: AuthGuard;
  close(): Promise<void>;
}

/**
 * The infrastructure of a service behind identity's tokens: a real identity over HTTP, the
 * service's ORM migrated in this jest worker's database, Redis, a Temporal client and the auth
 * guard (`localCacheMs: 0`: revocations are seen at once). The service's harness adds its own deps.
 */
export async function startTrustingService(
  service: string,
  createOrm: (config: DatabaseConfig) => Promise<Orm>,
): Promise<TrustingServiceInfra> {
  const identity = await startIdentity();
  const logs = captureLogger(service);
  const identityServer = await serve(identity.app, {
    port: 0,
    host: '127.0.0.1',
    logger: logs.logger,
    signals: [],
  });
  const identityUrl = `http://127.0.0.1:${identityServer.port}`;
  const orm = await createOrm({ DATABASE_URL: await testDatabaseUrl(), DATABASE_POOL_MAX: 20 });
  await runMigrations(orm);
  const redis = createRedis(testStack.redisUrl);
  const temporal = await createTemporalClient({
    TEMPORAL_ADDRESS: testStack.temporalAddress,
    TEMPORAL_NAMESPACE: testStack.temporalNamespace,
  });
  const guard = authGuardFromConfig({ IDENTITY_URL: identityUrl }, redis, { localCacheMs: 0 });
  return {
    identity,
    identityUrl,
    logs,
    orm,
    redis,
    temporal,
    guard,
    close: async () => {
      await identityServer.stop();
      await guard.close();
      await temporal.connection.close();
      await orm.close(true);
      await redis.quit();
      await identity.close();
    },
  };
}
