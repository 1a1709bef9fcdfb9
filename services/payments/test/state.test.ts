/** The payment state machine (domain/state.ts), partially_refunded included; no infrastructure. */
import { PAYMENT_STATUSES } from '../src/domain/entities.ts';
import { assertMove, canMove, fundedStatus } from '../src/domain/state.ts';

describe('payment state machine', () => {
  it('a funded payment moves to partially_refunded, stays there for more partial refunds, and ends refunded', () => {
    for (const from of ['held', 'captured', 'settled'] as const) {
      expect(canMove(from, 'partially_refunded')).toBe(true);
      expect(canMove(from, 'refunded')).toBe(true);
    }
    expect(canMove('partially_refunded', 'partially_refunded')).toBe(true);
    expect(canMove('partially_refunded', 'refunded')).toBe(true);
  });

  it('refunds never go away: a partially refunded payment does not become captured, held or pending again', () => {
    for (const to of ['pending', 'held', 'captured', 'settled', 'failed', 'cancelled'] as const)
      expect(canMove('partially_refunded', to)).toBe(false);
    expect(() => assertMove('partially_refunded', 'captured')).toThrow(
      expect.objectContaining({ code: 'INVALID_STATE_TRANSITION' }),
    );
  });

  it('refunded, failed and cancelled are final; a pending payment cannot be refunded', () => {
    for (const from of ['refunded', 'failed', 'cancelled'] as const)
      for (const to of PAYMENT_STATUSES) expect(canMove(from, to)).toBe(false);
    expect(canMove('pending', 'partially_refunded')).toBe(false);
    expect(canMove('pending', 'refunded')).toBe(false);
  });

  it('a second partial payout keeps a payment captured', () => {
    expect(canMove('held', 'captured')).toBe(true);
    expect(canMove('captured', 'captured')).toBe(true);
  });

  it('fundedStatus: nothing refunded keeps the status, less than captured is partially_refunded, all of it refunded', () => {
    expect(fundedStatus(1000n, 0n, 'held')).toBe('held');
    expect(fundedStatus(1000n, 0n, 'captured')).toBe('captured');
    expect(fundedStatus(1000n, 1n, 'held')).toBe('partially_refunded');
    expect(fundedStatus(1000n, 999n, 'captured')).toBe('partially_refunded');
    expect(fundedStatus(1000n, 1000n, 'partially_refunded')).toBe('refunded');
  });
});
