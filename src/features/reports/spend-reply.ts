// The spend report as a Reply: headline figures, budget lines, a day × group table, the JSON
// document (and the CSV file when asked) and the chart as data (src/features/charts). Shared by
// /spend and the weekly report job, so the report posted on Monday looks like the one anyone
// can ask for.
import type { Reply, ReplyTable } from '../../domain/reply.js';
import { formatUsd, formatUsdExact } from '../../domain/money/units.js';
import { daysBetweenInclusive, type DayString } from '../../domain/time/zone.js';
import { percentUsed } from '../budgets/status.js';
import { bucketOf, shareOf, type SpendGroup, type SpendReport } from './spend.js';
import { spendChart } from '../charts/spend-chart.js';
import { plural } from '../../domain/text.js';
import { spendJson } from './spend-json.js';
import { spendCsvFile } from './spend-csv.js';

/** Slack tables allow 20 cells a row: the day column, up to 17 groups, "other" and the total. */
const MAX_GROUP_COLUMNS = 17;

function percent(part: bigint, whole: bigint, digits = 1): string {
  if (whole === 0n) return '—';
  return `${(shareOf(part, whole) * 100).toFixed(digits)}%`;
}

/** "day", "7 days": a span of days as the report's sentences say it. */
const spanText = (days: number): string => (days === 1 ? 'day' : plural(days, 'day'));

/** The change from the previous period; with nothing then, no percentage and no "was $0.00". */
function changeText(current: bigint, previous: bigint, spanDays: number): string {
  if (previous === 0n) return current === 0n ? 'no change' : `new (nothing the ${spanText(spanDays)} before)`;
  const pct = Number(((current - previous) * 1_000_000n) / previous) / 10_000;
  const sign = pct > 0 ? '+' : pct < 0 ? '−' : '±';
  return `${sign}${Math.abs(pct).toFixed(1)}% (was ${formatUsd(previous)})`;
}

/** An amount, marked where rows without a price stand behind it: never a bare $0.00 for them. */
function money(nusd: bigint, unpriced: number): string {
  if (!unpriced) return formatUsd(nusd);
  return nusd === 0n ? 'not priced' : `${formatUsd(nusd)}*`;
}

/**
 * "spent of limit" in cents, unless cents do not explain the percentage ("$0.03 of $0.03" at
 * 92%): then both in full (to the nano-dollar, trailing zeros trimmed).
 */
function budgetAmounts(s: { spent_nusd: bigint; limit_nusd: number }, pct: number): string {
  const cents = (n: bigint) => (n + 5_000_000n) / 10_000_000n;
  const spent = cents(s.spent_nusd);
  const limit = cents(BigInt(s.limit_nusd));
  const explained = limit > 0n && Number((spent * 100n) / limit) === pct;
  return explained ? `${formatUsd(s.spent_nusd)} of ${formatUsd(s.limit_nusd)}` : `${formatUsdExact(s.spent_nusd)} of ${formatUsdExact(s.limit_nusd)}`;
}

/** An amount; under a cent the rounded figure says little, so the exact one stands beside it. */
function amountText(nusd: bigint): string {
  return nusd > 0n && nusd < 10_000_000n ? `${formatUsd(nusd)} (${formatUsdExact(nusd)})` : formatUsd(nusd);
}

/** "2 calls never sent (no API key), 1 route-check probe of a model that does not exist", or null. */
export function leftOutText(totals: { never_sent: number; not_found_probes: number }): string | null {
  const parts: string[] = [];
  if (totals.never_sent) parts.push(`${plural(totals.never_sent, 'call')} never sent (no API key)`);
  if (totals.not_found_probes) parts.push(`${plural(totals.not_found_probes, 'route-check probe')} of a model that does not exist`);
  return parts.length ? parts.join(', ') : null;
}

