/**
 * Exact conversions between integer minor units and providers' decimals (money.ts): every currency
 * the product serves, 3-digit and 0-digit ones, large amounts, and input that must be refused
 * rather than rounded.
 */
import {
  CURRENCIES,
  currencyDigits,
  decimalToMinor,
  minorToDecimalNumber,
  minorToDecimalString,
} from '../src/money.ts';

const SERVED = ['ARS', 'BRL', 'CLP', 'COP', 'MXN', 'PEN', 'UYU', 'USD', 'JPY', 'KWD', 'BHD'];
const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const AMOUNTS = [
  0n,
  1n,
  5n,
  9n,
  10n,
  99n,
  100n,
  101n,
  1999n,
  123456n,
  10n ** 12n + 7n,
  999_999_999_999_999n,
  MAX - 1n,
  MAX,
];

describe('minorToDecimalString / decimalToMinor', () => {
  it('knows the digits of the served currencies (ISO 4217)', () => {
    expect(SERVED.map((c) => [c, currencyDigits(c)])).toEqual([
      ['ARS', 2],
      ['BRL', 2],
      ['CLP', 0],
      ['COP', 2],
      ['MXN', 2],
      ['PEN', 2],
      ['UYU', 2],
      ['USD', 2],
      ['JPY', 0],
      ['KWD', 3],
      ['BHD', 3],
    ]);
  });

  it('writes exact decimal text', () => {
    expect(minorToDecimalString(1999n, 'ARS')).toBe('19.99');
    expect(minorToDecimalString(5n, 'ARS')).toBe('0.05');
    expect(minorToDecimalString(-5n, 'KWD')).toBe('-0.005');
    expect(minorToDecimalString(150000n, 'CLP')).toBe('150000');
    expect(minorToDecimalString(MAX, 'USD')).toBe('90071992547409.91');
    expect(minorToDecimalString(MAX, 'BHD')).toBe('9007199254740.991');
    expect(minorToDecimalString(10n ** 30n, 'JPY')).toBe('1' + '0'.repeat(30));
  });

  it.each(SERVED)('%s: text round-trips every amount, both signs, up to MAX_SAFE_INTEGER and beyond', (c) => {
    for (const minor of [...AMOUNTS, MAX * 1000n + 1n])
      for (const signed of [minor, -minor]) {
        const text = minorToDecimalString(signed, c);
        expect([text, decimalToMinor(text, c)]).toEqual([text, signed]);
      }
  });

  it.each(SERVED)('%s: a JSON number round-trips wherever a double holds the amount exactly', (c) => {
    for (const minor of AMOUNTS) {
      let n: number;
      try {
        n = minorToDecimalNumber(minor, c);
      } catch (err) {
        // Refused, never rounded: only where the next amount is the same double.
        expect(err).toBeInstanceOf(RangeError);
        expect(minor).toBeGreaterThan(999_999_999_999_999n);
        const text = minorToDecimalString(minor, c);
        expect(
          Number(minorToDecimalString(minor + 1n, c)) === Number(text) ||
            Number(minorToDecimalString(minor - 1n, c)) === Number(text),
        ).toBe(true);
        continue;
      }
      // The number's own text is the exact decimal (JSON.stringify writes that text).
      expect(Number(minorToDecimalString(minor, c))).toBe(n);
      expect(decimalToMinor(String(n), c)).toBe(minor);
      expect(decimalToMinor(JSON.parse(JSON.stringify({ a: n })).a, c)).toBe(minor);
      expect(decimalToMinor(n, c)).toBe(minor);
      expect(decimalToMinor(JSON.parse(JSON.stringify(n)), c)).toBe(minor);
    }
  });

  it('holds every amount up to MAX_SAFE_INTEGER exactly in 0-digit currencies, up to 15 digits elsewhere', () => {
    expect(minorToDecimalNumber(MAX, 'CLP')).toBe(Number.MAX_SAFE_INTEGER);
    expect(decimalToMinor(Number.MAX_SAFE_INTEGER, 'JPY')).toBe(MAX);
    expect(decimalToMinor(9999999999999.99, 'USD')).toBe(999_999_999_999_999n);
    expect(decimalToMinor(999999999999.999, 'KWD')).toBe(999_999_999_999_999n);
    // 90071992547409.91 and .92 are the same double: which one the provider meant is unknown.
    expect(() => minorToDecimalNumber(MAX, 'USD')).toThrow(RangeError);
    expect(() => decimalToMinor(90071992547409.91, 'USD')).toThrow(/not exact/);
  });

  it('where floating point went wrong before, is exact', () => {
    // Math.round(1.005 * 100) is 100; 0.1 + 0.2 is 0.30000000000000004.
    expect(decimalToMinor(1.005, 'KWD')).toBe(1005n);
    expect(decimalToMinor('1.005', 'BHD')).toBe(1005n);
    expect(decimalToMinor(4.35, 'USD')).toBe(435n); // 4.35 * 100 = 434.99999999999994
    expect(decimalToMinor(1.15, 'ARS')).toBe(115n);
    expect(() => decimalToMinor(0.1 + 0.2, 'USD')).toThrow(/more than 2 decimal places/);
    expect(minorToDecimalNumber(435n, 'USD')).toBe(4.35);
  });

  it('reads numbers written in exponent notation through their shortest text, and refuses them', () => {
    // String(n) writes exponents from 1e21 (where one double spans many minor units) and below 1e-6
    // (more decimals than any currency has): both are refused, for the right reason.
    expect(String(1e21)).toBe('1e+21');
    expect(() => decimalToMinor(1e21, 'CLP')).toThrow(/1e\+21 CLP is not exact/);
    expect(() => decimalToMinor(-1.5e21, 'USD')).toThrow(/not exact/);
    expect(() => decimalToMinor(Number.MAX_VALUE, 'KWD')).toThrow(/not exact/);
    expect(() => decimalToMinor(1e-7, 'KWD')).toThrow(/1e-7 has more than 3 decimal places/);
    expect(() => decimalToMinor(1.5e-7, 'USD')).toThrow(/decimal places/);
    expect(() => decimalToMinor(Number.MIN_VALUE, 'CLF')).toThrow(/more than 4 decimal places/);
    expect(decimalToMinor(-0, 'USD')).toBe(0n);
  });

  it('accepts trailing zeros, which carry no value', () => {
    expect(decimalToMinor('19.990', 'ARS')).toBe(1999n);
    expect(decimalToMinor('1500.00', 'CLP')).toBe(1500n);
    expect(decimalToMinor('007.5', 'USD')).toBe(750n);
    expect(decimalToMinor(19.9, 'ARS')).toBe(1990n);
  });

  it('refuses more decimals than the currency has, never rounding', () => {
    expect(() => decimalToMinor('19.999', 'ARS')).toThrow(/more than 2 decimal places/);
    expect(() => decimalToMinor(19.999, 'ARS')).toThrow(/more than 2 decimal places/);
    expect(() => decimalToMinor('1.5', 'CLP')).toThrow(/more than 0 decimal places/);
    expect(() => decimalToMinor(0.5, 'JPY')).toThrow(RangeError);
    expect(() => decimalToMinor('0.0001', 'KWD')).toThrow(/more than 3 decimal places/);
    expect(() => decimalToMinor('0.0000000000000000001', 'USD')).toThrow(RangeError);
  });

  it('refuses what is not a decimal amount', () => {
    const bad: Array<string | number> = [
      NaN,
      Infinity,
      -Infinity,
      '',
      ' 1',
      '1 ',
      '+1',
      '--1',
      '1.',
      '.5',
      '1,50',
      '0x10',
      'NaN',
      'Infinity',
      '1e3',
      '1E3',
      '1e400',
      '1e-400',
      '9'.repeat(65),
      '１２',
    ];
    for (const v of bad) expect(() => decimalToMinor(v, 'USD')).toThrow(RangeError);
    expect(() => decimalToMinor(Number('1e400'), 'USD')).toThrow(RangeError);
    // @ts-expect-error: a provider's JSON may carry anything
    expect(() => decimalToMinor(null, 'USD')).toThrow(RangeError);
  });

  it('refuses currencies that are not ISO 4217 money', () => {
    expect(() => decimalToMinor('1', 'XAU')).toThrow(/not an ISO 4217 currency/);
    expect(() => minorToDecimalString(1n, 'ZZZ')).toThrow(RangeError);
  });

  it('round-trips in every ISO 4217 currency', () => {
    for (const c of CURRENCIES)
      for (const minor of [1n, 123456789n, -42n]) {
        expect(decimalToMinor(minorToDecimalString(minor, c), c)).toBe(minor);
        expect(decimalToMinor(minorToDecimalNumber(minor, c), c)).toBe(minor);
      }
  });
});
