import type { Client } from '@temporalio/client';
import type { AuthGuard, Logger, Orm, PaymentsClient, Redis, Storage, UploadLimits } from '@faena/platform';

export interface PosDeps {
  orm: Orm;
  redis: Redis;
  logger: Logger;
  guard: AuthGuard;
  /** Product images, and the upload limits they are read with. */
  storage: Storage;
  uploads: UploadLimits;
  /** The payments service over HTTP (orders are paid and refunded through it, with the caller's token). */
  payments: PaymentsClient;
  temporal: Client;
  /** Task queue low-stock alerts are started on: LOW_STOCK_TASK_QUEUE in production, a test's own in tests. */
  lowStockTaskQueue: string;
  /** Task queue kitchen print processes are started on: PRINTING_TASK_QUEUE in production, a test's own in tests. */
  printTaskQueue: string;
  /** The kitchen ticket's print expiry (default the contract's 2 minutes; tests shorten it). */
  printExpiryMs?: number;
}
