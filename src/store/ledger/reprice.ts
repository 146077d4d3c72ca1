// Re-pricing the ledger when a price version is applied (or corrected): every row of one
// (provider, model) from an instant on gets the cost the new catalog gives it, and spend_daily
// moves by the difference, all in one transaction (a report sees the old figures or the new,
// never a mix). Rows whose usage was missing or invalid are not priced from their counts and are
// left alone, as the writer leaves them (writer.ts).
//
// How: the rows are read in id order in pages (better-sqlite3 allows no write while a statement
// iterates), each priced by the same Pricer the writer uses; changed rows are copied to a
// temporary table with their new cost. Their aggregate as they were is taken out of spend_daily
// and their aggregate as they will be is added, by the same SQL as every rollup (sql.ts), so
// whatever a cost decides there (not priced, left out, route checks' share) moves with it; then
// one UPDATE … FROM writes the new costs.
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../open.js';
import { ourCost } from '../../domain/money/cost.js';
import { SPEND_DIMS } from '../../domain/spend.js';
import type { Pricer, PricedRow, RepricePreview, RepriceResult, RepriceScope } from '../ledger.js';
import { adjustRollupSql } from './sql.js';

const PAGE = 20_000;

interface StoredRow {
  id: number;
  ts_ms: number;
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
  status: string;
}

export class LedgerRepricer {
  private readonly page: BetterSqlite3.Statement<[string, string, number, number, number], StoredRow>;
  private readonly tx: BetterSqlite3.Transaction<(scope: RepriceScope, price: Pricer) => RepriceResult>;

  constructor(private readonly db: Db) {
    this.page = db.prepare(
      `SELECT id, ts_ms, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, thinking,
         cost_nusd, provider_cost_nusd, price_version, route, "user", status
       FROM usage
       WHERE provider = ? AND model = ? AND ts_ms >= ? AND id > ? AND (usage_status = 'ok' OR usage_status = 'estimated')
       ORDER BY id LIMIT ?`,
    );
    this.tx = db.transaction((scope: RepriceScope, price: Pricer) => this.run(scope, price));
  }

  /** Re-prices the scope with `price` in one transaction; returns what changed. */
  reprice(scope: RepriceScope, price: Pricer): RepriceResult {
    return this.tx.immediate(scope, price);
  }

  /** What reprice would change, writing nothing; `first_ms` is the time of the first changed row (null if none). */
  preview(scope: RepriceScope, price: Pricer): RepricePreview {
    let rows = 0;
    let changed = 0;
    let before = 0n;
    let after = 0n;
    let firstMs: number | null = null;
    let unpricedRows = 0;
    let unpricedAfter = 0n;
    let lastId = 0;
    for (;;) {
      const page = this.page.all(scope.provider, scope.model, scope.fromMs, lastId, PAGE);
      if (page.length === 0) break;
      for (const r of page) {
        rows++;
        const priced = price(toPricedRow(scope, r));
        const cost = ourCost(priced, r.provider_cost_nusd);
        if (cost === r.cost_nusd && priced.price_version === r.price_version) continue;
        changed++;
        before += BigInt(r.cost_nusd ?? r.provider_cost_nusd ?? 0);
        after += BigInt(cost ?? r.provider_cost_nusd ?? 0);
        if (firstMs === null || r.ts_ms < firstMs) firstMs = r.ts_ms;
        if (r.cost_nusd === null && r.provider_cost_nusd === null) {
          unpricedRows++;
          unpricedAfter += BigInt(cost ?? 0);
        }
      }
      lastId = page[page.length - 1]!.id;
    }
    return { rows, changed, before_nusd: before, after_nusd: after, first_ms: firstMs, unpriced_rows: unpricedRows, unpriced_after_nusd: unpricedAfter };
  }

  private run(scope: RepriceScope, price: Pricer): RepriceResult {
    const { db } = this;
    // The changed rows as they were (cost_nusd) and will be (new_cost): the rollup moves by the
    // aggregate of the one taken from that of the other, summed over this small table rather
    // than over the ledger.
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS reprice_rows (
      id INTEGER PRIMARY KEY, day TEXT, provider TEXT, model TEXT, "user" TEXT, route TEXT, source TEXT, status TEXT,
      usage_status TEXT, input_tokens INTEGER, cached_input_tokens INTEGER, output_tokens INTEGER, reasoning_tokens INTEGER,
      provider_cost_nusd INTEGER, cost_nusd INTEGER, new_cost INTEGER, new_version TEXT)`);
    db.exec(`CREATE TEMP VIEW IF NOT EXISTS reprice_after AS SELECT day, provider, model, "user", route, source, status, usage_status,
      input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, provider_cost_nusd, new_cost AS cost_nusd FROM temp.reprice_rows`);
    db.exec('DELETE FROM temp.reprice_rows');
    const keep = db.prepare(
      `INSERT INTO temp.reprice_rows SELECT id, day, provider, model, "user", route, source, status, usage_status,
         input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, provider_cost_nusd, cost_nusd, ?, ? FROM usage WHERE id = ?`,
    );
    let rows = 0;
    let changed = 0;
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
        changed++;
        before += BigInt(r.cost_nusd ?? r.provider_cost_nusd ?? 0);
        after += BigInt(cost ?? r.provider_cost_nusd ?? 0);
        keep.run(cost, priced.price_version, r.id);
      }
      lastId = page[page.length - 1]!.id;
    }
    if (changed > 0) {
      for (const dim of SPEND_DIMS) db.prepare(adjustRollupSql(dim, 'temp.reprice_rows', -1)).run();
      for (const dim of SPEND_DIMS) db.prepare(adjustRollupSql(dim, 'temp.reprice_after', 1)).run();
      db.prepare('UPDATE usage SET cost_nusd = d.new_cost, price_version = d.new_version FROM temp.reprice_rows d WHERE usage.id = d.id').run();
    }
    db.exec('DELETE FROM temp.reprice_rows');
    return { rows, changed, before_nusd: before, after_nusd: after };
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
