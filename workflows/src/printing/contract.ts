/**
 * Kitchen printing's contract (issue 18). Two processes:
 *
 * - **`printJob`** — one per kitchen ticket of a printing station (`print/<tenant>/<ticketId>`),
 *   started by the POS API after the send's commit (or by the POS worker's sweeper). It hands the
 *   ticket to its printer's process, waits for the outcome until the job's expiry (default
 *   `KITCHEN_PRINT_EXPIRY_MS`, 2 minutes), and a job not printed by then is **not printed later**:
 *   it is withdrawn from the printer and falls back to the kitchen screen (a room event) and a PDF
 *   of the ticket emailed to the branch's printing operators. Operators act on it with Updates
 *   (`retryPrint`, `reroutePrint`, `cancelPrint`) and read it with `printJobStatusQuery`.
 * - **`printer`** — one per printer (`printer/<tenant>/<address>`), signal-with-started by the job
 *   (through a POS activity). It sends its jobs one at a time, in order (cancel tickets first),
 *   retries with backoff and holds the printer's **circuit breaker**: open after
 *   `BREAKER_THRESHOLD` failures in a row, a half-open probe after `BREAKER_COOL_DOWN_MS`. One
 *   process per printer, so a dead printer never slows another. Idle for `PRINTER_IDLE_MS` it ends;
 *   a long queue continues as new. `printerStatusQuery` / `resetBreaker` are the operator's view
 *   and action.
 *
 * Both run on the `workflows` queue; the sending, rendering and fallback activities on `pos`.
 * Constants, types and message definitions only: safe anywhere.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { TASK_QUEUES } from '../queues.ts';

export const PRINT_JOB_WORKFLOW_TYPE = 'printJob';
export const PRINTER_WORKFLOW_TYPE = 'printer';
export const PRINTING_TASK_QUEUE = TASK_QUEUES.workflows;
/** Where the POS printing activities run (the POS worker). */
export const PRINTING_ACTIVITIES_TASK_QUEUE = TASK_QUEUES.pos;

export const printJobWorkflowId = (tenantId: string, ticketId: string): string =>
  `print/${tenantId}/${ticketId}`;
export const printerWorkflowId = (tenantId: string, address: string): string =>
  `printer/${tenantId}/${address}`;

/** A kitchen ticket not printed within this falls back (screen + PDF email). */
export const KITCHEN_PRINT_EXPIRY_MS = 120_000;
/** Failures in a row that open a printer's breaker, and how long it stays open before a probe. */
export const BREAKER_THRESHOLD = 3;
export const BREAKER_COOL_DOWN_MS = 30_000;
/** Backoff between attempts of one job: 1 s, 2 s, 4 s … at most this. */
export const PRINT_BACKOFF_MAX_MS = 8_000;
/** A printer process with nothing to print for this long ends (the next job starts it again). */
export const PRINTER_IDLE_MS = 10 * 60_000;
/** After its outcome a job stays open this long for an operator's reprint or reroute. */
export const PRINT_JOB_LINGER_MS = 60 * 60_000;
/**
 * `printTicket`'s failure type when the SSRF guard refuses the printer's address (loopback, the
 * metadata address, a cluster range…): nothing was sent and retrying cannot help, so the printer
 * drops the job without counting it against its breaker and the job falls back at once.
 */
export const PRINTER_ADDRESS_REFUSED = 'PRINTER_ADDRESS_REFUSED';
/** Who is told of a fallback and may act on jobs and printers: managers of the branch. */
export const PRINTING_OPERATE_PERMISSION = 'printing.operate';

export interface PrintJobInput {
  tenantId: string;
  ticketId: string;
  branchId: string;
  stationId: string;
  stationName: string;
  orderNumber: string;
  tableLabel: string | null;
  kind: 'order' | 'cancel';
  printerAddress: string;
  /** Each try's window: default `KITCHEN_PRINT_EXPIRY_MS`. */
  expiryMs?: number;
  /** When the first try ends (ISO; default start + `expiryMs`): the ticket's own time + the window, so a late start never prints late. */
  expiresAt?: string;
}

/**
 * `queued`: handed to its printer, waiting for it (attempts and the last error in the status);
 * `printed`; `fallen_back`: not printed in time — shown on the kitchen screen and mailed as a PDF,
 * nothing prints later; `cancelled` by an operator.
 */
export const PRINT_JOB_STATES = ['queued', 'printed', 'fallen_back', 'cancelled'] as const;
export type PrintJobState = (typeof PRINT_JOB_STATES)[number];

