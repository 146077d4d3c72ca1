// SQL shared by the ledger's writes, reads and rollup rebuild: the key each spend dimension has,
// and the per-day aggregate of usage rows that spend_daily holds (migrations/001_ledger.sql, 008,
// 009: the rows left out of the requests, and route checks' cost).
import { NO_USER, NOT_FOUND_PROBE_MODEL, type SpendDim } from '../../domain/spend.js';

/** SQL for each dim's key over the usage table; must match the keys BatchRollup (rollup.ts) builds. */
const KEY_SQL: Record<SpendDim, string> = {
  provider: 'provider',
  model: `provider || '/' || model`,
  user: `COALESCE("user", '${NO_USER}')`,
  route: `COALESCE(route, provider || '/' || model)`,
};

/** The columns of a spend_daily row after dim, in the order aggregateSql selects them. */
export const SPEND_COLUMNS =
  'day, key, requests, unpriced, usage_missing, interrupted, cost_nusd, provider_cost_nusd, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, never_sent, not_found_probes, routecheck_nusd';

/** Rows that add no money: the only ones that may be left out (leftOutReason, src/domain/spend.ts). */
const NO_MONEY = `COALESCE(cost_nusd, provider_cost_nusd, 0) = 0`;
/** Left out as never sent: no API key, nothing reached a provider. */
export const NEVER_SENT_SQL = `(${NO_MONEY} AND status = 'missing_key')`;
/** Left out as /routecheck's probe of a model that does not exist. */
export const NOT_FOUND_PROBE_SQL = `(${NO_MONEY} AND status <> 'missing_key' AND source = 'routecheck' AND model = '${NOT_FOUND_PROBE_MODEL}')`;
/** A real request: not left out. */
export const REQUEST_SQL = `(NOT ${NEVER_SENT_SQL} AND NOT ${NOT_FOUND_PROBE_SQL})`;
/** A request with no effective cost whose usage is fine: its price is unknown ("not priced"). */
export const UNPRICED_SQL = `(cost_nusd IS NULL AND provider_cost_nusd IS NULL AND (usage_status = 'ok' OR usage_status = 'estimated') AND ${REQUEST_SQL})`;
/** A request with no effective cost because the reply's usage was missing or invalid ("usage missing"). */
export const USAGE_MISSING_SQL = `(cost_nusd IS NULL AND provider_cost_nusd IS NULL AND (usage_status = 'missing' OR usage_status = 'invalid') AND ${REQUEST_SQL})`;
/** A call interrupted by a stop or crash (cost estimated). */
export const INTERRUPTED_SQL = `(status = 'interrupted' AND ${REQUEST_SQL})`;
/** The effective cost of a route-check row (0 for other sources). */
export const ROUTECHECK_COST_SQL = `(CASE WHEN source = 'routecheck' THEN COALESCE(cost_nusd, provider_cost_nusd, 0) ELSE 0 END)`;

/** The per-day aggregate of usage rows for one dim, straight from the usage table (or a table of the same columns). */
export function aggregateSql(dim: SpendDim, where: string, from = 'usage'): string {
  const key = KEY_SQL[dim];
  return `SELECT day, ${key} AS key,
      SUM(${REQUEST_SQL}) AS requests,
      SUM(${UNPRICED_SQL}) AS unpriced,
      SUM(${USAGE_MISSING_SQL}) AS usage_missing,
      SUM(${INTERRUPTED_SQL}) AS interrupted,
      SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)) AS cost_nusd,
      SUM(COALESCE(provider_cost_nusd, 0)) AS provider_cost_nusd,
      SUM(input_tokens) AS input_tokens,
      SUM(cached_input_tokens) AS cached_input_tokens,
      SUM(output_tokens) AS output_tokens,
      SUM(reasoning_tokens) AS reasoning_tokens,
      SUM(${NEVER_SENT_SQL}) AS never_sent,
      SUM(${NOT_FOUND_PROBE_SQL}) AS not_found_probes,
      SUM(${ROUTECHECK_COST_SQL}) AS routecheck_nusd
    FROM ${from} ${where}
    GROUP BY day, key`;
}

/**
 * Adds (sign 1) or takes away (sign -1) the aggregate of the rows of `from` (usage's columns) to or
 * from spend_daily, for one dim: how a change to stored rows moves the rollup (reprice.ts).
 */
export function adjustRollupSql(dim: SpendDim, from: string, sign: 1 | -1): string {
  const sums = SPEND_COLUMNS.split(', ').slice(2);
  return `INSERT INTO spend_daily (dim, ${SPEND_COLUMNS})
    SELECT '${dim}', day, key, ${sums.map((c) => (sign < 0 ? `-${c}` : c)).join(', ')} FROM (${aggregateSql(dim, '', from)}) WHERE true
    ON CONFLICT (dim, day, key) DO UPDATE SET ${sums.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`;
}
