/**
 * One kitchen ticket's print job (see contract.ts): hands it to its printer's process, waits for
 * the printer's outcome until the expiry, and falls back when it did not print in time — the
 * kitchen screen (a `kitchen:print_failed` room event, by the POS activity) and the ticket's PDF
 * emailed to the branch's printing operators (`print.fallback`, es/en: the seeded template, key
 * `<workflowId>/fallback/<n>/<userId>`: the attachment is in the activity's input, so every retry
 * of the email carries it). A fallback is a state (`fallen_back`), never a Failed workflow. A send
 * the printer reports `final` (the SSRF guard refused its address: `PRINTER_ADDRESS_REFUSED`) falls
 * back at once instead of at the expiry (patch `print-refused-falls-back`).
 *
 * After its outcome the job stays open `PRINT_JOB_LINGER_MS` for an operator: `retryPrint`
 * (printed again, with the reprint mark when it came out before), `reroutePrint` (to another
 * printer, with the mark), `cancelPrint`. Each of these restarts the expiry window.
 */
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { IDENTITY_TASK_QUEUE, type IdentityActivities } from '../identity/contract.ts';
import { processMetrics } from '../metrics.ts';
import { NOTIFICATIONS_TASK_QUEUE, type NotificationActivities } from '../notifications/contract.ts';
import {
  KITCHEN_PRINT_EXPIRY_MS,
  PRINT_JOB_LINGER_MS,
  PRINTING_ACTIVITIES_TASK_QUEUE,
  PRINTING_OPERATE_PERMISSION,
  cancelPrint,
  printAttempted,
  printJobStatusQuery,
  printerWorkflowId,
  reroutePrint,
  retryPrint,
  withdrawPrint,
  type PrintJobInput,
  type PrintJobState,
  type PrintJobStatus,
  type PrintJobWorkflow,
  type PrintingActivities,
} from './contract.ts';

/** A patch: a print reported while the post-enqueue record ran is recorded again (chaos, 2026-12-03). */
const PRINTED_WHILE_RECORDING = 'print-printed-while-recording';
const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } as const;
const pos = proxyActivities<PrintingActivities>({
  taskQueue: PRINTING_ACTIVITIES_TASK_QUEUE,
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '1 hour',
  retry,
});
const identity = proxyActivities<IdentityActivities>({
  taskQueue: IDENTITY_TASK_QUEUE,
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '1 hour',
  retry,
});
const notifications = proxyActivities<NotificationActivities>({
  taskQueue: NOTIFICATIONS_TASK_QUEUE,
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '1 hour',
  retry,
});

