/**
 * The escrow deal's contract, declared once for the workflow and everyone who talks to it
 * (marketplace API, operators via the Temporal UI): workflow type and queue, id, input and status,
 * messages, and what the deal needs of marketplace (`JobActivities`). Amounts are minor units as
 * decimal strings (bigint-safe). Clients start it typed, never by a string of their own:
 *
 *   client.workflow.start<EscrowWorkflow>(ESCROW_WORKFLOW_TYPE, { taskQueue: ESCROW_TASK_QUEUE, … })
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { TASK_QUEUES } from '../queues.ts';

/** The workflow type (the exported function's name in workflows/src/index.ts). */
export const ESCROW_WORKFLOW_TYPE = 'escrow';
export const ESCROW_TASK_QUEUE = TASK_QUEUES.workflows;
/** Task queue of the marketplace worker, which implements `JobActivities`. */
export const MARKETPLACE_TASK_QUEUE = TASK_QUEUES.marketplace;
/** The deal's workflow id: one per offer and payment attempt (a client may pay again after `payment_failed`). */
export const escrowWorkflowId = (tenantId: string, offerId: string, attempt = 1): string =>
  attempt === 1 ? `escrow/${tenantId}/${offerId}` : `escrow/${tenantId}/${offerId}/${attempt}`;

export interface EscrowInput {
  tenantId: string;
  offerId: string;
  jobId: string;
  /** What the job is (the offer's description, shortened): names the deal in notifications. */
  title: string;
  clientId: string;
  professionalId: string;
  amount: string;
  currency: string;
  /** Commission snapshotted when the offer was accepted (basis points: 1250 = 12.5%). */
  commissionBps: number;
  /** How the client pays: through the provider (MercadoPago / sandbox) or from their wallet. */
  method: 'mercadopago' | 'wallet';
  /** Defaults: 30 minutes to pay, 72 hours to approve or dispute after completion. */
  paymentWindowMs?: number;
  approvalWindowMs?: number;
  /** Locale of the notifications (falls back to the tenant's). */
  locale?: string;
  /** The professional's public name, for the operator view (the client's comes from identity). */
  professionalName?: string;
  /** How long a provider payment that arrives after the deal ended is still watched and refunded (default 7 days). */
  lateMoneyWindowMs?: number;
}

export type EscrowState =
  | 'awaiting_payment'
  | 'in_progress'
  | 'completed_by_professional'
  | 'disputed'
  | 'approved'
  | 'paid_out'
  | 'resolved'
  | 'cancelled'
  /** The payment could not be taken (declined, insufficient wallet, provider unavailable, window ended): nothing is held. */
  | 'payment_failed'
  /** Money waits for an operator: the refund or payout failed for a reason retries did not clear. */
  | 'refund_blocked'
  | 'payout_blocked';

/** States in which the deal is over (the workflow may still watch for a late payment to return). */
export const FINAL_STATES: readonly EscrowState[] = ['paid_out', 'resolved', 'cancelled', 'payment_failed'];

/** What an operator can do to a deal in its current state (Temporal UI: Send Update). */
export type OperatorAction = 'resolveDispute' | 'retry';

export interface EscrowStatus {
  state: EscrowState;
  offerId: string;
  jobId: string;
  paymentId: string | null;
  checkoutUrl: string | null;
  amount: string;
  currency: string;
  commissionBps: number;
  /** What went back to the client. */
  refunded: string;
  /** What the professional received: the payout net of the commission. */
  paidOut: string;
  /** What the platform kept of the payout. */
  commission: string;
  /** ISO instants of the running windows. */
  paymentDeadline: string | null;
  approvalDeadline: string | null;
  dispute: { reason: string; openedBy: string; evidence: string[] } | null;
  /** The operator's split, once decided (amounts are gross: the payout's commission is in `commission`). */
  resolution: {
    refund: string;
    payout: string;
    note: string;
    operatorId: string;
    operatorName: string;
  } | null;
  /** Why the payment failed (`payment_failed`): a code and the words a person reads. */
  paymentFailure: { code: string; reason: string } | null;
  /** The money step that waits for an operator (`refund_blocked`, `payout_blocked`). */
  blocked: { step: 'refund' | 'payout'; reason: string; since: string; attempts: number } | null;
  /** What the deal waits for now, in words (empty when it waits for nothing). */
  waitingFor: string;
  /** The one operator Update that applies now, if any. */
  operatorAction: OperatorAction | null;
}

/** The workflow's signature: one deal from the accepted offer to the money's final place. */
export type EscrowWorkflow = (input: EscrowInput) => Promise<EscrowStatus>;

export const statusQuery = defineQuery<EscrowStatus>('status');

/** The professional says the job is done (only while in progress, only the deal's professional). */
export const markCompleted = defineUpdate<EscrowStatus, [{ professionalId: string; note?: string }]>(
  'markCompleted',
);
/** The client approves the work (after completion, within the approval window). */
export const approve = defineUpdate<EscrowStatus, [{ clientId: string }]>('approve');
/** The client disputes the work (after completion, within the approval window). */
export const dispute = defineUpdate<
  EscrowStatus,
  [{ clientId: string; reason: string; evidence?: string[] }]
>('dispute');
/** An operator splits the held amount: refund + payout must equal it exactly. */
export const resolveDispute = defineUpdate<
  EscrowStatus,
  [{ operatorId: string; refund: string; payout: string; note: string }]
>('resolveDispute');
/**
 * An operator retries the money step a `refund_blocked` / `payout_blocked` deal waits on (after
 * fixing its cause, e.g. the provider credentials). Same idempotency keys: never moves money twice.
 */
export const retry = defineUpdate<EscrowStatus, [{ operatorId: string; note?: string }]>('retry');

/** Either side cancels before completion: the client is refunded in full. */
export const cancel = defineUpdate<
  EscrowStatus,
  [{ by: 'client' | 'professional'; actorId: string; reason: string }]
>('cancel');

/**
 * What the deal needs from marketplace (its `createActivities` implements it, checked with
 * `satisfies`, on the `marketplace` queue).
 */
export interface JobActivities {
  /** Sets the job's status and appends a timeline entry; once per key. */
  recordJobEvent(input: {
    key: string;
    tenantId: string;
    jobId: string;
    status:
      | 'awaiting_payment'
      | 'in_progress'
      | 'completed_by_professional'
      | 'approved'
      | 'paid_out'
      | 'disputed'
      | 'resolved'
      | 'cancelled'
      | 'payment_failed';
    actor: 'system' | 'client' | 'professional' | 'operator';
    actorId?: string | null;
    /** The escrow run recording it: a run that is no longer the job's (an earlier attempt) only adds to the timeline. */
    workflowId?: string;
    reason?: string;
    data?: Record<string, unknown>;
  }): Promise<void>;
}
