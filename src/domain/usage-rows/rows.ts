// Usage rows as they arrive from files (`routeops ledger import`) and the ingest endpoint
// (ARCHITECTURE 3.5): JSONL, CSV with a header (RFC 4180), or a JSON array. Pure: text in,
// validated rows or line-numbered errors out. Nothing here touches the database, so a file
// is validated completely before any of it is written.
import { z } from 'zod';
import type { CostedRow } from '../money/cost.js';

/** One validated usage record, ready for Ledger.record: the priced fields plus who, where and how. */
export interface UsageInput extends CostedRow {
  /** ISO-8601 instant with a zone; the parser normalises it to UTC (`…Z`). */
  ts: string;
  user?: string;
  request_id?: string;
  route?: string;
  /** Default 'ok'. */
  status?: string;
  latency_ms?: number;
  channel?: string;
  error?: string;
  ttft_ms?: number;
}

export type UsageFormat = 'jsonl' | 'csv' | 'json';

export interface RowError {
  /** 1-based line of the file (CSV header = line 1); for a JSON array, the 1-based item. */
  line: number;
  /** Printable as is, prefix included: `line 3: input_tokens: expected …`. */
  message: string;
}

export type ParseResult =
  | { ok: true; rows: UsageInput[] }
  | { ok: false; errors: RowError[]; /** bad lines in all; errors lists at most MAX_ERRORS */ errorCount: number };

export const MAX_ERRORS = 20;

export const USAGE_FIELDS = [
  'ts',
  'provider',
  'model',
  'input_tokens',
  'cached_input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'thinking',
  'cost_usd',
  'user',
  'request_id',
  'route',
  'status',
  'latency_ms',
  'channel',
  'error',
  'ttft_ms',
] as const;
type Field = (typeof USAGE_FIELDS)[number];
const KNOWN = new Set<string>(USAGE_FIELDS);
const REQUIRED: readonly Field[] = ['ts', 'provider', 'model'];

// ---------------------------------------------------------------------------------------------
// Field validation (zod). Each field accepts what JSON or CSV can carry (CSV: always strings;
// an empty cell = absent) and normalises it.

