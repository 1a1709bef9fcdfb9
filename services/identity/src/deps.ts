import type { AuthGuard, Logger, Orm, Redis } from '@faena/platform';
import type { KeyStore } from './domain/keys.ts';
import type { LoginThrottle } from './domain/throttle.ts';
import type { TokenDeps } from './domain/tokens.ts';
import type { SubscriptionProcess } from './subscription.ts';

/** Everything identity's routes need, wired once by main.ts (and by tests). */
export interface IdentityDeps {
  orm: Orm;
  redis: Redis;
  logger: Logger;
  keys: KeyStore;
  tokens: TokenDeps;
  guard: AuthGuard;
  throttle: LoginThrottle;
  cookies: { secure: boolean };
  limits: { signupsPerHourPerIp: number };
  /**
   * The SaaS subscriptions' renewal chains (Temporal). Absent in a process without Temporal: a paid
   * plan's chain is then started by the identity worker's sweeper, and a change that needs the
   * chain (an upgrade within a paid period) answers 503.
   */
  subscriptions?: SubscriptionProcess;
}
