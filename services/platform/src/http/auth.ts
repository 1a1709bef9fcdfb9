import { createHash, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Context, Middleware } from 'koa';
import Joi from 'joi';
import { setContext } from '../context.ts';
import { isRecord } from '../guards.ts';
import { documented } from './documented.ts';
import { DomainError } from './errors.ts';

/** Claims of a Faena access token (issued by identity, ES256, 15 minutes). */
export interface AccessClaims {
  sub: string;
  /** Tenant id. */
  tid: string;
  /** Role names, for display and coarse checks; permissions are resolved, never read from the token. */
  roles: string[];
  /** Session (refresh family) id. */
  sid: string;
  /** SHA-256 of the CSRF token, present only on tokens issued to browsers (cookie mode). */
  csrf?: string;
}

/** A permission granted everywhere (`['*']`) or only in some branches. */
export type Grants = Record<string, string[]>;

/** What the guard needs per request, cached in Redis by tenant and permission version. */
export interface AuthSnapshot {
  tenantStatus: 'active' | 'suspended';
  /** Bumped by identity on every role or permission change in the tenant. */
  version: number;
  /** The user's grants (null when the user no longer exists or is disabled). */
  grants: Grants | null;
}

export interface AuthState {
  claims: AccessClaims;
  token: string;
  grants: Grants;
}

/** Identity publishes `tenant:<id>` or `session:<sid>` here after every change guards must see. */
export const AUTH_INVALIDATION_CHANNEL = 'auth:invalidate';

/** Redis keys shared by identity (the writer) and every service's guard (the readers). */
export const authKeys = {
  tenant: (tenantId: string) => `auth:tenant:${tenantId}`,
  /** Present while a logged-out session's access tokens may still be unexpired. */
  revokedSession: (sessionId: string) => `auth:revoked:${sessionId}`,
  grants: (tenantId: string, userId: string, version: number) =>
    `auth:grants:${tenantId}:${userId}:${version}`,
  /** The business's SaaS plan as `members()` cached it (identity deletes it when the plan changes). */
  plan: (tenantId: string) => `auth:member:${tenantId}:tenant:plan`,
};

export const ACCESS_COOKIE = '__Host-faena_at';
export const CSRF_COOKIE = '__Host-faena_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

export interface AuthGuardOptions {
  /** identity's `/.well-known/jwks.json`, or a key getter (identity verifies with its own keys). */
  jwks: string | JWTVerifyGetKey;
  issuer: string;
  audience: string;
  redis: Redis;
  /**
   * Resolves tenant status, permission version and the user's grants on a cache miss. By default it
   * asks identity (`GET <identityUrl>/api/identity/v1/auth/session` with the caller's token).
   */
  resolve?: (claims: AccessClaims, token: string) => Promise<AuthSnapshot>;
  identityUrl?: string;
  /** How long resolved grants stay cached (they are also dropped by a version bump). */
  grantsTtlSeconds?: number;
  /**
   * How long this process reuses a user's resolved snapshot without asking Redis (default 1000 ms).
   * Changes published by identity on AUTH_INVALIDATION_CHANNEL drop entries at once; the TTL bounds
   * staleness if a message is lost. 0 asks Redis on every request (identity itself does).
   */
  localCacheMs?: number;
}

export interface AuthGuard {
  /** 401 UNAUTHENTICATED unless a valid token of an active tenant is presented; sets tenant and user on the context. */
  requireAuth(): Middleware;
  /**
   * requireAuth + 403 FORBIDDEN unless the user holds `permission` where `scope` says the request
   * acts (see BranchScope: every route declares it).
   */
  requirePermission(permission: string, scope: BranchScope): Middleware;
  /**
   * What `requireAuth` establishes, for a token that arrives outside an HTTP request (a socket):
   * its AuthState, or the same 401 DomainError. `fresh` skips this process's snapshot cache (a
   * check made on hearing an invalidation, which this process's cache may not have heard yet).
   */
  authenticate(token: string, opts?: { fresh?: boolean }): Promise<AuthState>;
  /**
   * Which of `users` / `branches` are active users and open branches of the caller's business, as
   * identity knows them (asked with the caller's token; found ids cached briefly in Redis). A
   * service checks a reference with it before recording one (`assertMembers`).
   */
  members(
    auth: AuthState,
    ids: { users?: string[]; branches?: string[] },
  ): Promise<{ users: Set<string>; branches: Set<string>; currency: string; plan: string }>;
  /** Closes the invalidation subscriber (graceful shutdown). */
  close(): Promise<void>;
}