function show(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (typeof v === 'object' && v !== null) s = Array.isArray(v) ? 'a list' : 'an object';
  else s = String(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

const absent = (v: unknown): v is undefined | null | '' =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

type Ctx = z.core.$RefinementCtx;
function fail(ctx: Ctx, v: unknown, message: string): never {
  ctx.issues.push({ code: 'custom', message, input: v });
  return z.NEVER as never;
}

const DIGITS = /^\s*\d+\s*$/;
function toCount(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && DIGITS.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** Bounds that keep every cost within exact integer arithmetic; far beyond any real request. */
export const MAX_TOKENS = 1_000_000_000;
export const MAX_COST_USD = 1_000_000;

function toTokenCount(v: unknown): number | undefined {
  const n = toCount(v);
  return n !== undefined && n <= MAX_TOKENS ? n : undefined;
}

const count = z
  .unknown()
  .optional()
  .transform((v, ctx): number => {
    if (absent(v)) return 0;
    const n = toCount(v);
    if (n === undefined) return fail(ctx, v, `expected a non-negative integer, got ${show(v)}`);
    return n <= MAX_TOKENS ? n : fail(ctx, v, `expected at most ${MAX_TOKENS.toLocaleString('en-US')} tokens, got ${show(v)}`);
  });

const optionalCount = z
  .unknown()
  .optional()
  .transform((v, ctx): number | undefined => {
    if (absent(v)) return undefined;
    return toCount(v) ?? fail(ctx, v, `expected a non-negative integer (milliseconds), got ${show(v)}`);
  });

// ISO-8601 / RFC 3339 with a zone: 2026-03-01T12:00:00Z, 2026-03-01T12:00:00.123+01:00,
// 2026-03-01 12:00Z (space allowed, seconds optional). Date.parse alone would accept 02-30.
const TS_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

/** Milliseconds since the epoch of an ISO-8601 time with a zone, or NaN. */
export function parseIsoInstant(s: string): number {
  const m = TS_RE.exec(s) ?? TS_RE.exec(s.trim());
  if (!m) return NaN;
  const y = +m[1]!;
  const mo = +m[2]!;
  const d = +m[3]!;
  const h = +m[4]!;
  const mi = +m[5]!;
  const sec = m[6] === undefined ? 0 : +m[6];
  const ms = m[7] === undefined ? 0 : +m[7].slice(0, 3).padEnd(3, '0');
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return NaN;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!)) return NaN;
  let offsetMin = 0;
  if (!m[8]) {
    const oh = +m[10]!;
    const om = m[11] === undefined ? 0 : +m[11];
    if (oh > 23 || om > 59) return NaN;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const t = Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offsetMin * 60_000;
  return Number.isFinite(t) ? t : NaN;
}
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** The form toISOString() produces; such input needs no rewriting. */
const CANONICAL_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const TS_HINT = 'an ISO-8601 time with a zone, e.g. 2026-03-01T12:00:00Z';
const ts = z
  .unknown()
  .optional()
  .transform((v, ctx): string => {
    if (absent(v)) return fail(ctx, v, `required (${TS_HINT})`);
    if (typeof v !== 'string') return fail(ctx, v, `expected ${TS_HINT}, got ${show(v)}`);
    const t = parseIsoInstant(v);
    if (Number.isNaN(t)) return fail(ctx, v, `expected ${TS_HINT}, got ${show(v)}`);
    return CANONICAL_TS.test(v) ? v : new Date(t).toISOString();
  });

function text(max: number) {
  return (v: unknown, ctx: Ctx): string | undefined => {
    if (absent(v)) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string') return fail(ctx, v, `expected text, got ${show(v)}`);
    const s = v.trim();
    if (s.length > max) return fail(ctx, v, `longer than ${max} characters`);
    return s;
  };
}

const requiredText = z
  .unknown()
  .optional()
  .transform((v, ctx): string => text(200)(v, ctx) ?? fail(ctx, v, 'required'));
const optionalText = z.unknown().optional().transform(text(256));
const status = z
  .unknown()
  .optional()
  .transform((v, ctx): string => text(64)(v, ctx) ?? 'ok');
const errorText = z
  .unknown()
  .optional()
  .transform((v, ctx): string | undefined => {
    if (absent(v)) return undefined;
    if (typeof v !== 'string') return fail(ctx, v, `expected text, got ${show(v)}`);
    return v.length > 2000 ? `${v.slice(0, 1999)}…` : v;
  });

const thinking = z
  .unknown()
  .optional()
  .transform((v, ctx): boolean => {
    if (absent(v)) return false;
    if (typeof v === 'boolean') return v;
    if (v === 1 || v === 0) return v === 1;
    if (typeof v === 'string') {
      const s = v.trim().toLowerCase();
      if (s === 'true' || s === '1') return true;
      if (s === 'false' || s === '0') return false;
    }
    return fail(ctx, v, `expected true or false, got ${show(v)}`);
  });

const DECIMAL = /^\d+(?:\.\d+)?$/;
const costUsd = z
  .unknown()
  .optional()
  .transform((v, ctx): string | number | undefined => {
    if (absent(v)) return undefined;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_COST_USD) return v;
    if (typeof v === 'string' && DECIMAL.test(v.trim()) && Number(v) <= MAX_COST_USD) return v.trim();
    return fail(ctx, v, `expected an amount of US dollars from 0 to ${MAX_COST_USD.toLocaleString('en-US')}, like 0.0125, got ${show(v)}`);
  });

export const usageRowSchema = z
  .object({
    ts,
    provider: requiredText,
    model: requiredText,
    input_tokens: count,
    cached_input_tokens: count,
    output_tokens: count,
    reasoning_tokens: count,
    thinking,
    cost_usd: costUsd,
    user: optionalText,
    request_id: optionalText,
    route: optionalText,
    status,
    latency_ms: optionalCount,
    channel: optionalText,
    error: errorText,
    ttft_ms: optionalCount,
  })
  .superRefine((r, ctx) => {
    if (r.cached_input_tokens > r.input_tokens) {
      ctx.addIssue({
        code: 'custom',
        path: ['cached_input_tokens'],
        message: `${r.cached_input_tokens} is more than input_tokens (${r.input_tokens}); input_tokens counts all prompt tokens, cached ones included`,
      });
    }
    if (r.reasoning_tokens > r.output_tokens) {
      ctx.addIssue({
        code: 'custom',
        path: ['reasoning_tokens'],
        message: `${r.reasoning_tokens} is more than output_tokens (${r.output_tokens}); output_tokens counts all completion tokens, reasoning included`,
      });
    }
  });

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}

const KNOWN_LIST = USAGE_FIELDS.join(', ');
const quoteList = (names: string[]) => names.map((n) => JSON.stringify(n)).join(', ');

// The fast path of validateUsageRecord: the same checks and normalisation as usageRowSchema,
// written out by hand (zod costs several µs a row, the bulk of parsing a large file). It returns
// null on anything it is not sure about, and then zod decides and words the error. The output
// must equal zod's exactly (test/ledger: compared on many varied records): fields in schema
// order; an optional field that comes out undefined is present only if the input had the key.

/** text(max) for a value that is not absent: the trimmed text, or null if zod would refuse it. */
function fastText(v: unknown, max: number): string | null {
  if (typeof v === 'string') {
    const s = v.trim();
    return s.length > max ? null : s;
  }
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
}

const isAbsent = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && (v === '' || v.trim() === ''));

