import { DomainError, type Redis } from '@faena/platform';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface LoginThrottle {
  /** Counts an attempt; throws 429 RATE_LIMITED (with Retry-After) past 5 a minute or while locked out. Returns whether this attempt just caused a lockout. */
  attempt(key: string): Promise<void>;
  /** A successful login clears the counter (not the lockout history). */
  succeeded(key: string): Promise<void>;
}

const MAX_LOCK_SECONDS = 86400;

/**
 * 5 login attempts per minute per IP + email. Going over locks the pair out, for 1 minute the
 * first time, then 2, 4, 8… (up to a day) as lockouts repeat within 24 hours.
 */
export function createLoginThrottle(
  redis: Redis,
  onLockout: (key: string, seconds: number) => Promise<void>,
): LoginThrottle {
  const attempts = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: 'identity:login',
    points: 5,
    duration: 60,
  });
  const lockouts = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: 'identity:lockouts',
    points: 1000,
    duration: 86400,
  });
  const limited = (ms: number) => {
    const seconds = Math.max(1, Math.ceil(ms / 1000));
    return new DomainError('RATE_LIMITED', `Too many login attempts; retry in ${seconds} s`, {
      headers: { 'Retry-After': String(seconds) },
    });
  };
  return {
    async attempt(key) {
      try {
        await attempts.consume(key);
      } catch (rejected) {
        if (!(rejected instanceof RateLimiterRes)) throw rejected;
        // The first refusal of a window starts a lockout; later ones only report it.
        if (rejected.consumedPoints === 6) {
          const n = (await lockouts.penalty(key, 1)).consumedPoints;
          const seconds = Math.min(60 * 2 ** (n - 1), MAX_LOCK_SECONDS);
          await attempts.block(key, seconds);
          await onLockout(key, seconds);
          throw limited(seconds * 1000);
        }
        throw limited(rejected.msBeforeNext);
      }
    },
    async succeeded(key) {
      await attempts.delete(key);
    },
  };
}
