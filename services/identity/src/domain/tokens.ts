import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { DomainError, runWithContext, type Redis } from '@faena/platform';
import { SignJWT } from 'jose';
import { uuidv7 } from 'uuidv7';
import { audit } from './audit.ts';
import { revokeSessions } from './access.ts';
import { RefreshToken, Role, UserRole, type User } from './entities.ts';
import type { KeyStore } from './keys.ts';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const opaque = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;

/** A session (refresh family) ends this long after login by default, however often its token rotates. */
export const DEFAULT_SESSION_MAX_AGE_SECONDS = 30 * 86400;

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  /** Lifetime of one refresh token (each rotation issues a new one), never past its session's end. */
  refreshTtlDays: number;
  /** A session ends this long after login: rotation never extends it. */
  sessionMaxAgeSeconds: number;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  sessionId: string;
  /** Browsers only: echo it in `X-CSRF-Token` on unsafe requests. */
  csrfToken?: string;
}

/** A session as issued, with when it ends (for cookie lifetimes; not part of the answer). */
export interface IssuedSession extends Session {
  endsAt: Date;
}

export interface TokenDeps {
  keys: KeyStore;
  redis: Redis;
  settings: TokenSettings;
}

async function roleNames(em: EntityManager, user: User): Promise<string[]> {
  const assigned = await em.find(UserRole, { userId: user.id, tenantId: user.tenantId });
  if (!assigned.length) return [];
  const roles = await em.find(Role, { id: { $in: assigned.map((a) => a.roleId) }, tenantId: user.tenantId });
  return [...new Set(roles.map((r) => r.name))].sort();
}

async function signAccess(
  deps: TokenDeps,
  claims: { sub: string; tid: string; roles: string[]; sid: string; csrf?: string },
  exp: number,
): Promise<string> {
  const { kid, key } = await deps.keys.signingKey();
  return new SignJWT({
    tid: claims.tid,
    roles: claims.roles,
    sid: claims.sid,
    ...(claims.csrf && { csrf: claims.csrf }),
  })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuer(deps.settings.issuer)
    .setAudience(deps.settings.audience)
    .setSubject(claims.sub)
    .setJti(uuidv7())
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(exp)
    .sign(key);
}

/**
 * Starts a session (a refresh-token family) for a user; `browser` also binds a CSRF token to it.
 * The session ends `sessionMaxAgeSeconds` after this moment, however often its token rotates.
 */
export async function startSession(
  em: EntityManager,
  deps: TokenDeps,
  user: User,
  opts: { browser: boolean },
): Promise<IssuedSession> {
  const endsAt = new Date(Date.now() + deps.settings.sessionMaxAgeSeconds * 1000);
  return issue(em, deps, user, { familyId: uuidv7(), endsAt }, opts.browser ? opaque('csrf') : undefined);
}

async function issue(
  em: EntityManager,
  deps: TokenDeps,
  user: User,
  session: { familyId: string; endsAt: Date },
  csrfToken: string | undefined,
): Promise<IssuedSession> {
  const { familyId, endsAt } = session;
  const now = Date.now();
  const refreshToken = opaque('rt');
  em.create(RefreshToken, {
    tenantId: user.tenantId,
    userId: user.id,
    familyId,
    tokenHash: sha256(refreshToken),
    csrfHash: csrfToken ? sha256(csrfToken) : null,
    expiresAt: new Date(Math.min(now + deps.settings.refreshTtlDays * 86400_000, endsAt.getTime())),
    sessionExpiresAt: endsAt,
  });
  await em.flush();
  // An access token does not outlive its session either (at least 1 s, so it is a valid JWT).
  const nowSeconds = Math.floor(now / 1000);
  const exp = Math.max(
    nowSeconds + 1,
    Math.min(nowSeconds + deps.settings.accessTtlSeconds, Math.floor(endsAt.getTime() / 1000)),
  );
  const accessToken = await signAccess(
    deps,
    {
      sub: user.id,
      tid: user.tenantId,
      roles: await roleNames(em, user),
      sid: familyId,
      ...(csrfToken && { csrf: sha256(csrfToken) }),
    },
    exp,
  );
  return {
    accessToken,
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: exp - nowSeconds,
    sessionId: familyId,
    ...(csrfToken && { csrfToken }),
    endsAt,
  };
}

