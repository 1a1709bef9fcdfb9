/**
 * The nightly cash closure's contract (issue 18): one process per branch and business date,
 * `cash-closure/<tenant>/<branch>/<businessDate>`, refused a second time for the same date (its id
 * reuse policy), and one Temporal Schedule per branch (`cashClosureScheduleId`) that fires at the
 * branch's closing time in its IANA zone and starts the short `cashClosureTrigger`, which starts
 * the closure of every business date due (catch-up included: `CATCH_UP_DAYS`).
 *
 * The closure flags the cash sessions left open (`needs_count`: the tenant policy is to flag, never
 * to close a drawer nobody counted), computes the day's report (POS: sales by method, product and
 * category, top products, cancellations, discounts, tips; payments: expected, counted and
 * differences per session and method), stores it, mails it (PDF + CSV) to the branch's closure
 * readers and, when a difference is beyond the business's cash threshold, waits for a manager's
 * `approveClosure` Update — with a reminder and an escalation to the owners on the way.
 * Constants, types and message definitions only: safe anywhere.
 *
 *   client.workflow.start<CashClosureWorkflow>(CASH_CLOSURE_WORKFLOW_TYPE, { taskQueue: CASH_CLOSURE_TASK_QUEUE, … })
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { MoneyVariable } from '../notifications/contract.ts';
import { TASK_QUEUES } from '../queues.ts';

export const CASH_CLOSURE_WORKFLOW_TYPE = 'cashClosure';
export const CASH_CLOSURE_TRIGGER_WORKFLOW_TYPE = 'cashClosureTrigger';
export const CASH_CLOSURE_TASK_QUEUE = TASK_QUEUES.workflows;
/** The POS worker: branch settings, sales report, storage, the PDF and CSV. */
export const CASH_CLOSURE_POS_TASK_QUEUE = TASK_QUEUES.pos;
/** The payments worker: the branch's cash sessions and the business's cash threshold. */
export const CASH_CLOSURE_PAYMENTS_TASK_QUEUE = TASK_QUEUES.payments;

export const cashClosureWorkflowId = (tenantId: string, branchId: string, businessDate: string): string =>
  `cash-closure/${tenantId}/${branchId}/${businessDate}`;
/** One schedule per branch; the workflows it starts get the fire time appended by Temporal. */
export const cashClosureScheduleId = (tenantId: string, branchId: string): string =>
  `cash-closure-schedule/${tenantId}/${branchId}`;
export const cashClosureTriggerId = (tenantId: string, branchId: string): string =>
  `cash-closure-trigger/${tenantId}/${branchId}`;

/** A firing closes the dates missed since the branch's last closure, at most this many days back. */
export const CATCH_UP_DAYS = 7;
/** Who receives the report (holders in the branch) and who may approve a difference. */
export const CLOSURE_READ_PERMISSION = 'closures.read';
export const CLOSURE_APPROVE_PERMISSION = 'closures.approve';
/** Who a closure still waiting past the escalation time goes to (tenant-wide). */
export const CLOSURE_ESCALATION_ROLE = 'owner';

export type CashClosureState =
  /** Reading the sessions and the sales, storing and mailing the report. */
  | 'reporting'
  /** A difference beyond the threshold: waits for `approveClosure`. */
  | 'awaiting_approval'
  /** Reported, every difference within the threshold (sessions left open are flagged in the report). */
  | 'closed'
  /** Reported and a manager approved its differences. */
  | 'approved'
  /** The branch has no closure settings or zone any more: nothing to close (named, not failed). */
  | 'not_configured';

export const FINAL_CASH_CLOSURE_STATES: readonly CashClosureState[] = [
  'closed',
  'approved',
  'not_configured',
];

export interface CashClosureInput {
  tenantId: string;
  branchId: string;
  /** The business date closed (YYYY-MM-DD): see `closureWindow` in POS for its window. */
  businessDate: string;
}

export interface CashClosureStatus {
  state: CashClosureState;
  closureId: string | null;
  businessDate: string;
  /** Sessions left open at the closure (flagged `needs_count`). */
  sessionsNeedingCount: number;
  /** Whether a difference is beyond the threshold. */
  needsApproval: boolean;
  reportMailedTo: number;
  reminded: boolean;
  escalated: boolean;
  approvedBy: string | null;
  /** One line an operator reads. */
  summary: string;
}

