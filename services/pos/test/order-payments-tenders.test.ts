import { describe, expect, it } from '@jest/globals';
import { DomainError } from '@faena/platform';
import { settleTenders, type TenderInput } from '../src/domain/order-payments-tenders.ts';

const t = (method: TenderInput['method'], amount: bigint): TenderInput => ({ method, amount });
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    const e = err as DomainError;
    return { code: e.code, field: e.items[0]?.field };
  }
  throw new Error('expected a refusal');
};

describe('settleTenders (split tenders to the minor unit)', () => {
  it('cash + card + wallet balance to the cent; the cash pays what the others leave and gives change', () => {
    const s = settleTenders(12_345n, [t('card', 5_000n), t('wallet', 2_345n), t('cash', 10_000n)]);
    expect(s.tenders.map((x) => [x.tender.method, x.applied, x.received, x.change])).toEqual([
      ['card', 5_000n, 5_000n, 0n],
      ['wallet', 2_345n, 2_345n, 0n],
      ['cash', 5_000n, 10_000n, 5_000n],
    ]);
    expect(s.change).toBe(5_000n);
    expect(s.tenders.reduce((sum, x) => sum + x.applied, 0n)).toBe(12_345n);
  });

  it('exact tenders without cash, and exact cash, give no change', () => {
    expect(settleTenders(999n, [t('card', 500n), t('transfer', 499n)]).change).toBe(0n);
    const cash = settleTenders(1_999n, [t('cash', 1_999n)]);
    expect([cash.change, cash.tenders[0]!.applied]).toEqual([0n, 1_999n]);
  });

  it('refuses tenders that do not cover the total exactly', () => {
    expect(refusal(() => settleTenders(1_000n, [t('card', 999n)]))).toEqual({
      code: 'TENDERS_DO_NOT_BALANCE',
      field: 'body.tenders',
    });
    expect(refusal(() => settleTenders(1_000n, [t('card', 1_001n)]))).toEqual({
      code: 'TENDERS_DO_NOT_BALANCE',
      field: 'body.tenders',
    });
    // Cash one cent short.
    expect(refusal(() => settleTenders(1_000n, [t('wallet', 500n), t('cash', 499n)]))).toEqual({
      code: 'TENDERS_DO_NOT_BALANCE',
      field: 'body.tenders.1.amount',
    });
    // No change on a card: card over with cash beside it.
    expect(refusal(() => settleTenders(1_000n, [t('card', 1_200n), t('cash', 100n)])).code).toBe(
      'TENDERS_DO_NOT_BALANCE',
    );
    // Cash that pays nothing, two cash tenders, nothing due, no tenders, a zero tender.
    expect(refusal(() => settleTenders(1_000n, [t('card', 1_000n), t('cash', 100n)])).field).toBe(
      'body.tenders.1.amount',
    );
    expect(refusal(() => settleTenders(1_000n, [t('cash', 500n), t('cash', 500n)])).field).toBe(
      'body.tenders.1.method',
    );
    expect(refusal(() => settleTenders(0n, [t('cash', 500n)])).code).toBe('TENDERS_DO_NOT_BALANCE');
    expect(refusal(() => settleTenders(500n, [])).code).toBe('TENDERS_DO_NOT_BALANCE');
    expect(refusal(() => settleTenders(500n, [t('card', 0n), t('cash', 500n)])).field).toBe(
      'body.tenders.0.amount',
    );
  });

  it('keeps amounts beyond 2^53 exact', () => {
    const due = 2n ** 60n + 7n;
    const s = settleTenders(due, [t('transfer', 2n ** 60n), t('cash', 10n)]);
    expect([s.tenders[1]!.applied, s.change]).toEqual([7n, 3n]);
  });
});
