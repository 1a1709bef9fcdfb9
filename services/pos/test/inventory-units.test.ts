/**
 * The inventory's exact arithmetic: conversions between units of one dimension into thousandths of
 * the base unit (never rounded: finer is refused), and money rounded half away from zero.
 */
import { DomainError } from '@faena/platform';
import { costOf, divRound, formatQuantity, toBase } from '../src/domain/inventory-units.ts';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return 'none';
};

describe('inventory units', () => {
  it('converts kg ↔ g, l ↔ ml and units exactly into thousandths of the base unit', () => {
    expect(toBase('1.5', 'kg', 'kg')).toBe(1500n);
    expect(toBase('250', 'g', 'kg')).toBe(250n);
    expect(toBase('0.001', 'kg', 'g')).toBe(1000n);
    expect(toBase('1', 'g', 'kg')).toBe(1n);
    expect(toBase('2.5', 'l', 'ml')).toBe(2_500_000n);
    expect(toBase('330', 'ml', 'l')).toBe(330n);
    expect(toBase('3', 'unit', 'unit')).toBe(3000n);
    expect(toBase('-0.75', 'kg', 'g')).toBe(-750_000n);
    expect(toBase('0.000001', 'kg', 'g')).toBe(1n);
  });

  it('refuses a unit of another dimension and a quantity finer than 0.001 of the base unit, never rounding', () => {
    expect(codeOf(() => toBase('1', 'l', 'kg'))).toBe('UNIT_NOT_CONVERTIBLE');
    expect(codeOf(() => toBase('1', 'unit', 'g'))).toBe('UNIT_NOT_CONVERTIBLE');
    expect(codeOf(() => toBase('0.5', 'g', 'kg'))).toBe('QUANTITY_TOO_PRECISE');
    expect(codeOf(() => toBase('0.0001', 'unit', 'unit'))).toBe('QUANTITY_TOO_PRECISE');
    expect(codeOf(() => toBase('1e3', 'kg', 'kg'))).toBe('VALIDATION_FAILED');
  });

  it('formats thousandths as the shortest decimal', () => {
    expect(formatQuantity(1500n)).toBe('1.5');
    expect(formatQuantity(-250n)).toBe('-0.25');
    expect(formatQuantity(0n)).toBe('0');
    expect(formatQuantity(21_250n)).toBe('21.25');
    expect(formatQuantity(1n)).toBe('0.001');
  });

  it('rounds money half away from zero, once', () => {
    expect(divRound(5n, 2n)).toBe(3n);
    expect(divRound(-5n, 2n)).toBe(-3n);
    expect(divRound(7n, 3n)).toBe(2n);
    expect(divRound(-7n, 3n)).toBe(-2n);
    expect(divRound(8n, -3n)).toBe(-3n);
    expect(divRound(6n, 3n)).toBe(2n);
    expect(costOf('1.5', 1233n)).toBe(1850n);
    expect(costOf('0.333', 1000n)).toBe(333n);
    expect(costOf('2', 1250n)).toBe(2500n);
  });
});
