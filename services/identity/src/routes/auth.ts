import type { Context } from 'koa';
import Joi from 'joi';
import {
  PLAN_NAMES,
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
import { startSubscriptionSoon } from '../subscription.ts';
import { Role, Tenant, User, UserRole } from '../domain/entities.ts';
import { hashPassword, verifyPassword } from '../domain/passwords.ts';
import { presentTenant, signUp } from '../domain/tenants.ts';
import { addressKey, LoginRefused } from '../domain/throttle.ts';
import {
  refreshSession,
  revokeFamilies,
  sha256,
  startSession,
  type IssuedSession,
} from '../domain/tokens.ts';
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

const HOST_PREFIX = '__Host-';
const mode = Joi.string().valid('bearer', 'cookie').default('bearer');

/**
 * The browser session's cookie names and the refresh cookie's path. With Secure cookies (the
 * default, COOKIE_SECURE) all three carry the `__Host-` prefix: the browser keeps them only if they
 * are Secure, have Path=/ and no Domain, so no sibling subdomain or other path can set or shadow them
 * (the guards read only the prefixed access cookie). Over plain HTTP (COOKIE_SECURE=false) browsers
 * refuse the prefix, so the names are plain and the refresh cookie stays on the auth path.
 */
export function cookieNames(secure: boolean): {
  access: string;
  csrf: string;
  refresh: string;
  refreshPath: string;
} {
  const plain = (name: string) => (name.startsWith(HOST_PREFIX) ? name.slice(HOST_PREFIX.length) : name);
  return secure
    ? { access: ACCESS_COOKIE, csrf: CSRF_COOKIE, refresh: `${HOST_PREFIX}faena_rt`, refreshPath: '/' }
    : {
        access: plain(ACCESS_COOKIE),
        csrf: plain(CSRF_COOKIE),
        refresh: 'faena_rt',
        refreshPath: `${BASE_PATH}/auth`,
      };
}

const invalidCredentials = () => new DomainError('UNAUTHENTICATED', 'Invalid email or password');

/** Bearer mode answers the tokens; cookie mode sets HttpOnly cookies and answers only the CSRF token. */
function deliver(ctx: Context, deps: IdentityDeps, issued: IssuedSession, status = 200) {
  const { endsAt, ...session } = issued;
  if (!session.csrfToken) return reply(session, { status });
  const names = cookieNames(deps.cookies.secure);
  if (deps.cookies.secure) ctx.cookies.secure = true;
  const base = { httpOnly: true, secure: deps.cookies.secure, sameSite: 'strict' as const, overwrite: true };
  // The refresh and CSRF cookies last as long as the session, not a day more.
  const sessionLeft = Math.max(0, endsAt.getTime() - Date.now());
  ctx.cookies.set(names.access, session.accessToken, {
    ...base,
    path: '/',
    maxAge: session.expiresIn * 1000,
  });
  ctx.cookies.set(names.refresh, session.refreshToken, {
    ...base,
    path: names.refreshPath,
    maxAge: sessionLeft,
  });
  ctx.cookies.set(names.csrf, session.csrfToken, {
    ...base,
    httpOnly: false,
    path: '/',
    maxAge: sessionLeft,
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
  const names = cookieNames(deps.cookies.secure);
  if (deps.cookies.secure) ctx.cookies.secure = true;
  for (const [name, path] of [
    [names.access, '/'],
    [names.refresh, names.refreshPath],
    [names.csrf, '/'],
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
          // ctx.ip is the real client (X-Forwarded-For only from TRUSTED_PROXIES hops); an IPv6 client by its /64
          key: (ctx) => addressKey(ctx.ip),
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
            plan: Joi.string()
              .valid(...PLAN_NAMES)
              .default('free')
              .description('a paid plan starts its trial (GET /tenant/plan)'),
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
        // A paid plan's trial: its renewal chain (never failing the sign-up: the sweeper starts it later).
        await startSubscriptionSoon(em, deps.subscriptions, tenant);
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
      summary:
        'Log in with email and password (5 attempts a minute per address and account; a delay per address once an account keeps failing)',
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
        const account = `${body.tenant}|${body.email}`;
        const locked = (scope: 'address' | 'account') =>
          tenant
            ? runWithContext({ tenantId: tenant.id }, async () => {
                const user = await em.findOne(User, { email: body.email });
                audit(em, {
                  tenantId: tenant.id,
                  type: 'login.locked',
                  subjectId: user?.id ?? null,
                  ip: ctx.ip,
                  data: { email: body.email, scope },
                });
                await em.flush();
              })
            : Promise.resolve();
        await deps.throttle.attempt(account, ctx.ip).catch(async (err: unknown) => {
          // This address's blocks are audited; the account's delay once, when it starts (below).
          if (err instanceof LoginRefused && err.scope === 'address') await locked('address');
          throw err;
        });
        const failed = async () => {
          if (await deps.throttle.failed(account, ctx.ip)) await locked('account');
          return invalidCredentials();
        };
        // Same work and the same answer whether the tenant, the user or the password is wrong.
        const user = tenant
          ? await runWithContext({ tenantId: tenant.id }, () => em.findOne(User, { email: body.email }))
          : null;
        const ok = await verifyPassword(user?.status === 'active' ? user.passwordHash : null, body.password);
        if (!tenant) throw await failed();
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
            throw await failed();
          }
          await deps.throttle.succeeded(account, ctx.ip);
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
        const refreshToken = fromBody ?? ctx.cookies.get(cookieNames(deps.cookies.secure).refresh);
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
