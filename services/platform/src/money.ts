/**
 * Money as people read it, from integer minor units. Pure (no Node built-ins): workflow code uses it
 * too (`@faena/platform/money`). Minor-unit digits come from ISO 4217, never from the runtime's
 * `Intl` data, which disagrees with the standard for some currencies (COP, HUF) and may change
 * with a Node upgrade.
 */

/** ISO 4217 currencies whose minor unit is not 2 digits; every other currency has 2. */
const ISO_4217_DIGITS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

export function currencyDigits(currency: string): number {
  return ISO_4217_DIGITS[currency.toUpperCase()] ?? 2;
}

/** `minor` (integer minor units, as bigint or digits) formatted for `locale`, e.g. `$ 1.500,00` for es-AR ARS. */
export function formatMinor(minor: bigint | string, currency: string, locale: string): string {
  const digits = currencyDigits(currency);
  const value = typeof minor === 'bigint' ? minor : BigInt(minor);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const scale = 10n ** BigInt(digits);
  // Exact decimal text first (no floating point), then Intl only for the symbols and grouping.
  const decimal = `${negative ? '-' : ''}${abs / scale}${digits ? `.${(abs % scale).toString().padStart(digits, '0')}` : ''}`;
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(decimal as unknown as number);
  } catch {
    return `${decimal} ${currency}`;
  }
}
