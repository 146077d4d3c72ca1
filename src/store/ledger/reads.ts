// The ledger's reads: spend by day and dimension, totals, and the newest rows. Reports read
// spend_daily (one row per day, dimension and key); the raw reads aggregate `usage` itself, as a
// baseline and a cross-check.
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../open.js';
import type { DayString } from '../../domain/time/zone.js';
import { LedgerError, type SpendRow, type SpendTotals, type UsageRow } from '../ledger.js';
import { SPEND_DIMS, type SpendDim } from '../../domain/spend.js';
import { aggregateSql, INTERRUPTED_SQL, NEVER_SENT_SQL, NOT_FOUND_PROBE_SQL, REQUEST_SQL, ROUTECHECK_COST_SQL, SPEND_COLUMNS, UNPRICED_SQL, USAGE_MISSING_SQL } from './sql.js';

type Raw = Record<string, bigint | string>;
/** Counts as numbers (exact far beyond any ledger), money as BigInt (sums of nano-USD pass 2^53 at $9M). */
const toSpendRow = (r: Raw): SpendRow => ({
  day: r.day as string,
  key: r.key as string,
  requests: Number(r.requests),
  unpriced: Number(r.unpriced),
  usage_missing: Number(r.usage_missing),
  interrupted: Number(r.interrupted),
  cost_nusd: r.cost_nusd as bigint,
  provider_cost_nusd: r.provider_cost_nusd as bigint,
  input_tokens: Number(r.input_tokens),
  cached_input_tokens: Number(r.cached_input_tokens),
  output_tokens: Number(r.output_tokens),
  reasoning_tokens: Number(r.reasoning_tokens),
  never_sent: Number(r.never_sent),
  not_found_probes: Number(r.not_found_probes),
  routecheck_nusd: r.routecheck_nusd as bigint,
});
const toTotals = (r: Raw): SpendTotals => ({
  requests: Number(r.requests),
  unpriced: Number(r.unpriced),
  usage_missing: Number(r.usage_missing),
  interrupted: Number(r.interrupted),
  cost_nusd: r.cost_nusd as bigint,
  never_sent: Number(r.never_sent),
  not_found_probes: Number(r.not_found_probes),
  routecheck_nusd: r.routecheck_nusd as bigint,
});

function assertDim(dim: string): asserts dim is SpendDim {
  if (!(SPEND_DIMS as readonly string[]).includes(dim)) throw new LedgerError(`unknown spend dimension "${dim}" (use one of ${SPEND_DIMS.join(', ')})`);
}

export class LedgerReads {
  private readonly rollupQuery: BetterSqlite3.Statement;
  private readonly totalsQuery: BetterSqlite3.Statement;
  private readonly rawQueries: Record<SpendDim, BetterSqlite3.Statement>;
  private readonly rawTotalsQuery: BetterSqlite3.Statement;

  constructor(private readonly db: Db) {
    // Money sums are read as BigInt (safeIntegers): exact whatever the ledger's size.
    this.rollupQuery = db.prepare(`SELECT ${SPEND_COLUMNS} FROM spend_daily WHERE dim = ? AND day BETWEEN ? AND ? ORDER BY day, key`).safeIntegers(true);
    this.totalsQuery = db.prepare(
      `SELECT COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(unpriced), 0) AS unpriced,
         COALESCE(SUM(usage_missing), 0) AS usage_missing, COALESCE(SUM(interrupted), 0) AS interrupted, COALESCE(SUM(cost_nusd), 0) AS cost_nusd,
         COALESCE(SUM(never_sent), 0) AS never_sent, COALESCE(SUM(not_found_probes), 0) AS not_found_probes, COALESCE(SUM(routecheck_nusd), 0) AS routecheck_nusd
       FROM spend_daily WHERE dim = 'provider' AND day BETWEEN ? AND ?`,
    ).safeIntegers(true);
    this.rawQueries = Object.fromEntries(
      SPEND_DIMS.map((dim) => [dim, db.prepare(`${aggregateSql(dim, 'WHERE day BETWEEN ? AND ?')} ORDER BY day, key`).safeIntegers(true)]),
    ) as Record<SpendDim, BetterSqlite3.Statement>;
    this.rawTotalsQuery = db.prepare(
      `SELECT COALESCE(SUM(${REQUEST_SQL}), 0) AS requests,
         COALESCE(SUM(${UNPRICED_SQL}), 0) AS unpriced,
         COALESCE(SUM(${USAGE_MISSING_SQL}), 0) AS usage_missing,
         COALESCE(SUM(${INTERRUPTED_SQL}), 0) AS interrupted,
         COALESCE(SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)), 0) AS cost_nusd,
         COALESCE(SUM(${NEVER_SENT_SQL}), 0) AS never_sent,
         COALESCE(SUM(${NOT_FOUND_PROBE_SQL}), 0) AS not_found_probes,
         COALESCE(SUM(${ROUTECHECK_COST_SQL}), 0) AS routecheck_nusd
       FROM usage WHERE day BETWEEN ? AND ?`,
    ).safeIntegers(true);
  }

  spendRollup(dim: SpendDim, fromDay: DayString, toDay: DayString): SpendRow[] {
    assertDim(dim);
    return (this.rollupQuery.all(dim, fromDay, toDay) as Raw[]).map(toSpendRow);
  }

  /** usage has no index on day: this scans the whole table. */
  spendRaw(dim: SpendDim, fromDay: DayString, toDay: DayString): SpendRow[] {
    assertDim(dim);
    return (this.rawQueries[dim].all(fromDay, toDay) as Raw[]).map(toSpendRow);
  }

  totals(fromDay: DayString, toDay: DayString): SpendTotals {
    return toTotals(this.totalsQuery.get(fromDay, toDay) as Raw);
  }

  totalsRaw(fromDay: DayString, toDay: DayString): SpendTotals {
    return toTotals(this.rawTotalsQuery.get(fromDay, toDay) as Raw);
  }

  // firstDay, lastDay and count read the rollup: every usage row is in exactly one spend_daily
  // row of dim 'provider' (as a request or left out), in the same transaction, so they equal
  // MIN/MAX(day) and COUNT(*) over usage, which has no index on day (it would slow every insert)
  // and would be scanned whole.

  firstDay(): DayString | null {
    return (this.db.prepare(`SELECT MIN(day) FROM spend_daily WHERE dim = 'provider'`).pluck().get() as string | null) ?? null;
  }

  lastDay(): DayString | null {
    return (this.db.prepare(`SELECT MAX(day) FROM spend_daily WHERE dim = 'provider'`).pluck().get() as string | null) ?? null;
  }

  count(): number {
    return this.db.prepare(`SELECT COALESCE(SUM(requests + never_sent + not_found_probes), 0) FROM spend_daily WHERE dim = 'provider'`).pluck().get() as number;
  }

  recentRows(limit = 20): UsageRow[] {
    const rows = this.db
      .prepare(
        `SELECT id, ts_ms, day, provider, model, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, thinking,
           cost_nusd, provider_cost_nusd, price_version, "user", channel, route, source, request_id, call_id, usage_status, status, error, latency_ms, ttft_ms
         FROM usage ORDER BY id DESC LIMIT ?`,
      )
      .all(Math.max(0, Math.trunc(limit))) as Array<Omit<UsageRow, 'ts'>>;
    // The table keeps the instant once (ts_ms); its ISO text is derived here.
    return rows.map((r) => ({ ...r, ts: new Date(r.ts_ms).toISOString() }));
  }
}
