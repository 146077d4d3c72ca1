// Re-pricing the ledger when a price version is applied (or corrected): every row of one
// (provider, model) from an instant on gets the cost the new catalog gives it, and spend_daily
// moves by the difference, all in one transaction (a report sees the old figures or the new,
// never a mix). Rows whose usage was missing or invalid are not priced from their counts and are
// left alone, as the writer leaves them (writer.ts).
//
// How: ONE `UPDATE usage … WHERE <scope> AND routeops_reprice_row(<the row>)`. SQLite walks the
// scope through the index usage_scope (migrations/015_usage_scope.sql) and hands each row to that
// SQL function, which prices it with the same Pricer the writer uses and answers whether its cost
// or price version changes; the SET takes the new values the function just computed. What a
// changed row added to the rollup is taken out of spend_daily and what it adds now is added, by
// the writer's own rules (rollup.ts rowSumsOf), so whatever a cost decides there (not priced, left
// out, route checks' share) moves with it. The preview runs the same function in a SELECT.
//
// Measured in bench/reprice.ts (1,000,000 of 10,000,000 rows, /spend asked meanwhile; README
// "Benchmarks", the 2-vCPU machine at its quietest): 7.9-8.3 s and 6.7-7.0 s of CPU, beside a
// bare UPDATE of the same rows in 2.1 s; the version before (pages of row objects, an UPDATE by id
// per row, a full scan) 19.8 s and 12.0 s of CPU; this one without the index 9.3 s and 7.9 s.
// A row object cost ~3.6 µs a row, handing the row to the function under 1 µs. What is left is
// mostly SQLite's: the ~150,000 pages those rows sit on written to the WAL, the statement journal
// it keeps for an UPDATE that calls a function inside a transaction, and the checkpoint at the
// commit (~2 s). Tried and dropped, no faster: the new values in a temp table and an UPDATE with
// no function (8.9 s, 7.9 s of CPU, against 7.8-8.8 s, 7.0 s without /spend), the statement
// journal in memory (600 MB, more CPU), a rowid range from the index's first id, memory-mapped
// reads, one rollup of differences in place of two, pricing each distinct usage once (5% of the
// bench's rows repeat one).
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../open.js';
import { ourCost } from '../../domain/money/cost.js';
import type { Pricer, PricedRow, RepricePreview, RepriceResult, RepriceScope } from '../ledger.js';
import { BatchRollup, emptyRowSums, RollupUpsert, rowSumsOf, type RowFacts } from './rollup.js';

/** Page cache while re-pricing, in KiB as a negative PRAGMA cache_size (128 MiB). */
const REPRICE_CACHE_KIB = -131_072;

/** The columns routeops_reprice_row takes, in its parameters' order. */
const ROW_COLUMNS =
  'id, ts_ms, day, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, thinking, cost_nusd, provider_cost_nusd, price_version, route, "user", source, status';
const SCOPE = 'provider = @provider AND model = @model AND ts_ms >= @fromMs';
// The scope again inside the CASE: SQLite may test a WHERE's terms in any order, and a CASE
// evaluates its THEN only when its WHEN holds, so the function (which sums what it sees) sees
// the scope's rows and nothing else. The terms outside are the ones the index serves.
const PRICE_IN_SCOPE = `CASE WHEN ${SCOPE} AND (usage_status = 'ok' OR usage_status = 'estimated') THEN routeops_reprice_row(${ROW_COLUMNS}) ELSE 0 END`;

/** A changed row, as the rollup needs it (the visit's reused `row` holds its tokens and time). */
type OnChanged = (visit: Visit, day: string, user: string | null, route: string | null, source: string, status: string, was: number | null, providerCost: number | null) => void;

/** One re-pricing or preview under way: what routeops_reprice_row prices, counts and sums. */
class Visit {
  rows = 0;
  changed = 0;
  private beforeSmall = 0;
  private afterSmall = 0;
  private beforeBig = 0n;
  private afterBig = 0n;
  /** The changed row the UPDATE writes next (set by its WHERE, read by its SET). */
  id = -1;
  cost: number | null = null;
  version: string | null = null;
  /** One object refilled per row (no allocation per row): a Pricer reads it and keeps nothing. */
  readonly row: PricedRow;

