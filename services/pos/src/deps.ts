import type { AuthGuard, Logger, Orm, Redis, Storage, UploadLimits } from '@faena/platform';

export interface PosDeps {
  orm: Orm;
  redis: Redis;
  logger: Logger;
  guard: AuthGuard;
  /** Product images, and the upload limits they are read with. */
  storage: Storage;
  uploads: UploadLimits;
}
