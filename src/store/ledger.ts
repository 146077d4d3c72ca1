// The spend ledger as the features see it: usage rows in (one per upstream call, or imported /
// ingested), spend sums out. Costs are integer nano-USD. The SQLite implementation is
// SqliteLedger (src/store/ledger/sqlite-ledger.ts); a networked database can implement the same
// interface, which is why every method is async (SQLite answers at once, inside the call).
//
// Effective cost of a row (migrations/001_ledger.sql): cost_nusd when we priced it, else
// provider_cost_nusd when the provider reported one, else the row adds 0 and is counted: in
// `usage_missing` when its usage was missing or invalid, else in `unpriced` (migrations/008_call_ids.sql). Reports read a per-day rollup kept in step with every write, so they
// never scan the rows.
import type { DayString } from '../domain/time/zone.js';
import type { UsageInput, UsageStatus } from '../domain/usage-rows/rows.js';
import type { SpendDim } from '../domain/spend.js';
import type { GatewayTrafficRow } from './ledger/gateway-traffic.js';
import type { DriftGroup } from '../domain/money/drift.js';


export type { UsageInput } from '../domain/usage-rows/rows.js';
export type { DriftGroup } from '../domain/money/drift.js';

export const USAGE_SOURCES = ['import', 'ingest', 'ask', 'routecheck', 'gateway'] as const;
export type UsageSource = (typeof USAGE_SOURCES)[number];


export type PricedRow = UsageInput & { tsMs: number };
/** Our cost of a row: nano-USD, or null when the catalog has no price for it at tsMs. */
export type Pricer = (row: PricedRow) => { cost_nusd: number | null; price_version: string | null };
/** Exact conversion of a decimal USD amount to integer nano-USD (src/domain/money). */
export type UsdToNusd = (usd: string | number) => number;

/** A stored row, as the database has it (ts derived from ts_ms). */
export interface UsageRow {
  id: number;
  /** ISO-8601 UTC, e.g. 2026-03-01T12:00:00.000Z: new Date(ts_ms).toISOString(). */
  ts: string;
  ts_ms: number;
  day: DayString;
  provider: string;
  model: string;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  thinking: 0 | 1;
  cost_nusd: number | null;
  provider_cost_nusd: number | null;
  price_version: string | null;
  user: string | null;
  channel: string | null;
  route: string | null;
  source: UsageSource;
  request_id: string | null;
  /** routeops' own id of a call it made (null for imported and ingested rows). */
  call_id: string | null;
  usage_status: UsageStatus;
  status: string;
  error: string | null;
  latency_ms: number | null;
  ttft_ms: number | null;
}

export interface SpendRow {
  day: DayString;
  key: string;
  /** Real requests: rows not left out (never sent, not-found probes). */
  requests: number;
  /** Rows with neither our cost nor a provider-reported one, whose usage is fine (the price is unknown). */
  unpriced: number;
  /** Rows with no effective cost because the reply's usage was missing or invalid. */
  usage_missing: number;
  /** Rows of calls interrupted by a stop or crash (their cost is estimated). */
  interrupted: number;
  /** Sum of effective costs, nano-USD: a BigInt, so a ledger of any size sums exactly (past $9,007,199 a number would not). */
  cost_nusd: bigint;
  /** Sum of provider-reported costs (rows without one add 0), nano-USD. */
  provider_cost_nusd: bigint;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  /** Rows left out of `requests` (docs/ARCHITECTURE.md §3.5): calls never sent (no API key)… */
  never_sent: number;
  /** …and /routecheck's probes of a model that does not exist. Neither adds money. */
  not_found_probes: number;
  /** The part of cost_nusd that route checks cost (source 'routecheck'), nano-USD. */
  routecheck_nusd: bigint;
}

export interface SpendTotals {
  /** Real requests: rows not left out (never sent, not-found probes). */
  requests: number;
  unpriced: number;
  usage_missing: number;
  interrupted: number;
  /** Nano-USD, exact at any size. */
  cost_nusd: bigint;
  never_sent: number;
  not_found_probes: number;
  /** The part of cost_nusd that route checks cost, nano-USD. */
  routecheck_nusd: bigint;
}

