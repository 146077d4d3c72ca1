// The rollup of one write, in memory: every inserted row adds to one aggregate per spend
// dimension and local day, and the writer upserts the aggregates into spend_daily in the same
// transaction (upserts add), so spend_daily always equals the aggregate of the usage rows.
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../open.js';
import { leftOutReason, NO_USER, type LeftOutReason, type SpendDim } from '../../domain/spend.js';
import { SPEND_COLUMNS } from './sql.js';

export interface Agg {
  dim: SpendDim;
  day: string;
  key: string;
  /** Real requests: rows not left out (src/domain/spend.ts leftOutReason). */
  requests: number;
  unpriced: number;
  usageMissing: number;
  interrupted: number;
  neverSent: number;
  notFoundProbes: number;
  /** Nano-USD sums: `cost` while it is a safe integer; what would pass 2^53 moves into `costOver` (exact). */
  cost: number;
  costOver: bigint;
  providerCost: number;
  providerCostOver: bigint;
  /** The part of `cost` that route checks (source 'routecheck') cost. */
  routecheckCost: number;
  routecheckCostOver: bigint;
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

/** What one row adds to each of its aggregates. */
export interface RowSums {
  /** null: a request; else why the row is left out of the requests (src/domain/spend.ts). */
  leftOut: LeftOutReason | null;
  /** 1 when a request has no price (usage fine), else 0. */
  unpriced: number;
  usageMissing: number;
  interrupted: number;
  cost: number;
  providerCost: number;
  routecheckCost: number;
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

/** The facts of a stored or stored-to-be row that decide what it adds to the rollup. */
export interface RowFacts {
  source: string;
  status: string;
  model: string;
  /** Usage 'ok' or 'estimated' (a row without a cost is then "not priced", else "usage missing"). */
  usageKnown: boolean;
  costNusd: number | null;
  providerCostNusd: number | null;
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

/**
 * What a row adds to its aggregates, written into `into` (reused per row by the writer: no
 * allocation). The same rules as aggregateSql in sql.ts: the effective cost is ours, else the
 * provider's; a call never sent, or a route check's probe of a model that does not exist, is no
 * request (docs/ARCHITECTURE.md §3.5): counted apart, never as not priced.
 */
export function rowSumsOf(f: RowFacts, into: RowSums): RowSums {
  const effective = f.costNusd ?? f.providerCostNusd;
  into.leftOut = leftOutReason({ status: f.status, model: f.model, source: f.source, effectiveNusd: effective });
  into.unpriced = effective === null && f.usageKnown ? 1 : 0;
  into.usageMissing = effective === null && !f.usageKnown ? 1 : 0;
  into.interrupted = f.status === 'interrupted' ? 1 : 0;
  into.cost = effective ?? 0;
  into.providerCost = f.providerCostNusd ?? 0;
  into.routecheckCost = f.source === 'routecheck' ? (effective ?? 0) : 0;
  into.input = f.input;
  into.cached = f.cached;
  into.output = f.output;
  into.reasoning = f.reasoning;
  return into;
}

export const emptyRowSums = (): RowSums => ({ leftOut: null, unpriced: 0, usageMissing: 0, interrupted: 0, cost: 0, providerCost: 0, routecheckCost: 0, input: 0, cached: 0, output: 0, reasoning: 0 });

const newAgg = (dim: SpendDim, day: string, key: string): Agg => ({
  dim, day, key, requests: 0, unpriced: 0, usageMissing: 0, interrupted: 0, neverSent: 0, notFoundProbes: 0,
  cost: 0, costOver: 0n, providerCost: 0, providerCostOver: 0n, routecheckCost: 0, routecheckCostOver: 0n, input: 0, cached: 0, output: 0, reasoning: 0,
});

/** One day's aggregates of a batch, one map per dim (nested where the key has two parts). */
interface DaySums {
  day: string;
  provider: Map<string, Agg>;
  /** provider -> model; key provider/model. */
  model: Map<string, Map<string, Agg>>;
  user: Map<string, Agg>;
  route: Map<string, Agg>;
  /** Rows without a route: provider -> model, key provider/model (dim 'route'). */
  routeOfModel: Map<string, Map<string, Agg>>;
}

function bump(a: Agg, r: RowSums): void {
  if (r.leftOut === null) {
    a.requests++;
    a.unpriced += r.unpriced;
    a.usageMissing += r.usageMissing;
    a.interrupted += r.interrupted;
  } else if (r.leftOut === 'never_sent') a.neverSent++;
  else a.notFoundProbes++;
  // Each row's cost is a safe integer (≤ $1M = 1e15 nano-USD): a sum that stays at most 2^53 - 1
  // is exact, and one that would not is carried into the BigInt (rarely: a batch of over $9M).
  const c = a.cost + r.cost;
  if (c <= Number.MAX_SAFE_INTEGER) a.cost = c;
  else {
    a.costOver += BigInt(a.cost) + BigInt(r.cost);
    a.cost = 0;
  }
  const p = a.providerCost + r.providerCost;
  if (p <= Number.MAX_SAFE_INTEGER) a.providerCost = p;
  else {
    a.providerCostOver += BigInt(a.providerCost) + BigInt(r.providerCost);
    a.providerCost = 0;
  }
  const k = a.routecheckCost + r.routecheckCost;
  if (k <= Number.MAX_SAFE_INTEGER) a.routecheckCost = k;
  else {
    a.routecheckCostOver += BigInt(a.routecheckCost) + BigInt(r.routecheckCost);
    a.routecheckCost = 0;
  }
  a.input += r.input;
  a.cached += r.cached;
  a.output += r.output;
  a.reasoning += r.reasoning;
}

/**
 * The rollup of one batch: every inserted row adds to one aggregate per dim (keys as in
 * KEY_SQL in sql.ts). Rows are summed straight into the per-dim aggregates through maps keyed by the
 * row's own strings (no per-row string building). Two aggregates may share a (dim, day, key)
 * (a route named like a provider/model): both are upserted, and upserts add.
 */
export class BatchRollup {
  private readonly days = new Map<string, DaySums>();
  private last: DaySums | undefined;
  /** Aggregates held (the spend_daily rows to upsert). */
  size = 0;

