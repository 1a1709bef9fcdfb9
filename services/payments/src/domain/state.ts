import { DomainError } from '@faena/platform';
import type { PaymentStatus } from './entities.ts';

/** Every legal move of a payment; anything else is INVALID_STATE_TRANSITION. */
const TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  pending: ['authorized', 'held', 'captured', 'failed', 'cancelled'],
  authorized: ['held', 'captured', 'failed', 'cancelled'],
  held: ['captured', 'refunded', 'partially_refunded'],
  captured: ['settled', 'refunded', 'partially_refunded'],
  settled: ['refunded', 'partially_refunded'],
  partially_refunded: ['partially_refunded', 'refunded', 'captured'],
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
