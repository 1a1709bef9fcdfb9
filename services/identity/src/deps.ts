import type { AuthGuard, Logger, Orm, Redis } from '@faena/platform';
import type { KeyStore } from './domain/keys.ts';
import type { LoginThrottle } from './domain/throttle.ts';
import type { TokenDeps } from './domain/tokens.ts';

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
}
