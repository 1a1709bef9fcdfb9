/**
 * What each escrow scenario must end in — the one table to adjust when the workflow changes
 * (states: workflows/src/escrow/contract.ts; operator actions: docs/runbooks/escrow.md).
 */

export type Scenario =
  /** Paid (sandbox approves at checkout, or from a funded wallet), completed, approved: paid out. */
  | 'happy'
  /** Like happy, but the MercadoPago payment is approved seconds later, while faults go on. */
  | 'late-approval'
  /** Completed, disputed by the client, resolved by an operator with a random refund/payout split. */
  | 'dispute'
  /** Paid, then cancelled by the client before completion: refunded in full. */
  | 'cancel'
  /** The sandbox rejects the MercadoPago payment at checkout. */
  | 'payment-rejected'
  /** Paid from a wallet that holds nothing. */
  | 'wallet-empty';

export const SCENARIO_WEIGHTS: Readonly<Record<Scenario, number>> = {
  happy: 25,
  'late-approval': 15,
  dispute: 20,
  cancel: 15,
  'payment-rejected': 13,
  'wallet-empty': 12,
};

/** Final escrow states: the deal is over. */
export const FINAL_STATES: readonly string[] = ['paid_out', 'resolved', 'cancelled', 'payment_failed'];

/** States a deal may wait in for an operator, and the action (docs/runbooks/escrow.md). */
export function operatorAction(state: string): string | null {
  if (state === 'disputed') return 'resolveDispute (POST /jobs/:id/resolve)';
  if (state.endsWith('_blocked')) return 'retry';
  return null;
}

export interface DealPlan {
  amount: number;
  method: 'mercadopago' | 'wallet';
  /** Wallet deals: whether the client's wallet is funded with the amount before accepting. */
  funded: boolean;
  split?: { refund: number; payout: number };
}

/** The money a scenario moves: one escrow hold when charged, what goes back, what is paid out. */
export interface MoneyExpectation {
  states: readonly string[];
  charged: boolean;
  refunded: number;
  paidOut: number;
}

/** A payment that cannot be taken ends the deal `payment_failed` (never Failed, never cancelled). */
const PAYMENT_FAILED = ['payment_failed'] as const;

export const EXPECTED: Readonly<Record<Scenario, (d: DealPlan) => MoneyExpectation>> = {
  happy: (d) => ({ states: ['paid_out'], charged: true, refunded: 0, paidOut: d.amount }),
  'late-approval': (d) => ({ states: ['paid_out'], charged: true, refunded: 0, paidOut: d.amount }),
  dispute: (d) => ({
    states: ['resolved'],
    charged: true,
    refunded: d.split!.refund,
    paidOut: d.split!.payout,
  }),
  cancel: (d) => ({ states: ['cancelled'], charged: true, refunded: d.amount, paidOut: 0 }),
  'payment-rejected': () => ({ states: PAYMENT_FAILED, charged: false, refunded: 0, paidOut: 0 }),
  'wallet-empty': () => ({ states: PAYMENT_FAILED, charged: false, refunded: 0, paidOut: 0 }),
};
