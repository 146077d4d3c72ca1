// Usage rows from a file read piece by piece: JSONL or CSV text cut anywhere, parsed as it
// arrives, with the line numbers parsing the whole text at once would give.
import { MAX_ERRORS, stripBom, type RowError, type UsageInput } from './rows.js';
import { Collector } from './validate.js';
import { csvColumns, csvRow, splitCsv } from './csv.js';
import { jsonlLine } from './jsonl.js';

/**
 * The longest line (JSONL) or record (CSV) kept while waiting for its end, in characters. A usage
 * row is a few hundred; this only bounds memory on a file without line ends.
 */
export const MAX_PENDING_CHARS = 8 * 1024 * 1024;

/**
 * Parses JSONL or CSV text that arrives in pieces cut anywhere (chunks read from a file), with
 * the rows, errors and file line numbers that parsing the whole text at once would give. Each
 * push() returns the rows of the lines it completed; a line or CSV record cut off by the end of a
 * piece waits for the next. Errors accumulate (`errors` lists at most MAX_ERRORS, `errorCount`
 * counts all). After a CSV header or quoting problem the rest cannot be read: `stopped`.
 */
export class UsageStreamParser {
  readonly errors: RowError[] = [];
  errorCount = 0;
  stopped = false;
  private pending = '';
  /** The file line `pending` starts on. */
  private line = 1;
  private started = false;
  /** JSONL: inside an over-long line, skipping to its end. */
  private skipping = false;
  private columns: readonly string[] | null = null;

  constructor(readonly format: 'jsonl' | 'csv') {}

  push(text: string): UsageInput[] {
    return this.parse(text, false);
  }

  /** The end of the text: parses whatever is still pending. */
  end(): UsageInput[] {
    return this.parse('', true);
  }

  private parse(text: string, final: boolean): UsageInput[] {
    if (this.stopped) return [];
    let s = this.pending.length === 0 ? text : this.pending + text;
    this.pending = '';
    if (!this.started) {
      if (s.length === 0 && !final) return [];
      s = stripBom(s);
      this.started = true;
    }
    const out = new Collector('line');
    if (this.format === 'jsonl') this.jsonl(out, s, final);
    else this.csv(out, s, final);
    this.errorCount += out.errorCount;
    for (const e of out.errors) {
      if (this.errors.length >= MAX_ERRORS) break;
      this.errors.push(e);
    }
    return out.rows;
  }

  private jsonl(out: Collector, s: string, final: boolean): void {
    let from = 0;
    if (this.skipping) {
      const nl = s.indexOf('\n');
      if (nl === -1) return;
      this.skipping = false;
      this.line++;
      from = nl + 1;
    }
    const end = final ? s.length : s.lastIndexOf('\n') + 1;
    if (end <= from) {
      this.keep(out, s, from);
      return;
    }
    const lines = (from === 0 && end === s.length ? s : s.slice(from, end)).split('\n');
    // A piece ending in \n splits into its lines and a last empty string.
    const count = final ? lines.length : lines.length - 1;
    for (let i = 0; i < count; i++) {
      let line = lines[i]!;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      jsonlLine(out, this.line + i, line);
    }
    this.line += count;
    if (!final) this.keep(out, s, end);
  }

  /** JSONL: keeps s[from..] (no line end in it) for the next piece, or starts skipping it. */
  private keep(out: Collector, s: string, from: number): void {
    if (s.length - from <= MAX_PENDING_CHARS) {
      this.pending = from === 0 ? s : s.slice(from);
      return;
    }
    out.error(this.line, `longer than ${MAX_PENDING_CHARS.toLocaleString('en-US')} characters; a usage row is one line of JSON`);
    this.skipping = true;
  }

  private csv(out: Collector, s: string, final: boolean): void {
    const split = splitCsv(s, 0, this.line, final);
    if (!split.ok) {
      out.error(split.line, split.message);
      this.stopped = true;
      return;
    }
    for (const rec of split.records) {
      if (this.columns === null) {
        const head = csvColumns(rec);
        if (!head.ok) {
          out.error(rec.line, head.message);
          this.stopped = true;
          return;
        }
        this.columns = head.columns;
      } else csvRow(out, this.columns, rec);
    }
    this.line = split.line;
    if (split.rest < s.length) {
      if (s.length - split.rest > MAX_PENDING_CHARS) {
        out.error(split.line, `a record longer than ${MAX_PENDING_CHARS.toLocaleString('en-US')} characters (is a quote never closed?)`);
        this.stopped = true;
        return;
      }
      this.pending = s.slice(split.rest);
    }
  }
}
