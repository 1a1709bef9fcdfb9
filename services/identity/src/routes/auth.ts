import type { Context } from 'koa';
import Joi from 'joi';
import {
  ACCESS_COOKIE,
  CSRF_COOKIE,
  CSRF_HEADER,
  DomainError,
  currentEm,
  rateLimit,
  reply,
  runWithContext,
  type Route,
  defineRoute,
  authOf,
} from '@faena/platform';
import { audit } from '../domain/audit.ts';
import { authSnapshot, publishTenantStatus } from '../domain/access.ts';
import { Role, Tenant, User, UserRole } from '../domain/entities.ts';
import { hashPassword, verifyPassword } from '../domain/passwords.ts';
import { presentTenant, signUp } from '../domain/tenants.ts';
import { refreshSession, revokeFamilies, sha256, startSession, type Session } from '../domain/tokens.ts';
import type { IdentityDeps } from '../deps.ts';
import {
  email,
  locale,
  currency,
  password,
  sessionOut,
  grantsOut,
  meOut,
  slug,
  tenantKind,
  tenantOut,
  timeZone,
} from './schemas.ts';
import { BASE_PATH } from '../constants.ts';

export const REFRESH_COOKIE = 'faena_rt';
const REFRESH_COOKIE_PATH = `${BASE_PATH}/auth`;
const mode = Joi.string().valid('bearer', 'cookie').default('bearer');

const invalidCredentials = () => new DomainError('UNAUTHENTICATED', 'Invalid email or password');

/** Bearer mode answers the tokens; cookie mode sets HttpOnly cookies and answers only the CSRF token. */
function deliver(ctx: Context, deps: IdentityDeps, session: Session, status = 200) {
  if (!session.csrfToken) return reply(session, { status });
  if (deps.cookies.secure) (ctx.cookies as unknown as { secure: boolean }).secure = true;
  const base = { httpOnly: true, secure: deps.cookies.secure, sameSite: 'strict' as const, overwrite: true };
  ctx.cookies.set(ACCESS_COOKIE, session.accessToken, {
    ...base,
    path: '/',
    maxAge: session.expiresIn * 1000,
  });
  ctx.cookies.set(REFRESH_COOKIE, session.refreshToken, {
    ...base,
    path: REFRESH_COOKIE_PATH,
    maxAge: deps.tokens.settings.refreshTtlDays * 86400_000,
  });
  ctx.cookies.set(CSRF_COOKIE, session.csrfToken, {
    ...base,
    httpOnly: false,
    path: '/',
    maxAge: deps.tokens.settings.refreshTtlDays * 86400_000,
  });
  return reply(
    {
      tokenType: 'Cookie',
      expiresIn: session.expiresIn,
      sessionId: session.sessionId,
      csrfToken: session.csrfToken,
    },
    { status },
  );
}

function clearCookies(ctx: Context, deps: IdentityDeps) {
  if (deps.cookies.secure) (ctx.cookies as unknown as { secure: boolean }).secure = true;
  for (const [name, path] of [
    [ACCESS_COOKIE, '/'],
    [REFRESH_COOKIE, REFRESH_COOKIE_PATH],
    [CSRF_COOKIE, '/'],
  ] as const) {
    ctx.cookies.set(name, '', { path, maxAge: 0, secure: deps.cookies.secure, sameSite: 'strict' });
  }
}

const loadUser = (tenantId: string, userId: string) =>
  runWithContext({ tenantId }, () => currentEm().findOne(User, { id: userId, tenantId }));

