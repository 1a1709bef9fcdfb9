import type { Redis } from 'ioredis';
import type { Context, Middleware } from 'koa';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from './errors.ts';

export interface RateLimitOptions {
  redis: Redis;
  /** Distinguishes limiters sharing one Redis (e.g. `identity:login`). */
  name: string;
  /** Requests allowed per window. */
  points: number;
  /** Window length in seconds. */
  durationSeconds: number;
  /** What is limited; by default the client IP. */
  key?: (ctx: Context) => string;
}

/** The Redis fixed-window counter behind `quota` and `rateLimit`. */
const limiterFor = (opts: Omit<RateLimitOptions, 'key'>) =>
  new RateLimiterRedis({
    storeClient: opts.redis,
    keyPrefix: `rl:${opts.name}`,
    points: opts.points,
    duration: opts.durationSeconds,
  });

/**
 * A fixed-window allowance in Redis, shared by every replica: `take(key)` is true while `key` has
 * points left in the window. For limits that must not answer differently (a password reset mail
 * per account: the answer stays 202, the mail is simply not sent); `rateLimit` answers 429.
 */
export function quota(opts: Omit<RateLimitOptions, 'key'>): { take(key: string): Promise<boolean> } {
  const limiter = limiterFor(opts);
  return {
    take: (key) =>
      limiter.consume(key).then(
        () => true,
        (rejected: unknown) => {
          if (rejected instanceof RateLimiterRes) return false;
          throw rejected;
        },
      ),
  };
}

/**
 * Redis-backed fixed-window limiter shared by every replica. Over the limit: 429 RATE_LIMITED with
 * `Retry-After` (seconds); every answer carries `RateLimit-Limit` and `RateLimit-Remaining`.
 */
export function rateLimit(opts: RateLimitOptions): Middleware {
  const limiter = limiterFor(opts);
  const keyOf = opts.key ?? ((ctx: Context) => ctx.ip);
  return async (ctx, next) => {
    let res: RateLimiterRes;
    try {
      res = await limiter.consume(keyOf(ctx));
    } catch (rejected) {
      if (!(rejected instanceof RateLimiterRes)) throw rejected;
      const retryAfter = Math.max(1, Math.ceil(rejected.msBeforeNext / 1000));
      throw new DomainError('RATE_LIMITED', `Too many requests; retry in ${retryAfter} s`, {
        headers: {
          'Retry-After': String(retryAfter),
          'RateLimit-Limit': String(opts.points),
          'RateLimit-Remaining': '0',
        },
      });
    }
    ctx.set({ 'RateLimit-Limit': String(opts.points), 'RateLimit-Remaining': String(res.remainingPoints) });
    await next();
  };
}