const invalidRefresh = () => new DomainError('UNAUTHENTICATED', 'Invalid refresh token');

/** Revokes whole families (sessions): their refresh tokens stop working and their access tokens are refused. */
export async function revokeFamilies(
  em: EntityManager,
  deps: TokenDeps,
  where: { tenantId: string; userId: string; familyId?: string | { $ne: string } },
): Promise<number> {
  const live = await em.find(RefreshToken, { ...where, revokedAt: null });
  const families = [...new Set(live.map((t) => t.familyId))];
  if (families.length)
    await em.nativeUpdate(
      RefreshToken,
      { tenantId: where.tenantId, familyId: { $in: families }, revokedAt: null },
      { revokedAt: new Date() },
    );
  await revokeSessions(deps.redis, families, deps.settings.accessTtlSeconds);
  return families.length;
}

/**
 * Exchanges a refresh token for a new pair (rotation). A token used twice means it leaked: its
 * whole family is revoked and the event audited. Browser sessions must also present their CSRF token.
 */
export async function refreshSession(
  em: EntityManager,
  deps: TokenDeps,
  loadUser: (tenantId: string, userId: string) => Promise<User | null>,
  presented: { refreshToken: string; csrfToken?: string; ip?: string },
): Promise<IssuedSession> {
  const row = await sessionOf(em, presented.refreshToken);
  const now = Date.now();
  // Past its own lifetime or its session's end (login + SESSION_MAX_AGE_SECONDS): log in again.
  if (!row || row.expiresAt.getTime() <= now || row.sessionExpiresAt.getTime() <= now) throw invalidRefresh();
  // The token names its tenant: the rest runs scoped to it, like any request of that tenant.
  return runWithContext({ tenantId: row.tenantId, userId: row.userId }, () =>
    rotate(em, deps, loadUser, row, presented),
  );
}

async function rotate(
  em: EntityManager,
  deps: TokenDeps,
  loadUser: (tenantId: string, userId: string) => Promise<User | null>,
  row: RefreshToken,
  presented: { csrfToken?: string; ip?: string },
): Promise<IssuedSession> {
  if (row.revokedAt) throw invalidRefresh();
  if (row.csrfHash) {
    const sent = Buffer.from(sha256(presented.csrfToken ?? ''), 'hex');
    if (!presented.csrfToken || !timingSafeEqual(sent, Buffer.from(row.csrfHash, 'hex'))) {
      throw new DomainError('FORBIDDEN', 'Missing or invalid CSRF token', { field: 'headers.x-csrf-token' });
    }
  }
  // Claim the token atomically: of two concurrent uses, exactly one wins.
  const claimed = await em.nativeUpdate(
    RefreshToken,
    { id: row.id, usedAt: null, revokedAt: null },
    { usedAt: new Date() },
  );
  if (claimed !== 1) {
    await revokeFamilies(em, deps, { tenantId: row.tenantId, userId: row.userId, familyId: row.familyId });
    audit(em, {
      tenantId: row.tenantId,
      type: 'refresh.reuse_detected',
      subjectId: row.userId,
      ip: presented.ip ?? null,
      data: { sessionId: row.familyId },
    });
    await em.flush();
    throw invalidRefresh();
  }
  const user = await loadUser(row.tenantId, row.userId);
  if (!user || user.status !== 'active') throw invalidRefresh();
  // The new token belongs to the same session and ends with it: rotation never extends a session.
  return issue(
    em,
    deps,
    user,
    { familyId: row.familyId, endsAt: row.sessionExpiresAt },
    row.csrfHash ? opaque('csrf') : undefined,
  );
}

/** The session a refresh token belongs to, or undefined. */
export async function sessionOf(em: EntityManager, refreshToken: string): Promise<RefreshToken | null> {
  return em.findOne(RefreshToken, { tokenHash: sha256(refreshToken) }, { filters: { tenant: false } });
}