export interface PrintJobStatus {
  state: PrintJobState;
  ticketId: string;
  printerAddress: string;
  attempts: number;
  /** The last failure in words ("The printer refused the connection (is it on?)"), null when none. */
  lastError: string | null;
  /** When the current try ends (ISO), while queued. */
  expiresAt: string | null;
  printedAt: string | null;
  /** How many times it came out (a reprint or reroute adds one). */
  prints: number;
  /** Station, order/table, printer, attempts, last error: one line a support person reads. */
  summary: string;
}

/** A job as its printer's queue holds it. */
export interface PrinterJob {
  ticketId: string;
  /** The job process to tell (its workflow id). */
  jobWorkflowId: string;
  kind: 'order' | 'cancel';
  /** Epoch ms: not sent from then on. */
  expiresAt: number;
  /** Print it with the reprint mark (an operator's retry after an outcome, a reroute). */
  reprint: boolean;
  /** An operator asked for it now: first in line, past the breaker and the backoff (the probe). */
  now?: boolean;
  enqueuedAt: number;
}

export interface PrintAttemptResult {
  ticketId: string;
  printed: boolean;
  attempts: number;
  error: string | null;
  at: number;
  /** The printer will not try it again (its address is refused): the job falls back now. */
  final?: boolean;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface PrinterStatus {
  address: string;
  breaker: BreakerState;
  /** Failures in a row. */
  failures: number;
  /** When an open breaker lets the next probe through (ISO). */
  probeAt: string | null;
  lastError: string | null;
  queue: Array<{ ticketId: string; kind: 'order' | 'cancel'; attempts: number; expiresAt: string }>;
  printed: number;
  summary: string;
}

export interface PrinterInput {
  tenantId: string;
  address: string;
  /** Carried over by continue-as-new. */
  queue?: Array<PrinterJob & { attempts: number; nextAttemptAt: number }>;
  breaker?: { state: BreakerState; failures: number; openedAt: number | null; lastError: string | null };
  printed?: number;
}

// Printer messages (the job process and the operator's reset).
export const enqueuePrint = defineSignal<[PrinterJob]>('enqueuePrint');
export const withdrawPrint = defineSignal<[{ ticketId: string }]>('withdrawPrint');
export const resetBreaker = defineUpdate<PrinterStatus, [{ operatorId: string }]>('resetBreaker');
export const printerStatusQuery = defineQuery<PrinterStatus>('printerStatus');

// Job messages (the printer's outcome and the operator's Updates).
export const printAttempted = defineSignal<[PrintAttemptResult]>('printAttempted');
export const retryPrint = defineUpdate<PrintJobStatus, [{ operatorId: string }]>('retryPrint');
export const reroutePrint = defineUpdate<
  PrintJobStatus,
  [{ operatorId: string; printerAddress: string; stationName?: string }]
>('reroutePrint');
export const cancelPrint = defineUpdate<PrintJobStatus, [{ operatorId: string; reason: string }]>(
  'cancelPrint',
);
export const printJobStatusQuery = defineQuery<PrintJobStatus>('printJobStatus');

export type PrintJobWorkflow = (input: PrintJobInput) => Promise<PrintJobStatus>;
export type PrinterWorkflow = (input: PrinterInput) => Promise<PrinterStatus>;

/** What the printer sends and records (the POS worker implements it on `pos`). */
export interface PrintingActivities {
  /**
   * Renders the ticket for the printer's profile and sends it (DLE EOT before and after). Records
   * the outcome on the ticket. A failure is an `ApplicationFailure` typed by the printer's code
   * (`PRINTER_UNREACHABLE`, `PRINTER_PAPER_OUT`, …) with the sentence an operator reads; the printer
   * process retries (the activity itself is tried once). `PRINTER_ADDRESS_REFUSED` (the SSRF guard
   * refused the address, nothing sent) is not retried: the job falls back at once.
   */
  printTicket(input: {
    tenantId: string;
    ticketId: string;
    printerAddress: string;
    reprint: boolean;
  }): Promise<{ printedAt: string }>;
  /** Signal-with-start of the printer's process with one job (the only way to reach a printer that may not run). */
  enqueueOnPrinter(input: { tenantId: string; printerAddress: string; job: PrinterJob }): Promise<void>;
  /** Records the job's state on the ticket (`print_status`, attempts, last error, its printer). */
  recordPrintJob(input: {
    tenantId: string;
    ticketId: string;
    state: PrintJobState;
    attempts: number;
    lastError: string | null;
    printerAddress: string;
  }): Promise<void>;
  /**
   * The fallback of a job that did not print in time: tells the station's kitchen screen
   * (`kitchen:print_failed` to its room) and answers the ticket as a PDF (base64) for the email.
   */
  printFallback(input: { tenantId: string; ticketId: string; reason: string }): Promise<{
    filename: string;
    contentBase64: string;
    stationName: string;
    orderNumber: string;
    tableLabel: string | null;
  }>;
}
