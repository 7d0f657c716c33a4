import { CsvError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { AppError } from './errors.ts';

/**
 * The one CSV adapter (ADR 0013): every CSV the portal reads or writes goes through here, on top of
 * csv-parse and csv-stringify.
 *
 * Reading: RFC 4180 quoting (quoted fields, doubled quotes, line breaks inside quotes), CRLF, LF or
 * CR record ends (mixed in one file too), a leading UTF-8 BOM stripped, ragged rows kept as they
 * are, rows whose cells are all blank dropped, and a quote inside an unquoted field kept as a
 * character. Text that is not CSV (a quoted field never closed) is refused as `validation_failed`.
 *
 * Writing: cells quoted where needed, CRLF record ends, a UTF-8 BOM first (so spreadsheet programs
 * read the file as UTF-8), and formula-injection safety: a cell a spreadsheet would run as a formula
 * (starting with `=`, `+`, `-`, `@`, tab or carriage return) is prefixed with `'`.
 *
 * Round trip: reading drops that `'` again only where it precedes one of those characters. So that
 * `parseCsv(writeCsv(rows))` gives back exactly `rows` for any cell, a cell that already starts with
 * quotes followed by a formula character (`'=x`, `''+1`) is prefixed too, and reading removes
 * exactly one leading quote from such a cell.
 */

export type CsvCell = string | number | boolean | null | undefined;

/** Starts like a formula, after any number of neutralising quotes (which are then prefixed once more). */
const NEEDS_NEUTRALISING = /^'*[=+\-@\t\r]/;
/** A neutralised cell: one or more quotes, then a formula character. */
const NEUTRALISED = /^'+[=+\-@\t\r]/;

export function neutraliseCell(value: string): string {
  return NEEDS_NEUTRALISING.test(value) ? `'${value}` : value;
}

export function restoreCell(value: string): string {
  return NEUTRALISED.test(value) ? value.slice(1) : value;
}

/** Rows of cells from CSV text (see above for what is accepted). */
export function parseCsv(text: string): string[][] {
  let rows: string[][];
  try {
    rows = parse(text, {
      bom: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    });
  } catch (err) {
    if (err instanceof CsvError) {
      throw new AppError('validation_failed', { message: `The CSV cannot be read: ${err.message}` });
    }
    throw err;
  }
  return rows.filter((r) => r.some((cell) => cell.trim() !== '')).map((r) => r.map(restoreCell));
}

/** CSV text for these rows: BOM first, CRLF after every row, formula cells neutralised. */
export function writeCsv(rows: readonly (readonly CsvCell[])[]): string {
  const cells = rows.map((r) => r.map((c) => neutraliseCell(c === null || c === undefined ? '' : String(c))));
  return `\uFEFF${stringify(cells, { record_delimiter: '\r\n', quote_record_delimiter: true })}`;
}
