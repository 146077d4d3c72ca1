// Writing CSV that spreadsheets and CSV readers take as written (RFC 4180): a header row, fields
// with a comma, quote or newline quoted, quotes doubled. Every CSV routeops writes goes through
// here. Amounts go in as plain decimals (money/units.ts formatUsdDecimal), never "2,000.00".

/** A text field: quoted when needed; a leading =, +, -, @ (a formula to spreadsheet apps) gets a "'". */
export function csvText(s: string): string {
  return csvQuote(/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
}

/** A field as it is (numbers, dates): quoted only when it holds a comma, quote or line end. */
export function csvQuote(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Lines of already-written fields, each ended by CRLF as RFC 4180 says. */
export function csvDocument(header: readonly string[], rows: Iterable<readonly string[]>): string {
  const lines = [header.map(csvQuote).join(',')];
  for (const row of rows) lines.push(row.join(','));
  return lines.join('\r\n') + '\r\n';
}
