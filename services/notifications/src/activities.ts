import { ApplicationFailure } from '@temporalio/common';
import { DomainError } from '@faena/platform';
import { notify, type NotifyDeps, type NotifyInput, type NotifyResult } from './domain/notify.ts';
import type { EventType } from './domain/templates.ts';

export type { NotifyInput, NotifyResult } from './domain/notify.ts';
export type { EventType, EventVariables } from './domain/templates.ts';

/** Failures a retry cannot fix (bad input, a template variable missing) stop the workflow step at once. */
const RETRYABLE = new Set(['EMAIL_DELIVERY_FAILED', 'SERVICE_UNAVAILABLE', 'INTERNAL_ERROR']);

/**
 * What workflows may ask of notifications (task queue `notifications`):
 *
 *   const { notify } = proxyActivities<NotificationActivities>({ taskQueue: 'notifications', startToCloseTimeout: '1 minute' });
 *   await notify({ key: `${workflowInfo().workflowId}/reminder-7d`, event: 'membership.renewal_reminder',
 *     recipient: { userId, email, locale }, variables: { name, planName, renewsOn, amount } });
 *
 * The tenant comes from the workflow's context header (or `tenantId`); the key makes retries safe.
 */
export function createActivities(deps: NotifyDeps) {
  return {
    async notify<E extends EventType>(input: NotifyInput<E>): Promise<NotifyResult> {
      try {
        return await notify(deps, input);
      } catch (err) {
        if (err instanceof DomainError && !RETRYABLE.has(err.code))
          throw ApplicationFailure.nonRetryable(err.message, err.code, err.items);
        throw err;
      }
    },
  };
}

export type NotificationActivities = ReturnType<typeof createActivities>;
