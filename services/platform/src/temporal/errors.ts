import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DomainError, ERROR_STATUS, type ErrorCode } from '../http/errors.ts';
import { hasOwnKey } from '../guards.ts';

/**
 * Maps a failed call to a running process (an Update, a signal, a query) to our envelope, the one
 * way for every service: an Update rejected by its validator (or failed) with an ApplicationFailure
 * keeps its `type` as our code when it is one of ours (INVALID_STATE_TRANSITION 409, FORBIDDEN 403,
 * PRICE_CHANGED 409…), else 409 CONFLICT with its message; a workflow that does not exist answers
 * `notFound`; a DomainError stays itself; anything else is Temporal out of reach: 503 with
 * Retry-After.
 */
export function processCallError(err: unknown, process: string, notFound: DomainError): DomainError {
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const code: ErrorCode = cause.type && hasOwnKey(ERROR_STATUS, cause.type) ? cause.type : 'CONFLICT';
      return new DomainError(code, cause.message);
    }
    return new DomainError('CONFLICT', cause?.message ?? err.message);
  }
  if (err instanceof WorkflowNotFoundError) return notFound;
  if (err instanceof DomainError) return err;
  return new DomainError('SERVICE_UNAVAILABLE', `The ${process} process could not be reached; retry`, {
    headers: { 'Retry-After': '5' },
  });
}
