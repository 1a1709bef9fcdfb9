import { DomainError } from '@faena/platform';
import type { PaymentStatus } from './entities.ts';

/**
 * Every legal move of a payment; anything else is INVALID_STATE_TRANSITION.
 *
 * Refunds decide the end of a funded payment's life: once part of what was captured is refunded it is
 * `partially_refunded` (whatever else happens to the remainder: an escrow payout keeps it there), and
 * `refunded` once all of it is. A second partial payout keeps a payment `captured`.
 */
const TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  pending: ['authorized', 'held', 'captured', 'failed', 'cancelled'],
  authorized: ['held', 'captured', 'failed', 'cancelled'],
  held: ['captured', 'refunded', 'partially_refunded'],
  captured: ['captured', 'settled', 'refunded', 'partially_refunded'],
  settled: ['refunded', 'partially_refunded'],
  partially_refunded: ['partially_refunded', 'refunded'],
  failed: [],
  cancelled: [],
  refunded: [],
};

export function canMove(from: PaymentStatus, to: PaymentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertMove(from: PaymentStatus, to: PaymentStatus): void {
  if (!canMove(from, to))
    throw new DomainError('INVALID_STATE_TRANSITION', `A ${from} payment cannot become ${to}`, {
      field: 'status',
    });
}

/** Statuses whose money is in Faena (escrow, payee, revenue or wallet) and can still be refunded. */
export const REFUNDABLE: readonly PaymentStatus[] = ['held', 'captured', 'settled', 'partially_refunded'];

/**
 * What a funded payment shows after a money movement: `otherwise` (held, captured…) while nothing is
 * refunded, `partially_refunded` while refunds sum to less than what was captured, `refunded` at all of it.
 */
export function fundedStatus(captured: bigint, refunded: bigint, otherwise: PaymentStatus): PaymentStatus {
  if (refunded <= 0n) return otherwise;
  return refunded >= captured ? 'refunded' : 'partially_refunded';
}
