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

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  refreshTtlDays: number;
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
    .setExpirationTime(`${deps.settings.accessTtlSeconds}s`)
    .sign(key);
}

/** Starts a session (a refresh-token family) for a user; `browser` also binds a CSRF token to it. */
export async function startSession(
  em: EntityManager,
  deps: TokenDeps,
  user: User,
  opts: { browser: boolean },
): Promise<Session> {
  return issue(em, deps, user, uuidv7(), opts.browser ? opaque('csrf') : undefined);
}

async function issue(
  em: EntityManager,
  deps: TokenDeps,
  user: User,
  familyId: string,
  csrfToken: string | undefined,
): Promise<Session> {
  const refreshToken = opaque('rt');
  em.create(RefreshToken, {
    tenantId: user.tenantId,
    userId: user.id,
    familyId,
    tokenHash: sha256(refreshToken),
    csrfHash: csrfToken ? sha256(csrfToken) : null,
    expiresAt: new Date(Date.now() + deps.settings.refreshTtlDays * 86400_000),
  });
  await em.flush();
  const accessToken = await signAccess(deps, {
    sub: user.id,
    tid: user.tenantId,
    roles: await roleNames(em, user),
    sid: familyId,
    ...(csrfToken && { csrf: sha256(csrfToken) }),
  });
  return {
    accessToken,
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: deps.settings.accessTtlSeconds,
    sessionId: familyId,
    ...(csrfToken && { csrfToken }),
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
): Promise<Session> {
  const row = await sessionOf(em, presented.refreshToken);
  if (!row || row.expiresAt.getTime() < Date.now()) throw invalidRefresh();
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
): Promise<Session> {
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
  return issue(em, deps, user, row.familyId, row.csrfHash ? opaque('csrf') : undefined);
}

/** The session a refresh token belongs to, or undefined. */
export async function sessionOf(em: EntityManager, refreshToken: string): Promise<RefreshToken | null> {
  return em.findOne(RefreshToken, { tokenHash: sha256(refreshToken) }, { filters: { tenant: false } });
}
