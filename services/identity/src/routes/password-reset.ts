/**
 * Password reset: a single-use token (only its SHA-256 is stored) valid for 30 minutes, mailed by
 * the notifications service; using it sets the password and ends every session of the user.
 */
import { randomBytes } from 'node:crypto';
import Joi from 'joi';
import { uuidv7 } from 'uuidv7';
import {
  DomainError,
  currentEm,
  loadConfig,
  quota,
  rateLimit,
  runWithContext,
  type Route,
  defineRoute,
  errorMessage,
} from '@faena/platform';
import { audit } from '../domain/audit.ts';
import { Tenant, User } from '../domain/entities.ts';
import { hashPassword } from '../domain/passwords.ts';
import { revokeFamilies, sha256 } from '../domain/tokens.ts';
import type { IdentityDeps } from '../deps.ts';
import { email, password, slug } from './schemas.ts';

export const RESET_TTL_MINUTES = 30;

export interface PasswordResetOptions {
  /** Base URL of the notifications service. */
  notificationsUrl: string;
  /** Its `X-Service-Token`; empty = resets cannot be mailed (logged). */
  serviceToken: string;
  /** The page of the front end that takes `?token=`. */
  resetUrl: string;
  requestsPerHourPerIp?: number;
  /** Reset mails per account and hour, from any address (default 3; the answer stays 202). */
  mailsPerHourPerAccount?: number;
}

export const passwordResetConfigSchema = Joi.object({
  NOTIFICATIONS_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .default('http://127.0.0.1:4006'),
  NOTIFICATIONS_SERVICE_TOKEN: Joi.string().min(32).allow('').default(''),
  PASSWORD_RESET_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .default('http://localhost:5173/reset-password'),
});

/** The options from the environment (NOTIFICATIONS_URL, NOTIFICATIONS_SERVICE_TOKEN, PASSWORD_RESET_URL). */
export function passwordResetFromEnv(env: NodeJS.ProcessEnv = process.env): PasswordResetOptions {
  const c = loadConfig<{
    NOTIFICATIONS_URL: string;
    NOTIFICATIONS_SERVICE_TOKEN: string;
    PASSWORD_RESET_URL: string;
  }>(passwordResetConfigSchema, env);
  return {
    notificationsUrl: c.NOTIFICATIONS_URL,
    serviceToken: c.NOTIFICATIONS_SERVICE_TOKEN,
    resetUrl: c.PASSWORD_RESET_URL,
  };
}

const invalidToken = () => new DomainError('UNAUTHENTICATED', 'Invalid or expired reset token');

