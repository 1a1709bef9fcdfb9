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
import { authSnapshot } from './domain/access.ts';
import { entities } from './domain/entities.ts';
import { createKeyStore } from './domain/keys.ts';
import { createLoginThrottle } from './domain/throttle.ts';

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
>;

/** Builds identity's collaborators around an ORM, Redis and a logger. */
export function createIdentityDeps(
  config: WiringConfig,
  infra: { orm: Orm; redis: Redis; logger: Logger },
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
      },
    },
    throttle: createLoginThrottle(redis, (key, seconds) => {
      // the email stays out of the logs (personal data); the audit log keeps it, per tenant
      logger.warn('login locked out', { seconds, key: key.replace(/\|[^|]*$/, '|[email]') });
      return Promise.resolve();
    }),
    cookies: { secure: config.COOKIE_SECURE },
    limits: { signupsPerHourPerIp: config.SIGNUPS_PER_HOUR_PER_IP },
  };
}

/** The worker's activity dependencies (no Redis, no key secret: processes only read people and tenants). */
export const createIdentityActivityDeps = (infra: { orm: Orm; logger: Logger }): ActivityDeps => infra;
