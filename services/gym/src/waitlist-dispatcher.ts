/**
 * The waitlist outbox's dispatcher, beside the gym worker (`runWorker`'s `background`, like the
 * notifications webhook dispatcher): every occurrence whose last change has not reached its process
 * (`domain/waitlist-outbox.ts`) is signalled with start — a seat freed by a cancel whose API died
 * before its signal is offered, a first booking whose signal was lost starts the process (so its
 * no-shows are settled). The row is cleared up to the version read before the signal, so a change
 * committed meanwhile stays pending. Rows younger than `graceMs` are left to the API's fast path.
 */
import { periodic, sweepTenants, type Orm } from '@faena/platform';
import { ClassOccurrence } from './domain/entities.ts';
import { pendingOccurrences } from './domain/waitlist-outbox.ts';
import { deliverChange, type WaitlistProcessDeps } from './waitlist-process.ts';

/** How long the API's own signal has before the dispatcher sends it, and how often it looks. */
export const OUTBOX_GRACE_MS = 5_000;
export const OUTBOX_POLL_MS = 2_000;
const BATCH = 50;

export function createWaitlistDispatcher(deps: WaitlistProcessDeps & { orm: Orm }) {
  /** One pass over what is pending at `now` (minus the grace): answers how many were delivered or not. */
  async function runDue(
    now: Date,
    graceMs = OUTBOX_GRACE_MS,
  ): Promise<{ delivered: number; failed: number }> {
    const pass = await sweepTenants({
      orm: deps.orm,
      logger: deps.logger,
      name: 'waitlist outbox dispatch',
      batch: BATCH,
      due: (em) => pendingOccurrences(em, new Date(now.getTime() - graceMs), BATCH),
      handle: async (em, row) => {
        const o = await em.findOne(ClassOccurrence, { id: row.occurrenceId });
        if (!o) throw new Error('occurrence not found');
        if (!(await deliverChange(deps, em, o))) throw new Error('not delivered');
        return true;
      },
      describe: (row) => ({ occurrenceId: row.occurrenceId }),
    });
    return { delivered: pass.done, failed: pass.failed };
  }

  /** Until `signal` aborts: at once again while a full batch was delivered, else every `OUTBOX_POLL_MS`. */
  const run = periodic({
    name: 'waitlist outbox dispatch',
    everyMs: OUTBOX_POLL_MS,
    logger: deps.logger,
    run: async () => (await runDue(new Date())).delivered >= BATCH,
  });

  return { runDue, run };
}
