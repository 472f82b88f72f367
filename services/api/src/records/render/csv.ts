/**
 * CSV as RFC 4180 writes it: CRLF line ends, a header row, fields quoted when they hold a comma,
 * a double quote, CR or LF, and quotes inside doubled.
 *
 * Spreadsheet formula injection: a cell that starts with =, +, -, @, TAB or CR would be run as
 * a formula by Excel or LibreOffice; such cells get a leading apostrophe (OWASP's advice).
 * Dates and numbers this system writes never start with those characters.
 */
export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'string' ? value : String(value);
  if (typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: CsvValue[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Parses RFC 4180 CSV (for tests and for anyone reading the files back). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let fieldText = '';
  let i = 0;
  let quoted = false;
  let fieldStarted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          fieldText += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      fieldText += ch;
      i++;
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
      i++;
      continue;
    }
    if (ch === ',') {
      row.push(fieldText);
      fieldText = '';
      fieldStarted = false;
      i++;
      continue;
    }
    if (ch === '\r' && text[i + 1] === '\n') {
      row.push(fieldText);
      rows.push(row);
      row = [];
      fieldText = '';
      fieldStarted = false;
      i += 2;
      continue;
    }
    if (ch === '\n') {
      row.push(fieldText);
      rows.push(row);
      row = [];
      fieldText = '';
      fieldStarted = false;
      i++;
      continue;
    }
    fieldText += ch;
    fieldStarted = true;
    i++;
  }
  if (fieldStarted || row.length > 0) {
    row.push(fieldText);
    rows.push(row);
  }
  return rows;
}