export const printJob: PrintJobWorkflow = async function printJob(input: PrintJobInput) {
  const metrics = processMetrics();
  metrics.started();
  const { workflowId } = workflowInfo();
  const expiryMs = input.expiryMs ?? KITCHEN_PRINT_EXPIRY_MS;
  const place = input.tableLabel ? `table ${input.tableLabel}` : 'takeaway';
  let state: PrintJobState = 'queued';
  let address = input.printerAddress;
  let attempts = 0;
  let lastError: string | null = null;
  let expiresAt = input.expiresAt ? Date.parse(input.expiresAt) : Date.now() + expiryMs;
  let printedAt: number | null = null;
  let prints = 0;
  let fallbacks = 0;
  /** A job to (re)send: the operator's action sets it, the loop sends it. */
  let send: { reprint: boolean; now: boolean } | null = { reprint: false, now: false };
  let changed = 0;
  let outcomeReported = false;
  /** The printer will not try this send again (its address is refused): fall back without waiting. */
  let refused = false;

  const status = (): PrintJobStatus => ({
    state,
    ticketId: input.ticketId,
    printerAddress: address,
    attempts,
    lastError,
    expiresAt: state === 'queued' ? new Date(expiresAt).toISOString() : null,
    printedAt: printedAt === null ? null : new Date(printedAt).toISOString(),
    prints,
    summary:
      `${input.kind === 'cancel' ? 'Cancel ticket' : 'Ticket'} of order ${input.orderNumber} (${place}) for ${input.stationName} on printer ${address}: ` +
      (state === 'printed'
        ? `printed${prints > 1 ? ` (${prints} times)` : ''}`
        : state === 'fallen_back'
          ? `not printed in time — on the kitchen screen and mailed as PDF (${lastError ?? 'no answer'})`
          : state === 'cancelled'
            ? 'cancelled by an operator'
            : `waiting${attempts ? `, ${attempts} attempt(s), last error: ${lastError ?? 'none'}` : ''}`),
  });
  const show = () => {
    upsertSearchAttributes({ ProcessStatus: [state] });
    setCurrentDetails(`**${state}**\n\n${status().summary}.`);
  };
  const withdraw = async (from: string) => {
    try {
      await getExternalWorkflowHandle(printerWorkflowId(input.tenantId, from)).signal(withdrawPrint, {
        ticketId: input.ticketId,
      });
    } catch {
      // The printer's process is not running: nothing of this job is queued there.
    }
  };
  const record = () =>
    pos.recordPrintJob({
      tenantId: input.tenantId,
      ticketId: input.ticketId,
      state,
      attempts,
      lastError,
      printerAddress: address,
    });

  upsertSearchAttributes({ TenantId: [input.tenantId], BusinessKey: [`print:${input.ticketId}`] });
  setHandler(printJobStatusQuery, status);
  setHandler(printAttempted, (r) => {
    if (r.ticketId !== input.ticketId) return;
    attempts = Math.max(attempts, r.attempts);
    if (r.printed) {
      prints++;
      printedAt = r.at;
      // Printed after the fallback (the send had begun just before the expiry): a duplicate, never a loss.
      if (state === 'queued') state = 'printed';
    } else {
      lastError = r.error;
      if (r.final) refused = true;
    }
    changed++;
  });
  const again = (reprint: boolean) => {
    state = 'queued';
    expiresAt = Date.now() + expiryMs;
    send = { reprint, now: true };
    refused = false;
    changed++;
  };
  setHandler(
    retryPrint,
    async (_: { operatorId: string }) => {
      if (state === 'queued') await withdraw(address);
      again(prints > 0 || fallbacks > 0);
      await condition(() => send === null);
      return status();
    },
    { validator: (_: { operatorId: string }) => assertActionable(state) },
  );
  setHandler(
    reroutePrint,
    async ({ printerAddress }) => {
      if (state === 'queued') await withdraw(address);
      address = printerAddress;
      again(true);
      await condition(() => send === null);
      return status();
    },
    {
      validator: ({ printerAddress }) => {
        assertActionable(state);
        if (!printerAddress)
          throw ApplicationFailure.nonRetryable('A printer address is required', 'PRINTER_ADDRESS_REQUIRED');
      },
    },
  );
  setHandler(
    cancelPrint,
    async (_: { operatorId: string; reason: string }) => {
      if (state === 'queued') await withdraw(address);
      state = 'cancelled';
      send = null;
      changed++;
      await record();
      show();
      return status();
    },
    {
      validator: (_: { operatorId: string; reason: string }) => {
        if (state === 'cancelled')
          throw ApplicationFailure.nonRetryable('The print job is cancelled already', 'PRINT_JOB_CLOSED');
      },
    },
  );

  const lingerUntil = () => Date.now() + PRINT_JOB_LINGER_MS;
  let closesAt = lingerUntil();
  /** Printed: the outcome's metric once, the POS's row told, the operator's window from now. */
  const settlePrinted = async () => {
    if (!outcomeReported)
      metrics.outcome(Date.now() - workflowInfo().startTime.getTime() <= 60_000 ? 'on_time' : 'late');
    outcomeReported = true;
    await record();
    closesAt = lingerUntil();
  };
  for (;;) {
    if (send) {
      const { reprint, now } = send;
      send = null;
      // Bounded by the expiry: a POS worker that cannot take the job lets the job fall back on time.
      const enqueue = proxyActivities<PrintingActivities>({
        taskQueue: PRINTING_ACTIVITIES_TASK_QUEUE,
        startToCloseTimeout: '10s',
        scheduleToCloseTimeout: Math.max(1000, expiresAt - Date.now()),
        retry,
      }).enqueueOnPrinter;
      try {
        await enqueue({
          tenantId: input.tenantId,
          printerAddress: address,
          job: {
            ticketId: input.ticketId,
            jobWorkflowId: workflowId,
            kind: input.kind,
            expiresAt,
            reprint,
            now,
            enqueuedAt: Date.now(),
          },
        });
      } catch {
        lastError = 'The print service did not take the job in time';
      }
      await record();
      show();
      // The printer reported the print while that record ran (its `queued` may have landed after
      // the printer's own `printed` write): the outcome is recorded again, last.
      if ((state as PrintJobState) === 'printed' && patched(PRINTED_WHILE_RECORDING)) await settlePrinted();
    }
    if (state === 'queued') {
      const seen = changed;
      const moved = await condition(() => changed !== seen, Math.max(1, expiresAt - Date.now()));
      // `patched` only on a refusal: every other history has no marker and replays unchanged.
      const giveUp = refused && (state as PrintJobState) === 'queued' && patched('print-refused-falls-back');
      if (moved && !giveUp) {
        if ((state as PrintJobState) === 'printed') await settlePrinted();
        show();
        continue;
      }
      // Expired (or refused): never printed later. Withdrawn first, then the screen and the email.
      refused = false;
      await withdraw(address);
      state = 'fallen_back';
      fallbacks++;
      show();
      await record();
      const reason = lastError ?? 'The printer did not answer in time';
      const pdf = await pos.printFallback({ tenantId: input.tenantId, ticketId: input.ticketId, reason });
      let holders: Array<{ id: string; email: string; locale: string | null }> = [];
      try {
        ({ holders } = await identity.roleHolders({
          tenantId: input.tenantId,
          branchId: input.branchId,
          permission: PRINTING_OPERATE_PERMISSION,
        }));
      } catch {
        // identity could not answer within its window: the kitchen screen has the ticket.
      }
      await Promise.allSettled(
        holders.map((u) =>
          notifications.notify({
            key: `${workflowId}/fallback/${fallbacks}/${u.id}`,
            tenantId: input.tenantId,
            event: 'print.fallback',
            recipient: { userId: u.id, email: u.email, ...(u.locale && { locale: u.locale }) },
            variables: {
              branchName: pdf.stationName,
              orderNumber: pdf.orderNumber,
              printerName: `${pdf.stationName} (${address})`,
            },
            data: { ticketId: input.ticketId, stationId: input.stationId, branchId: input.branchId },
            attachments: [
              { filename: pdf.filename, contentType: 'application/pdf', contentBase64: pdf.contentBase64 },
            ],
          }),
        ),
      );
      if (!outcomeReported) metrics.outcome('failed');
      outcomeReported = true;
      closesAt = lingerUntil();
      show();
      continue;
    }
    if ((state as PrintJobState) === 'cancelled') break;
    // An outcome: open for an operator's action until the linger ends.
    const seen = changed;
    if (
      !(await condition(
        () => changed !== seen && (send !== null || state === 'cancelled'),
        Math.max(1, closesAt - Date.now()),
      ))
    )
      break;
  }
  return status();
};

function assertActionable(state: PrintJobState): void {
  if (state === 'cancelled')
    throw ApplicationFailure.nonRetryable('The print job is cancelled', 'PRINT_JOB_CLOSED');
}
