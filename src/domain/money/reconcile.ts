// The bill check (docs/ARCHITECTURE.md §3.7 `reconciliation`): what a provider deducted from its
// prepaid balance against what the ledger says routeops spent there in the same hours, exact in
// nano-USD. The day is cut at the balance snapshots (hourly), so the check can also tell which
// model's spend the gap follows: a gap that is one model's ledger cost times a constant ratio in
// every interval is that model's price being out of date.

export interface ReconcileInterval {
  /** Balance fall between two consecutive snapshots, top-ups and grants added back. */
  deducted_nano: bigint;
  /** The ledger's spend on the provider in the same interval, per model. */
  ledger_by_model: ReadonlyMap<string, bigint>;
}

export interface ReconcileThresholds {
  /** A gap counts above this share of the ledger's spend… */
  threshold_pct: number;
  /** …and above this amount, nano-USD. */
  threshold_nano: bigint;
}

/**
 * `alone`: the model was the only one routeops called there, so traffic outside routeops that
 * rises and falls with routeops' own would look the same; the alert says both.
 */
export type GapCause = { kind: 'outside_traffic' } | { kind: 'stale_price'; model: string; ratio_pct: number; alone: boolean } | { kind: 'billed_differently' };

/** A model billed at more than this share of routeops' price is not a price out of date but traffic routeops did not see. */
export const MAX_PRICE_RATIO_PCT = 400;

export interface Reconciliation {
  deducted_nano: bigint;
  ledger_nano: bigint;
  /** deducted − ledger. */
  gap_nano: bigint;
  /** gap / ledger × 100 to a tenth (toward zero); null with no ledger spend. */
  gap_pct: number | null;
  /** Above both thresholds. */
  flagged: boolean;
  cause: GapCause | null;
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);
const sum = (xs: Iterable<bigint>): bigint => {
  let s = 0n;
  for (const x of xs) s += x;
  return s;
};

/**
 * The model whose ledger cost, times one ratio, explains the gap in every interval (within 5% of
 * the gap), or null. The ratio is fixed by the totals: gap = cost_m × (ratio − 1).
 */
function modelExplaining(intervals: readonly ReconcileInterval[], gap: bigint): { model: string; ratio_pct: number; alone: boolean } | null {
  const models = new Set(intervals.flatMap((i) => [...i.ledger_by_model.entries()].filter(([, c]) => c > 0n).map(([m]) => m)));
  let best: { model: string; misfit: bigint; cost: bigint } | null = null;
  for (const m of models) {
    const cost = sum(intervals.map((i) => i.ledger_by_model.get(m) ?? 0n));
    if (cost <= 0n) continue;
    // A ratio is seen only across hours the model was used in: one busy hour is no pattern.
    if (intervals.filter((i) => (i.ledger_by_model.get(m) ?? 0n) > 0n).length < 2) continue;
    if ((cost + gap) * 100n > cost * BigInt(MAX_PRICE_RATIO_PCT) || cost + gap <= 0n) continue;
    // Σ |actual gap_i − cost_i × gap / cost|, scaled by cost to stay in integers.
    let misfit = 0n;
    for (const i of intervals) {
      const actual = i.deducted_nano - sum(i.ledger_by_model.values());
      misfit += abs(actual * cost - (i.ledger_by_model.get(m) ?? 0n) * gap);
    }
    if (misfit * 20n <= abs(gap) * cost && (!best || misfit * best.cost < best.misfit * cost)) best = { model: m, misfit, cost };
  }
  if (!best) return null;
  return { model: best.model, ratio_pct: Number(((best.cost + gap) * 1000n) / best.cost) / 10, alone: models.size === 1 };
}

/** The bill check of one provider over consecutive intervals (a day cut at its snapshots). */
export function reconcile(intervals: readonly ReconcileInterval[], t: ReconcileThresholds): Reconciliation {
  const deducted = sum(intervals.map((i) => i.deducted_nano));
  const ledger = sum(intervals.map((i) => sum(i.ledger_by_model.values())));
  const gap = deducted - ledger;
  const gap_pct = ledger > 0n ? Number((gap * 1000n) / ledger) / 10 : null;
  const overPct = ledger === 0n || abs(gap) * 100n > BigInt(Math.round(t.threshold_pct * 1000)) * ledger / 1000n;
  const flagged = abs(gap) > t.threshold_nano && overPct;
  let cause: GapCause | null = null;
  if (flagged) {
    // Several intervals are needed to tell a model's ratio from outside traffic.
    const stale = intervals.length > 1 ? modelExplaining(intervals, gap) : null;
    if (stale) cause = { kind: 'stale_price', ...stale };
    else if (gap > 0n && deducted * 2n >= ledger * 3n) cause = { kind: 'outside_traffic' };
    else cause = { kind: 'billed_differently' };
  }
  return { deducted_nano: deducted, ledger_nano: ledger, gap_nano: gap, gap_pct, flagged, cause };
}

/** The cause in words, for the alert. */
export function causeText(c: GapCause): string {
  if (c.kind === 'outside_traffic') return 'traffic not going through routeops (or its imports): the provider deducted far more than the ledger recorded';
  if (c.kind === 'stale_price') {
    const stale = `prices out of date: ${c.model} was billed at ${c.ratio_pct}% of routeops' price in every hour`;
    return c.alone ? `${stale} — or traffic outside routeops that follows routeops' own (${c.model} is the only model routeops called there, so the two look alike)` : stale;
  }
  return 'cache or reasoning tokens billed differently, or a cause routeops cannot tell';
}
