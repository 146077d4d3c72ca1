// Re-pricing on PostgreSQL (what src/store/ledger/reprice.ts does on SQLite): every row of one
// (provider, model) from an instant on, whose usage is known, gets the cost `price` gives it now;
// spend_daily moves by what the changed rows added before and add now, by the writer's own rules
// (src/store/ledger/rollup.ts rowSumsOf), in the caller's transaction. The scope is read in pages
// along the index usage_scope (provider, model, ts_ms), priced here, and each page's changed rows
// written by one UPDATE … FROM unnest(…). Under the rewrite lock (locks.ts): no write lands in
// the scope while it is re-priced, and one that waited sees the new prices (its beforeWrite runs after).
import { ourCost } from '../../../domain/money/cost.js';
import type { Pricer, PricedRow, RepricePreview, RepriceResult, RepriceScope } from '../../ledger.js';
import { BatchRollup, emptyRowSums, rowSumsOf, type RowFacts } from '../../ledger/rollup.js';
import type { PgQuery } from '../pool.js';
import { lockForRewrite } from './locks.js';
import { RollupDeltas } from './rollup.js';

/** Rows read per page. */
export const REPRICE_PAGE = 10_000;
const PAGE = REPRICE_PAGE;

interface ScopeRow {
  id: number;
  ts_ms: number;
  day: string;
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  thinking: number;
  cost_nusd: number | null;
  provider_cost_nusd: number | null;
  price_version: string | null;
  route: string | null;
  user: string | null;
  source: string;
  status: string;
}

const PAGE_SQL = `SELECT id, ts_ms, day, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, thinking,
    cost_nusd, provider_cost_nusd, price_version, route, "user", source, status
  FROM usage
  WHERE provider = $1 AND model = $2 AND ts_ms >= $3 AND (ts_ms, id) > ($4, $5) AND (usage_status = 'ok' OR usage_status = 'estimated')
  ORDER BY ts_ms, id LIMIT ${PAGE}`;

/** A changed row: its stored facts, and its new cost and version. */
type OnChanged = (r: ScopeRow, cost: number | null, version: string | null) => void;

/** Prices the scope page by page; `onPage` gets each page's changed rows (ids, costs, versions). */
async function visit(
  q: PgQuery,
  scope: RepriceScope,
  price: Pricer,
  onChanged: OnChanged,
  onPage: (ids: number[], costs: Array<number | null>, versions: Array<string | null>) => Promise<void>,
): Promise<RepriceResult> {
  let rows = 0;
  let changed = 0;
  let before = 0n;
  let after = 0n;
  // One object refilled per row: a Pricer reads it and keeps nothing.
  const row: PricedRow = {
    get ts() {
      return new Date(this.tsMs).toISOString();
    },
    tsMs: 0, provider: scope.provider, model: scope.model, input_tokens: 0, cached_input_tokens: 0, cache_write_tokens: 0, output_tokens: 0,
    reasoning_tokens: 0, thinking: false, status: 'ok', route: undefined, user: undefined,
  };
  let last: [number, number] = [scope.fromMs, 0];
  for (;;) {
    const page = await q.query<ScopeRow>(PAGE_SQL, [scope.provider, scope.model, scope.fromMs, last[0], last[1]]);
    const ids: number[] = [];
    const costs: Array<number | null> = [];
    const versions: Array<string | null> = [];
    for (const r of page) {
      rows++;
      row.tsMs = r.ts_ms;
      row.input_tokens = r.input_tokens;
      row.cached_input_tokens = r.cached_input_tokens;
      row.cache_write_tokens = r.cache_write_tokens;
      row.output_tokens = r.output_tokens;
      row.reasoning_tokens = r.reasoning_tokens;
      row.thinking = r.thinking === 1;
      row.status = r.status;
      row.route = r.route ?? undefined;
      row.user = r.user ?? undefined;
      const priced = price(row);
      const cost = ourCost(priced, r.provider_cost_nusd);
      if (cost === r.cost_nusd && priced.price_version === r.price_version) continue;
      changed++;
      before += BigInt(r.cost_nusd ?? r.provider_cost_nusd ?? 0);
      after += BigInt(cost ?? r.provider_cost_nusd ?? 0);
      ids.push(r.id);
      costs.push(cost);
      versions.push(priced.price_version);
      onChanged(r, cost, priced.price_version);
    }
    if (ids.length > 0) await onPage(ids, costs, versions);
    if (page.length < PAGE) break;
    const end = page[page.length - 1]!;
    last = [end.ts_ms, end.id];
  }
  return { rows, changed, before_nusd: before, after_nusd: after };
}

/**
 * Re-prices the scope inside the caller's transaction (the price-proposal store's apply holds
 * one): rows and rollup. Takes the rewrite lock, held until that transaction ends.
 */
export async function repriceIn(q: PgQuery, scope: RepriceScope, price: Pricer): Promise<RepriceResult> {
  await lockForRewrite(q);
  const was = new BatchRollup();
  const willBe = new BatchRollup();
  const sums = emptyRowSums();
  const facts: RowFacts = { source: '', status: '', model: scope.model, usageKnown: true, costNusd: null, providerCostNusd: null, input: 0, cached: 0, output: 0, reasoning: 0 };
  const result = await visit(
    q,
    scope,
    price,
    (r, cost) => {
      facts.source = r.source;
      facts.status = r.status;
      facts.providerCostNusd = r.provider_cost_nusd;
      facts.input = r.input_tokens;
      facts.cached = r.cached_input_tokens;
      facts.output = r.output_tokens;
      facts.reasoning = r.reasoning_tokens;
      facts.costNusd = r.cost_nusd;
      was.add(r.day, scope.provider, scope.model, r.user, r.route, rowSumsOf(facts, sums));
      facts.costNusd = cost;
      willBe.add(r.day, scope.provider, scope.model, r.user, r.route, rowSumsOf(facts, sums));
    },
    async (ids, costs, versions) => {
      await q.query(
        `UPDATE usage SET cost_nusd = c.cost, price_version = c.version FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS c(id, cost, version) WHERE usage.id = c.id`,
        [ids, costs as number[], versions as string[]],
      );
    },
  );
  const deltas = new RollupDeltas();
  deltas.addRollup(was, -1);
  deltas.addRollup(willBe, 1);
  await deltas.flush(q);
  return result;
}

/** What repriceIn would change, writing nothing. */
export async function previewIn(q: PgQuery, scope: RepriceScope, price: Pricer): Promise<RepricePreview> {
  let firstMs: number | null = null;
  let unpricedRows = 0;
  let unpricedAfter = 0n;
  const result = await visit(
    q,
    scope,
    price,
    (r, cost) => {
      if (firstMs === null || r.ts_ms < firstMs) firstMs = r.ts_ms;
      if (r.cost_nusd === null && r.provider_cost_nusd === null) {
        unpricedRows++;
        unpricedAfter += BigInt(cost ?? 0);
      }
    },
    async () => {},
  );
  return { ...result, first_ms: firstMs, unpriced_rows: unpricedRows, unpriced_after_nusd: unpricedAfter };
}
