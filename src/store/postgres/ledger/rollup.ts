// Changes to spend_daily gathered in memory and written in one statement: the sums of many
// batches of one import (recordBatches), or what a re-pricing takes out and adds. Written once,
// in key order (sql.ts upsertRollupSql), so concurrent writers lock the rollup's rows in the same
// order; exact sums (BigInt), sent as numeric text.
import type { SpendDim } from '../../../domain/spend.js';
import { BatchRollup } from '../../ledger/rollup.js';
import type { PgQuery } from '../pool.js';
import { SUM_COLUMNS, upsertRollupSql } from './sql.js';

interface Delta {
  dim: string;
  day: string;
  key: string;
  /** In SUM_COLUMNS order. */
  sums: bigint[];
}

/** Rows a query gives as (dim, day, key, …SUM_COLUMNS), each sum as text. */
export type AggregateText = Record<string, string>;

export class RollupDeltas {
  private readonly deltas = new Map<string, Delta>();

  get size(): number {
    return this.deltas.size;
  }

  private at(dim: string, day: string, key: string): Delta {
    const id = `${dim}\u0000${day}\u0000${key}`;
    let d = this.deltas.get(id);
    if (d === undefined) this.deltas.set(id, (d = { dim, day, key, sums: SUM_COLUMNS.map(() => 0n) }));
    return d;
  }

  /** Adds aggregates read back from PostgreSQL (sql.ts aggregateSql, sums as text). */
  addText(rows: readonly AggregateText[]): void {
    for (const r of rows) {
      const d = this.at(r.dim!, r.day!, r.key!);
      for (let i = 0; i < SUM_COLUMNS.length; i++) d.sums[i]! += BigInt(r[SUM_COLUMNS[i]!]!);
    }
  }

  /** Adds (sign 1) or takes away (-1) a BatchRollup's aggregates (src/store/ledger/rollup.ts). */
  addRollup(rollup: BatchRollup, sign: 1 | -1): void {
    const s = BigInt(sign);
    for (const a of rollup.aggregates()) {
      const { cost, providerCost, routecheckCost } = BatchRollup.costs(a);
      // In SUM_COLUMNS order (src/store/ledger/sql.ts SPEND_COLUMNS).
      const add = [a.requests, a.unpriced, a.usageMissing, a.interrupted, cost, providerCost, a.input, a.cached, a.output, a.reasoning, a.neverSent, a.notFoundProbes, routecheckCost];
      const d = this.at(a.dim satisfies SpendDim, a.day, a.key);
      for (let i = 0; i < add.length; i++) d.sums[i]! += s * BigInt(add[i]!);
    }
  }

  /** Writes the deltas to spend_daily (inside the caller's transaction) and forgets them. */
  async flush(q: PgQuery): Promise<void> {
    if (this.deltas.size === 0) return;
    const all = [...this.deltas.values()];
    const params = [all.map((d) => d.dim), all.map((d) => d.day), all.map((d) => d.key), ...SUM_COLUMNS.map((_, i) => all.map((d) => d.sums[i]!.toString()))];
    const unnest = `SELECT * FROM unnest($1::text[], $2::text[], $3::text[], ${SUM_COLUMNS.map((_, i) => `$${i + 4}::numeric[]`).join(', ')}) AS d(dim, day, key, ${SUM_COLUMNS.join(', ')})`;
    await q.query(upsertRollupSql(unnest), params);
    this.deltas.clear();
  }
}

/** Usage rows an aggregate covers: dim 'provider' holds each row once, as a request or left out. */
export function rowsIn(agg: readonly AggregateText[]): number {
  let n = 0n;
  for (const r of agg) if (r.dim === 'provider') n += BigInt(r.requests!) + BigInt(r.never_sent!) + BigInt(r.not_found_probes!);
  return Number(n);
}
