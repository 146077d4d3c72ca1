// The ledger's SQL on PostgreSQL: the per-day aggregate of usage rows that spend_daily holds, by
// the same rules as SQLite's (src/store/ledger/sql.ts, whose conditions are plain SQL both
// databases read alike), written with FILTER since PostgreSQL does not sum booleans. Sums of
// bigint are numeric: exact, and read as text and turned into BigInt (src/store/postgres/pool.ts).
import type { SpendDim } from '../../../domain/spend.js';
import { NO_USER } from '../../../domain/spend.js';
import { INTERRUPTED_SQL, NEVER_SENT_SQL, NOT_FOUND_PROBE_SQL, REQUEST_SQL, ROUTECHECK_COST_SQL, SPEND_COLUMNS, UNPRICED_SQL, USAGE_MISSING_SQL } from '../../ledger/sql.js';

export { SPEND_COLUMNS };

/** Each dim's key over usage's columns; the same keys as SQLite's (src/store/ledger/sql.ts KEY_SQL). */
export const KEY_SQL: Record<SpendDim, string> = {
  provider: 'provider',
  model: `provider || '/' || model`,
  user: `COALESCE("user", '${NO_USER}')`,
  route: `COALESCE(route, provider || '/' || model)`,
};

/** The spend_daily columns after dim, day and key (the sums), in SPEND_COLUMNS order. */
export const SUM_COLUMNS = SPEND_COLUMNS.split(', ').slice(2);
/** Of SUM_COLUMNS, the nano-USD ones (read as BigInt); the rest are counts (read as numbers). */
export const MONEY_COLUMNS: ReadonlySet<string> = new Set(['cost_nusd', 'provider_cost_nusd', 'routecheck_nusd']);

/** Binary order, as SQLite's BINARY collation sorts (the server's locale may sort otherwise). */
export const C = 'COLLATE "C"';

/** usage's columns an aggregate reads (what an INSERT … RETURNING must give for aggregateSql over it). */
export const AGGREGATE_INPUT =
  'day, provider, model, "user", route, source, status, usage_status, cost_nusd, provider_cost_nusd, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens';

/**
 * The per-day aggregate of the rows of `from` for one dim: dim, day, key, then SUM_COLUMNS, each
 * sum as numeric (exact). `where` filters the rows.
 */
export function aggregateSql(dim: SpendDim, from: string, where = ''): string {
  return `SELECT '${dim}'::text AS dim, day, ${KEY_SQL[dim]} AS key,
      COUNT(*) FILTER (WHERE ${REQUEST_SQL}) AS requests,
      COUNT(*) FILTER (WHERE ${UNPRICED_SQL}) AS unpriced,
      COUNT(*) FILTER (WHERE ${USAGE_MISSING_SQL}) AS usage_missing,
      COUNT(*) FILTER (WHERE ${INTERRUPTED_SQL}) AS interrupted,
      SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)) AS cost_nusd,
      SUM(COALESCE(provider_cost_nusd, 0)) AS provider_cost_nusd,
      SUM(input_tokens) AS input_tokens,
      SUM(cached_input_tokens) AS cached_input_tokens,
      SUM(output_tokens) AS output_tokens,
      SUM(reasoning_tokens) AS reasoning_tokens,
      COUNT(*) FILTER (WHERE ${NEVER_SENT_SQL}) AS never_sent,
      COUNT(*) FILTER (WHERE ${NOT_FOUND_PROBE_SQL}) AS not_found_probes,
      SUM(${ROUTECHECK_COST_SQL}) AS routecheck_nusd
    FROM ${from} ${where}
    GROUP BY day, key`;
}

/** Every dim's aggregate of `from`, one after another (dim, day, key, sums). */
export function allDimsSql(from: string, where = ''): string {
  return (['provider', 'model', 'user', 'route'] as const).map((dim) => `(${aggregateSql(dim, from, where)})`).join(' UNION ALL ');
}

/**
 * Adds the rows of a query giving (dim, day, key, sums) to spend_daily. Upserted in key order, so
 * two writers lock the rollup's rows in the same order and never wait on each other in a circle.
 */
export function upsertRollupSql(select: string): string {
  return `INSERT INTO spend_daily (dim, ${SPEND_COLUMNS})
    SELECT * FROM (${select}) AS agg ORDER BY dim ${C}, day ${C}, key ${C}
    ON CONFLICT (dim, day, key) DO UPDATE SET ${SUM_COLUMNS.map((c) => `${c} = spend_daily.${c} + excluded.${c}`).join(', ')}`;
}

/** Select list reading SUM_COLUMNS out of a query's rows: money as text (BigInt), counts as text too (numeric sums). */
export const SUMS_AS_TEXT = SUM_COLUMNS.map((c) => `${c}::text AS ${c}`).join(', ');
