// The spend report as the machine-readable document of `/spend --json` and of the /ask
// `get_spend` tool: USD amounts, shares, every day of the period per group.
import { nusdToUsd } from '../../domain/money/units.js';
import { percentUsed } from '../budgets/status.js';
import { shareOf, type SpendReport } from './spend.js';

export function spendJson(report: SpendReport, timezone: string) {
  const { period, totals, previous } = report;
  const overall = totals.cost_nusd;
  // By model on /spend: 👍/👎 on the period's answers, per model and in all (added fields only).
  const votes = report.feedback;
  const feedbackOf = (key: string) => (votes ? { feedback: votes.get(key) ?? { up: 0, down: 0 } } : {});
  const allVotes = votes && [...votes.values()].reduce((t, v) => ({ up: t.up + v.up, down: t.down + v.down }), { up: 0, down: 0 });
  return {
    from: period.from,
    to: period.to,
    group_by: report.groupBy,
    timezone,
    total_usd: nusdToUsd(overall),
    requests: totals.requests,
    unpriced_rows: totals.unpriced,
    usage_missing_rows: totals.usage_missing,
    interrupted_calls: totals.interrupted,
    // Rows that are no request and add no money, left out of the groups and `requests`.
    left_out: { never_sent: totals.never_sent, not_found_probes: totals.not_found_probes },
    // The part of total_usd that /routecheck's calls cost.
    route_checks_usd: nusdToUsd(totals.routecheck_nusd),
    previous: { from: previous.from, to: previous.to, total_usd: nusdToUsd(previous.totals.cost_nusd) },
    projection_usd: report.projection_nusd === null ? null : nusdToUsd(report.projection_nusd),
    // A period without usage reports no budget lines (the reply then only says it is empty).
    ...(allVotes ? { feedback: allVotes } : {}),
    budgets: totals.requests === 0 ? [] : report.budgets.map((s) => ({ id: s.id, spent_usd: nusdToUsd(s.spent_nusd), limit_usd: nusdToUsd(s.limit_nusd), percent: percentUsed(s) })),
    groups: report.groups.map((g) => ({
      key: g.key,
      total_usd: nusdToUsd(g.total),
      // Rounded to 4 places (0.1234 = 12.34%), as docs/ARCHITECTURE.md §3.1 shows.
      share: Math.round(shareOf(g.total, overall) * 10_000) / 10_000,
      requests: g.requests,
      unpriced_rows: g.unpriced,
      usage_missing_rows: g.usage_missing,
      interrupted_calls: g.interrupted,
      ...feedbackOf(g.key),
      days: report.days.map((date) => {
        const unpriced = g.unpricedByDay.get(date) ?? 0;
        return { date, usd: nusdToUsd(g.byDay.get(date) ?? 0n), ...(unpriced ? { unpriced_rows: unpriced } : {}) };
      }),
    })),
  };
}

export type SpendJson = ReturnType<typeof spendJson>;
