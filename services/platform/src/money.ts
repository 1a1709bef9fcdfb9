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

/**
 * Minor units → exact decimal text in the currency's ISO 4217 digits: 1999n ARS → `19.99`, -5n KWD →
 * `-0.005`, 1500n CLP → `1500`. No floating point: the one conversion towards providers' decimals.
 */
export function minorToDecimalString(minor: bigint, currency: string): string {
  const digits = currencyDigits(currency);
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const scale = 10n ** BigInt(digits);
  const fraction = digits ? `.${(abs % scale).toString().padStart(digits, '0')}` : '';
  return `${negative ? '-' : ''}${abs / scale}${fraction}`;
}

/** Plain decimal text (no exponent, no sign but `-`, no spaces): `12`, `-0.50`, `.5` is refused. */
const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?$/;
/** What `String(n)` writes for a JS number: plain decimal text, or `1.5e-7` / `1e+21`. */
const NUMBER_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/** Integer minor units from sign, digits and fraction text, refusing what the currency cannot hold. */
function scaled(negative: boolean, whole: string, fraction: string, digits: number, input: string): bigint {
  // Trailing zeros carry no value (`19.990` is 19.99): only significant fraction digits must fit.
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > digits)
    throw new RangeError(`${input} has more than ${digits} decimal places (its currency's minor unit)`);
  const minor = BigInt(whole + significant.padEnd(digits, '0'));
  return negative ? -minor : minor;
}

/**
 * A provider's decimal amount → exact integer minor units (`'19.99'` ARS → 1999n). Never rounds:
 * more significant fraction digits than the currency has (`'19.999'` ARS, `'1.5'` CLP), NaN,
 * infinities, exponent notation in text (`'1e3'`), signs other than `-`, blanks and texts over 64
 * characters are a RangeError.
 * A JS number (from a provider's JSON) is read through its shortest decimal text (`String(n)`,
 * exponent notation included: 1e21, 1.5e-7) and refused when it is not exact — when the decimal
 * amount next to it (one minor unit away) is the same double, so it cannot say which one was sent
 * (e.g. more than 15 significant digits: 90071992547409.91).
 */
export function decimalToMinor(value: string | number, currency: string): bigint {
  const digits = currencyDigits(currency);
  if (typeof value === 'string') {
    // 64 characters are far more than any amount (and bound the work a hostile text costs).
    const m = value.length <= 64 ? DECIMAL_TEXT.exec(value) : null;
    if (!m) throw new RangeError(`${JSON.stringify(value.slice(0, 40))} is not a decimal amount`);
    return scaled(m[1] === '-', m[2]!, m[3] ?? '', digits, value);
  }
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new RangeError(`${String(value)} is not a decimal amount`);
  const text = String(value);
  const m = NUMBER_TEXT.exec(text);
  if (!m) throw new RangeError(`${text} is not a decimal amount`);
  // Shift the decimal point by the exponent (|exponent| ≤ 324 for a double: bounded work).
  const exponent = Number(m[4] ?? 0);
  let whole = m[2]!;
  let fraction = m[3] ?? '';
  if (exponent > 0) {
    whole += fraction.slice(0, exponent).padEnd(exponent, '0');
    fraction = fraction.slice(exponent);
  } else if (exponent < 0) {
    const all = whole.padStart(-exponent + 1, '0');
    fraction = all.slice(exponent) + fraction;
    whole = all.slice(0, exponent);
  }
  const minor = scaled(m[1] === '-', whole, fraction, digits, text);
  for (const neighbour of [minor - 1n, minor + 1n])
    if (Number(minorToDecimalString(neighbour, currency)) === value)
      throw new RangeError(`${text} ${currency} is not exact as a JS number (send it as text)`);
  return minor;
}

/**
 * Minor units → the JSON number an API such as MercadoPago's takes (`transaction_amount`), made from
 * the exact decimal text: `JSON.stringify` writes it back as that text. An amount a double cannot
 * hold exactly is a RangeError, never a rounded amount.
 */
export function minorToDecimalNumber(minor: bigint, currency: string): number {
  const text = minorToDecimalString(minor, currency);
  const n = Number(text);
  if (decimalToMinor(n, currency) !== minor)
    throw new RangeError(`${text} ${currency} is not exact as a JS number`);
  return n;
}

/** Decimal text `Intl.NumberFormat` formats exactly: `-12.50`, `1500`. */
const isNumericLiteral = (text: string): text is Intl.StringNumericLiteral => /^-?\d+(\.\d+)?$/.test(text);

/** `minor` (integer minor units, as bigint or digits) formatted for `locale`, e.g. `$ 1.500,00` for es-AR ARS. */
export function formatMinor(minor: bigint | string, currency: string, locale: string): string {
  const digits = currencyDigits(currency);
  // Exact decimal text first (no floating point), then Intl only for the symbols and grouping.
  const decimal = minorToDecimalString(typeof minor === 'bigint' ? minor : BigInt(minor), currency);
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
