import {
  createAuthGuard,
  serviceOrm,
  runWithContext,
  withEm,
  type Logger,
  type Orm,
  type Redis,
} from '@faena/platform';
import type { ActivityDeps } from './activities.ts';
import type { IdentityConfig } from './config.ts';
import { SCHEMA } from './constants.ts';
import type { IdentityDeps } from './deps.ts';
import type { SubscriptionProcess } from './subscription.ts';
import { authSnapshot } from './domain/access.ts';
import { entities } from './domain/entities.ts';
import { createKeyStore } from './domain/keys.ts';
import { DEFAULT_LOGIN_THROTTLE, createLoginThrottle } from './domain/throttle.ts';
import { DEFAULT_SESSION_MAX_AGE_SECONDS } from './domain/tokens.ts';

export const createIdentityOrm = serviceOrm({ schema: SCHEMA, entities, moduleUrl: import.meta.url });

type WiringConfig = Pick<
  IdentityConfig,
  | 'JWT_ISSUER'
  | 'JWT_AUDIENCE'
  | 'ACCESS_TOKEN_TTL_SECONDS'
  | 'REFRESH_TOKEN_TTL_DAYS'
  | 'KEY_ENCRYPTION_SECRET'
  | 'COOKIE_SECURE'
  | 'SIGNUPS_PER_HOUR_PER_IP'
> &
  // Optional here (the schema's defaults apply), so a harness states only what it changes.
  Partial<
    Pick<
      IdentityConfig,
      | 'SESSION_MAX_AGE_SECONDS'
      | 'LOGIN_ACCOUNT_FREE_FAILURES'
      | 'LOGIN_ACCOUNT_DELAY_SECONDS'
      | 'LOGIN_ACCOUNT_MAX_DELAY_SECONDS'
    >
  >;

/** Builds identity's collaborators around an ORM, Redis and a logger. */
export function createIdentityDeps(
  config: WiringConfig,
  infra: { orm: Orm; redis: Redis; logger: Logger },
  subscriptions?: SubscriptionProcess,
): IdentityDeps {
  const { orm, redis, logger } = infra;
  const keys = createKeyStore({
    em: () => orm.em,
    secret: config.KEY_ENCRYPTION_SECRET,
    accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  });
  const guard = createAuthGuard({
    jwks: keys.getKey,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    redis,
    // identity is the authority: it asks Redis on every request, so its own changes apply at once
    localCacheMs: 0,
    // identity resolves sessions from its own tables instead of asking itself over HTTP
    resolve: (claims) =>
      runWithContext({ tenantId: claims.tid }, () =>
        withEm(orm, (em) => authSnapshot(em, redis, claims.tid, claims.sub)),
      ),
  });
  return {
    orm,
    redis,
    logger,
    keys,
    guard,
    tokens: {
      keys,
      redis,
      settings: {
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
        refreshTtlDays: config.REFRESH_TOKEN_TTL_DAYS,
        sessionMaxAgeSeconds: config.SESSION_MAX_AGE_SECONDS ?? DEFAULT_SESSION_MAX_AGE_SECONDS,
      },
    },
    throttle: createLoginThrottle(
      redis,
      (key, seconds) => {
        // the email stays out of the logs (personal data); the audit log keeps it, per tenant
        logger.warn('login locked out', { seconds, key: key.replace(/\|[^|]*$/, '|[email]') });
        return Promise.resolve();
      },
      {
        accountFreeFailures: config.LOGIN_ACCOUNT_FREE_FAILURES ?? DEFAULT_LOGIN_THROTTLE.accountFreeFailures,
        accountDelaySeconds: config.LOGIN_ACCOUNT_DELAY_SECONDS ?? DEFAULT_LOGIN_THROTTLE.accountDelaySeconds,
        accountMaxDelaySeconds:
          config.LOGIN_ACCOUNT_MAX_DELAY_SECONDS ?? DEFAULT_LOGIN_THROTTLE.accountMaxDelaySeconds,
      },
    ),
    cookies: { secure: config.COOKIE_SECURE },
    limits: { signupsPerHourPerIp: config.SIGNUPS_PER_HOUR_PER_IP },
    ...(subscriptions && { subscriptions }),
  };
}

/** The worker's activity dependencies (no Redis, no key secret: processes only read people and tenants). */
export const createIdentityActivityDeps = (infra: { orm: Orm; logger: Logger }): ActivityDeps => infra;
