// A stand-in for the PostgreSQL ledger's re-pricing, for the price proposal contract tests
// (test/store/price-proposals.test.ts). Not a test file itself.
import { ourCost } from '../../src/domain/money/cost.js';
import type { PgReprice } from '../../src/store/postgres/price-proposals.js';

interface UsageRow {
  id: number;
  ts_ms: number;
  provider: string;
  model: string;
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  thinking: number;
  cost_nusd: number | null;
  provider_cost_nusd: number | null;
  price_version: string | null;
  status: string;
}

/**
 * A stand-in for the PostgreSQL ledger's re-pricing (PostgresLedger.repriceWith is another
 * branch's): a small real UPDATE of usage (migrations/postgres/001_ledger.sql) on the apply's
 * transaction, row by row, as the SQLite re-pricer decides what changed (spend_daily untouched).
 */
export const repriceUsage: PgReprice = async (q, scope, price) => {
  const rows = await q.query<UsageRow>(
    `SELECT id, ts_ms, provider, model, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, thinking,
            cost_nusd, provider_cost_nusd, price_version, status
     FROM usage WHERE provider = $1 AND model = $2 AND ts_ms >= $3 AND usage_status IN ('ok', 'estimated') ORDER BY id FOR UPDATE`,
    [scope.provider, scope.model, scope.fromMs],
  );
  let changed = 0;
  let before = 0n;
  let after = 0n;
  for (const r of rows) {
    const priced = price({ ...r, ts: new Date(r.ts_ms).toISOString(), tsMs: r.ts_ms, thinking: r.thinking === 1 });
    const cost = ourCost(priced, r.provider_cost_nusd);
    if (cost === r.cost_nusd && priced.price_version === r.price_version) continue;
    changed++;
    before += BigInt(r.cost_nusd ?? r.provider_cost_nusd ?? 0);
    after += BigInt(cost ?? r.provider_cost_nusd ?? 0);
    await q.query('UPDATE usage SET cost_nusd = $1, price_version = $2 WHERE id = $3', [cost, priced.price_version, r.id]);
  }
  return { rows: rows.length, changed, before_nusd: before, after_nusd: after };
};