function buildTable(groups: SpendGroup[], report: SpendReport): ReplyTable {
  const { period } = report;
  const spanDays = daysBetweenInclusive(period.from, period.to);
  const shown = groups.length > MAX_GROUP_COLUMNS + 1 ? groups.slice(0, MAX_GROUP_COLUMNS) : groups;
  const hidden = groups.slice(shown.length);
  type Cell = { nusd: bigint; unpriced: number };
  const cell = (): Cell => ({ nusd: 0n, unpriced: 0 });
  const buckets = new Map<string, { perGroup: Cell[]; other: Cell; total: Cell }>();
  for (const day of report.days) {
    const b = bucketOf(day, spanDays);
    if (!buckets.has(b)) buckets.set(b, { perGroup: shown.map(cell), other: cell(), total: cell() });
  }
  const add = (g: SpendGroup, day: DayString, col: number | 'other') => {
    const b = buckets.get(bucketOf(day, spanDays))!;
    const amount = g.byDay.get(day) ?? 0n;
    const unpriced = g.unpricedByDay.get(day) ?? 0;
    for (const c of [col === 'other' ? b.other : b.perGroup[col]!, b.total]) {
      c.nusd += amount;
      c.unpriced += unpriced;
    }
  };
  shown.forEach((g, i) => g.byDay.forEach((_v, day) => add(g, day, i)));
  hidden.forEach((g) => g.byDay.forEach((_v, day) => add(g, day, 'other')));

  const columns: ReplyTable['columns'] = [{ header: spanDays <= 62 ? 'Day' : spanDays <= 26 * 7 ? 'Week' : 'Month' }];
  shown.forEach((g) => columns.push({ header: g.key, align: 'right' }));
  if (hidden.length) columns.push({ header: `${hidden.length} others`, align: 'right' });
  columns.push({ header: 'Total', align: 'right' });
  const rows = [...buckets.entries()].map(([label, b]) => [
    label,
    ...b.perGroup.map((c) => money(c.nusd, c.unpriced)),
    ...(hidden.length ? [money(b.other.nusd, b.other.unpriced)] : []),
    money(b.total.nusd, b.total.unpriced),
  ]);
  // A group's rows not in its amount: not priced, or usage missing.
  const left = (g: SpendGroup) => g.unpriced + g.usage_missing;
  const overall = groups.reduce((s, g) => s + g.total, 0n);
  const overallUnpriced = groups.reduce((s, g) => s + left(g), 0);
  const hiddenTotal = hidden.reduce((s, g) => s + g.total, 0n);
  const hiddenUnpriced = hidden.reduce((s, g) => s + left(g), 0);
  const share = (g: { total: bigint; unpriced: number }) => (g.total === 0n && g.unpriced ? '—' : percent(g.total, overall));
  const footerRows = [
    ['Total', ...shown.map((g) => money(g.total, left(g))), ...(hidden.length ? [money(hiddenTotal, hiddenUnpriced)] : []), money(overall, overallUnpriced)],
    ['Share', ...shown.map((g) => share({ total: g.total, unpriced: left(g) })), ...(hidden.length ? [share({ total: hiddenTotal, unpriced: hiddenUnpriced })] : []), overall ? '100%' : '—'],
  ];
  const votes = feedbackRow(report, shown, hidden);
  if (votes) footerRows.push(votes);
  return { columns, rows, footerRows };
}

/** By model, when the period's answers have any 👍/👎: a row of "up / down" per column; else null. */
function feedbackRow(report: SpendReport, shown: SpendGroup[], hidden: SpendGroup[]): string[] | null {
  const votes = report.feedback;
  if (!votes?.size) return null;
  const sum = (groups: SpendGroup[]) => groups.reduce((t, g) => ({ up: t.up + (votes.get(g.key)?.up ?? 0), down: t.down + (votes.get(g.key)?.down ?? 0) }), { up: 0, down: 0 });
  const cell = (v: { up: number; down: number }) => (v.up || v.down ? `${v.up} / ${v.down}` : '—');
  return ['👍 / 👎', ...shown.map((g) => cell(sum([g]))), ...(hidden.length ? [cell(sum(hidden))] : []), cell(sum([...shown, ...hidden]))];
}

