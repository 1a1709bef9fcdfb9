import { proxyActivities } from '@temporalio/workflow';
import type { NotificationActivities } from '@faena/notifications/activities';

/**
 * What the deal needs from marketplace (its `createActivities` implements it, on the `marketplace`
 * queue). Declared here, structurally, so the workflow package never depends on a service.
 */
export interface JobActivities {
  /** Sets the job's status and appends a timeline entry; once per key. */
  recordJobEvent(input: {
    key: string;
    tenantId: string;
    jobId: string;
    status:
      | 'awaiting_payment'
      | 'in_progress'
      | 'completed_by_professional'
      | 'approved'
      | 'paid_out'
      | 'disputed'
      | 'resolved'
      | 'cancelled'
      | 'payment_failed';
    actor: 'system' | 'client' | 'professional' | 'operator';
    actorId?: string | null;
    /** The escrow run recording it: a run that is no longer the job's (an earlier attempt) only adds to the timeline. */
    workflowId?: string;
    reason?: string;
    data?: Record<string, unknown>;
  }): Promise<void>;
}

/** Marketplace activities (job state and timeline) on the `marketplace` queue. */
export const marketplace = proxyActivities<JobActivities>({
  taskQueue: 'marketplace',
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Notifications are best effort for the deal: a few tries, then the workflow moves on. */
export const notifications = proxyActivities<NotificationActivities>({
  taskQueue: 'notifications',
  startToCloseTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumAttempts: 5 },
});
