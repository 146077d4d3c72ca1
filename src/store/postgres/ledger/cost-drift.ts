// The drift check's groups on PostgreSQL (src/store/ledger/cost-drift.ts on SQLite): the rows of
// one day with both our cost and the provider's, per (provider, model), cache and reasoning
// tokens, and our cost ÷ theirs in thousandths. One statement: the server scans while the event
// loop is free, so it needs no slicing. In the order SQLite's GROUP BY gives (binary, NULL first).
import type { DayString } from '../../../domain/time/zone.js';
import type { DriftGroup } from '../../../domain/money/drift.js';
import type { PgQuery } from '../pool.js';
import { C } from './sql.js';

interface RawGroup {
  provider: string;
  model: string;
  cache: boolean;
  reasoning: boolean;
  ratio_permille: number | null;
  rows: number;
  ours_nusd: string;
  theirs_nusd: string;
}

// cost_nusd · 1000 stays below 2^63 for any cost the writer accepts (a safe integer).
const GROUPS_SQL = `SELECT provider, model,
    (cached_input_tokens > 0 OR cache_write_tokens > 0) AS cache,
    (reasoning_tokens > 0 OR thinking = 1) AS reasoning,
    CASE WHEN provider_cost_nusd > 0 THEN (cost_nusd * 1000 + provider_cost_nusd / 2) / provider_cost_nusd END AS ratio_permille,
    COUNT(*) AS rows, SUM(cost_nusd)::text AS ours_nusd, SUM(provider_cost_nusd)::text AS theirs_nusd
  FROM usage
  WHERE day = $1 AND cost_nusd IS NOT NULL AND provider_cost_nusd IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5
  ORDER BY provider ${C}, model ${C}, cache, reasoning, ratio_permille NULLS FIRST`;

export async function costDriftGroups(q: PgQuery, day: DayString): Promise<DriftGroup[]> {
  const rows = await q.query<RawGroup>(GROUPS_SQL, [day]);
  return rows.map((r) => ({
    provider: r.provider,
    model: r.model,
    cache: r.cache,
    reasoning: r.reasoning,
    ratio_permille: r.ratio_permille,
    rows: r.rows,
    ours_nusd: BigInt(r.ours_nusd),
    theirs_nusd: BigInt(r.theirs_nusd),
  }));
}
