// The spend report as a chart (src/domain/chart.ts): stacked bars per group and bucket (days up
// to ~2 months, then weeks, then months, as the report's table), the daily budget line, and for
// month to date the running total against the monthly budget with the month-end projection.
// Pure: the report in, data out; the PNG is drawn by render-png.ts.
import { assignColors, CHART_PALETTE, OTHERS_COLOR, type ChartLine, type ChartMonth, type ChartSeries, type SpendChart } from '../../domain/chart.js';
import { formatUsd, nusdToUsd } from '../../domain/money/units.js';
import { plural } from '../../domain/text.js';
import { addDays, daysBetweenInclusive, type DayString } from '../../domain/time/zone.js';
import { bucketOf, daysOf, type SpendGroup, type SpendReport } from '../reports/spend.js';

export const NO_SPEND_TEXT = 'No spend in this period';

/**
 * A budget line further above the tallest bar than this is left off the plot (it would squash
 * the bars flat) and named in a note instead.
 */
const MAX_LINE_OVER_DATA = 3;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Nov 17" for a day or a week's Monday, "Nov 2026" for a month: short enough for a phone. */
function bucketLabel(bucket: string): string {
  const day = /(\d{4})-(\d{2})-(\d{2})$/.exec(bucket);
  if (day) return `${MONTHS[Number(day[2]) - 1]} ${Number(day[3])}`;
  const month = /^(\d{4})-(\d{2})$/.exec(bucket);
  return month ? `${MONTHS[Number(month[2]) - 1]} ${month[1]}` : bucket;
}

const lastDayOfMonth = (day: DayString): DayString => addDays(`${addDays(`${day.slice(0, 7)}-28`, 4).slice(0, 7)}-01`, -1);

/** The groups that get a colour: all when they fit the palette, else the biggest and one "N others". */
function coloredSeries(groups: SpendGroup[], buckets: string[], bucketIndex: (day: DayString) => number): ChartSeries[] {
  const drawn = groups.filter((g) => g.total > 0n);
  const shown = drawn.length > CHART_PALETTE.length ? drawn.slice(0, CHART_PALETTE.length - 1) : drawn;
  const hidden = drawn.slice(shown.length);
  const colors = assignColors(shown.map((g) => g.key));
  const sum = (gs: SpendGroup[]): number[] => {
    const nusd = buckets.map(() => 0n);
    for (const g of gs) for (const [day, amount] of g.byDay) nusd[bucketIndex(day)]! += amount;
    return nusd.map((n) => nusdToUsd(n));
  };
  const series = shown.map((g) => ({ key: g.key, color: colors.get(g.key)!, values: sum([g]) }));
  if (hidden.length) series.push({ key: `${hidden.length} others`, color: OTHERS_COLOR, values: sum(hidden) });
  return series;
}

/** The week or month buckets with fewer of their days in `days` than they have. */
function partialBuckets(bucketKeys: string[], days: DayString[], bucket: SpendChart['bucket'], spanDays: number): Set<string> {
  if (bucket === 'day') return new Set();
  const covered = new Map<string, number>();
  for (const day of days) {
    const b = bucketOf(day, spanDays);
    covered.set(b, (covered.get(b) ?? 0) + 1);
  }
  const length = (b: string) => (bucket === 'week' ? 7 : Number(lastDayOfMonth(`${b}-01`).slice(8)));
  return new Set(bucketKeys.filter((b) => (covered.get(b) ?? 0) < length(b)));
}

/** Lines within reach of the data; the rest become notes. */
function withinScale(lines: ChartLine[], dataMax: number, notes: string[]): ChartLine[] {
  return lines.filter((l) => {
    if (dataMax > 0 && l.usd <= dataMax * MAX_LINE_OVER_DATA) return true;
    notes.push(`${l.label} is far above the bars: not drawn.`);
    return false;
  });
}

function monthBlock(report: SpendReport, projection: bigint, categories: DayString[], notes: string[]): ChartMonth {
  const { period } = report;
  let running = 0n;
  const perDay = new Map<DayString, bigint>();
  for (const g of report.groups) for (const [day, amount] of g.byDay) perDay.set(day, (perDay.get(day) ?? 0n) + amount);
  const cumulative = categories.map((day) => (day <= period.to ? nusdToUsd((running += perDay.get(day) ?? 0n)) : null));
  const todayIndex = categories.indexOf(period.to);
  const start = cumulative[todayIndex] ?? 0;
  const end = nusdToUsd(projection);
  const steps = categories.length - 1 - todayIndex;
  const projectionPath = categories.map((_, i) => (i < todayIndex ? null : steps === 0 ? end : start + ((end - start) * (i - todayIndex)) / steps));
  const monthly = report.budgets.find((b) => b.id === 'monthly');
  const budget = monthly ? withinScale([{ label: `Monthly budget ${formatUsd(monthly.limit_nusd)}`, usd: nusdToUsd(monthly.limit_nusd) }], Math.max(end, start), notes) : [];
  return { cumulative, projection: projectionPath, projectionUsd: end, budgetUsd: budget[0]?.usd ?? null };
}