export function authRoutes(deps: IdentityDeps): Route[] {
  const { guard } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/signup',
      summary: 'Create a business (tenant) with its owner, and log the owner in',
      tags: ['auth'],
      status: 201,
      middleware: [
        rateLimit({
          redis: deps.redis,
          name: 'identity:signup',
          points: deps.limits.signupsPerHourPerIp,
          durationSeconds: 3600,
        }),
      ],
      schemas: {
        body: Joi.object<Parameters<typeof signUp>[1] & { mode: string }>({
          tenant: Joi.object({
            name: Joi.string().max(200).required(),
            slug: slug.required(),
            kind: tenantKind.required(),
            currency: currency.required(),
            locale: locale.required(),
            timeZone: timeZone.required(),
          }).required(),
          owner: Joi.object({
            name: Joi.string().max(200).required(),
            email: email.required(),
            password: password.required(),
          }).required(),
          mode,
        }).required(),
        response: Joi.object({ tenant: tenantOut, session: sessionOut }),
      },
      handler: async (ctx, input) => {
        const body = input.body;
        const em = currentEm();
        const { tenant, owner } = await signUp(em, body, ctx.ip);
        await publishTenantStatus(deps.redis, tenant);
        const session = await runWithContext({ tenantId: tenant.id, userId: owner.id }, () =>
          startSession(em, deps.tokens, owner, { browser: body.mode === 'cookie' }),
        );
        const delivered = deliver(ctx, deps, session, 201);
        return reply(
          { tenant: presentTenant(tenant), session: delivered.data },
          { status: 201, headers: { Location: `${BASE_PATH}/tenant` } },
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/login',
      summary: 'Log in with email and password (5 attempts a minute per IP and email)',
      tags: ['auth'],
      schemas: {
        body: Joi.object<{ tenant: string; email: string; password: string; mode: string }>({
          tenant: slug.required(),
          email: email.required(),
          password: Joi.string().max(256).required(),
          mode,
        }).required(),
        response: sessionOut,
      },
      handler: async (ctx, input) => {
        const body = input.body;
        const em = currentEm();
        const tenant = await em.findOne(Tenant, { slug: body.tenant });
        const key = `${ctx.ip}|${body.tenant}|${body.email}`;
        await deps.throttle.attempt(key).catch(async (err: unknown) => {
          if (tenant && err instanceof DomainError && err.code === 'RATE_LIMITED') {
            await runWithContext({ tenantId: tenant.id }, async () => {
              const user = await em.findOne(User, { email: body.email });
              audit(em, {
                tenantId: tenant.id,
                type: 'login.locked',
                subjectId: user?.id ?? null,
                ip: ctx.ip,
                data: { email: body.email },
              });
              await em.flush();
            });
          }
          throw err;
        });
        // Same work and the same answer whether the tenant, the user or the password is wrong.
        const user = tenant
          ? await runWithContext({ tenantId: tenant.id }, () => em.findOne(User, { email: body.email }))
          : null;
        const ok = await verifyPassword(user?.status === 'active' ? user.passwordHash : null, body.password);
        if (!tenant) throw invalidCredentials();
        return runWithContext({ tenantId: tenant.id, userId: user?.id }, async () => {
          if (!ok || !user || tenant.status !== 'active') {
            audit(em, {
              tenantId: tenant.id,
              type: 'login.failed',
              subjectId: user?.id ?? null,
              ip: ctx.ip,
              data: {
                email: body.email,
                reason: tenant.status !== 'active' ? 'tenant_suspended' : 'credentials',
              },
            });
            await em.flush();
            throw invalidCredentials();
          }
          await deps.throttle.succeeded(key);
          user.lastLoginAt = new Date();
          audit(em, {
            tenantId: tenant.id,
            type: 'login.succeeded',
            actorId: user.id,
            subjectId: user.id,
            ip: ctx.ip,
            data: { mode: body.mode },
          });
          const session = await startSession(em, deps.tokens, user, { browser: body.mode === 'cookie' });
          return deliver(ctx, deps, session);
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/refresh',
      summary: 'Exchange a refresh token (body, or the HttpOnly cookie + X-CSRF-Token) for a new pair',
      tags: ['auth'],
      schemas: {
        body: Joi.object<{ refreshToken?: string }>({ refreshToken: Joi.string().max(200) }).default({}),
        response: sessionOut,
      },
      handler: async (ctx, input) => {
        const fromBody = input.body.refreshToken;
        const refreshToken = fromBody ?? ctx.cookies.get(REFRESH_COOKIE);
        if (!refreshToken) throw new DomainError('UNAUTHENTICATED', 'Refresh token required');
        const session = await refreshSession(currentEm(), deps.tokens, loadUser, {
          refreshToken,
          csrfToken: ctx.get(CSRF_HEADER) || undefined,
          ip: ctx.ip,
        });
        return deliver(ctx, deps, session);
      },
    }),
    {
      method: 'post',
      path: '/auth/logout',
      summary: 'End this session: its refresh token and access tokens stop working',
      tags: ['auth'],
      auth: true,
      status: 204,
      middleware: [guard.requireAuth()],
      handler: async (ctx) => {
        const { claims } = authOf(ctx);
        const em = currentEm();
        await revokeFamilies(em, deps.tokens, {
          tenantId: claims.tid,
          userId: claims.sub,
          familyId: claims.sid,
        });
        audit(em, {
          tenantId: claims.tid,
          type: 'logout',
          actorId: claims.sub,
          subjectId: claims.sub,
          ip: ctx.ip,
          data: { sessionId: claims.sid },
        });
        await em.flush();
        clearCookies(ctx, deps);
        return reply(null, { status: 204 });
      },
    },
    {
      method: 'post',
      path: '/auth/logout-everywhere',
      summary: 'End every session of the current user',
      tags: ['auth'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: { response: Joi.object({ sessionsEnded: Joi.number().integer().required() }) },
      handler: async (ctx) => {
        const { claims } = authOf(ctx);
        const em = currentEm();
        const sessions = await revokeFamilies(em, deps.tokens, { tenantId: claims.tid, userId: claims.sub });
        audit(em, {
          tenantId: claims.tid,
          type: 'logout.everywhere',
          actorId: claims.sub,
          subjectId: claims.sub,
          ip: ctx.ip,
          data: { sessions },
        });
        await em.flush();
        clearCookies(ctx, deps);
        return { sessionsEnded: sessions };
      },
    },
    {
      method: 'get',
      path: '/auth/me',
      summary: 'The current user, tenant, roles and permissions',
      tags: ['auth'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: { response: meOut },
      handler: async (ctx) => {
        const { claims, grants } = authOf(ctx);
        const em = currentEm();
        const [user, tenant, assignments] = await Promise.all([
          em.findOneOrFail(User, { id: claims.sub }),
          em.findOneOrFail(Tenant, { id: claims.tid }),
          em.find(UserRole, { userId: claims.sub }),
        ]);
        const roles = await em.find(Role, { id: { $in: assignments.map((a) => a.roleId) } });
        return {
          user: {
            id: user.id,
            email: user.email,
            name: user.name,
            status: user.status,
            lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
          },
          tenant: presentTenant(tenant),
          roles: assignments.map((a) => ({
            roleId: a.roleId,
            name: roles.find((r) => r.id === a.roleId)?.name ?? null,
            branchId: a.branchId,
          })),
          permissions: grants,
        };
      },
    },
    defineRoute({
      method: 'post',
      path: '/auth/password',
      summary: 'Change the password; every other session ends',
      tags: ['auth'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        response: Joi.object({ otherSessionsEnded: Joi.number().integer().required() }),
        body: Joi.object<{ currentPassword: string; newPassword: string }>({
          currentPassword: Joi.string().max(256).required(),
          newPassword: password.required(),
        }).required(),
      },
      handler: async (ctx, input) => {
        const { claims } = authOf(ctx);
        const body = input.body;
        const em = currentEm();
        const user = await em.findOneOrFail(User, { id: claims.sub });
        if (!(await verifyPassword(user.passwordHash, body.currentPassword))) {
          throw new DomainError('VALIDATION_FAILED', 'Current password is wrong', {
            field: 'body.currentPassword',
          });
        }
        user.passwordHash = await hashPassword(body.newPassword);
        const ended = await revokeFamilies(em, deps.tokens, {
          tenantId: claims.tid,
          userId: claims.sub,
          familyId: { $ne: claims.sid },
        });
        audit(em, {
          tenantId: claims.tid,
          type: 'password.changed',
          actorId: claims.sub,
          subjectId: claims.sub,
          ip: ctx.ip,
          data: { otherSessionsEnded: ended },
        });
        await em.flush();
        return { otherSessionsEnded: ended };
      },
    }),
    {
      method: 'get',
      path: '/auth/session',
      summary:
        "Tenant status, permission version and grants of the token's user (for other services' guards)",
      tags: ['auth'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        response: Joi.object({
          tenantStatus: Joi.string().valid('active', 'suspended').required(),
          version: Joi.number().integer().required(),
          grants: grantsOut.allow(null).required(),
        }),
      },
      handler: async (ctx) => {
        const { claims } = authOf(ctx);
        return authSnapshot(currentEm(), deps.redis, claims.tid, claims.sub);
      },
    },
    defineRoute({
      method: 'post',
      path: '/auth/invitations/accept',
      summary: 'Set a password with an invitation token and log in',
      tags: ['auth'],
      schemas: {
        body: Joi.object<{
          tenant: string;
          email: string;
          token: string;
          password: string;
          mode: string;
        }>({
          tenant: slug.required(),
          email: email.required(),
          token: Joi.string().max(200).required(),
          password: password.required(),
          mode,
        }).required(),
        response: sessionOut,
      },
      handler: async (ctx, input) => {
        const body = input.body;
        const em = currentEm();
        const tenant = await em.findOne(Tenant, { slug: body.tenant, status: 'active' });
        const invalid = () => new DomainError('UNAUTHENTICATED', 'Invalid or expired invitation');
        if (!tenant) throw invalid();
        return runWithContext({ tenantId: tenant.id }, async () => {
          const user = await em.findOne(User, { email: body.email, status: 'invited' });
          if (
            !user?.invitationHash ||
            !user.invitationExpiresAt ||
            user.invitationExpiresAt.getTime() < Date.now() ||
            user.invitationHash !== sha256(body.token)
          )
            throw invalid();
          user.passwordHash = await hashPassword(body.password);
          user.status = 'active';
          user.invitationHash = null;
          user.invitationExpiresAt = null;
          audit(em, {
            tenantId: tenant.id,
            type: 'user.activated',
            actorId: user.id,
            subjectId: user.id,
            ip: ctx.ip,
          });
          return runWithContext({ userId: user.id }, async () =>
            deliver(
              ctx,
              deps,
              await startSession(em, deps.tokens, user, { browser: body.mode === 'cookie' }),
            ),
          );
        });
      },
    }),
    ...['/.well-known/jwks.json', `${BASE_PATH}/.well-known/jwks.json`].map((path): Route => ({
      method: 'get',
      path,
      root: true,
      summary: 'Public keys that verify Faena access tokens (JWKS)',
      tags: ['auth'],
      // RFC 7517: the key set itself, not the envelope (what JWT libraries fetch).
      produces: {
        contentType: 'application/json',
        schema: Joi.object({
          keys: Joi.array()
            .items(
              Joi.object({
                kty: Joi.string().required(),
                kid: Joi.string().required(),
                alg: Joi.string(),
                use: Joi.string(),
                crv: Joi.string(),
                x: Joi.string(),
                y: Joi.string(),
              }).unknown(true),
            )
            .required(),
        }),
      },
      handler: async () =>
        reply(await deps.keys.jwks(), { raw: true, headers: { 'Cache-Control': 'public, max-age=300' } }),
    })),
  ];
}
