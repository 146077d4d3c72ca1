// The ledger's reads on PostgreSQL, answering as SQLite's (src/store/ledger/reads.ts) does:
// reports read spend_daily; the raw reads aggregate usage itself. Sums come as text (numeric,
// or a bigint past 2^53) and are turned into numbers (counts) and BigInt (nano-USD); rows are
// ordered in binary order, as SQLite sorts text.
import type { DayString } from '../../../domain/time/zone.js';
import { LedgerError, type SpendRow, type SpendTotals, type UsageRow } from '../../ledger.js';
import { SPEND_DIMS, type SpendDim } from '../../../domain/spend.js';
import { INTERRUPTED_SQL, NEVER_SENT_SQL, NOT_FOUND_PROBE_SQL, REQUEST_SQL, ROUTECHECK_COST_SQL, UNPRICED_SQL, USAGE_MISSING_SQL } from '../../ledger/sql.js';
import type { PgQuery } from '../pool.js';
import { aggregateSql, C, MONEY_COLUMNS, SUM_COLUMNS, SUMS_AS_TEXT } from './sql.js';

type Text = Record<string, string>;

const toSpendRow = (r: Text): SpendRow => {
  const out: Record<string, unknown> = { day: r.day, key: r.key };
  for (const c of SUM_COLUMNS) out[c] = MONEY_COLUMNS.has(c) ? BigInt(r[c]!) : Number(r[c]);
  return out as unknown as SpendRow;
};

const TOTAL_COLUMNS = ['requests', 'unpriced', 'usage_missing', 'interrupted', 'cost_nusd', 'never_sent', 'not_found_probes', 'routecheck_nusd'] as const;
const toTotals = (r: Text): SpendTotals => {
  const out: Record<string, unknown> = {};
  for (const c of TOTAL_COLUMNS) out[c] = MONEY_COLUMNS.has(c) ? BigInt(r[c]!) : Number(r[c]);
  return out as unknown as SpendTotals;
};

function assertDim(dim: string): asserts dim is SpendDim {
  if (!(SPEND_DIMS as readonly string[]).includes(dim)) throw new LedgerError(`unknown spend dimension "${dim}" (use one of ${SPEND_DIMS.join(', ')})`);
}

const ROLLUP_TOTALS_SQL = `SELECT ${TOTAL_COLUMNS.map((c) => `COALESCE(SUM(${c}), 0)::text AS ${c}`).join(', ')}
  FROM spend_daily WHERE dim = 'provider' AND day BETWEEN $1 AND $2`;

const RAW_TOTALS_SQL = `SELECT
    COUNT(*) FILTER (WHERE ${REQUEST_SQL})::text AS requests,
    COUNT(*) FILTER (WHERE ${UNPRICED_SQL})::text AS unpriced,
    COUNT(*) FILTER (WHERE ${USAGE_MISSING_SQL})::text AS usage_missing,
    COUNT(*) FILTER (WHERE ${INTERRUPTED_SQL})::text AS interrupted,
    COALESCE(SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)), 0)::text AS cost_nusd,
    COUNT(*) FILTER (WHERE ${NEVER_SENT_SQL})::text AS never_sent,
    COUNT(*) FILTER (WHERE ${NOT_FOUND_PROBE_SQL})::text AS not_found_probes,
    COALESCE(SUM(${ROUTECHECK_COST_SQL}), 0)::text AS routecheck_nusd
  FROM usage WHERE day BETWEEN $1 AND $2`;

export class PgLedgerReads {
  constructor(private readonly db: PgQuery) {}

  async spendRollup(dim: SpendDim, fromDay: DayString, toDay: DayString): Promise<SpendRow[]> {
    assertDim(dim);
    const rows = await this.db.query<Text>(
      `SELECT day, key, ${SUMS_AS_TEXT} FROM spend_daily WHERE dim = $1 AND day BETWEEN $2 AND $3 ORDER BY day ${C}, key ${C}`,
      [dim, fromDay, toDay],
    );
    return rows.map(toSpendRow);
  }

  /** usage has no index on day: this scans the whole table (a baseline and cross-check). */
  async spendRaw(dim: SpendDim, fromDay: DayString, toDay: DayString): Promise<SpendRow[]> {
    assertDim(dim);
    const rows = await this.db.query<Text>(
      `SELECT day, key, ${SUMS_AS_TEXT} FROM (${aggregateSql(dim, 'usage', 'WHERE day BETWEEN $1 AND $2')}) AS agg ORDER BY day ${C}, key ${C}`,
      [fromDay, toDay],
    );
    return rows.map(toSpendRow);
  }

  async totals(fromDay: DayString, toDay: DayString): Promise<SpendTotals> {
    return toTotals((await this.db.query<Text>(ROLLUP_TOTALS_SQL, [fromDay, toDay]))[0]!);
  }

  async totalsRaw(fromDay: DayString, toDay: DayString): Promise<SpendTotals> {
    return toTotals((await this.db.query<Text>(RAW_TOTALS_SQL, [fromDay, toDay]))[0]!);
  }

  // firstDay, lastDay and count read the rollup, as on SQLite (reads.ts says why): every usage
  // row is in exactly one spend_daily row of dim 'provider'.

  async firstDay(): Promise<DayString | null> {
    return (await this.db.query<{ day: string | null }>(`SELECT MIN(day ${C}) AS day FROM spend_daily WHERE dim = 'provider'`))[0]!.day;
  }

  async lastDay(): Promise<DayString | null> {
    return (await this.db.query<{ day: string | null }>(`SELECT MAX(day ${C}) AS day FROM spend_daily WHERE dim = 'provider'`))[0]!.day;
  }

  async count(): Promise<number> {
    const rows = await this.db.query<{ n: string }>(`SELECT COALESCE(SUM(requests + never_sent + not_found_probes), 0)::text AS n FROM spend_daily WHERE dim = 'provider'`);
    return Number(rows[0]!.n);
  }

  async recentRows(limit = 20): Promise<UsageRow[]> {
    const rows = await this.db.query<Omit<UsageRow, 'ts'>>(
      `SELECT id, ts_ms, day, provider, model, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, thinking,
         cost_nusd, provider_cost_nusd, price_version, "user", channel, route, source, request_id, call_id, usage_status, status, error, latency_ms, ttft_ms
       FROM usage ORDER BY id DESC LIMIT $1`,
      [Math.max(0, Math.trunc(limit))],
    );
    // The table keeps the instant once (ts_ms); its ISO text is derived here.
    return rows.map((r) => ({ ...r, ts: new Date(r.ts_ms).toISOString() }));
  }
}
