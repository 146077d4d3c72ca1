// CSV (RFC 4180): comma-separated, a header row, fields optionally in double quotes; inside
// quotes commas, line breaks and doubled quotes ("") are literal. CRLF or LF line ends.
//
// A hand tokenizer rather than csv-parse, measured: 200,000 generated usage rows as CSV (Node 20,
// this 2-vCPU machine while shared), records only: splitCsv 245,000 rows/s; csv-parse 6 (sync)
// 111,000 rows/s, and 39,700 rows/s with `info: true`, which the line numbers of our errors
// need. With validation, parseUsageCsv reads 100,000 rows/s; on csv-parse it would read ~32,000,
// slower than the ~54,000 rows/s the ledger writes an import, so the import rate would drop.
import { KNOWN_FIELD_LIST, KNOWN_FIELDS, REQUIRED_FIELDS, stripBom, type UsageParseResult } from './rows.js';
import { Collector, quoteList } from './validate.js';

export interface CsvRecord {
  /** 1-based line on which the record starts. */
  line: number;
  fields: string[];
}

type CsvSplit =
  | { ok: true; records: CsvRecord[]; /** where the unfinished last record starts (s.length if none) */ rest: number; /** its line */ line: number }
  | { ok: false; line: number; message: string };

/**
 * Splits CSV text from index `i` (on file line `line`) into records; blank lines are skipped
 * (but counted). Unless `final`, a record that the end of `s` cuts off (no line end yet, or an
 * open quote) is left unparsed: `rest` is where it starts, for the caller to parse again with
 * more text appended.
 */
export function splitCsv(s: string, i: number, line: number, final: boolean): CsvSplit {
  const n = s.length;
  const records: CsvRecord[] = [];
  while (i < n) {
    const start = i;
    const startLine = line;
    const fields: string[] = [];
    let quoted = false;
    let complete = false;
    // One record.
    for (;;) {
      let field: string;
      if (s.charCodeAt(i) === 34 /* " */) {
        quoted = true;
        const quoteLine = line;
        let buf = '';
        let j = i + 1;
        for (;;) {
          const q = s.indexOf('"', j);
          if (q === -1) {
            if (!final) return { ok: true, records, rest: start, line: startLine };
            return { ok: false, line: quoteLine, message: 'a quoted field is never closed (missing ")' };
          }
          const chunk = s.slice(j, q);
          for (let k = chunk.indexOf('\n'); k !== -1; k = chunk.indexOf('\n', k + 1)) line++;
          buf += chunk;
          if (s.charCodeAt(q + 1) === 34) {
            buf += '"';
            j = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        field = buf;
        const c = s.charCodeAt(i);
        if (!final && i >= n - 1) return { ok: true, records, rest: start, line: startLine }; // "" or \r\n may go on
        if (i < n && c !== 44 && c !== 10 && !(c === 13 && s.charCodeAt(i + 1) === 10)) {
          return { ok: false, line, message: 'unexpected text after a closing quote (a quote inside a quoted field must be doubled: "")' };
        }
      } else {
        let j = i;
        while (j < n) {
          const c = s.charCodeAt(j);
          if (c === 44 || c === 10 || (c === 13 && s.charCodeAt(j + 1) === 10)) break;
          j++;
        }
        field = s.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (i >= n) break;
      const c = s.charCodeAt(i);
      if (c === 44) {
        i++;
        continue;
      }
      // End of line.
      i += c === 13 ? 2 : 1;
      line++;
      complete = true;
      break;
    }
    if (!complete && !final) return { ok: true, records, rest: start, line: startLine };
    const blank = !quoted && fields.length === 1 && fields[0]!.trim() === '';
    if (!blank) records.push({ line: startLine, fields });
  }
  return { ok: true, records, rest: n, line };
}

/** Splits CSV text into records; blank lines are skipped (but counted). */
export function parseCsvRecords(text: string): { ok: true; records: CsvRecord[] } | { ok: false; line: number; message: string } {
  const split = splitCsv(stripBom(text), 0, 1, true);
  return split.ok ? { ok: true, records: split.records } : split;
}

/** The columns a CSV header names, or what is wrong with it. */
export function csvColumns(header: CsvRecord): { ok: true; columns: string[] } | { ok: false; message: string } {
  const columns = header.fields.map((h) => h.trim().toLowerCase());
  const problems: string[] = [];
  const unknown = columns.filter((c) => !KNOWN_FIELDS.has(c));
  if (unknown.length) problems.push(`unknown column(s) ${quoteList(unknown)}; known columns: ${KNOWN_FIELD_LIST}`);
  const dupes = columns.filter((c, i) => columns.indexOf(c) !== i);
  if (dupes.length) problems.push(`column(s) ${quoteList([...new Set(dupes)])} appear more than once`);
  const missing = REQUIRED_FIELDS.filter((c) => !columns.includes(c));
  if (missing.length) problems.push(`missing column(s) ${quoteList(missing)}`);
  if (problems.length) return { ok: false, message: `${problems.join('; ')} (the first line must be the header)` };
  return { ok: true, columns };
}

export function csvRow(out: Collector, columns: readonly string[], rec: CsvRecord): void {
  if (rec.fields.length !== columns.length) {
    out.error(rec.line, `expected ${columns.length} fields as in the header, got ${rec.fields.length}`);
    return;
  }
  const record: Record<string, unknown> = {};
  for (let c = 0; c < columns.length; c++) record[columns[c]!] = rec.fields[c];
  out.add(rec.line, record);
}

export function parseUsageCsv(text: string): UsageParseResult {
  const split = parseCsvRecords(text);
  if (!split.ok) return { ok: false, errors: [{ line: split.line, message: `line ${split.line}: ${split.message}` }], errorCount: 1 };
  const [header, ...body] = split.records;
  if (!header) return { ok: true, rows: [] };

  const out = new Collector('line');
  const head = csvColumns(header);
  if (!head.ok) {
    out.error(header.line, head.message);
    return out.result();
  }
  for (const rec of body) csvRow(out, head.columns, rec);
  return out.result();
}