/** A count field: the number, or -1 if zod would refuse the value. */
function fastCount(v: unknown): number {
  if (isAbsent(v)) return 0;
  return toTokenCount(v) ?? -1;
}

function fastRow(r: Record<string, unknown>): UsageInput | null {
  for (const k in r) if (!KNOWN.has(k)) return null;
  const rawTs = r['ts'];
  if (typeof rawTs !== 'string') return null;
  const t = parseIsoInstant(rawTs);
  if (Number.isNaN(t)) return null;
  const provider = isAbsent(r['provider']) ? null : fastText(r['provider'], 200);
  const model = isAbsent(r['model']) ? null : fastText(r['model'], 200);
  if (provider === null || model === null) return null;
  const input = fastCount(r['input_tokens']);
  const cached = fastCount(r['cached_input_tokens']);
  const output = fastCount(r['output_tokens']);
  const reasoning = fastCount(r['reasoning_tokens']);
  if (input < 0 || cached < 0 || output < 0 || reasoning < 0 || cached > input || reasoning > output) return null;
  const th = r['thinking'];
  let thinking: boolean;
  if (isAbsent(th)) thinking = false;
  else if (typeof th === 'boolean') thinking = th;
  else if (th === 1 || th === 0) thinking = th === 1;
  else if (typeof th === 'string') {
    const v = th.trim().toLowerCase();
    if (v === 'true' || v === '1') thinking = true;
    else if (v === 'false' || v === '0') thinking = false;
    else return null;
  } else return null;
  const row: UsageInput = { ts: CANONICAL_TS.test(rawTs) ? rawTs : new Date(t).toISOString(), provider, model, input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_tokens: reasoning, thinking };

  const cost = r['cost_usd'];
  if (!isAbsent(cost)) {
    if (typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 && cost <= MAX_COST_USD) row.cost_usd = cost;
    else if (typeof cost === 'string' && DECIMAL.test(cost.trim()) && Number(cost) <= MAX_COST_USD) row.cost_usd = cost.trim();
    else return null;
  } else if ('cost_usd' in r) row.cost_usd = undefined;
  for (const key of ['user', 'request_id', 'route'] as const) {
    const v = r[key];
    if (!isAbsent(v)) {
      const s = fastText(v, 256);
      if (s === null) return null;
      row[key] = s;
    } else if (key in r) row[key] = undefined;
  }
  const st = r['status'];
  if (isAbsent(st)) row.status = 'ok';
  else {
    const s = fastText(st, 64);
    if (s === null) return null;
    row.status = s;
  }
  const latency = r['latency_ms'];
  if (!isAbsent(latency)) {
    const n = toCount(latency);
    if (n === undefined) return null;
    row.latency_ms = n;
  } else if ('latency_ms' in r) row.latency_ms = undefined;
  const channel = r['channel'];
  if (!isAbsent(channel)) {
    const s = fastText(channel, 256);
    if (s === null) return null;
    row.channel = s;
  } else if ('channel' in r) row.channel = undefined;
  const error = r['error'];
  if (!isAbsent(error)) {
    if (typeof error !== 'string') return null;
    row.error = error.length > 2000 ? `${error.slice(0, 1999)}…` : error;
  } else if ('error' in r) row.error = undefined;
  const ttft = r['ttft_ms'];
  if (!isAbsent(ttft)) {
    const n = toCount(ttft);
    if (n === undefined) return null;
    row.ttft_ms = n;
  } else if ('ttft_ms' in r) row.ttft_ms = undefined;
  return row;
}

/** Validates one record already split into fields. Returns the row or a message without prefix. */
export function validateUsageRecord(record: Record<string, unknown>): { ok: true; row: UsageInput } | { ok: false; message: string } {
  const fast = fastRow(record);
  if (fast !== null) return { ok: true, row: fast };
  const unknown = Object.keys(record).filter((k) => !KNOWN.has(k));
  if (unknown.length) return { ok: false, message: `unknown field(s) ${quoteList(unknown)}; known fields: ${KNOWN_LIST}` };
  const parsed = usageRowSchema.safeParse(record);
  if (!parsed.success) return { ok: false, message: describeIssues(parsed.error) };
  return { ok: true, row: parsed.data };
}