  constructor(
    scope: RepriceScope,
    readonly price: Pricer,
    readonly onChanged: OnChanged | null,
  ) {
    this.row = {
      // A pricer reads tsMs; the ISO text is built only if one asks for it.
      get ts() {
        return new Date(this.tsMs).toISOString();
      },
      tsMs: 0,
      provider: scope.provider,
      model: scope.model,
      input_tokens: 0,
      cached_input_tokens: 0,
      cache_write_tokens: 0,
      output_tokens: 0,
      reasoning_tokens: 0,
      thinking: false,
      status: 'ok',
      route: undefined,
      user: undefined,
    };
  }

  /** Effective costs before and after, summed exactly (a number while it is safe, then BigInt). */
  addCosts(before: number, after: number): void {
    const b = this.beforeSmall + before;
    if (b <= Number.MAX_SAFE_INTEGER) this.beforeSmall = b;
    else {
      this.beforeBig += BigInt(this.beforeSmall) + BigInt(before);
      this.beforeSmall = 0;
    }
    const a = this.afterSmall + after;
    if (a <= Number.MAX_SAFE_INTEGER) this.afterSmall = a;
    else {
      this.afterBig += BigInt(this.afterSmall) + BigInt(after);
      this.afterSmall = 0;
    }
  }

  /** The row the SET writes must be the one the WHERE just priced (SQLite updates this table in one pass). */
  written(id: number): this {
    if (id !== this.id) throw new Error(`re-pricing: row ${id} is written but row ${this.id} was priced last`);
    return this;
  }

  result(): RepriceResult {
    return { rows: this.rows, changed: this.changed, before_nusd: this.beforeBig + BigInt(this.beforeSmall), after_nusd: this.afterBig + BigInt(this.afterSmall) };
  }
}

/** The visit under way on each connection (better-sqlite3 runs one statement at a time on it). */
const visits = new WeakMap<Db, { current: Visit | null }>();

/** routeops_reprice_row and the SET's two functions, registered once per connection. */
function slotOf(db: Db): { current: Visit | null } {
  const known = visits.get(db);
  if (known) return known;
  const s: { current: Visit | null } = { current: null };
  const visit = (): Visit => {
    if (s.current === null) throw new Error('routeops_reprice_row outside a re-pricing');
    return s.current;
  };
  db.function(
    'routeops_reprice_row',
    { directOnly: true },
    (
      id: number,
      tsMs: number,
      day: string,
      input: number,
      cached: number,
      written: number,
      output: number,
      reasoning: number,
      thinking: number,
      was: number | null,
      providerCost: number | null,
      version: string | null,
      route: string | null,
      user: string | null,
      source: string,
      status: string,
    ): number => {
      const v = visit();
      v.rows++;
      const row = v.row;
      row.tsMs = tsMs;
      row.input_tokens = input;
      row.cached_input_tokens = cached;
      row.cache_write_tokens = written;
      row.output_tokens = output;
      row.reasoning_tokens = reasoning;
      row.thinking = thinking === 1;
      row.status = status;
      row.route = route ?? undefined;
      row.user = user ?? undefined;
      const priced = v.price(row);
      const cost = ourCost(priced, providerCost);
      if (cost === was && priced.price_version === version) return 0;
      v.changed++;
      v.addCosts(was ?? providerCost ?? 0, cost ?? providerCost ?? 0);
      v.id = id;
      v.cost = cost;
      v.version = priced.price_version;
      v.onChanged?.(v, day, user, route, source, status, was, providerCost);
      return 1;
    },
  );
  db.function('routeops_repriced_cost', { directOnly: true }, (id: number) => visit().written(id).cost);
  db.function('routeops_repriced_version', { directOnly: true }, (id: number) => visit().written(id).version);
  visits.set(db, s);
  return s;
}

type ScopeParams = { provider: string; model: string; fromMs: number };

export class LedgerRepricer {
  private readonly slot: { current: Visit | null };
  private readonly update: BetterSqlite3.Statement<[ScopeParams]>;
  private readonly scan: BetterSqlite3.Statement<[ScopeParams]>;
  private readonly upsert: RollupUpsert;

