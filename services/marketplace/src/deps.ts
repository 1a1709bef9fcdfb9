import type { Client } from '@temporalio/client';
import type { AuthGuard, Logger, Orm, Redis, Storage, UploadLimits } from '@faena/platform';

export interface MarketplaceDeps {
  orm: Orm;
  redis: Redis;
  logger: Logger;
  guard: AuthGuard;
  temporal: Client;
  /** KYC documents and portfolio images. */
  storage: Storage;
  uploads: UploadLimits;
  /** Task queue the escrow workflow is started on: ESCROW_TASK_QUEUE in production, a unique one in tests. */
  escrowTaskQueue: string;
  /** Windows of new deals (defaults: 30 min to pay, 72 h to approve, 7 days to return a late payment). */
  escrowWindows?: EscrowWindows;
}

export interface EscrowWindows {
  paymentWindowMs: number;
  approvalWindowMs: number;
  lateMoneyWindowMs: number;
}