export function passwordResetRoutes(deps: IdentityDeps, opts: PasswordResetOptions): Route[] {
  const log = deps.logger;
  const mailQuota = quota({
    redis: deps.redis,
    name: 'identity:password-reset:account',
    points: opts.mailsPerHourPerAccount ?? 3,
    durationSeconds: 3600,
  });

  /** Asks notifications to mail the link; the key makes a retried call send once. */
  async function mail(tenant: Tenant, user: User, tokenId: string, token: string): Promise<void> {
    if (!opts.serviceToken) throw new Error('NOTIFICATIONS_SERVICE_TOKEN is not set');
    const url = new URL(opts.resetUrl);
    url.searchParams.set('token', token);
    const res = await fetch(`${opts.notificationsUrl}/api/notifications/v1/notify`, {
      method: 'POST',
      signal: AbortSignal.timeout(15_000),
      headers: { 'Content-Type': 'application/json', 'X-Service-Token': opts.serviceToken },
      body: JSON.stringify({
        tenantId: tenant.id,
        key: `password-reset/${tokenId}`,
        event: 'password.reset',
        recipient: { userId: user.id, email: user.email, locale: tenant.locale },
        variables: { name: user.name, resetUrl: url.toString(), expiresInMinutes: RESET_TTL_MINUTES },
      }),
    });
    if (!res.ok) throw new Error(`notifications answered ${res.status}`);
  }

  return [
    defineRoute({
      method: 'post',
      path: '/auth/password-reset',
      summary: 'Mail a password reset link (always 202: whether the email exists is not revealed)',
      tags: ['auth'],
      status: 202,
      middleware: [
        rateLimit({
          redis: deps.redis,
          name: 'identity:password-reset',
          points: opts.requestsPerHourPerIp ?? 20,
          durationSeconds: 3600,
        }),
      ],
      schemas: {
        response: Joi.object({ accepted: Joi.boolean().valid(true).required() }),
        body: Joi.object<{ tenant: string; email: string }>({
          tenant: slug.required(),
          email: email.required(),
        }).required(),
      },
      handler: async (_ctx, input) => {
        const body = input.body;
        const em = currentEm();
        const tenant = await em.findOne(Tenant, { slug: body.tenant, status: 'active' });
        const user = tenant
          ? await runWithContext({ tenantId: tenant.id }, () =>
              em.findOne(User, { email: body.email, status: 'active' }),
            )
          : null;
        // Per account, whatever the address: a stranger cannot flood someone's inbox.
        if (tenant && user && (await mailQuota.take(`${tenant.id}:${user.id}`))) {
          const token = `prt_${randomBytes(32).toString('base64url')}`;
          const id = uuidv7();
          await em.transactional(async (tx) => {
            const conn = tx.getConnection();
            const trx = tx.getTransactionContext<unknown>();
            // A new link replaces the outstanding ones.
            await conn.execute(
              `update identity.password_reset_tokens set used_at = now() where tenant_id = ? and user_id = ? and used_at is null`,
              [tenant.id, user.id],
              'run',
              trx,
            );
            await conn.execute(
              `insert into identity.password_reset_tokens (id, tenant_id, user_id, token_hash, expires_at, created_at)
               values (?, ?, ?, ?, now() + make_interval(mins => ?), now())`,
              [id, tenant.id, user.id, sha256(token), RESET_TTL_MINUTES],
              'run',
              trx,
            );
          });
          // Not awaited: the answer takes the same time whether or not a mail goes out.
          void mail(tenant, user, id, token).catch((err: unknown) =>
            runWithContext({ tenantId: tenant.id }, () =>
              log.error('password reset mail not sent', { error: errorMessage(err) }),
            ),
          );
        }
        return { accepted: true };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/password-reset/confirm',
      summary: 'Set a new password with a reset token; every session of the user ends',
      tags: ['auth'],
      schemas: {
        body: Joi.object<{ token: string; password: string }>({
          token: Joi.string().max(200).required(),
          password: password.required(),
        }).required(),
        response: Joi.object({ sessionsEnded: Joi.number() }),
      },
      handler: async (ctx, input) => {
        const body = input.body;
        const passwordHash = await hashPassword(body.password);
        const em = currentEm();
        return em.transactional(async (tx) => {
          // Claim the token atomically: of two concurrent uses, exactly one wins.
          const [row] = await tx.getConnection().execute<Array<{ tenant_id: string; user_id: string }>>(
            `update identity.password_reset_tokens set used_at = now()
               where token_hash = ? and used_at is null and expires_at > now()
               returning tenant_id, user_id`,
            [sha256(body.token)],
            'all',
            tx.getTransactionContext(),
          );
          if (!row) throw invalidToken();
          return runWithContext({ tenantId: row.tenant_id, userId: row.user_id }, async () => {
            const user = await tx.findOne(User, { id: row.user_id, status: 'active' });
            if (!user) throw invalidToken();
            user.passwordHash = passwordHash;
            const sessionsEnded = await revokeFamilies(tx, deps.tokens, {
              tenantId: row.tenant_id,
              userId: user.id,
            });
            audit(tx, {
              tenantId: row.tenant_id,
              type: 'password.changed',
              actorId: user.id,
              subjectId: user.id,
              ip: ctx.ip,
              data: { via: 'reset', sessionsEnded },
            });
            await tx.flush();
            return { sessionsEnded };
          });
        });
      },
    }),
  ];
}
