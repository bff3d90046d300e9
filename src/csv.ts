/**
 * CSV cells and records for the consumers' data exports (gateway portal and head-end): RFC 4180 (CRLF, a field
 * quoted when it holds a comma, a double quote, CR or LF; quotes doubled) with formula neutralisation (OWASP
 * "CSV injection"): a text cell starting with = + - @, tab or CR gets a leading apostrophe, so a spreadsheet
 * shows it as text instead of evaluating it. Numbers are written as numbers, so a negative reading stays one.
 */

export type CsvCell = string | number | boolean | null;

export const CRLF = '\r\n';
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: null (and a non-finite number) empty, numbers and booleans as they print, text neutralised and quoted. */
export function csvCell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record with its CRLF. */
export const csvRecord = (cells: readonly CsvCell[]): string => `${cells.map(csvCell).join(',')}${CRLF}`;
