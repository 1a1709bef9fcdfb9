import { ApplicationFailure } from '@temporalio/common';
import { DomainError } from '@faena/platform';
import type {
  MoneyVariable,
  NotificationActivities,
  ProcessEvent,
  ProcessEventVariables,
} from '@faena/workflows/notifications/contract';
import { notify, type NotifyDeps, type NotifyInput, type NotifyResult } from './domain/notify.ts';
import type { EventType, EventVariables, VariableKinds } from './domain/templates.ts';

export type { NotifyInput, NotifyResult } from './domain/notify.ts';
export type { EventType, EventVariables } from './domain/templates.ts';

/** Failures a retry cannot fix (bad input, a template variable missing) stop the workflow step at once. */
const RETRYABLE = new Set(['EMAIL_DELIVERY_FAILED', 'SERVICE_UNAVAILABLE', 'INTERNAL_ERROR']);

/**
 * Every event a process sends is in the catalog, and the variables the contract lets it send are
 * what the catalog's template expects (a compile error here names the event that drifted).
 */
type CatalogTakes = {
  [E in ProcessEvent]: E extends EventType
    ? ProcessEventVariables[E] extends EventVariables[E]
      ? true
      : `variables of ${E} differ from the catalog`
    : `${E} is not in the catalog`;
};
/** A compile-time check: `From` must be assignable to `To` (nothing at run time). */
type Assignable<To, From extends To> = From;
type _CatalogTakesEveryProcessEvent = Assignable<{ [E in ProcessEvent]: true }, CatalogTakes>;
/** The contract's money variable is one the catalog formats. */
type _MoneyKinds = Assignable<VariableKinds['money'], MoneyVariable>;

/**
 * What workflows may ask of notifications (`NotificationActivities`, in
 * workflows/src/notifications/contract.ts, on its `NOTIFICATIONS_TASK_QUEUE`): `notify` once per key.
 * The tenant comes from the workflow's context header (or `tenantId`).
 */
export function createActivities(deps: NotifyDeps) {
  return {
    async notify(input: NotifyInput): Promise<NotifyResult> {
      try {
        return await notify(deps, input);
      } catch (err) {
        if (err instanceof DomainError && !RETRYABLE.has(err.code))
          throw ApplicationFailure.nonRetryable(err.message, err.code, err.items);
        throw err;
      }
    },
  } satisfies NotificationActivities;
}
