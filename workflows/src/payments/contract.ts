/**
 * The payments processes' contract: `paymentSync` (one provider payment read and applied, started by
 * the webhook endpoint), `reconcilePayments` (the janitor, on a Temporal Schedule), their messages,
 * and what every process needs of payments (`PaymentsActivities`, served by the payments worker on
 * its queue and implemented there with `satisfies`). Constants and types only: safe anywhere.
 */
import { defineSignal } from '@temporalio/workflow';
import { TASK_QUEUES } from '../queues.ts';

export const PAYMENTS_TASK_QUEUE = TASK_QUEUES.payments;

// ---- paymentSync -------------------------------------------------------------------------------

export const PAYMENT_SYNC_WORKFLOW_TYPE = 'paymentSync';
export const PAYMENT_SYNC_TASK_QUEUE = TASK_QUEUES.workflows;
/** One run per provider payment: later notifications of the same payment signal it. */
export const paymentSyncWorkflowId = (
  tenantId: string,
  provider: string,
  providerPaymentId: string,
): string => `payment-sync/${tenantId}/${provider}/${providerPaymentId}`;

export interface PaymentSyncInput {
  tenantId: string;
  provider: string;
  providerPaymentId: string;
}
export type PaymentSyncWorkflow = (input: PaymentSyncInput) => Promise<{ paymentId: string; status: string }>;

/** A provider notification arrived for the payment a `paymentSync` workflow follows. */
export const providerNotified = defineSignal('providerNotified');

/** Sent to the workflow that asked for a payment (e.g. escrow) when the provider reports on it. */
export const paymentStatusChanged =
  defineSignal<[{ paymentId: string; status: string }]>('paymentStatusChanged');

// ---- reconcilePayments --------------------------------------------------------------------------

export const RECONCILE_WORKFLOW_TYPE = 'reconcilePayments';
export const RECONCILE_TASK_QUEUE = TASK_QUEUES.workflows;
export interface ReconcileInput {
  olderThanMinutes: number;
  limit?: number;
}
export type ReconcileWorkflow = (
  input: ReconcileInput,
) => Promise<{ checked: number; updated: number; errors: number }>;

// ---- what processes need of payments ------------------------------------------------------------

/** A payment as processes see it (amounts: minor units as decimal strings). */
export interface PaymentView {
  id: string;
  /** One of payments' `PAYMENT_STATUSES` (`pending`, `held`, `captured`, `failed`, `refunded`…). */
  status: string;
  amount: string;
  currency: string;
  method: string;
  payerId: string;
  payeeId: string | null;
  purpose: string;
  reference: string;
  escrow: boolean;
  capturedAmount: string;
  refundedAmount: string;
  provider: string | null;
  providerPaymentId: string | null;
  providerStatus: string | null;
  checkoutUrl: string | null;
  failureReason: string | null;
}

export interface PaymentRequest {
  /** Derived by the calling workflow from its id and the step: the same step never pays twice. */
  key: string;
  tenantId: string;
  /** Minor units as a decimal string (bigint-safe across the Temporal payload). */
  amount: string;
  currency: string;
  method: 'wallet' | 'cash' | 'card' | 'transfer' | 'mercadopago';
  payerId: string;
  payeeId?: string | null;
  purpose: string;
  reference: string;
  escrow?: boolean;
  /** The branch the payment belongs to (payments' branch scope), if any. */
  branchId?: string | null;
  /** The workflow to signal (`paymentStatusChanged`) when the provider reports the payment. */
  workflowId?: string | null;
}

/**
 * What workflows may ask of payments. Business refusals are non-retryable `ApplicationFailure`s
 * typed by their code (`INSUFFICIENT_BALANCE`, `PROVIDER_REJECTED`, `PROVIDER_AUTH_FAILED`,
 * `PAYMENT_NOT_HELD`, `NOT_FOUND`…) so a workflow can branch on them; anything else is retried.
 */
export interface PaymentsActivities {
  /** Creates the payment (once per key); provider payments come back pending with a checkout URL. */
  createPaymentRequest(req: PaymentRequest): Promise<PaymentView>;
  /** Confirms the payment's funds sit in escrow. */
  holdInEscrow(input: { tenantId: string; paymentId: string }): Promise<PaymentView>;
  /** Pays the escrow out minus `commissionBps`; answers what moved, also when the key had already paid out. */
  releasePayout(input: {
    key: string;
    tenantId: string;
    paymentId: string;
    commissionBps: number;
    amount?: string;
  }): Promise<PaymentView & { payout: { gross: string; commission: string; net: string } }>;
  /** Captures an escrowed payment to its payee with no commission. */
  capture(input: { key: string; tenantId: string; paymentId: string }): Promise<PaymentView>;
  /** Refunds `amount` (all or part of what was captured), through the provider when it came from one. */
  refund(input: { key: string; tenantId: string; paymentId: string; amount: string }): Promise<PaymentView>;
  getPaymentStatus(input: { tenantId: string; paymentId: string }): Promise<PaymentView>;
  /** Reads a payment at its provider and applies it; retried while its row is not visible yet. */
  syncProviderPayment(
    input: PaymentSyncInput,
  ): Promise<{ paymentId: string; status: string; workflowId: string | null }>;
  /** Provider payments still pending after `olderThanMinutes`, across tenants. */
  findStalePayments(input: {
    olderThanMinutes: number;
    limit: number;
  }): Promise<Array<{ tenantId: string; provider: string; providerPaymentId: string }>>;
}
