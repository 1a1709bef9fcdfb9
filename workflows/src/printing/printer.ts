/**
 * One printer's process (see contract.ts): its queue of jobs, sent one at a time in order (cancel
 * tickets first, an operator's "now" before everything), and its circuit breaker.
 *
 * - Each send is one `printTicket` activity tried once (the process owns the retries, so the
 *   breaker counts every failure): after a failure the job waits 1 s, 2 s, 4 s … (at most
 *   `PRINT_BACKOFF_MAX_MS`) and the jobs behind it wait with it — order is kept.
 * - `BREAKER_THRESHOLD` failures in a row open the breaker: nothing is sent for
 *   `BREAKER_COOL_DOWN_MS`, then one send is the half-open probe (success closes it, failure opens
 *   it again). An operator's `retryPrint` (the job's `now`) and `resetBreaker` go past it.
 * - A job past its expiry is dropped unsent: its job process falls back (and withdraws it anyway).
 * - A send the SSRF guard refused (`PRINTER_ADDRESS_REFUSED`: loopback, metadata, a cluster
 *   range…) never reached a printer: the job is dropped at once, told `final` (it falls back now),
 *   and the breaker does not count it (patch `printer-address-refused`: histories before it replay
 *   as they ran).
 * - Each attempt's outcome is signalled to the job's process (which may have ended: ignored).
 * - Idle for `PRINTER_IDLE_MS` the process ends; a long history continues as new with the queue
 *   and the breaker.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  BREAKER_COOL_DOWN_MS,
  BREAKER_THRESHOLD,
  PRINT_BACKOFF_MAX_MS,
  PRINTER_ADDRESS_REFUSED,
  PRINTER_IDLE_MS,
  PRINTING_ACTIVITIES_TASK_QUEUE,
  enqueuePrint,
  printAttempted,
  printerStatusQuery,
  resetBreaker,
  withdrawPrint,
  type BreakerState,
  type PrinterInput,
  type PrinterJob,
  type PrinterStatus,
  type PrinterWorkflow,
  type PrintingActivities,
} from './contract.ts';

const { printTicket } = proxyActivities<PrintingActivities>({
  taskQueue: PRINTING_ACTIVITIES_TASK_QUEUE,
  // Connect 3 s + status and write 5 s each: a stalled printer fails well within this.
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 1 },
});

type QueuedJob = PrinterJob & { attempts: number; nextAttemptAt: number };

/** The failure's sentence for people (the activity's message, never a stack). */
function failureText(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return cause.message;
  if (cause instanceof Error && /timeout/i.test(cause.message)) return 'The printer did not finish in time';
  return 'The print could not be sent';
}

/** The activity's failure type (`PRINTER_UNREACHABLE`, …), or null. */
function failureType(err: unknown): string | null {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? null) : null;
}

