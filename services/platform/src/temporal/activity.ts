import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/common';
import { runWithContext } from '../context.ts';
import { withEm } from '../db/context.ts';
import type { Orm } from '../db/orm.ts';
import { DomainError } from '../http/errors.ts';

export interface InTenantOptions {
  /**
   * Turns a service's own refusal into a typed non-retryable failure (e.g. a payment provider's
   * 4xx); `undefined` leaves the error as it is (retried by Temporal).
   */
  refusal?: (err: unknown) => ApplicationFailure | undefined;
}

/**
 * Runs one activity's work in its tenant's context (tenant filter, tenant-scoped logs) with its own
 * EntityManager, and classifies what it throws the one way every service does:
 * - a `DomainError` is a business refusal: non-retryable, typed by its code (`NOT_FOUND`,
 *   `INSUFFICIENT_BALANCE`, …) so the workflow can branch on it;
 * - `opts.refusal` may type more of them;
 * - anything else (the database, the network) is thrown as it is, and Temporal retries it.
 */
export function inTenantActivity<T>(
  orm: Orm,
  tenantId: string,
  fn: (em: EntityManager) => Promise<T>,
  opts: InTenantOptions = {},
): Promise<T> {
  return runWithContext({ tenantId }, () =>
    withEm(orm, (em) => fn(em)).catch((err: unknown) => {
      if (err instanceof ApplicationFailure) throw err;
      if (err instanceof DomainError) throw ApplicationFailure.nonRetryable(err.message, err.code);
      const typed = opts.refusal?.(err);
      if (typed) throw typed;
      throw err;
    }),
  );
}
