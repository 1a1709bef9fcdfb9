import type { Client } from '@temporalio/client';
import type { AuthGuard, Logger, Orm, PaymentsClient, Redis, Storage, UploadLimits } from '@faena/platform';

export interface GymDeps {
  orm: Orm;
  redis: Redis;
  logger: Logger;
  guard: AuthGuard;
  temporal: Client;
  /** Task queue the renewal workflow is started on: RENEWAL_TASK_QUEUE in production, a unique one in tests. */
  renewalTaskQueue: string;
  /** Task queue the class waitlist process is started on: WAITLIST_TASK_QUEUE in production, one no worker polls in tests that do not run it. */
  waitlistTaskQueue: string;
  /** Task queue incident workflows are started on: INCIDENT_TASK_QUEUE in production, a test's own in tests. */
  incidentTaskQueue: string;
  /** Task queue low-stock alerts are started on: LOW_STOCK_TASK_QUEUE in production, a test's own in tests. */
  lowStockTaskQueue: string;
  /** How members' QR check-in codes are signed (CHECKIN_TOKEN_SECRET) and how long they live. */
  checkinToken: { secret: string; ttlSeconds: number };
  /** The payments service over HTTP, called with the caller's token. */
  payments: PaymentsClient;
  /** How many weeks of a schedule's classes are put on the calendar ahead. */
  occurrenceWeeksAhead: number;
  /** Trainers' certificates and member photos, and the upload limits they are read with. */
  storage: Storage;
  uploads: UploadLimits;
}
