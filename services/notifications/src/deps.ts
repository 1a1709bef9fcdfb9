import type { AuthGuard, Logger, Orm, OutboundGuard, Redis } from '@faena/platform';
import type { NotifyDeps } from './domain/notify.ts';
import type { RealtimePublisher } from './realtime/publish.ts';

/** Everything the notifications API needs, wired once by main.ts (and by tests). */
export interface NotificationsDeps {
  orm: Orm;
  redis: Redis;
  logger: Logger;
  guard: AuthGuard;
  notify: NotifyDeps;
  /** The local gateway in the API process. */
  realtime: RealtimePublisher;
  /** What other services present in `X-Service-Token`. */
  serviceToken: string;
  /** Encrypts webhook signing secrets at rest. */
  webhookSecretKey: string;
  /** Checks endpoint URLs at registration (the dispatcher checks again at each delivery). */
  webhookUrls: OutboundGuard;
  /** Endpoints a business may register. */
  webhookMaxEndpoints: number;
}
