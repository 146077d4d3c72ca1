// SQL shared by the ledger's writes, reads and rollup rebuild: the key each spend dimension has,
// and the per-day aggregate of usage rows that spend_daily holds (migrations/001_ledger.sql).
import { NO_USER, type SpendDim } from '../../domain/spend.js';

/** SQL for each dim's key over the usage table; must match the keys BatchRollup (rollup.ts) builds. */
const KEY_SQL: Record<SpendDim, string> = {
  provider: 'provider',
  model: `provider || '/' || model`,
  user: `COALESCE("user", '${NO_USER}')`,
  route: `COALESCE(route, provider || '/' || model)`,
};

/** A dim's key over the usage table (columns unqualified: join only tables without these names). */
export const keySql = (dim: SpendDim): string => KEY_SQL[dim];

/** The columns of a spend_daily row after dim, in the order aggregateSql selects them. */
export const SPEND_COLUMNS =
  'day, key, requests, unpriced, usage_missing, interrupted, cost_nusd, provider_cost_nusd, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens';

/** A row with no effective cost whose usage is fine: its price is unknown ("not priced"). */
export const UNPRICED_SQL = `(cost_nusd IS NULL AND provider_cost_nusd IS NULL AND (usage_status = 'ok' OR usage_status = 'estimated'))`;
/** A row with no effective cost because the reply's usage was missing or invalid ("usage missing"). */
export const USAGE_MISSING_SQL = `(cost_nusd IS NULL AND provider_cost_nusd IS NULL AND (usage_status = 'missing' OR usage_status = 'invalid'))`;
/** A call interrupted by a stop or crash (cost estimated). */
export const INTERRUPTED_SQL = `(status = 'interrupted')`;

/** The per-day aggregate of usage rows for one dim, straight from the usage table. */
export function aggregateSql(dim: SpendDim, where: string): string {
  const key = KEY_SQL[dim];
  return `SELECT day, ${key} AS key,
      COUNT(*) AS requests,
      SUM(${UNPRICED_SQL}) AS unpriced,
      SUM(${USAGE_MISSING_SQL}) AS usage_missing,
      SUM(${INTERRUPTED_SQL}) AS interrupted,
      SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)) AS cost_nusd,
      SUM(COALESCE(provider_cost_nusd, 0)) AS provider_cost_nusd,
      SUM(input_tokens) AS input_tokens,
      SUM(cached_input_tokens) AS cached_input_tokens,
      SUM(output_tokens) AS output_tokens,
      SUM(reasoning_tokens) AS reasoning_tokens
    FROM usage ${where}
    GROUP BY day, key`;
}
