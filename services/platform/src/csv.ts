/**
 * The one CSV writer of the product (every CSV a service answers goes through `toCsv`): rows →
 * UTF-8 text (no BOM; say `text/csv; charset=utf-8`), one header line, `\n` between records and
 * after the last, written by csv-stringify (fields with a comma, a quote, `\r` or `\n` are quoted,
 * quotes doubled).
 *
 * Spreadsheet formula injection (OWASP "CSV Injection"): a text cell that starts with `=`, `+`, `-`,
 * `@`, a tab or a carriage return is prefixed with `'`, so Excel, LibreOffice and Sheets show it as
 * text instead of running it (`=cmd|' /C calc'!A0` is written `'=cmd|' /C calc'!A0`). Headers too.
 * Amounts are signed integers (minor units): prefixing `-1500` would turn a numeric column into
 * text, so a column may be declared `numeric`: its cells must be integers (`/^-?\d+$/`, else the
 * export throws — a bug, never silently written) and are written as they are; every other column
 * is neutralised. Dates are written ISO 8601 UTC (`toISOString`), null and undefined as empty cells.
 */
import { stringify } from 'csv-stringify/sync';

export type CsvValue = string | number | bigint | Date | null | undefined;

export interface CsvColumn<Row> {
  header: string;
  value: (row: Row) => CsvValue;
  /** Integer cells (minor units, counts): checked and written raw, never prefixed. */
  numeric?: boolean;
}

/** What a spreadsheet reads as the start of a formula (or of DDE): `=`, `+`, `-`, `@`, tab, CR. */
const FORMULA_START = /^[=+\-@\t\r]/;
const INTEGER = /^-?\d+$/;

/** Text a spreadsheet will not run: a leading `'` when it starts like a formula. */
export const neutralizeCsvCell = (text: string): string => (FORMULA_START.test(text) ? `'${text}` : text);

function cellText(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString(); // throws on an invalid date
  return String(value);
}

/** The rows as CSV text: a header line from `columns`, then one record per row. */
export function toCsv<Row>(columns: ReadonlyArray<CsvColumn<Row>>, rows: Iterable<Row>): string {
  const records: string[][] = [columns.map((c) => neutralizeCsvCell(c.header))];
  for (const row of rows)
    records.push(
      columns.map((c) => {
        const text = cellText(c.value(row));
        if (!c.numeric) return neutralizeCsvCell(text);
        if (text !== '' && !INTEGER.test(text))
          throw new TypeError(
            `CSV column ${c.header} is numeric: ${JSON.stringify(text.slice(0, 40))} is not an integer`,
          );
        return text;
      }),
    );
  return stringify(records, { record_delimiter: 'unix', eof: true });
}
