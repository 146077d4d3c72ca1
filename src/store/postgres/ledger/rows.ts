// A write's rows checked, priced and laid out as one array per usage column (one INSERT … FROM
// unnest(…) per chunk: a round trip per batch, not per row). The same checks, messages and
// pricing as the SQLite writer (src/store/ledger/writer.ts); the duplicate lookups need every
// row's ids before any is priced, so the checks run first (checkRows) and the pricing after the
// lookup (Columns.push), and a bad row is thrown only once the rows before it are priced, as the
// SQLite writer, going row by row, would meet it.
import { isCanonicalInstant, parseIsoInstant } from '../../../domain/time/iso.js';
import { USAGE_STATUSES, type UsageStatus } from '../../../domain/usage-rows/rows.js';
import { ourCost } from '../../../domain/money/cost.js';
import { LedgerError, type Pricer, type UsageInput, type UsdToNusd } from '../../ledger.js';
import { requestKey } from '../../ledger/request-keys.js';
import type { LocalDays } from '../../ledger/local-days.js';
import type { PgParam } from '../pool.js';

const isCount = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isNusd = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** A row that passed the checks that come before the duplicate check. */
export interface CheckedRow {
  /** 0-based position in the write (messages say `row ${index + 1}`). */
  index: number;
  row: UsageInput;
  ts: string;
  tsMs: number;
  cacheWrite: number;
  usageStatus: UsageStatus;
  callId: string | null;
  requestId: string | null;
  /** requestKey(request_id, tsMs), null without a request_id. */
  key: number | null;
}

/** The rows up to the first bad one, and the error that one raises (thrown after the rows before it are priced). */
export function checkRows(rows: readonly UsageInput[]): { checked: CheckedRow[]; bad: LedgerError | null } {
  const checked: CheckedRow[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    let ts = row.ts;
    let tsMs: number;
    if (typeof ts === 'string' && ts.length === 24 && isCanonicalInstant(ts)) tsMs = Date.parse(ts);
    else {
      tsMs = typeof ts === 'string' ? parseIsoInstant(ts) : NaN;
      if (Number.isNaN(tsMs)) return { checked, bad: new LedgerError(`row ${i + 1}: ts: expected an ISO-8601 time with a zone, got ${JSON.stringify(row.ts)}`) };
      ts = new Date(tsMs).toISOString();
    }
    const cacheWrite = row.cache_write_tokens ?? 0;
    if (!isCount(row.input_tokens) || !isCount(row.cached_input_tokens) || !isCount(cacheWrite) || !isCount(row.output_tokens) || !isCount(row.reasoning_tokens)) {
      return { checked, bad: new LedgerError(`row ${i + 1}: token counts must be non-negative integers`) };
    }
    const usageStatus: UsageStatus = row.usage_status ?? 'ok';
    if (!(USAGE_STATUSES as readonly string[]).includes(usageStatus)) {
      return { checked, bad: new LedgerError(`row ${i + 1}: usage_status must be one of ${USAGE_STATUSES.join(', ')}, got ${JSON.stringify(row.usage_status)}`) };
    }
    const callId = row.call_id ?? null;
    if (callId !== null && (typeof callId !== 'string' || callId === '')) return { checked, bad: new LedgerError(`row ${i + 1}: call_id must be a non-empty string`) };
    const requestId = row.request_id ?? null;
    checked.push({ index: i, row, ts, tsMs, cacheWrite, usageStatus, callId, requestId, key: requestId === null ? null : requestKey(requestId, tsMs) });
  }
  return { checked, bad: null };
}

/** usage's columns as the INSERT takes them (source is one parameter for the whole write). */
export const INSERT_COLUMNS = [
  ['ts_ms', 'bigint'], ['day', 'text'], ['provider', 'text'], ['model', 'text'], ['input_tokens', 'bigint'], ['cached_input_tokens', 'bigint'],
  ['cache_write_tokens', 'bigint'], ['output_tokens', 'bigint'], ['reasoning_tokens', 'bigint'], ['thinking', 'smallint'], ['cost_nusd', 'bigint'],
  ['provider_cost_nusd', 'bigint'], ['price_version', 'text'], ['user', 'text'], ['channel', 'text'], ['route', 'text'], ['request_id', 'text'],
  ['request_key', 'bigint'], ['call_id', 'text'], ['usage_status', 'text'], ['status', 'text'], ['error', 'text'], ['latency_ms', 'bigint'], ['ttft_ms', 'bigint'],
] as const;