export type CashClosureWorkflow = (input: CashClosureInput) => Promise<CashClosureStatus>;

export interface CashClosureTriggerInput {
  tenantId: string;
  branchId: string;
  /** When the schedule fired (ISO); default: the schedule's `TemporalScheduledStartTime`, else the start. */
  at?: string;
}
export type CashClosureTriggerWorkflow = (
  input: CashClosureTriggerInput,
) => Promise<{ started: string[]; alreadyClosed: string[] }>;

/** A manager approves the day's differences (the API checked `closures.approve` in the branch). */
export const approveClosure = defineUpdate<CashClosureStatus, [{ userId: string; note: string }]>(
  'approveClosure',
);
export const cashClosureStatusQuery = defineQuery<CashClosureStatus>('cashClosureStatus');

/** The branch's closure settings as the process needs them. */
export interface ClosurePlan {
  closureId: string;
  timeZone: string;
  currency: string;
  locale: string;
  /** The business date's window, ISO instants: [from, to). */
  from: string;
  to: string;
  /** The first 06:00 local after the closing instant (ISO): the SLO's deadline. */
  dueBy: string;
  remindAfterMinutes: number;
  escalateAfterMinutes: number;
}

/** One cash session of the branch as the closure reports it (minor units as decimal strings). */
export interface ClosureSession {
  id: string;
  drawerId: string;
  status: 'open' | 'pending_approval' | 'closed';
  openedAt: string;
  closedAt: string | null;
  /** Per method: expected (now, for an open one), counted and difference (null while open). */
  expected: Record<string, string>;
  counted: Record<string, string> | null;
  difference: Record<string, string> | null;
  /** Left open at the closure: its count is missing. */
  needsCount: boolean;
}

/** What the process asks of payments (its worker, `CASH_CLOSURE_PAYMENTS_TASK_QUEUE`). */
export interface CashClosurePaymentsActivities {
  /**
   * The branch's cash sessions of the window: those closed within it and those still open that
   * were opened before its end; and the business's approval threshold (minor units).
   */
  closureSessions(input: {
    tenantId: string;
    branchId: string;
    from: string;
    to: string;
  }): Promise<{ sessions: ClosureSession[]; approvalThreshold: string }>;
}

/** What the process asks of POS (its worker, `CASH_CLOSURE_POS_TASK_QUEUE`). */
export interface CashClosurePosActivities {
  /**
   * The business dates the branch's schedule must close at `at`: each date whose closing instant
   * is at or before `at`, after the branch's last closure, at most `CATCH_UP_DAYS` back (only the
   * latest when the branch never closed). None when the branch has no closure settings.
   */
  closureDates(input: { tenantId: string; branchId: string; at: string }): Promise<{ dates: string[] }>;
  /**
   * Creates the closure row for the date once (by `(branch, date)`) and answers its plan; a branch
   * without closure settings or zone is a non-retryable `BRANCH_NOT_CONFIGURED`.
   */
  beginClosure(
    input: CashClosureInput & { workflowId: string; currency: string; locale: string },
  ): Promise<ClosurePlan>;
  /**
   * Computes the day's report (POS sales of the window and the sessions given), stores it on the
   * closure (the same sessions give the same report: idempotent) and answers what the process
   * decides on.
   */
  storeClosureReport(input: {
    tenantId: string;
    closureId: string;
    sessions: ClosureSession[];
    approvalThreshold: string;
  }): Promise<{
    needsApproval: boolean;
    sessionsNeedingCount: number;
    sales: MoneyVariable;
    difference: MoneyVariable;
  }>;
  /** The stored report as mail attachments: the PDF and the CSV (base64). */
  closureAttachments(input: {
    tenantId: string;
    closureId: string;
  }): Promise<Array<{ filename: string; contentType: string; contentBase64: string }>>;
  /** Records the closure's final state (and its approver) once: a second call changes nothing. */
  finishClosure(input: {
    tenantId: string;
    closureId: string;
    state: 'awaiting_approval' | 'closed' | 'approved';
    approval?: { userId: string; note: string };
  }): Promise<void>;
}
