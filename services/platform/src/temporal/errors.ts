import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, type QueryDefinition, type UpdateDefinition } from '@temporalio/common';
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

/**
 * A running process's answer to `query`, or null when it is over (or was never started); a failed
 * call in our envelope (`processCallError` with `notFound`).
 */
export async function queryRunning<R>(
  temporal: Client,
  workflowId: string,
  query: QueryDefinition<R, []>,
  process: string,
  notFound: DomainError,
): Promise<R | null> {
  try {
    const handle = temporal.workflow.getHandle(workflowId);
    if ((await handle.describe()).status.name !== 'RUNNING') return null;
    return await handle.query(query);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw processCallError(err, process, notFound);
  }
}

/** Sends an Update to a process and answers its result; a failed call in our envelope. */
export async function updateProcess<R, Arg>(
  temporal: Client,
  workflowId: string,
  update: UpdateDefinition<R, [Arg]>,
  arg: Arg,
  process: string,
  notFound: DomainError,
): Promise<R> {
  try {
    return await temporal.workflow.getHandle(workflowId).executeUpdate(update, { args: [arg] });
  } catch (err) {
    throw processCallError(err, process, notFound);
  }
}
