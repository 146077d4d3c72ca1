// Drift between our cost and the cost a provider reported for the same rows (OpenRouter's
// `usage.cost`, docs/PROVIDERS.md), per (provider, model) and day. Pure: the ledger hands over
// its rows already grouped (src/store/ledger/cost-drift.ts), this file decides whether the gap
// is worth an alert and what likely caused it. Money is integer nano-USD summed as BigInt.
//
// The likely cause, from how the gap spreads over the rows:
// - the rows WITH cached or cache-write tokens are off while the rows without agree (within the
//   alert's percentage): "cache billed differently"; the same with reasoning tokens or thinking
//   mode: "reasoning billed differently"; both at once (the gap is in rows that have both): "cache
//   or reasoning billed differently". This needs rows of both kinds: when every row has cached
//   tokens there is nothing to compare them with;
// - else most rows (STEADY_SHARE_PCT) differ by the same factor (within 1%), and that factor is
//   not 1: "price changed", every component moved together;
// - else "unknown".

/** Rows of one (provider, model) and day alike in what the cause test looks at. */
export interface DriftGroup {
  provider: string;
  model: string;
  /** The rows have cached or cache-write tokens. */
  cache: boolean;
  /** The rows have reasoning tokens or are thinking-mode calls. */
  reasoning: boolean;
  /** Our cost ÷ the provider's, in thousandths (rounded); null where the provider reported $0. */
  ratio_permille: number | null;
  rows: number;
  ours_nusd: bigint;
  theirs_nusd: bigint;
}

export interface DriftThresholds {
  /** The gap must be above this share of the provider's total, in parts per million (1% = 10,000). */
  min_ppm: bigint;
  /** …and above this amount, nano-USD. */
  min_nusd: bigint;
}

export type DriftCause = 'price_changed' | 'cache' | 'reasoning' | 'cache_or_reasoning' | 'unknown';

export interface ModelDrift {
  provider: string;
  model: string;
  rows: number;
  ours_nusd: bigint;
  theirs_nusd: bigint;
  /** ours − theirs. */
  diff_nusd: bigint;
  cause: DriftCause;
  /** price_changed: our cost ÷ theirs on most rows, in thousandths (1250 = ours is 1.25× theirs). */
  factor_permille: number | null;
  /** price_changed: the rows at that factor. */
  factor_rows: number;
}

/** The share of rows that must differ by one factor for "price changed". */
export const STEADY_SHARE_PCT = 80;

interface Sums {
  rows: number;
  ours: bigint;
  theirs: bigint;
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);

function sumOf(groups: readonly DriftGroup[]): Sums {
  const s: Sums = { rows: 0, ours: 0n, theirs: 0n };
  for (const g of groups) {
    s.rows += g.rows;
    s.ours += g.ours_nusd;
    s.theirs += g.theirs_nusd;
  }
  return s;
}

/** The gap is above `min_ppm` of the provider's total (any gap over a reported $0 is). */
const aboveShare = (s: Pick<Sums, 'ours' | 'theirs'>, minPpm: bigint): boolean => abs(s.ours - s.theirs) * 1_000_000n > s.theirs * minPpm;

/** Whether a day's totals of one model call for an alert: the gap is above both thresholds. */
export function isDrift(ours: bigint, theirs: bigint, t: DriftThresholds): boolean {
  return abs(ours - theirs) > t.min_nusd && aboveShare({ ours, theirs }, t.min_ppm);
}

/** The rows with a feature are off while the rows without it agree. */
function gapIn(groups: readonly DriftGroup[], has: (g: DriftGroup) => boolean, minPpm: bigint): boolean {
  const withIt = sumOf(groups.filter(has));
  const without = sumOf(groups.filter((g) => !has(g)));
  return withIt.rows > 0 && without.rows > 0 && aboveShare(withIt, minPpm) && !aboveShare(without, minPpm);
}

/**
 * The factor (thousandths) the most rows share within ±1%, and how many rows that is. Ratios are
 * sorted; a window [f − 1%, f + 1%] slides over them with two pointers.
 */
export function commonFactor(groups: readonly DriftGroup[]): { permille: number; rows: number } | null {
  const byRatio = new Map<number, number>();
  for (const g of groups) if (g.ratio_permille !== null) byRatio.set(g.ratio_permille, (byRatio.get(g.ratio_permille) ?? 0) + g.rows);
  const ratios = [...byRatio.keys()].sort((a, b) => a - b);
  let best: { permille: number; rows: number; own: number } | null = null;
  let lo = 0;
  let hi = 0;
  let inWindow = 0;
  for (const center of ratios) {
    // Integer bounds: f·0.99 ≤ r ≤ f·1.01, as r·100 against f·99 and f·101.
    while (hi < ratios.length && ratios[hi]! * 100 <= center * 101) inWindow += byRatio.get(ratios[hi++]!)!;
    while (ratios[lo]! * 100 < center * 99) inWindow -= byRatio.get(ratios[lo++]!)!;
    const own = byRatio.get(center)!;
    if (!best || inWindow > best.rows || (inWindow === best.rows && own > best.own)) best = { permille: center, rows: inWindow, own };
  }
  return best && { permille: best.permille, rows: best.rows };
}

/** Why one model's costs drift apart, from its groups of rows (see the top of this file). */
export function driftCause(groups: readonly DriftGroup[], minPpm: bigint): Pick<ModelDrift, 'cause' | 'factor_permille' | 'factor_rows'> {
  const cache = gapIn(groups, (g) => g.cache, minPpm);
  const reasoning = gapIn(groups, (g) => g.reasoning, minPpm);
  const none = { factor_permille: null, factor_rows: 0 };
  if (cache && reasoning) return { cause: 'cache_or_reasoning', ...none };
  if (cache) return { cause: 'cache', ...none };
  if (reasoning) return { cause: 'reasoning', ...none };
  const total = sumOf(groups).rows;
  const common = commonFactor(groups);
  // The common factor must itself be off by more than 1% (else those rows simply agree).
  if (common && common.rows * 100 >= total * STEADY_SHARE_PCT && Math.abs(common.permille - 1000) * 100 > 1000) {
    return { cause: 'price_changed', factor_permille: common.permille, factor_rows: common.rows };
  }
  return { cause: 'unknown', ...none };
}

/** Every (provider, model) of a day's groups whose drift is above the thresholds, sorted by provider and model. */
export function judgeDrift(groups: readonly DriftGroup[], t: DriftThresholds): ModelDrift[] {
  const byModel = new Map<string, DriftGroup[]>();
  for (const g of groups) {
    const key = `${g.provider}\u0000${g.model}`;
    const list = byModel.get(key);
    if (list) list.push(g);
    else byModel.set(key, [g]);
  }
  const out: ModelDrift[] = [];
  for (const list of byModel.values()) {
    const s = sumOf(list);
    if (!isDrift(s.ours, s.theirs, t)) continue;
    const { provider, model } = list[0]!;
    out.push({ provider, model, rows: s.rows, ours_nusd: s.ours, theirs_nusd: s.theirs, diff_nusd: s.ours - s.theirs, ...driftCause(list, t.min_ppm) });
  }
  return out.sort((a, b) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
}
