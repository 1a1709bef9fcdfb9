/**
 * The escrow deal's messages, declared once for the workflow and its clients (marketplace API,
 * operators via the Temporal UI). Amounts are minor units as decimal strings (bigint-safe).
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export const ESCROW_TASK_QUEUE = 'workflows';
export const escrowWorkflowId = (tenantId: string, offerId: string): string =>
  `escrow/${tenantId}/${offerId}`;

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
}

export type EscrowState =
  | 'awaiting_payment'
  | 'in_progress'
  | 'completed_by_professional'
  | 'disputed'
  | 'approved'
  | 'paid_out'
  | 'resolved'
  | 'cancelled';

export interface EscrowStatus {
  state: EscrowState;
  offerId: string;
  jobId: string;
  paymentId: string | null;
  checkoutUrl: string | null;
  amount: string;
  currency: string;
  commissionBps: number;
  refunded: string;
  paidOut: string;
  /** ISO instants of the running windows. */
  paymentDeadline: string | null;
  approvalDeadline: string | null;
  dispute: { reason: string; openedBy: string; evidence: string[] } | null;
}

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
/** Either side cancels before completion: the client is refunded in full. */
export const cancel = defineUpdate<
  EscrowStatus,
  [{ by: 'client' | 'professional'; actorId: string; reason: string }]
>('cancel');
