import { DomainError, type Redis } from '@faena/platform';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Which limit refused a login: the address's own block on the account (`address`), or the
 * account's delay for an address that already tried during it (`account`).
 */
export class LoginRefused extends DomainError {
  readonly scope: 'address' | 'account';
  constructor(scope: 'address' | 'account', seconds: number) {
    super('RATE_LIMITED', `Too many login attempts; retry in ${seconds} s`, {
      headers: { 'Retry-After': String(seconds) },
    });
    this.scope = scope;
  }
}

export interface LoginThrottle {
  /**
   * Before the password is checked: counts the attempt and throws LoginRefused (429 + Retry-After)
   * while this address is blocked on the account, or while the account's delay holds this address.
   * `account` names the account (tenant slug and email); `address` is the client (`ctx.ip`).
   */
  attempt(account: string, address: string): Promise<void>;
  /** After a wrong password (or an unknown account): counts a failure of the account. True when it started the delay. */
  failed(account: string, address: string): Promise<boolean>;
  /** A successful login clears this address's counter and wait (not the lockout history, not the account's failures). */
  succeeded(account: string, address: string): Promise<void>;
}

export interface LoginThrottleSettings {
  /** Failures of one account, from every address together, before its delay starts. */
  accountFreeFailures: number;
  /** The first delay; it doubles with every further failure of the account. */
  accountDelaySeconds: number;
  /** The longest delay. */
  accountMaxDelaySeconds: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleSettings = {
  accountFreeFailures: 10,
  accountDelaySeconds: 1,
  accountMaxDelaySeconds: 900,
};

const MAX_LOCK_SECONDS = 86400;

/**
 * The address a limit counts. IPv4 (also IPv4-mapped IPv6) as is; IPv6 by its /64, the block one
 * subscriber gets: counting each of its 2^64 addresses apart would give one attacker endless fresh
 * addresses.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const bare = ip.replace(/%.*$/, '').toLowerCase();
  const [head = '', tail] = bare.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Two limits, both in Redis (shared by every replica):
 *
 * - **Per address and account** (as before): 5 attempts a minute; going over blocks the pair, for
 *   1 minute the first time, then 2, 4, 8… (up to a day) as blocks repeat within 24 hours. Only that
 *   address is blocked: the account's owner elsewhere is not.
 * - **Per account, from every address** (a slow guesser spreads over many addresses): after
 *   `accountFreeFailures` failures (kept an hour after the last one), the account is delayed. Each
 *   address may then try once per delay (1 s, doubling with every further failure, up to
 *   `accountMaxDelaySeconds`); a second try from the same address within it is refused with 429
 *   before the password is checked, so the delay cannot be used as an oracle. An address that has
 *   not tried during the delay (the owner's own, usually) gets its try at once and a correct
 *   password logs in: a stranger's failures slow every guessing address down but never lock the
 *   owner out.
 */
export function createLoginThrottle(
  redis: Redis,
  onLockout: (key: string, seconds: number) => Promise<void>,
  settings: LoginThrottleSettings = DEFAULT_LOGIN_THROTTLE,
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
  const failuresKey = (account: string) => `identity:login-failures:${account}`;
  const waitKey = (account: string, address: string) => `identity:login-wait:${account}|${address}`;
  const failuresTtl = Math.max(3600, settings.accountMaxDelaySeconds * 4);
  const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

  /** The delay an account's `failures` impose on each address, in ms (0: none yet). */
  const delayMs = (failures: number) => {
    const over = failures - settings.accountFreeFailures;
    if (over < 0) return 0;
    return (
      Math.min(settings.accountDelaySeconds * 2 ** Math.min(over, 40), settings.accountMaxDelaySeconds) * 1000
    );
  };

  async function perAddress(key: string): Promise<void> {
    try {
      await attempts.consume(key);
    } catch (rejected) {
      if (!(rejected instanceof RateLimiterRes)) throw rejected;
      // The first refusal of a window starts a lockout; later ones only report it.
      if (rejected.consumedPoints === 6) {
        const n = (await lockouts.penalty(key, 1)).consumedPoints;
        const lock = Math.min(60 * 2 ** (n - 1), MAX_LOCK_SECONDS);
        await attempts.block(key, lock);
        await onLockout(key, lock);
        throw new LoginRefused('address', lock);
      }
      throw new LoginRefused('address', seconds(rejected.msBeforeNext));
    }
  }

  async function perAccount(account: string, address: string): Promise<void> {
    const wait = delayMs(Number((await redis.get(failuresKey(account))) ?? 0));
    if (!wait) return;
    // This address's one try of the delay: taken now, before the password is checked.
    if ((await redis.set(waitKey(account, address), '1', 'PX', wait, 'NX')) === 'OK') return;
    const left = await redis.pttl(waitKey(account, address));
    throw new LoginRefused('account', seconds(left > 0 ? left : wait));
  }

  return {
    async attempt(account, address) {
      const where = addressKey(address);
      await perAddress(`${where}|${account}`);
      await perAccount(account, where);
    },
    async failed(account) {
      const [[, count]] = (await redis
        .multi()
        .incr(failuresKey(account))
        .expire(failuresKey(account), failuresTtl)
        .exec()) as [[Error | null, number], [Error | null, number]];
      return count === settings.accountFreeFailures;
    },
    async succeeded(account, address) {
      const where = addressKey(address);
      await attempts.delete(`${where}|${account}`);
      await redis.del(waitKey(account, where));
    },
  };
}
