/**
 * The API's side of the class waitlist process (workflows/src/waitlist): started or told with
 * signal-with-start whenever a class's seats or line change (so the first booking or entry starts
 * it), told when staff cancel the class, asked to accept or decline an offer through Updates.
 * Seats are already decided in the database when it is told, and the change's transaction recorded
 * it in the waitlist outbox (`domain/waitlist-outbox.ts`): the signal right after the commit is the
 * fast path and marks it delivered; one that is never sent (the API died, Temporal down) is sent by
 * the gym worker's dispatcher (`waitlist-dispatcher.ts`), which also starts a process whose first
 * signal was lost.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { DateTime } from 'luxon';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, type Logger, processCallError } from '@faena/platform';
import {
  WAITLIST_WORKFLOW_TYPE,
  acceptOffer,
  declineOffer,
  occurrenceCancelled,
  waitlistChanged,
  waitlistWorkflowId,
  type WaitlistWorkflow,
} from '@faena/workflows/waitlist/contract';
import { ClassSchedule, ClassType, type ClassOccurrence } from './domain/entities.ts';
import { markSignalled, outboxState, type OutboxState } from './domain/waitlist-outbox.ts';

export interface WaitlistProcessDeps {
  temporal: Client;
  logger: Logger;
  /** WAITLIST_TASK_QUEUE in production; tests that do not run the process pass a queue no worker polls. */
  waitlistTaskQueue: string;
}

/** `Yoga · Sala 1 · 2026-12-03 19:00 (America/Santiago)`: names the class in the process. */
export async function classTitle(em: EntityManager, o: ClassOccurrence): Promise<string> {
  const [type, schedule] = await Promise.all([
    em.findOne(ClassType, { id: o.classTypeId }),
    em.findOne(ClassSchedule, { id: o.scheduleId }),
  ]);
  const zone = schedule?.timeZone ?? 'UTC';
  const local = DateTime.fromJSDate(o.startsAt, { zone }).toFormat('yyyy-MM-dd HH:mm');
  return [type?.name ?? 'Class', o.room || null, `${local} (${zone})`].filter(Boolean).join(' · ');
}

async function signal(
  deps: WaitlistProcessDeps,
  em: EntityManager,
  tenantId: string,
  o: ClassOccurrence,
  send:
    | { signal: typeof waitlistChanged }
    | { signal: typeof occurrenceCancelled; args: [{ reason: string; actorId: string }] },
  known?: OutboxState,
): Promise<'sent' | 'finished' | 'failed'> {
  // Every change up to `version` is committed, and the process will see it: read before the
  // signal, or answered by the change's own transaction (`markChanged`).
  const outbox = known ?? (await outboxState(em, o.id));
  const workflowId = waitlistWorkflowId(tenantId, o.id);
  const signalArgs = ('args' in send ? send.args : []) as [];
  let outcome: 'sent' | 'finished' | 'failed' = 'sent';
  try {
    // A signal reached the class's process before: it runs (or has finished), so a plain signal
    // does; only a process that may not exist yet is started, with the class's title.
    if (!outbox.signalled || !(await signalRunning(deps, workflowId, send.signal, signalArgs))) {
      const title = await classTitle(em, o);
      await deps.temporal.workflow.signalWithStart<WaitlistWorkflow, []>(WAITLIST_WORKFLOW_TYPE, {
        taskQueue: deps.waitlistTaskQueue,
        workflowId,
        args: [{ tenantId, occurrenceId: o.id, title }],
        signal: send.signal as typeof waitlistChanged,
        signalArgs,
        // A class's process runs once: after it finished, nothing starts it again.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        searchAttributes: { TenantId: [tenantId], BusinessKey: [o.id], ProcessStatus: ['open'] },
        staticSummary: `Waitlist · ${title}`,
        staticDetails: `Class occurrence ${o.id} of schedule ${o.scheduleId}, branch ${o.branchId}, capacity ${o.capacity}. Offers seats that free to the line, closes it with the booking window, settles no-shows after the start plus the grace.`,
      });
    }
  } catch (err) {
    // A finished class's process is not started again: nothing is left to tell it.
    if (err instanceof WorkflowExecutionAlreadyStartedError) outcome = 'finished';
    else {
      deps.logger.warn('waitlist process not signalled; the outbox dispatcher will', {
        occurrenceId: o.id,
        error: String(err),
      });
      return 'failed';
    }
  }
  await markSignalled(em, o.id, outbox.version);
  return outcome;
}

/** Signals the class's running process; false when there is none (finished, or never started). */
async function signalRunning(
  deps: WaitlistProcessDeps,
  workflowId: string,
  signal: typeof waitlistChanged | typeof occurrenceCancelled,
  args: [],
): Promise<boolean> {
  try {
    await deps.temporal.workflow.getHandle(workflowId).signal(signal as typeof waitlistChanged, ...args);
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** The class's seats or line changed: the process looks again (started by the first change). */
export const classChanged = (
  deps: WaitlistProcessDeps,
  em: EntityManager,
  tenantId: string,
  o: ClassOccurrence,
  /** The outbox as the change's transaction left it (`markChanged`), when the caller has it. */
  outbox?: OutboxState,
) => signal(deps, em, tenantId, o, { signal: waitlistChanged }, outbox);

/**
 * The outbox's word for an occurrence (the dispatcher): a cancelled class is told it was cancelled
 * (with its recorded reason), any other is told it changed. Answers whether it was delivered.
 */
export const deliverChange = async (
  deps: WaitlistProcessDeps,
  em: EntityManager,
  o: ClassOccurrence,
): Promise<boolean> =>
  (o.status === 'cancelled'
    ? await signal(deps, em, o.tenantId, o, {
        signal: occurrenceCancelled,
        args: [{ reason: o.cancelledReason ?? '', actorId: '' }],
      })
    : await signal(deps, em, o.tenantId, o, { signal: waitlistChanged })) !== 'failed';

/** Staff cancelled the class: the process tells everyone and ends. */
export const classCancelled = (
  deps: WaitlistProcessDeps,
  em: EntityManager,
  tenantId: string,
  o: ClassOccurrence,
  by: { reason: string; actorId: string },
) => signal(deps, em, tenantId, o, { signal: occurrenceCancelled, args: [by] });

/** A failed call to a class's waitlist process in our envelope (a finished one: the waitlist is closed). */
const processError = (err: unknown): DomainError =>
  processCallError(
    err,
    'waitlist',
    new DomainError('INVALID_STATE_TRANSITION', 'The waitlist of this class is closed'),
  );

/** The offered member takes the held seat (the process books it): answers the booking's id. */
export async function acceptSeat(
  deps: WaitlistProcessDeps,
  tenantId: string,
  occurrenceId: string,
  input: { entryId: string; memberId: string; actorId: string; feeConsent?: boolean },
): Promise<string> {
  try {
    const handle = deps.temporal.workflow.getHandle(waitlistWorkflowId(tenantId, occurrenceId));
    return (await handle.executeUpdate(acceptOffer, { args: [input] })).bookingId;
  } catch (err) {
    throw processError(err);
  }
}

/** The offered member lets the seat go to the next in line. */
export async function declineSeat(
  deps: WaitlistProcessDeps,
  tenantId: string,
  occurrenceId: string,
  input: { entryId: string; memberId: string },
): Promise<void> {
  try {
    const handle = deps.temporal.workflow.getHandle(waitlistWorkflowId(tenantId, occurrenceId));
    await handle.executeUpdate(declineOffer, { args: [input] });
  } catch (err) {
    throw processError(err);
  }
}
