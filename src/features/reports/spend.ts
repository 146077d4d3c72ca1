// The spend report: spend per day × group from the ledger's daily rollup, with totals, shares,
// the previous period of the same length, the month-end projection and budget status. Pure:
// the ledger queries, the period, the grouping and "today" come in, so /spend, the /ask ops
// tools and the weekly report job all read the same numbers.
import type { Config } from '../../config/load.js';
import type { LedgerStore, SpendRow } from '../../store/ledger.js';
import type { AnswerFeedbackStore, FeedbackTally } from '../../store/answer-feedback.js';
import type { SpendDim } from '../../domain/spend.js';
import { previousPeriod, type Period } from '../../domain/time/period.js';
import { addDays, daysBetweenInclusive, type DayString } from '../../domain/time/zone.js';
import { budgetStatuses, type BudgetStatus } from '../budgets/status.js';


/** What the report reads from the ledger. */
export type SpendLedger = Pick<LedgerStore, 'spendRollup' | 'totals' | 'count'>;

/** Nano-USD sums are BigInt: exact at any size (store/ledger.ts). */
export interface SpendTotals {
  cost_nusd: bigint;
  requests: number;
  /** Rows with no price (not in the amounts). */
  unpriced: number;
  /** Rows whose reply carried no usable usage (not in the amounts: "usage missing"). */
  usage_missing: number;
  /** Calls interrupted by a stop or crash (in the amounts at their estimated cost). */
  interrupted: number;
  /** Left out of the groups and the requests, adding no money: calls never sent (no API key)… */
  never_sent: number;
  /** …and /routecheck's probes of a model that does not exist (docs/ARCHITECTURE.md §3.5). */
  not_found_probes: number;
  /** The part of cost_nusd that route checks cost (nano-USD). */
  routecheck_nusd: bigint;
}

export interface SpendGroup {
  key: string;
  /** Nano-USD. */
  total: bigint;
  requests: number;
  /** Rows with no price (not in the amounts). */
  unpriced: number;
  usage_missing: number;
  interrupted: number;
  byDay: Map<DayString, bigint>;
  /** Rows of the day not in its amount: not priced, plus usage missing. */
  unpricedByDay: Map<DayString, number>;
}

export interface SpendQuery {
  period: Period;
  groupBy: SpendDim;
  /** Today in the configured timezone (budgets are measured up to it). */
  today: DayString;
  /** By model: also count the 👍/👎 on answers of the period (/spend; docs/ARCHITECTURE.md §3.1). */
  feedback?: Pick<AnswerFeedbackStore, 'byModel'>;
}

export interface SpendReport {
  period: Period;
  groupBy: SpendDim;
  /** Every day of the period, in order. */
  days: DayString[];
  /** Biggest spender first (ties by key). */
  groups: SpendGroup[];
  totals: SpendTotals;
  previous: { from: DayString; to: DayString; totals: SpendTotals };
  /** Month-to-date periods only: the total projected to the month's end (nano-USD). */
  projection_nusd: bigint | null;
  /** Only looked up when the period has no usage: true when the ledger has no row at all. */
  ledgerEmpty: boolean;
  budgets: BudgetStatus[];
  /** By model with `feedback` asked: votes on the period's answers per model key (absent key: none); else null. */
  feedback?: Map<string, FeedbackTally> | null;
}

type RollupRow = Pick<SpendRow, 'day' | 'key' | 'cost_nusd' | 'requests' | 'unpriced' | 'usage_missing' | 'interrupted'>;

/** Descending order of BigInt amounts. */
export const byAmountDesc = (a: bigint, b: bigint): number => (b > a ? 1 : b < a ? -1 : 0);

function collectGroups(rows: readonly RollupRow[]): SpendGroup[] {
  const groups = new Map<string, SpendGroup>();
  for (const r of rows) {
    // Only left-out rows (no request, no money): no group, no day with spend.
    if (r.requests === 0 && r.cost_nusd === 0n) continue;
    let g = groups.get(r.key);
    if (!g) groups.set(r.key, (g = { key: r.key, total: 0n, requests: 0, unpriced: 0, usage_missing: 0, interrupted: 0, byDay: new Map(), unpricedByDay: new Map() }));
    g.total += r.cost_nusd;
    g.requests += r.requests;
    g.unpriced += r.unpriced;
    g.usage_missing += r.usage_missing;
    g.interrupted += r.interrupted;
    g.byDay.set(r.day, (g.byDay.get(r.day) ?? 0n) + r.cost_nusd);
    const notInAmount = r.unpriced + r.usage_missing;
    if (notInAmount) g.unpricedByDay.set(r.day, (g.unpricedByDay.get(r.day) ?? 0) + notInAmount);
  }
  return [...groups.values()].sort((a, b) => byAmountDesc(a.total, b.total) || a.key.localeCompare(b.key));
}

/** Display buckets: days up to ~2 months, then ISO weeks, then months (Slack tables hold 100 rows; the chart uses the same). */
export function bucketOf(day: DayString, spanDays: number): string {
  if (spanDays <= 62) return day;
  if (spanDays <= 26 * 7) {
    const wd = new Date(`${day}T00:00:00Z`).getUTCDay() || 7;
    return `week of ${addDays(day, 1 - wd)}`;
  }
  return day.slice(0, 7);
}

export function daysOf(p: { from: DayString; to: DayString }): DayString[] {
  const out: DayString[] = [];
  for (let d = p.from; d <= p.to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** The month-to-date total scaled to the whole month, rounded half up (exact integer arithmetic). */
export function projectMonth(totalSoFar: bigint, period: Period): bigint {
  const monthDays = Number(new Date(Date.UTC(Number(period.to.slice(0, 4)), Number(period.to.slice(5, 7)), 0)).getUTCDate());
  const elapsed = daysBetweenInclusive(period.from, period.to);
  return (totalSoFar * BigInt(monthDays) + BigInt(elapsed) / 2n) / BigInt(elapsed);
}

/** A group's share of the whole, 0 when there is no whole (a ratio: floating point is fine). */
export function shareOf(part: bigint, whole: bigint): number {
  return whole === 0n ? 0 : Number((part * 1_000_000_000n) / whole) / 1e9;
}

export async function spendReport(ledger: SpendLedger, budgets: Config['budgets'], q: SpendQuery): Promise<SpendReport> {
  const { period, groupBy, today } = q;
  const prev = previousPeriod(period);
  const feedbackOf = groupBy === 'model' ? q.feedback : undefined;
  const [totals, rollup, previousTotals, rows, budgetList, votes] = await Promise.all([
    ledger.totals(period.from, period.to),
    ledger.spendRollup(groupBy, period.from, period.to),
    ledger.totals(prev.from, prev.to),
    ledger.count(),
    budgetStatuses(budgets, ledger, today),
    feedbackOf ? feedbackOf.byModel(period.from, period.to) : null,
  ]);
  return {
    period,
    groupBy,
    days: daysOf(period),
    groups: collectGroups(rollup),
    totals,
    previous: { ...prev, totals: previousTotals },
    projection_nusd: period.monthToDate ? projectMonth(totals.cost_nusd, period) : null,
    ledgerEmpty: totals.requests === 0 && rows === 0,
    budgets: budgetList,
    feedback: votes && new Map(votes.map((v) => [v.key, { up: v.up, down: v.down }])),
  };
}
