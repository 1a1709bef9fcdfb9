/**
 * Money as people read it, from integer minor units. Pure (no Node built-ins): workflow code uses it
 * too (`@faena/platform/money`). Minor-unit digits come from ISO 4217, never from the runtime's
 * `Intl` data, which disagrees with the standard for some currencies (COP, HUF) and may change
 * with a Node upgrade.
 */

// ISO 4217's list one (the currency-codes package, which ships it as data).
import { data as iso4217 } from 'currency-codes';

/** ISO 4217 codes whose minor unit is "N.A.": precious metals, bond units, SDR, testing, no currency. */
const NOT_MONEY = new Set([
  'XAG',
  'XAU',
  'XBA',
  'XBB',
  'XBC',
  'XBD',
  'XDR',
  'XPD',
  'XPT',
  'XSU',
  'XTS',
  'XUA',
  'XXX',
]);

const DIGITS: ReadonlyMap<string, number> = new Map(
  iso4217.filter((c) => !NOT_MONEY.has(c.code)).map((c) => [c.code, c.digits]),
);

/** Every ISO 4217 currency a business can charge in, sorted (the API's `currency` enum). */
export const CURRENCIES: readonly string[] = [...DIGITS.keys()].sort();

export const isCurrency = (code: string): boolean => DIGITS.has(code);

/** ISO 4217 minor-unit digits: 0 for CLP, 2 for COP and ARS, 3 for KWD; an unknown code throws. */
export function currencyDigits(currency: string): number {
  const digits = DIGITS.get(currency.toUpperCase());
  if (digits === undefined) throw new RangeError(`${currency} is not an ISO 4217 currency`);
  return digits;
}

/** Decimal text `Intl.NumberFormat` formats exactly: `-12.50`, `1500`. */
const isNumericLiteral = (text: string): text is Intl.StringNumericLiteral => /^-?\d+(\.\d+)?$/.test(text);

/** `minor` (integer minor units, as bigint or digits) formatted for `locale`, e.g. `$ 1.500,00` for es-AR ARS. */
export function formatMinor(minor: bigint | string, currency: string, locale: string): string {
  const digits = currencyDigits(currency);
  const value = typeof minor === 'bigint' ? minor : BigInt(minor);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const scale = 10n ** BigInt(digits);
  // Exact decimal text first (no floating point), then Intl only for the symbols and grouping.
  const decimal = `${negative ? '-' : ''}${abs / scale}${digits ? `.${(abs % scale).toString().padStart(digits, '0')}` : ''}`;
  // Always a numeric literal (built above); the guard tells TypeScript, whose `format` takes such strings (ES2023).
  if (!isNumericLiteral(decimal)) return `${decimal} ${currency}`;
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(decimal);
  } catch {
    return `${decimal} ${currency}`;
  }
}
