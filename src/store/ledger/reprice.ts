// Re-pricing the ledger when a price version is applied (or corrected): every row of one
// (provider, model) from an instant on gets the cost the new catalog gives it, and spend_daily
// moves by the difference, all in one transaction (a report sees the old figures or the new,
// never a mix). Rows whose usage was missing or invalid are not priced from their counts and are
// left alone, as the writer leaves them (writer.ts).
//
// How: the rows are read in id order in pages (better-sqlite3 allows no write while a statement
// iterates; the page's rows are written after it is read), each priced by the same Pricer the
// writer uses. What a changed row added to the rollup is taken out of spend_daily and what it
// adds now is added, by the writer's own rules (rollup.ts rowSumsOf), so whatever a cost decides
// there (not priced, left out, route checks' share) moves with it. Measured in bench/reprice.ts.
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../open.js';
import { ourCost } from '../../domain/money/cost.js';
import type { Pricer, PricedRow, RepricePreview, RepriceResult, RepriceScope } from '../ledger.js';
import { BatchRollup, emptyRowSums, RollupUpsert, rowSumsOf, type RowFacts } from './rollup.js';

const PAGE = 20_000;
/** Page cache while re-pricing, in KiB as a negative PRAGMA cache_size (128 MiB). */
const REPRICE_CACHE_KIB = -131_072;

interface StoredRow {
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

export class LedgerRepricer {
  private readonly page: BetterSqlite3.Statement<[string, string, number, number, number], StoredRow>;
  private readonly update: BetterSqlite3.Statement<[number | null, string | null, number]>;
  private readonly upsert: RollupUpsert;
  private readonly tx: BetterSqlite3.Transaction<(scope: RepriceScope, price: Pricer) => RepriceResult>;

  constructor(private readonly db: Db) {
    this.page = db.prepare(
      `SELECT id, ts_ms, day, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, thinking,
         cost_nusd, provider_cost_nusd, price_version, route, "user", source, status
       FROM usage
       WHERE provider = ? AND model = ? AND ts_ms >= ? AND id > ? AND (usage_status = 'ok' OR usage_status = 'estimated')
       ORDER BY id LIMIT ?`,
    );
    this.update = db.prepare('UPDATE usage SET cost_nusd = ?, price_version = ? WHERE id = ?');
    this.upsert = new RollupUpsert(db);
    this.tx = db.transaction((scope: RepriceScope, price: Pricer) => this.run(scope, price));
  }

  /** Re-prices the scope with `price` in one transaction; returns what changed. */
  reprice(scope: RepriceScope, price: Pricer): RepriceResult {
    // One transaction dirties pages all over the ledger: with the default 2 MB page cache SQLite
    // spills them to the WAL again and again mid-transaction. A larger cache for the duration
    // (measured in bench/reprice.ts) keeps them in memory until the commit.
    const cache = this.db.pragma('cache_size', { simple: true }) as number;
    this.db.pragma(`cache_size = ${REPRICE_CACHE_KIB}`);
    try {
      return this.tx.immediate(scope, price);
    } finally {
      this.db.pragma(`cache_size = ${cache}`);
    }
  }

  /**
   * Prices every row of the scope with `price`, in id order and in pages (better-sqlite3 allows no
   * write while a statement iterates; a page's rows are handled after it is read), and calls
   * `changed` for each row whose cost or price version would change. reprice and preview share it.
   */
  private scan(scope: RepriceScope, price: Pricer, changed: (r: StoredRow, cost: number | null, version: string | null) => void): RepriceResult {
    let rows = 0;
    let count = 0;
    let before = 0n;
    let after = 0n;
    let lastId = 0;
    for (;;) {
      const page = this.page.all(scope.provider, scope.model, scope.fromMs, lastId, PAGE);
      if (page.length === 0) break;
      for (const r of page) {
        rows++;
        const priced = price(toPricedRow(scope, r));
        const cost = ourCost(priced, r.provider_cost_nusd);
        if (cost === r.cost_nusd && priced.price_version === r.price_version) continue;
        count++;
        before += BigInt(r.cost_nusd ?? r.provider_cost_nusd ?? 0);
        after += BigInt(cost ?? r.provider_cost_nusd ?? 0);
        changed(r, cost, priced.price_version);
      }
      lastId = page[page.length - 1]!.id;
    }
    return { rows, changed: count, before_nusd: before, after_nusd: after };
  }

  /** What reprice would change, writing nothing; `first_ms` is the time of the first changed row (null if none). */
  preview(scope: RepriceScope, price: Pricer): RepricePreview {
    let firstMs: number | null = null;
    let unpricedRows = 0;
    let unpricedAfter = 0n;
    const result = this.scan(scope, price, (r, cost) => {
      if (firstMs === null || r.ts_ms < firstMs) firstMs = r.ts_ms;
      if (r.cost_nusd === null && r.provider_cost_nusd === null) {
        unpricedRows++;
        unpricedAfter += BigInt(cost ?? 0);
      }
    });
    return { ...result, first_ms: firstMs, unpriced_rows: unpricedRows, unpriced_after_nusd: unpricedAfter };
  }

  private run(scope: RepriceScope, price: Pricer): RepriceResult {
    // What the changed rows added to the rollup, and what they will add: the first is taken out
    // of spend_daily and the second added, by the writer's own rules (rollup.ts rowSumsOf).
    const was = new BatchRollup();
    const willBe = new BatchRollup();
    const sums = emptyRowSums();
    const facts: RowFacts = { source: '', status: '', model: scope.model, usageKnown: true, costNusd: null, providerCostNusd: null, input: 0, cached: 0, output: 0, reasoning: 0 };
    const result = this.scan(scope, price, (r, cost, version) => {
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
      this.update.run(cost, version, r.id);
    });
    this.upsert.add(was, -1);
    this.upsert.add(willBe, 1);
    return result;
  }
}

function toPricedRow(scope: RepriceScope, r: StoredRow): PricedRow {
  const row: PricedRow = {
    ts: new Date(r.ts_ms).toISOString(),
    tsMs: r.ts_ms,
    provider: scope.provider,
    model: scope.model,
    input_tokens: r.input_tokens,
    cached_input_tokens: r.cached_input_tokens,
    output_tokens: r.output_tokens,
    reasoning_tokens: r.reasoning_tokens,
    thinking: r.thinking === 1,
    status: r.status,
  };
  if (r.cache_write_tokens > 0) row.cache_write_tokens = r.cache_write_tokens;
  if (r.route !== null) row.route = r.route;
  if (r.user !== null) row.user = r.user;
  return row;
}