export interface RecordResult {
  inserted: number;
  /** Rows whose request_id was already in the ledger (or earlier in the same write). */
  skipped: number;
}

/** A write or read the ledger refuses (bad row, unknown source or dimension, wrong time zone). */
export class LedgerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerError';
  }
}

export interface RepriceScope {
  provider: string;
  model: string;
  /** First instant re-priced (ms since the epoch, inclusive). */
  fromMs: number;
}

export interface RepriceResult {
  /** Rows of the scope whose usage could be priced (missing-usage rows are not counted). */
  rows: number;
  /** Rows whose cost or price version changed. */
  changed: number;
  /** Effective cost of those rows before and after, nano-USD (exact at any size). */
  before_nusd: bigint;
  after_nusd: bigint;
}

/** What a re-pricing would change, and when the first changed row is. */
export interface RepricePreview extends RepriceResult {
  first_ms: number | null;
  /** Changed rows that had no cost at all ("not priced"), and what they come to at the new price. */
  unpriced_rows: number;
  unpriced_after_nusd: bigint;
}

export interface LedgerStore {
  /**
   * Records rows in one transaction (all or nothing) and keeps the rollup in step. A row with a
   * call_id is skipped when that call_id is stored (or earlier in the batch); a row without one
   * when its request_id is stored within a day of its time, or earlier in the batch.
   */
  record(rows: readonly UsageInput[], source: UsageSource): Promise<RecordResult>;
  /**
   * Records every batch `batches` yields, all in one transaction (a file import: memory stays
   * flat however many rows). If iterating throws, everything is rolled back and the error is
   * rethrown: that is how a caller that found a bad line cancels the write.
   */
  recordBatches(batches: Iterable<readonly UsageInput[]>, source: UsageSource): Promise<RecordResult>;

  /** Per-day spend by dim from the rollup (the fast path for reports). Days inclusive. */
  spendRollup(dim: SpendDim, fromDay: DayString, toDay: DayString): Promise<SpendRow[]>;
  /** Requests, unpriced rows and effective cost over a range of days (inclusive), from the rollup. */
  totals(fromDay: DayString, toDay: DayString): Promise<SpendTotals>;
  /** The first and last day with rows (null when empty). */
  firstDay(): Promise<DayString | null>;
  lastDay(): Promise<DayString | null>;
  /** Rows in the ledger (requests and left-out rows alike). */
  count(): Promise<number>;
  /** The newest rows first. */
  recentRows(limit?: number): Promise<UsageRow[]>;

  /** spendRollup computed from the rows themselves (baseline and cross-check; scans them). */
  spendRaw(dim: SpendDim, fromDay: DayString, toDay: DayString): Promise<SpendRow[]>;
  /** totals computed from the rows themselves (baseline and cross-check; scans them). */
  totalsRaw(fromDay: DayString, toDay: DayString): Promise<SpendTotals>;

  /**
   * Re-prices every row of (provider, model) from `fromMs` on with `price` (a price version
   * applied or corrected), rows and rollup in one transaction. Rows whose usage was missing or
   * invalid are left alone.
   */
  reprice(scope: RepriceScope, price: Pricer): Promise<RepriceResult>;
  /** What reprice would change, writing nothing (the unpriced spend a new price would cover). */
  previewReprice(scope: RepriceScope, price: Pricer): Promise<RepricePreview>;

  /**
   * The rows of `day` that carry both our cost and the provider-reported one, grouped per
   * (provider, model), cache and reasoning tokens, and our cost ÷ theirs (the daily drift check).
   */
  costDriftGroups(day: DayString): Promise<DriftGroup[]>;

  /** The gateway's attempts with fromMs ≤ ts_ms < toMs per key, alias, route and status (its alert). */
  gatewayTraffic(fromMs: number, toMs: number): Promise<GatewayTrafficRow[]>;
}
