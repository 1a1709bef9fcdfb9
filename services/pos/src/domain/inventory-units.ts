/**
 * Units and the exact arithmetic of the inventory (no floating point anywhere):
 *
 * - **Quantities** are stored as `bigint` thousandths of the item's base unit (fixed point, 3
 *   decimals): 1.5 kg of a kg item is 1500, 250 g of it is 250, 2 units are 2000. A movement may be
 *   entered in any unit of the base unit's dimension (kg ↔ g, l ↔ ml, unit) as a decimal string;
 *   the conversion is exact integer arithmetic. **Quantities are never rounded**: a quantity finer
 *   than a thousandth of the base unit (0.0005 kg, 0.4 g of a kg item) is refused with 422
 *   QUANTITY_TOO_PRECISE, so stock cannot drift by conversions.
 * - **Money** is `bigint` minor units. Every division of money rounds **half away from zero** to the
 *   minor unit (`divRound`), once, where it happens (a purchase's value from a unit cost, a share of
 *   the stock's value, the average cost); see inventory.ts for where.
 */
import { DomainError } from '@faena/platform';

export const UNITS = ['kg', 'g', 'l', 'ml', 'unit'] as const;
export type Unit = (typeof UNITS)[number];

const DIMENSION: Record<Unit, 'mass' | 'volume' | 'count'> = {
  kg: 'mass',
  g: 'mass',
  l: 'volume',
  ml: 'volume',
  unit: 'count',
};
/** The unit in its dimension's smallest unit (g, ml, unit). */
const FACTOR: Record<Unit, bigint> = { kg: 1000n, g: 1n, l: 1000n, ml: 1n, unit: 1n };

/** Stored quantities are thousandths of the base unit. */
export const SCALE = 1000n;

/** A decimal quantity as entered: up to 9 integer digits and 6 decimals, optionally negative. */
export const DECIMAL_QUANTITY = /^-?\d{1,9}(\.\d{1,6})?$/;

export const convertible = (from: Unit, to: Unit): boolean => DIMENSION[from] === DIMENSION[to];

/** `a / b` rounded half away from zero (b ≠ 0). */
export function divRound(a: bigint, b: bigint): bigint {
  if (b < 0n) return divRound(-a, -b);
  const q = a / b;
  const r = a % b;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice < b) return q;
  return a < 0n ? q - 1n : q + 1n;
}

/** `"1.25"` → 125n over 100n: the decimal's digits and its power of ten. */
function parseDecimal(value: string, field?: string): { digits: bigint; scale: bigint } {
  if (!DECIMAL_QUANTITY.test(value))
    throw new DomainError('VALIDATION_FAILED', 'A quantity is a decimal number', field ? { field } : {});
  const negative = value.startsWith('-');
  const [whole, frac = ''] = (negative ? value.slice(1) : value).split('.');
  const digits = BigInt(`${whole}${frac}`) * (negative ? -1n : 1n);
  return { digits, scale: 10n ** BigInt(frac.length) };
}

/**
 * `quantity` of `unit` in thousandths of `base`, exactly: 422 UNIT_NOT_CONVERTIBLE across
 * dimensions (kg into l), 422 QUANTITY_TOO_PRECISE when it is finer than a thousandth of `base`.
 */
export function toBase(quantity: string, unit: Unit, base: Unit, field?: string): bigint {
  if (!convertible(unit, base))
    throw new DomainError('UNIT_NOT_CONVERTIBLE', `A quantity in ${unit} cannot be counted in ${base}`, {
      ...(field ? { field: field.replace(/quantity$/, 'unit') } : {}),
    });
  const { digits, scale } = parseDecimal(quantity, field);
  const numerator = digits * FACTOR[unit] * SCALE;
  const denominator = scale * FACTOR[base];
  if (numerator % denominator !== 0n)
    throw new DomainError(
      'QUANTITY_TOO_PRECISE',
      `The finest quantity of this item is 0.001 ${base}`,
      field ? { field } : {},
    );
  return numerator / denominator;
}

/** Thousandths of the base unit as a decimal string: 1500n → "1.5", -250n → "-0.25", 0n → "0". */
export function formatQuantity(milli: bigint): string {
  const negative = milli < 0n;
  const abs = negative ? -milli : milli;
  const whole = abs / SCALE;
  const frac = (abs % SCALE).toString().padStart(3, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/**
 * What `quantity` of `unit` costs at `unitCost` minor units per `unit`, rounded half away from zero
 * to the minor unit (1.5 kg at 1,233 per kg = 1,849.5 → 1,850).
 */
export function costOf(quantity: string, unitCost: bigint, field?: string): bigint {
  const { digits, scale } = parseDecimal(quantity, field);
  return divRound(digits * unitCost, scale);
}