  private aggIn(map: Map<string, Agg>, dim: SpendDim, day: string, key: string): Agg {
    let a = map.get(key);
    if (a === undefined) {
      map.set(key, (a = newAgg(dim, day, key)));
      this.size++;
    }
    return a;
  }

  private modelAggIn(map: Map<string, Map<string, Agg>>, dim: SpendDim, day: string, provider: string, model: string): Agg {
    let byModel = map.get(provider);
    if (byModel === undefined) map.set(provider, (byModel = new Map()));
    let a = byModel.get(model);
    if (a === undefined) {
      byModel.set(model, (a = newAgg(dim, day, `${provider}/${model}`)));
      this.size++;
    }
    return a;
  }

  add(day: string, provider: string, model: string, user: string | null | undefined, route: string | null | undefined, sums: RowSums): void {
    let d = this.last;
    if (d === undefined || d.day !== day) {
      d = this.days.get(day);
      if (d === undefined) {
        d = { day, provider: new Map(), model: new Map(), user: new Map(), route: new Map(), routeOfModel: new Map() };
        this.days.set(day, d);
      }
      this.last = d;
    }
    bump(this.aggIn(d.provider, 'provider', day, provider), sums);
    bump(this.modelAggIn(d.model, 'model', day, provider, model), sums);
    bump(this.aggIn(d.user, 'user', day, user ?? NO_USER), sums);
    bump(route === undefined || route === null ? this.modelAggIn(d.routeOfModel, 'route', day, provider, model) : this.aggIn(d.route, 'route', day, route), sums);
  }

  /** An aggregate's exact sums, as SQLite parameters (a BigInt only when past 2^53). */
  static costs(a: Agg): { cost: number | bigint; providerCost: number | bigint; routecheckCost: number | bigint } {
    return {
      cost: a.costOver === 0n ? a.cost : a.costOver + BigInt(a.cost),
      providerCost: a.providerCostOver === 0n ? a.providerCost : a.providerCostOver + BigInt(a.providerCost),
      routecheckCost: a.routecheckCostOver === 0n ? a.routecheckCost : a.routecheckCostOver + BigInt(a.routecheckCost),
    };
  }

  *aggregates(): Generator<Agg> {
    for (const d of this.days.values()) {
      yield* d.provider.values();
      for (const byModel of d.model.values()) yield* byModel.values();
      yield* d.user.values();
      yield* d.route.values();
      for (const byModel of d.routeOfModel.values()) yield* byModel.values();
    }
  }
}


const neg = (n: number | bigint): number | bigint => (typeof n === 'bigint' ? -n : n === 0 ? 0 : -n);

/** Upserts a BatchRollup's aggregates into spend_daily, adding them (sign 1) or taking them away (-1). */
export class RollupUpsert {
  private readonly stmt: BetterSqlite3.Statement;

  constructor(db: Db) {
    const sums = SPEND_COLUMNS.split(', ').slice(2);
    this.stmt = db.prepare(
      `INSERT INTO spend_daily (dim, ${SPEND_COLUMNS}) VALUES (${['?', ...SPEND_COLUMNS.split(', ')].map(() => '?').join(', ')})
       ON CONFLICT (dim, day, key) DO UPDATE SET ${sums.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`,
    );
  }

  add(rollup: BatchRollup, sign: 1 | -1): void {
    const s = sign === 1 ? (n: number | bigint) => n : neg;
    for (const a of rollup.aggregates()) {
      const { cost, providerCost, routecheckCost } = BatchRollup.costs(a);
      // In SPEND_COLUMNS order (sql.ts).
      this.stmt.run(
        a.dim, a.day, a.key, s(a.requests), s(a.unpriced), s(a.usageMissing), s(a.interrupted), s(cost), s(providerCost),
        s(a.input), s(a.cached), s(a.output), s(a.reasoning), s(a.neverSent), s(a.notFoundProbes), s(routecheckCost),
      );
    }
  }
}