/** Grants as identity writes them (cached in Redis, answered by `/auth/session`): checked when read back. */
const grantsSchema = Joi.object<Grants>().pattern(Joi.string(), Joi.array().items(Joi.string()));
/** identity's `GET /auth/session` answer. */
const sessionAnswer = Joi.object<{ data: AuthSnapshot }>({
  data: Joi.object<AuthSnapshot>({
    tenantStatus: Joi.string().valid('active', 'suspended').required(),
    version: Joi.number().integer().required(),
    grants: grantsSchema.allow(null).required(),
  })
    .unknown()
    .required(),
}).unknown();

/** identity's `POST /directory/lookup` answer. */
const directoryAnswer = Joi.object<{
  data: { users: string[]; branches: string[]; currency: string; plan: string };
}>({
  data: Joi.object({
    users: Joi.array().items(Joi.string()).required(),
    branches: Joi.array().items(Joi.string()).required(),
    currency: Joi.string().required(),
    plan: Joi.string().required(),
  })
    .unknown()
    .required(),
}).unknown();

/**
 * Refuses (422 UNKNOWN_REFERENCE, on the field) a reference to a user or branch that is not the
 * caller's business's: `refs` maps a request field to the id it names (undefined: not given); and
 * (422 CURRENCY_NOT_ACCEPTED) money in another currency than the one the business charges in.
 */
export async function assertMembers(
  guard: AuthGuard,
  ctx: { state: object },
  refs: {
    users?: Record<string, string | null | undefined>;
    branches?: Record<string, string | null | undefined>;
    currency?: Record<string, string | undefined>;
  },
): Promise<void> {
  const named = (m: Record<string, string | null | undefined> = {}) =>
    Object.entries(m).flatMap(([field, id]) => (id ? [[field, id] as const] : []));
  const users = named(refs.users);
  const branches = named(refs.branches);
  const currencies = named(refs.currency);
  if (!users.length && !branches.length && !currencies.length) return;
  const found = await guard.members(authOf(ctx), {
    users: users.map(([, id]) => id),
    branches: branches.map(([, id]) => id),
  });
  const unknown = [
    ...users.filter(([, id]) => !found.users.has(id)).map(([field]) => ({ field, what: 'user' })),
    ...branches.filter(([, id]) => !found.branches.has(id)).map(([field]) => ({ field, what: 'branch' })),
  ];
  const foreign = currencies.find(([, code]) => code !== found.currency);
  if (!unknown.length && foreign)
    throw new DomainError('CURRENCY_NOT_ACCEPTED', `This business charges in ${found.currency}`, {
      field: foreign[0],
    });
  if (unknown.length)
    throw new DomainError('UNKNOWN_REFERENCE', `No such ${unknown[0]!.what} in this business`, {
      items: unknown.map((u) => ({
        code: 'UNKNOWN_REFERENCE',
        message: `No such ${u.what} in this business`,
        field: u.field,
      })),
    });
}

