// Usage rows as they arrive from files (`routeops ledger import`) and the ingest endpoint
// (docs/ARCHITECTURE.md §3.5): JSONL, CSV with a header (RFC 4180), or a JSON array. This module
// says what a row is (its fields and the parse results); schema.ts and validate.ts check one
// record (instant.ts its time), jsonl.ts and csv.ts parse a text of their format, parse.ts any
// format, stream.ts a text that arrives in pieces. Pure: nothing here touches the database, so a file is validated completely before any of
// it is written.
import type { CostedRow } from '../money/cost.js';

/**
 * How far a row's token counts can be trusted:
 * - ok: as reported (imports, ingests, and calls whose reply carried valid usage or that failed
 *   before any output);
 * - missing: the reply carried no usage (or only negative / non-numeric counts): the cost is
 *   "usage missing", never $0;
 * - invalid: the reply's usage was beyond any real request (over MAX_TOKENS, not a safe integer):
 *   counts kept at 0, cost "usage missing";
 * - estimated: an interrupted call (routeops stopped mid-call): prompt tokens estimated by us.
 */
export const USAGE_STATUSES = ['ok', 'missing', 'invalid', 'estimated'] as const satisfies ReadonlyArray<NonNullable<CostedRow['usage_status']>>;
export type UsageStatus = (typeof USAGE_STATUSES)[number];

/** One validated usage record, ready for LedgerStore.record: the priced fields plus who, where and how. */
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
  /**
   * routeops' own id for a call it made (/ask, /routecheck, the gateway): rows of routeops' calls
   * are de-duplicated on it, not on request_id (a provider may reuse ids). Unset for imports and
   * ingests, which are de-duplicated on request_id.
   */
  call_id?: string;
}

export type UsageFormat = 'jsonl' | 'csv' | 'json';

export interface RowError {
  /** 1-based line of the file (CSV header = line 1); for a JSON array, the 1-based item. */
  line: number;
  /** Printable as is, prefix included: `line 3: input_tokens: expected …`. */
  message: string;
}

export type UsageParseResult =
  | { ok: true; rows: UsageInput[] }
  | { ok: false; errors: RowError[]; /** bad lines in all; errors lists at most MAX_ERRORS */ errorCount: number };

export const MAX_ERRORS = 20;

export const USAGE_FIELDS = [
  'ts',
  'provider',
  'model',
  'input_tokens',
  'cached_input_tokens',
  'cache_write_tokens',
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
export type UsageField = (typeof USAGE_FIELDS)[number];
export const KNOWN_FIELDS: ReadonlySet<string> = new Set<string>(USAGE_FIELDS);
export const REQUIRED_FIELDS: readonly UsageField[] = ['ts', 'provider', 'model'];
export const KNOWN_FIELD_LIST = USAGE_FIELDS.join(', ');

/** Bounds that keep every cost within exact integer arithmetic; far beyond any real request. */
export const MAX_TOKENS = 1_000_000_000;
export const MAX_COST_USD = 1_000_000;

/** Drops a byte-order mark from the start of a text (it is no part of line 1). */
export function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}