type Cell = string | number | null;

/** The rows to insert, priced, one array per INSERT_COLUMNS entry. */
export class Columns {
  readonly arrays: Cell[][] = INSERT_COLUMNS.map(() => []);
  length = 0;

  constructor(
    private readonly price: Pricer,
    private readonly usdToNusd: UsdToNusd,
    private readonly days: LocalDays,
  ) {}

  /** Prices a row and adds it (throws LedgerError for what the pricer or cost_usd make of it). */
  push(c: CheckedRow): void {
    const { row, index: i } = c;
    // Usage that was missing or impossible is not priced as if the call used no tokens (writer.ts).
    const usageKnown = c.usageStatus === 'ok' || c.usageStatus === 'estimated';
    const priced = !usageKnown
      ? { cost_nusd: null, price_version: null }
      : this.price({
          ts: c.ts, tsMs: c.tsMs, provider: row.provider, model: row.model, input_tokens: row.input_tokens, cached_input_tokens: row.cached_input_tokens,
          cache_write_tokens: c.cacheWrite, output_tokens: row.output_tokens, reasoning_tokens: row.reasoning_tokens, thinking: row.thinking,
          cost_usd: row.cost_usd, user: row.user, request_id: row.request_id, route: row.route, status: row.status, latency_ms: row.latency_ms,
          channel: row.channel, error: row.error, ttft_ms: row.ttft_ms,
        });
    if (priced.cost_nusd !== null && !isNusd(priced.cost_nusd)) {
      throw new LedgerError(`row ${i + 1}: the pricer returned ${String(priced.cost_nusd)}; expected a non-negative integer of nano-USD or null`);
    }
    let providerCost: number | null = null;
    if (row.cost_usd !== undefined && row.cost_usd !== null && row.cost_usd !== '') {
      providerCost = this.usdToNusd(row.cost_usd);
      if (!isNusd(providerCost)) throw new LedgerError(`row ${i + 1}: cost_usd ${JSON.stringify(row.cost_usd)} did not convert to nano-USD`);
    }
    const values: Cell[] = [
      c.tsMs, this.days.dayOf(c.tsMs), row.provider, row.model, row.input_tokens, row.cached_input_tokens, c.cacheWrite, row.output_tokens,
      row.reasoning_tokens, row.thinking ? 1 : 0, ourCost(priced, providerCost), providerCost, priced.price_version, row.user ?? null,
      row.channel ?? null, row.route ?? null, c.requestId, c.key, c.callId, c.usageStatus, row.status ?? 'ok', row.error ?? null,
      row.latency_ms ?? null, row.ttft_ms ?? null,
    ];
    for (let k = 0; k < values.length; k++) this.arrays[k]!.push(values[k]!);
    this.length++;
  }

  /** The INSERT's parameters: the arrays as array literals, then the source. */
  params(source: string): PgParam[] {
    return [...this.arrays.map(arrayLiteral), source];
  }
}

const NEEDS_ESCAPE = /["\\]/;
/**
 * A PostgreSQL array literal ({1,NULL,"a b"}), built here rather than by the client, whose
 * general converter escapes every element with two regular expressions: on a batch of 10,000
 * rows (240,000 cells) that was about as long as PostgreSQL took to insert them.
 */
export function arrayLiteral(cells: readonly Cell[]): string {
  let out = '{';
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) out += ',';
    const c = cells[i];
    if (c === null || c === undefined) out += 'NULL';
    else if (typeof c === 'number') out += String(c);
    else out += NEEDS_ESCAPE.test(c) ? `"${c.replace(/["\\]/g, '\\$&')}"` : `"${c}"`;
  }
  return out + '}';
}

/** INSERT of a Columns' rows (routeops' calls already stored are skipped: a replica may have written one a moment ago). */
export const INSERT_SQL = `INSERT INTO usage (${INSERT_COLUMNS.map(([c]) => `"${c}"`).join(', ')}, source)
  SELECT r.*, $${INSERT_COLUMNS.length + 1}::text FROM unnest(${INSERT_COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) AS r
  ON CONFLICT (call_id) WHERE call_id IS NOT NULL DO NOTHING`;