export interface SpendReplyOptions {
  /** Days are calendar days here (config.timezone). */
  timezone: string;
  /** Attach the CSV file. */
  csv: boolean;
}

export function spendReply(report: SpendReport, opts: SpendReplyOptions): Reply {
  const { period, totals, previous } = report;
  const overall = totals.cost_nusd;
  const spanDays = daysBetweenInclusive(period.from, period.to);
  const range = period.from === period.to ? period.from : `${period.from} → ${period.to}`;
  const title = `Spend ${period.label} by ${report.groupBy} (${range}, ${opts.timezone})`;
  const data = spendJson(report, opts.timezone);
  const file = opts.csv ? spendCsvFile(report) : undefined;
  // The same chart whatever the figures: with none, it says "No spend in this period".
  const chart = spendChart(report, { timezone: opts.timezone });

  const leftOut = leftOutText(totals);
  if (totals.requests === 0) {
    return {
      file,
      chart,
      kind: 'result',
      title,
      summary: report.ledgerEmpty
        ? 'The ledger is empty: nothing has been recorded yet. Usage arrives from /ask, from `routeops ledger import FILE` (JSONL or CSV), or from POST /v1/usage.'
        : `No usage recorded ${period.from === period.to ? `on ${period.from}` : `between ${period.from} and ${period.to}`}.${leftOut ? ` Left out, since they are not requests and cost nothing: ${leftOut}.` : ''} The previous ${spanText(spanDays)} cost ${formatUsd(previous.totals.cost_nusd)}.`,
      data,
    };
  }

  const fields: Array<{ label: string; value: string }> = [
    { label: 'Total', value: amountText(overall) },
    { label: `vs previous ${spanText(spanDays)}`, value: changeText(overall, previous.totals.cost_nusd, spanDays) },
    { label: 'Requests', value: totals.requests.toLocaleString('en-US') },
    { label: 'Not priced', value: totals.unpriced === 0 ? 'none' : `${plural(totals.unpriced, 'row')} (not in the total)` },
  ];
  // Shown only when there are some: each is a reason the total is not the whole bill.
  if (totals.usage_missing) fields.push({ label: 'Usage missing', value: `${plural(totals.usage_missing, 'row')} whose reply carried no usable token counts (not in the total)` });
  if (totals.interrupted) fields.push({ label: 'Interrupted', value: `${plural(totals.interrupted, 'interrupted call')}, cost estimated (prompt tokens only)` });
  // Route checks cost real money and stay in the total; this says how much of it they were.
  if (totals.routecheck_nusd > 0n) fields.push({ label: 'Route checks', value: `${amountText(totals.routecheck_nusd)} of the total` });
  if (leftOut) fields.push({ label: 'Left out', value: `${leftOut}: not requests, no cost` });
  if (report.projection_nusd !== null) fields.push({ label: 'Month-end projection', value: formatUsd(report.projection_nusd) });

  const sections: Reply['sections'] = [{ fields }];
  if (report.budgets.length) {
    sections.push({
      heading: 'Budgets',
      text: report.budgets
        .map((s) => {
          const pct = percentUsed(s);
          const mark = pct >= 100 ? 'OVER' : pct >= 80 ? 'warning' : 'ok';
          return `${s.label}: ${budgetAmounts(s, pct)} (${pct}%, ${mark})`;
        })
        .join('\n'),
    });
  }

  const reply: Reply = {
    kind: 'result',
    title,
    sections,
    table: buildTable(report.groups, report),
    footer: `Amounts in USD from the daily ledger rollup; days are calendar days in ${opts.timezone}.${totals.unpriced || totals.usage_missing ? ' Rows without a known price or without usage are not in the amounts: "not priced" where a cell has only such rows, * where it has some.' : ''}`,
    data,
    chart,
  };
  if (file) reply.file = file;
  return reply;
}