export const printer: PrinterWorkflow = async function printer(input: PrinterInput) {
  const queue: QueuedJob[] = input.queue ?? [];
  const breaker = input.breaker ?? {
    state: 'closed' as BreakerState,
    failures: 0,
    openedAt: null,
    lastError: null,
  };
  let printed = input.printed ?? 0;
  let changed = 0; // bumped by every message: the loop's waits end on it

  const probeAt = () =>
    breaker.state === 'open' && breaker.openedAt !== null ? breaker.openedAt + BREAKER_COOL_DOWN_MS : null;
  const status = (): PrinterStatus => {
    const at = probeAt();
    const head = queue.length ? `, ${queue.length} waiting` : '';
    return {
      address: input.address,
      breaker: breaker.state,
      failures: breaker.failures,
      probeAt: at === null ? null : new Date(at).toISOString(),
      lastError: breaker.lastError,
      queue: queue.map((j) => ({
        ticketId: j.ticketId,
        kind: j.kind,
        attempts: j.attempts,
        expiresAt: new Date(j.expiresAt).toISOString(),
      })),
      printed,
      summary:
        breaker.state === 'closed'
          ? `Printer ${input.address}: working${head}; ${printed} printed`
          : `Printer ${input.address}: breaker ${breaker.state} after ${breaker.failures} failure(s) (${breaker.lastError ?? 'unknown'})${head}`,
    };
  };
  const show = () => {
    const s = status();
    upsertSearchAttributes({
      ProcessStatus: [
        breaker.state === 'closed' ? (queue.length ? 'printing' : 'idle') : `breaker_${breaker.state}`,
      ],
    });
    setCurrentDetails(`**${s.breaker}**\n\n${s.summary}.`);
  };

  upsertSearchAttributes({ TenantId: [input.tenantId], BusinessKey: [`printer:${input.address}`] });
  setHandler(printerStatusQuery, status);
  setHandler(enqueuePrint, (job) => {
    const known = queue.find((j) => j.ticketId === job.ticketId);
    if (known)
      Object.assign(known, {
        reprint: known.reprint || job.reprint,
        now: known.now || job.now,
        expiresAt: job.expiresAt,
      });
    else queue.push({ ...job, attempts: 0, nextAttemptAt: 0 });
    changed++;
  });
  setHandler(withdrawPrint, ({ ticketId }) => {
    const i = queue.findIndex((j) => j.ticketId === ticketId);
    if (i >= 0) queue.splice(i, 1);
    changed++;
  });
  setHandler(resetBreaker, () => {
    Object.assign(breaker, { state: 'closed', failures: 0, openedAt: null });
    for (const j of queue) j.nextAttemptAt = 0;
    changed++;
    show();
    return status();
  });

  const tell = async (job: QueuedJob, printedNow: boolean, error: string | null, final = false) => {
    try {
      await getExternalWorkflowHandle(job.jobWorkflowId).signal(printAttempted, {
        ticketId: job.ticketId,
        printed: printedNow,
        attempts: job.attempts,
        error,
        at: Date.now(),
        ...(final && { final }),
      });
    } catch {
      // The job's process ended (cancelled, or it fell back meanwhile): nothing to tell.
    }
  };

  /** Waits until `at` (epoch ms) or any message. */
  const waitUntil = async (at: number) => {
    const seen = changed;
    await condition(() => changed !== seen, Math.max(1, at - Date.now()));
  };

  /** Next job: an operator's "now" first, then cancel tickets, then the oldest. */
  const next = (): QueuedJob | undefined =>
    [...queue].sort(
      (a, b) =>
        Number(!!b.now) - Number(!!a.now) ||
        Number(b.kind === 'cancel') - Number(a.kind === 'cancel') ||
        a.enqueuedAt - b.enqueuedAt,
    )[0];

  show();
  for (;;) {
    // Expired jobs are the job process's (its fallback): never sent from here.
    for (let i = queue.length - 1; i >= 0; i--)
      if (queue[i]!.expiresAt <= Date.now() && !queue[i]!.now) queue.splice(i, 1);
    const job = next();
    if (!job) {
      show();
      if (workflowInfo().continueAsNewSuggested)
        await continueAsNew<PrinterWorkflow>({ ...input, queue: [], breaker, printed });
      const seen = changed;
      if (!(await condition(() => changed !== seen, PRINTER_IDLE_MS))) return status();
      continue;
    }
    const firstExpiry = Math.min(...queue.map((j) => j.expiresAt));
    if (!job.now) {
      const probe = probeAt();
      if (probe !== null && Date.now() < probe) {
        await waitUntil(Math.min(probe, firstExpiry));
        continue;
      }
      if (job.nextAttemptAt > Date.now()) {
        await waitUntil(Math.min(job.nextAttemptAt, firstExpiry));
        continue;
      }
    }
    if (breaker.state === 'open') breaker.state = 'half_open';
    show();
    job.attempts++;
    let error: string | null = null;
    let refused = false;
    try {
      await printTicket({
        tenantId: input.tenantId,
        ticketId: job.ticketId,
        printerAddress: input.address,
        reprint: job.reprint,
      });
    } catch (err) {
      error = failureText(err);
      refused = failureType(err) === PRINTER_ADDRESS_REFUSED;
    }
    const i = queue.indexOf(job);
    // `patched` only on a refusal: every other history has no marker and replays unchanged.
    const final = refused && patched('printer-address-refused');
    if (error === null) {
      printed++;
      if (i >= 0) queue.splice(i, 1);
      Object.assign(breaker, { state: 'closed', failures: 0, openedAt: null });
    } else if (final) {
      // Nothing reached a printer and a retry cannot help: the job falls back now. Not the
      // printer's health, so the breaker keeps its count (its last error says why).
      if (i >= 0) queue.splice(i, 1);
      breaker.lastError = error;
      if (breaker.state === 'half_open') breaker.state = 'open';
    } else {
      breaker.failures++;
      breaker.lastError = error;
      job.now = false;
      job.nextAttemptAt = Date.now() + Math.min(PRINT_BACKOFF_MAX_MS, 1000 * 2 ** (job.attempts - 1));
      if (breaker.state === 'half_open' || breaker.failures >= BREAKER_THRESHOLD)
        Object.assign(breaker, { state: 'open', openedAt: Date.now() });
    }
    await tell(job, error === null, error, final);
    if (workflowInfo().continueAsNewSuggested)
      await continueAsNew<PrinterWorkflow>({ ...input, queue, breaker, printed });
  }
};