/** Collects rows and errors, listing at most MAX_ERRORS. */
class Collector {
  rows: UsageInput[] = [];
  errors: RowError[] = [];
  errorCount = 0;
  constructor(private readonly unit: 'line' | 'item') {}
  error(line: number, message: string): void {
    this.errorCount++;
    if (this.errors.length < MAX_ERRORS) this.errors.push({ line, message: `${this.unit} ${line}: ${message}` });
  }
  add(line: number, record: Record<string, unknown>): void {
    const r = validateUsageRecord(record);
    if (r.ok) this.rows.push(r.row);
    else this.error(line, r.message);
  }
  result(): ParseResult {
    return this.errorCount ? { ok: false, errors: this.errors, errorCount: this.errorCount } : { ok: true, rows: this.rows };
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

function jsonErrorReason(err: unknown): string {
  const msg = (err as Error).message ?? String(err);
  return msg.length > 100 ? `${msg.slice(0, 99)}…` : msg;
}

// ---------------------------------------------------------------------------------------------
// JSONL

/** One line of JSONL (its CR already removed) into `out`; blank lines are skipped. */
function jsonlLine(out: Collector, lineNo: number, line: string): void {
  if (line.trim() === '') return;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    out.error(lineNo, `not valid JSON (${jsonErrorReason(err)})`);
    return;
  }
  if (!isPlainObject(value)) {
    out.error(lineNo, `expected a JSON object like {"ts": "…", "provider": "…", "model": "…"}, got ${Array.isArray(value) ? 'a list' : show(value)}`);
    return;
  }
  out.add(lineNo, value);
}

/**
 * Parses JSONL. `firstLine` is the file line the text starts on (for a piece of a larger file);
 * a byte-order mark is stripped only from line 1.
 */
export function parseUsageJsonl(text: string, firstLine = 1): ParseResult {
  const out = new Collector('line');
  const lines = (firstLine === 1 ? stripBom(text) : text).split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    jsonlLine(out, firstLine + i, line);
  }
  return out.result();
}

// ---------------------------------------------------------------------------------------------
// JSON array (the ingest endpoint). Errors are numbered by item (1-based): "item 3: …".

export function parseUsageJsonArray(input: unknown): ParseResult {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(stripBom(input));
    } catch (err) {
      return { ok: false, errors: [{ line: 1, message: `line 1: not valid JSON (${jsonErrorReason(err)})` }], errorCount: 1 };
    }
  }
  if (!Array.isArray(value)) {
    return { ok: false, errors: [{ line: 1, message: 'expected a JSON array of usage objects' }], errorCount: 1 };
  }
  const out = new Collector('item');
  value.forEach((item: unknown, i) => {
    if (!isPlainObject(item)) out.error(i + 1, `expected an object, got ${Array.isArray(item) ? 'a list' : show(item)}`);
    else out.add(i + 1, item);
  });
  return out.result();
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180): comma-separated, a header row, fields optionally in double quotes; inside
// quotes commas, line breaks and doubled quotes ("") are literal. CRLF or LF line ends.

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
function splitCsv(s: string, i: number, line: number, final: boolean): CsvSplit {
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
function csvColumns(header: CsvRecord): { ok: true; columns: string[] } | { ok: false; message: string } {
  const columns = header.fields.map((h) => h.trim().toLowerCase());
  const problems: string[] = [];
  const unknown = columns.filter((c) => !KNOWN.has(c));
  if (unknown.length) problems.push(`unknown column(s) ${quoteList(unknown)}; known columns: ${KNOWN_LIST}`);
  const dupes = columns.filter((c, i) => columns.indexOf(c) !== i);
  if (dupes.length) problems.push(`column(s) ${quoteList([...new Set(dupes)])} appear more than once`);
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length) problems.push(`missing column(s) ${quoteList(missing)}`);
  if (problems.length) return { ok: false, message: `${problems.join('; ')} (the first line must be the header)` };
  return { ok: true, columns };
}

function csvRow(out: Collector, columns: readonly string[], rec: CsvRecord): void {
  if (rec.fields.length !== columns.length) {
    out.error(rec.line, `expected ${columns.length} fields as in the header, got ${rec.fields.length}`);
    return;
  }
  const record: Record<string, unknown> = {};
  for (let c = 0; c < columns.length; c++) record[columns[c]!] = rec.fields[c];
  out.add(rec.line, record);
}

export function parseUsageCsv(text: string): ParseResult {
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

// ---------------------------------------------------------------------------------------------
// Files read piece by piece.

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

// ---------------------------------------------------------------------------------------------

/** By extension (.jsonl/.ndjson/.json, .csv), else by the first non-blank character. */
export function detectFormat(filename: string, text: string): UsageFormat {
  const lower = filename.toLowerCase();
  const first = /\S/.exec(stripBom(text.slice(0, 4096)))?.[0];
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return first === '[' ? 'json' : 'jsonl';
  if (first === '[') return 'json';
  if (first === '{') return 'jsonl';
  return 'csv';
}

export function parseUsageText(text: string, format: UsageFormat): ParseResult {
  switch (format) {
    case 'csv':
      return parseUsageCsv(text);
    case 'jsonl':
      return parseUsageJsonl(text);
    case 'json':
      return parseUsageJsonArray(text);
  }
}

/** Detects the format from the file name (or content) and parses. */
export function parseUsageFile(filename: string, text: string): ParseResult {
  return parseUsageText(text, detectFormat(filename, text));
}
