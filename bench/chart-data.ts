// Synthetic spend reports for the chart benchmark and the example charts in docs/charts/: a
// seeded PRNG (bench/gen.ts), so every run draws the same chart.
import { sfc32 } from './gen.js';
import { daysOf, projectMonth, type SpendGroup, type SpendReport } from '../src/features/reports/spend.js';
import type { SpendDim } from '../src/domain/spend.js';
import type { BudgetStatus } from '../src/features/budgets/status.js';
import { usdToNusd } from '../src/domain/money/units.js';

export interface SampleOptions {
  from: string;
  to: string;
  keys: string[];
  groupBy?: SpendDim;
  label?: string;
  monthToDate?: boolean;
  /** Budgets in USD. */
  daily?: number;
  monthly?: number;
  /** A typical day's spend in USD (split over the keys, biggest first). */
  dailyUsd?: number;
  seed?: number;
}

const totals = (cost: bigint, requests: number) => ({ cost_nusd: cost, requests, unpriced: 0, usage_missing: 0, interrupted: 0, never_sent: 0, not_found_probes: 0, routecheck_nusd: 0n });

export function sampleSpendReport(o: SampleOptions): SpendReport {
  const rand = sfc32(o.seed ?? 7);
  const period = { from: o.from, to: o.to, label: o.label ?? `${o.from}..${o.to}`, monthToDate: o.monthToDate ?? false };
  const days = daysOf(period);
  const perDay = o.dailyUsd ?? 40;
  const groups: SpendGroup[] = o.keys.map((key, k) => {
    const share = 1 / (k + 1.6);
    const byDay = new Map<string, bigint>();
    let total = 0n;
    for (const [i, day] of days.entries()) {
      // Weekdays busier than weekends, a slow climb over the period, and noise.
      const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
      const load = (weekday === 0 || weekday === 6 ? 0.45 : 1) * (0.8 + (0.4 * i) / days.length) * (0.7 + 0.6 * rand());
      const amount = BigInt(usdToNusd((perDay * share * load).toFixed(6)));
      byDay.set(day, amount);
      total += amount;
    }
    return { key, total, requests: days.length * 100, unpriced: 0, usage_missing: 0, interrupted: 0, byDay, unpricedByDay: new Map() };
  });
  groups.sort((a, b) => (b.total > a.total ? 1 : b.total < a.total ? -1 : 0));
  const cost = groups.reduce((s, g) => s + g.total, 0n);
  const budgets: BudgetStatus[] = [];
  const lastDay = days[days.length - 1]!;
  if (o.daily !== undefined) budgets.push({ id: 'daily', label: 'Daily budget', period: 'daily', periodStart: o.to, spent_nusd: groups.reduce((s, g) => s + (g.byDay.get(lastDay) ?? 0n), 0n), limit_nusd: usdToNusd(o.daily) });
  if (o.monthly !== undefined) budgets.push({ id: 'monthly', label: 'Monthly budget', period: 'monthly', periodStart: `${o.to.slice(0, 7)}-01`, spent_nusd: cost, limit_nusd: usdToNusd(o.monthly) });
  return {
    period,
    groupBy: o.groupBy ?? 'provider',
    days,
    groups,
    totals: totals(cost, groups.reduce((s, g) => s + g.requests, 0)),
    previous: { from: o.from, to: o.to, totals: totals(0n, 0) },
    projection_nusd: period.monthToDate ? projectMonth(cost, period) : null,
    ledgerEmpty: false,
    budgets,
  };
}