  constructor(private readonly db: Db) {
    this.slot = slotOf(db);
    this.update = db.prepare(
      `UPDATE usage SET cost_nusd = routeops_repriced_cost(id), price_version = routeops_repriced_version(id) WHERE ${SCOPE} AND ${PRICE_IN_SCOPE}`,
    );
    this.scan = db.prepare(`SELECT COUNT(*) FROM usage WHERE ${SCOPE} AND ${PRICE_IN_SCOPE}`);
    this.upsert = new RollupUpsert(db);
  }

  /** Re-prices the scope with `price` in one transaction; returns what changed. */
  reprice(scope: RepriceScope, price: Pricer): RepriceResult {
    return this.inTransaction(() => this.repriceRows(scope, price));
  }

  /**
   * Runs `work` in one IMMEDIATE transaction (or inside the caller's), with the page cache raised
   * for it: one transaction dirties pages all over the ledger, and with the default 2 MB cache
   * SQLite spills them to the WAL again and again before the commit (bench/reprice.ts: 32.7 s
   * against 17.6 s for the version before this one; slower for this one too).
   */
  inTransaction<T>(work: () => T): T {
    const cache = this.db.pragma('cache_size', { simple: true }) as number;
    this.db.pragma(`cache_size = ${REPRICE_CACHE_KIB}`);
    try {
      return this.db.transaction(work).immediate();
    } finally {
      this.db.pragma(`cache_size = ${cache}`);
    }
  }

  /** Re-prices the scope inside the caller's transaction (inTransaction): rows and rollup. */
  repriceRows(scope: RepriceScope, price: Pricer): RepriceResult {
    // What the changed rows added to the rollup, and what they will add: the first is taken out
    // of spend_daily and the second added, by the writer's own rules (rollup.ts rowSumsOf).
    const was = new BatchRollup();
    const willBe = new BatchRollup();
    const sums = emptyRowSums();
    const facts: RowFacts = { source: '', status: '', model: scope.model, usageKnown: true, costNusd: null, providerCostNusd: null, input: 0, cached: 0, output: 0, reasoning: 0 };
    const { provider, model } = scope;
    const visit = new Visit(scope, price, (v, day, user, route, source, status, wasCost, providerCost) => {
      facts.source = source;
      facts.status = status;
      facts.providerCostNusd = providerCost;
      facts.input = v.row.input_tokens;
      facts.cached = v.row.cached_input_tokens;
      facts.output = v.row.output_tokens;
      facts.reasoning = v.row.reasoning_tokens;
      facts.costNusd = wasCost;
      was.add(day, provider, model, user, route, rowSumsOf(facts, sums));
      facts.costNusd = v.cost;
      willBe.add(day, provider, model, user, route, rowSumsOf(facts, sums));
    });
    this.during(visit, () => this.update.run(params(scope)));
    this.upsert.add(was, -1);
    this.upsert.add(willBe, 1);
    return visit.result();
  }

  /** What reprice would change, writing nothing; `first_ms` is the time of the first changed row (null if none). */
  preview(scope: RepriceScope, price: Pricer): RepricePreview {
    let firstMs: number | null = null;
    let unpricedRows = 0;
    let unpricedAfter = 0n;
    const visit = new Visit(scope, price, (v, _day, _user, _route, _source, _status, wasCost, providerCost) => {
      if (firstMs === null || v.row.tsMs < firstMs) firstMs = v.row.tsMs;
      if (wasCost === null && providerCost === null) {
        unpricedRows++;
        unpricedAfter += BigInt(v.cost ?? 0);
      }
    });
    this.during(visit, () => this.scan.get(params(scope)));
    return { ...visit.result(), first_ms: firstMs, unpriced_rows: unpricedRows, unpriced_after_nusd: unpricedAfter };
  }

  private during(visit: Visit, run: () => unknown): void {
    if (this.slot.current !== null) throw new Error('a re-pricing is already under way on this connection');
    this.slot.current = visit;
    try {
      run();
    } finally {
      this.slot.current = null;
    }
  }
}

const params = (scope: RepriceScope): ScopeParams => ({ provider: scope.provider, model: scope.model, fromMs: scope.fromMs });