const SNAPSHOT_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return {'revoked', '0', false} end
local t = redis.call('HMGET', KEYS[1], 'status', 'version')
if not t[1] then return false end
local g = redis.call('GET', ARGV[1] .. (t[2] or '0'))
return {t[1], t[2] or '0', g or false}`;

const unauthenticated = (message = 'Authentication required') =>
  new DomainError('UNAUTHENTICATED', message, { headers: { 'WWW-Authenticate': 'Bearer' } });

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function tokenFrom(ctx: Context): { token: string; viaCookie: boolean } | undefined {
  const header = ctx.get('Authorization');
  if (header) {
    const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
    return m?.[1] ? { token: m[1], viaCookie: false } : undefined;
  }
  const cookie = ctx.cookies.get(ACCESS_COOKIE);
  return cookie ? { token: cookie, viaCookie: true } : undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The caller each authenticated request's `ctx.state` belongs to (set by the guard only). */
const callers = new WeakMap<object, AuthState>();
/** What the guard established for this request, if it ran. */
const stateOfRequest = (ctx: { state: object }): AuthState | undefined => callers.get(ctx.state);

/** The caller of a route behind `requireAuth` / `requirePermission` (401 when there is none). */
export function authOf(ctx: { state: object }): AuthState {
  const auth = stateOfRequest(ctx);
  if (!auth) throw new DomainError('UNAUTHENTICATED', 'Authentication required');
  return auth;
}

/** Branches in which the authenticated user holds `permission`: `'*'` for all, else a list (maybe empty). */
export function branchesFor(ctx: Context, permission: string): '*' | string[] {
  const grants = stateOfRequest(ctx)?.grants[permission] ?? [];
  return grants.includes('*') ? '*' : grants;
}

/**
 * Where a route acts, so that a grant scoped to some branches acts only there. Every
 * `requirePermission` says it; `/openapi.json` shows it as `x-branch-scope`; the route-table suite
 * (tests/security/routes.test.ts) checks it for every route.
 * - `'tenant'`: a tenant-wide operation (users, roles, the business's settings, providers, webhooks,
 *   operators' decisions): only a grant that covers every branch.
 * - `{ param }`, `{ query }`, `{ body }`: the branch the request names there; a request that names
 *   none acts tenant-wide, so it needs a tenant-wide grant.
 * - `'records'`: branch-owned records the handler finds: lists are narrowed with `branchFilter`,
 *   a loaded record is checked with `coversBranch` (out of scope: not found, like another tenant's).
 * - `'self'`: the caller's own data (own inbox, own profile, deals the caller is a party to), where
 *   no branch is concerned: a grant anywhere.
 */
export type BranchScope =
  'tenant' | 'records' | 'self' | { param: string } | { query: string } | { body: string };

/** Whether the caller's grant of `permission` covers `branchId` (null: a tenant-level record, only a tenant-wide grant). */
export function coversBranch(ctx: Context, permission: string, branchId: string | null | undefined): boolean {
  return grantCovers(stateOfRequest(ctx)?.grants ?? {}, permission, branchId);
}

/**
 * Whether `grants` hold `permission` at `branchId` or wider (null or undefined: tenant-wide, so only
 * a tenant-wide grant): the one rule behind route scopes, socket rooms and who may grant what.
 */
export function grantCovers(
  grants: Grants,
  permission: string,
  branchId: string | null | undefined,
): boolean {
  const where = grants[permission] ?? [];
  return where.includes('*') || (!!branchId && where.includes(branchId));
}

/**
 * The condition on branch-owned rows the caller may see with `permission` (`{}` with a tenant-wide
 * grant, else the rows of the branches the grant covers).
 */
export function branchFilter(ctx: Context, permission: string, field = 'branchId'): Record<string, unknown> {
  const where = branchesFor(ctx, permission);
  return where === '*' ? {} : { [field]: { $in: where } };
}

/** The branch a request names where `scope` says (undefined: none, or not a string — validation answers that). */
function namedBranch(ctx: Context, scope: BranchScope): string | undefined {
  if (typeof scope === 'string') return undefined;
  const params: unknown = ctx.params;
  const body: unknown = ctx.request.body;
  const value =
    'param' in scope
      ? isRecord(params) && params[scope.param]
      : 'query' in scope
        ? ctx.query[scope.query]
        : isRecord(body) && body[scope.body];
  return typeof value === 'string' ? value : undefined;
}

/** Whether the caller's grant of `permission` lets this request through the guard, as `scope` reads it. */
function allowedBy(ctx: Context, permission: string, scope: BranchScope): boolean {
  const where = branchesFor(ctx, permission);
  if (where === '*') return true;
  if (scope === 'tenant') return false;
  if (scope === 'records' || scope === 'self') return where.length > 0;
  const branch = namedBranch(ctx, scope);
  return !!branch && where.includes(branch);
}

/** How `/openapi.json` says where a route acts (`x-branch-scope`). */
export function describeScope(scope: BranchScope): string {
  if (typeof scope === 'string') return scope;
  if ('param' in scope) return `path:${scope.param}`;
  if ('query' in scope) return `query:${scope.query}`;
  return `body:${scope.body}`;
}

/** The auth guard every service mounts: local JWT verification + cached permission resolution. */
export function createAuthGuard(opts: AuthGuardOptions): AuthGuard {
  const keys =
    typeof opts.jwks === 'string'
      ? createRemoteJWKSet(new URL(opts.jwks), { cooldownDuration: 5000, cacheMaxAge: 600_000 })
      : opts.jwks;
  const ttl = opts.grantsTtlSeconds ?? 3600;
  const resolve =
    opts.resolve ??
    (async (_claims: AccessClaims, token: string): Promise<AuthSnapshot> => {
      if (!opts.identityUrl) throw new Error('createAuthGuard needs identityUrl or resolve');
      const res = await fetch(`${opts.identityUrl}/api/identity/v1/auth/session`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      if (res.status === 401) throw unauthenticated();
      if (!res.ok) throw new Error(`identity answered ${res.status} resolving a session`);
      return Joi.attempt(await res.json(), sessionAnswer).data;
    });

  // Verified tokens, so each one costs one ES256 verification per process (bounded, dropped at expiry).
  const verified = new Map<string, { claims: AccessClaims; exp: number }>();
  const MAX_VERIFIED = 10_000;
  async function verify(token: string): Promise<AccessClaims> {
    const hit = verified.get(token);
    if (hit && hit.exp > Date.now() / 1000) return hit.claims;
    if (hit) verified.delete(token);
    const { payload } = await jwtVerify<AccessClaims>(token, keys, {
      issuer: opts.issuer,
      audience: opts.audience,
      algorithms: ['ES256'],
      typ: 'at+jwt',
      requiredClaims: ['sub', 'tid', 'sid', 'exp', 'iat'],
      clockTolerance: 5,
    });
    const claims: AccessClaims = payload;
    if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
    verified.set(token, { claims, exp: payload.exp! });
    return claims;
  }

  // Local (per-process) snapshot cache, invalidated by identity's messages; see `localCacheMs`.
  const localMs = opts.localCacheMs ?? 1000;
  const local = new Map<
    string,
    { at: number; tid: string; sid: string; value: { status: string; grants: Grants | null } }
  >();
  let subscriber: Redis | undefined;
  if (localMs > 0) {
    subscriber = opts.redis.duplicate();
    subscriber.on('message', (_channel: string, message: string) => {
      const [kind, id] = message.split(':');
      for (const [key, entry] of local)
        if ((kind === 'tenant' && entry.tid === id) || (kind === 'session' && entry.sid === id))
          local.delete(key);
    });
    // Messages sent while disconnected are lost: start from an empty cache on every (re)subscription.
    subscriber.on('ready', () => local.clear());
    void subscriber.subscribe(AUTH_INVALIDATION_CHANNEL).catch(() => undefined);
  }

  async function snapshot(
    claims: AccessClaims,
    token: string,
  ): Promise<{ status: string; grants: Grants | null }> {
    if (localMs <= 0) return sharedSnapshot(claims, token);
    const key = `${claims.tid}|${claims.sub}|${claims.sid}`;
    const hit = local.get(key);
    if (hit && Date.now() - hit.at < localMs) return hit.value;
    const value = await sharedSnapshot(claims, token);
    if (local.size >= MAX_VERIFIED) local.delete(local.keys().next().value!);
    local.set(key, { at: Date.now(), tid: claims.tid, sid: claims.sid, value });
    return value;
  }

  async function sharedSnapshot(
    claims: AccessClaims,
    token: string,
  ): Promise<{ status: string; grants: Grants | null }> {
    const cached = (await opts.redis.eval(
      SNAPSHOT_SCRIPT,
      2,
      authKeys.tenant(claims.tid),
      authKeys.revokedSession(claims.sid),
      `auth:grants:${claims.tid}:${claims.sub}:`,
    )) as [string, string, string | null | false] | null;
    if (cached && cached[2])
      return { status: cached[0], grants: Joi.attempt(JSON.parse(cached[2]), grantsSchema.allow(null)) };
    if (cached && (cached[0] === 'suspended' || cached[0] === 'revoked'))
      return { status: cached[0], grants: null };
    const fresh = await resolve(claims, token);
    // The tenant hash is identity's to write; fill it only when absent (HSETNX), then cache the grants under its version.
    await opts.redis
      .multi()
      .hsetnx(authKeys.tenant(claims.tid), 'status', fresh.tenantStatus)
      .hsetnx(authKeys.tenant(claims.tid), 'version', String(fresh.version))
      .set(authKeys.grants(claims.tid, claims.sub, fresh.version), JSON.stringify(fresh.grants), 'EX', ttl)
      .exec();
    return { status: fresh.tenantStatus, grants: fresh.grants };
  }

  /** The access token's claims, or 401 (expired, forged, not an access token). */
  async function claimsOf(token: string): Promise<AccessClaims> {
    try {
      return await verify(token);
    } catch (err) {
      if (err instanceof joseErrors.JOSEError)
        throw unauthenticated(
          err instanceof joseErrors.JWTExpired ? 'Access token expired' : 'Invalid access token',
        );
      throw err;
    }
  }

  /** Session, tenant and user of verified claims, as they are now (401 when any has ended). */
  async function stateOf(claims: AccessClaims, token: string, fresh: boolean): Promise<AuthState> {
    const { status, grants } = fresh ? await sharedSnapshot(claims, token) : await snapshot(claims, token);
    if (status === 'revoked') throw unauthenticated('Session ended');
    if (status !== 'active') throw unauthenticated('Tenant is suspended');
    if (!grants) throw unauthenticated('User is no longer active');
    return { claims, token, grants };
  }

  /** Verifies the token and loads grants once per request; later guards of the same request reuse it. */
  async function authenticate(ctx: Context): Promise<void> {
    if (callers.has(ctx.state)) return;
    const presented = tokenFrom(ctx);
    if (!presented) throw unauthenticated();
    const claims = await claimsOf(presented.token);
    if (presented.viaCookie && !SAFE_METHODS.has(ctx.method)) {
      const sent = ctx.get(CSRF_HEADER);
      const expected = Buffer.from(claims.csrf ?? '', 'hex');
      const actual = Buffer.from(sha256(sent), 'hex');
      if (!sent || !claims.csrf || expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
        throw new DomainError('FORBIDDEN', 'Missing or invalid CSRF token', {
          field: `headers.${CSRF_HEADER.toLowerCase()}`,
        });
      }
    }
    const auth = await stateOf(claims, presented.token, false);
    callers.set(ctx.state, auth);
    setContext({ tenantId: claims.tid, userId: claims.sub, permissions: new Set(Object.keys(auth.grants)) });
  }

  // Found ids stay known for a minute: a user removed meanwhile may still be named that long.
  const memberKey = (tid: string, kind: string, id: string) => `auth:member:${tid}:${kind}:${id}`;
  async function members(auth: AuthState, ids: { users?: string[]; branches?: string[] }) {
    const wanted = { users: [...new Set(ids.users ?? [])], branches: [...new Set(ids.branches ?? [])] };
    const found = { users: new Set<string>(), branches: new Set<string>() };
    const keys = [
      ...wanted.users.map((id) => ['users', id] as const),
      ...wanted.branches.map((id) => ['branches', id] as const),
    ];
    const currencyKey = memberKey(auth.claims.tid, 'tenant', 'currency');
    const planKey = authKeys.plan(auth.claims.tid);
    const cached = await opts.redis.mget([
      currencyKey,
      planKey,
      ...keys.map(([kind, id]) => memberKey(auth.claims.tid, kind, id)),
    ]);
    const missing = { users: [] as string[], branches: [] as string[] };
    keys.forEach(([kind, id], i) => (cached[i + 2] ? found[kind].add(id) : missing[kind].push(id)));
    if (!missing.users.length && !missing.branches.length && cached[0] && cached[1])
      return { ...found, currency: cached[0], plan: cached[1] };
    if (!opts.identityUrl) throw new Error('createAuthGuard needs identityUrl to look members up');
    // identity down or failing is a 503 to retry (with the same Idempotency-Key), never a 500.
    const unavailable = () =>
      new DomainError('SERVICE_UNAVAILABLE', 'Could not check the references with identity; retry');
    const res = await fetch(`${opts.identityUrl}/api/identity/v1/directory/lookup`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${auth.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(missing),
      signal: AbortSignal.timeout(5000),
    }).catch(() => Promise.reject(unavailable()));
    if (!res.ok) throw unavailable();
    const answer = Joi.attempt(await res.json(), directoryAnswer).data;
    const multi = opts.redis
      .multi()
      .set(currencyKey, answer.currency, 'EX', 60)
      .set(planKey, answer.plan, 'EX', 60);
    for (const kind of ['users', 'branches'] as const)
      for (const id of answer[kind]) {
        found[kind].add(id);
        multi.set(memberKey(auth.claims.tid, kind, id), '1', 'EX', 60);
      }
    await multi.exec();
    return { ...found, currency: answer.currency, plan: answer.plan };
  }

  /** Browsers signed in by cookie send the CSRF token on unsafe methods; bearer-token clients do not. */
  const csrfHeader = {
    name: CSRF_HEADER,
    required: false,
    description:
      'The CSRF token, on non-GET requests of a browser session signed in by cookie (not with a bearer token)',
  };
  const requireAuth = (): Middleware =>
    documented(
      async (ctx, next) => {
        await authenticate(ctx);
        await next();
      },
      { headers: [csrfHeader] },
    );

  const requirePermission = (permission: string, scope: BranchScope): Middleware =>
    documented(
      async (ctx, next) => {
        await authenticate(ctx);
        if (!allowedBy(ctx, permission, scope)) {
          const held = branchesFor(ctx, permission).length > 0;
          throw new DomainError(
            'FORBIDDEN',
            !held
              ? `Missing permission ${permission}`
              : scope === 'tenant'
                ? `This needs ${permission} for the whole business, not only some branches`
                : `Missing permission ${permission} in the branch this request names`,
          );
        }
        await next();
      },
      { permission, scope: describeScope(scope), headers: [csrfHeader] },
    );

  return {
    requireAuth,
    requirePermission,
    authenticate: async (token, o = {}) => stateOf(await claimsOf(token), token, o.fresh ?? false),
    members,
    close: async () => void (await subscriber?.quit()),
  };
}

/**
 * The guard of a service that trusts identity: JWKS and session look-ups at IDENTITY_URL (issuer
 * and audience default to identity's). Tests pass `{ localCacheMs: 0 }` to see revocations at once.
 */
export function authGuardFromConfig(
  config: { IDENTITY_URL: string; JWT_ISSUER?: string; JWT_AUDIENCE?: string },
  redis: Redis,
  overrides: Partial<Pick<AuthGuardOptions, 'localCacheMs'>> = {},
): AuthGuard {
  return createAuthGuard({
    jwks: `${config.IDENTITY_URL}/.well-known/jwks.json`,
    identityUrl: config.IDENTITY_URL,
    issuer: config.JWT_ISSUER ?? 'faena-identity',
    audience: config.JWT_AUDIENCE ?? 'faena',
    redis,
    ...overrides,
  });
}