export interface SpendChartOptions {
  /** Days are calendar days here (config.timezone). */
  timezone: string;
}

export function spendChart(report: SpendReport, opts: SpendChartOptions): SpendChart {
  const { period, totals } = report;
  const range = period.from === period.to ? period.from : `${period.from} → ${period.to}`;
  const title = `Spend ${period.label} by ${report.groupBy}`;
  const projection = report.projection_nusd;
  const subtitle = `${range} (${opts.timezone}) · total ${formatUsd(totals.cost_nusd)}${projection !== null ? ` · month-end projection ${formatUsd(projection)}` : ''}`;
  const filename = `spend-${period.from}_${period.to}-by-${report.groupBy}.png`;
  const notes: string[] = [];
  const left = totals.unpriced + totals.usage_missing;
  if (left) notes.push(`${plural(left, 'row')} without a price or usage: not in the bars.`);

  const spanDays = daysBetweenInclusive(period.from, period.to);
  // Month to date: the whole month on the axis, so the projection runs to its last day.
  const days = projection !== null ? daysOf({ from: period.from, to: lastDayOfMonth(period.to) }) : report.days;
  const bucketKeys: string[] = [];
  const indexOfBucket = new Map<string, number>();
  for (const day of days) {
    const b = bucketOf(day, spanDays);
    if (!indexOfBucket.has(b)) indexOfBucket.set(b, bucketKeys.push(b) - 1);
  }
  const bucketIndex = (day: DayString) => indexOfBucket.get(bucketOf(day, spanDays))!;
  const bucket: SpendChart['bucket'] = spanDays <= 62 ? 'day' : spanDays <= 26 * 7 ? 'week' : 'month';
  const series = coloredSeries(report.groups, bucketKeys, bucketIndex);
  // A week or month the period covers only part of is marked, so a short bar is not read as a quiet one.
  const partial = partialBuckets(bucketKeys, days, bucket, spanDays);
  const categories = bucketKeys.map((b) => `${bucketLabel(b)}${partial.has(b) ? '*' : ''}`);
  if (partial.size) notes.push(`* Partial ${bucket}: the period covers only part of it.`);

  if (!series.length) {
    // Rows there, none with a price or usage: that is not "no spend" (money is never $0 by default).
    const empty = left ? `${plural(left, 'row')} in this period, none priced` : NO_SPEND_TEXT;
    return { title, subtitle, categories, bucket, series: [], budgetLines: [], month: null, empty, notes, filename, alt: `${title}, ${range}: ${empty.charAt(0).toLowerCase()}${empty.slice(1)}.` };
  }

  const stackMax = Math.max(...categories.map((_, i) => series.reduce((s, x) => s + x.values[i]!, 0)));
  const lines: ChartLine[] = [];
  if (bucket === 'day') {
    const daily = report.budgets.find((b) => b.id === 'daily');
    if (daily) lines.push({ label: `Daily budget ${formatUsd(daily.limit_nusd)}`, usd: nusdToUsd(daily.limit_nusd) });
    const monthly = report.budgets.find((b) => b.id === 'monthly');
    // Outside month to date, a monthly budget applies to a day as its share of the month.
    if (monthly && projection === null) {
      const monthDays = Number(lastDayOfMonth(period.to).slice(8));
      const pace = BigInt(monthly.limit_nusd) / BigInt(monthDays);
      lines.push({ label: `Monthly budget pace ${formatUsd(pace)}/day`, usd: nusdToUsd(pace) });
    }
  }
  const budgetLines = withinScale(lines, stackMax, notes);
  const month = projection !== null ? monthBlock(report, projection, days, notes) : null;
  const biggest = series[0]!;
  const alt = `${title}, ${range}: stacked ${bucket === 'day' ? 'daily' : `${bucket}ly`} bars, total ${formatUsd(totals.cost_nusd)}, biggest ${biggest.key}${projection !== null ? `; month-end projection ${formatUsd(projection)}` : ''}.`;
  return { title, subtitle, categories, bucket, series, budgetLines, month, empty: null, notes, filename, alt };
}
