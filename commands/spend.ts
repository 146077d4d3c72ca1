// /spend: spend per day × group from the ledger's daily rollup, with totals, shares, change
// against the previous period, month-end projection, budget status and unpriced rows.
import type { Reply, ReplyTable } from '../src/domain/reply.js';
import { usageReply } from '../src/domain/reply.js';
import { parsePeriod, previousPeriod, PERIOD_HELP, truncateForMessage, type Period } from '../src/domain/time/period.js';
import { addDays, daysBetweenInclusive, type DayString } from '../src/domain/time/zone.js';
import { formatUsd, nusdToUsd, formatUsdExact } from '../src/domain/money/units.js';
import { budgetStatuses, percentUsed } from '../src/features/budgets/status.js';
import type { Services } from '../src/features/services.js';
import { defineCommand, type ParseResult } from './types.js';

export const SPEND_DIMENSIONS = ['provider', 'model', 'user', 'route'] as const;
export type SpendDimension = (typeof SPEND_DIMENSIONS)[number];

export interface SpendArgs {
  /** Period word as typed; resolved against "today" at run time. */
  period: string;
  groupBy: SpendDimension;
  csv: boolean;
}

const USAGE = 'spend [PERIOD] [by provider|model|user|route] [csv]\nPERIOD: ' + PERIOD_HELP + '. Default: week.';
/** Slack tables allow 20 cells a row: the day column, up to 17 groups, "other" and the total. */
const MAX_GROUP_COLUMNS = 17;

export function parseSpendArgs(text: string): ParseResult<SpendArgs> {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const args: SpendArgs = { period: 'week', groupBy: 'provider', csv: false };
  let periodSeen = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.toLowerCase();
    if (w === 'by') {
      const dim = words[i + 1]?.toLowerCase();
      if (!dim || !(SPEND_DIMENSIONS as readonly string[]).includes(dim)) {
        return { ok: false, error: `"by" needs one of: ${SPEND_DIMENSIONS.join(', ')}` };
      }
      args.groupBy = dim as SpendDimension;
      i++;
    } else if (w === 'csv') {
      args.csv = true;
    } else if (!periodSeen) {
      // Validated against a fixed day here; the real "today" is applied in run().
      const probe = parsePeriod(w, '2000-01-01');
      if (!probe.ok) return { ok: false, error: `${probe.error}. Periods: ${PERIOD_HELP}` };
      args.period = w;
      periodSeen = true;
    } else {
      return { ok: false, error: `unexpected "${truncateForMessage(words[i]!)}"` };
    }
  }
  return { ok: true, args };
}

interface Group {
  key: string;
  total: number;
  requests: number;
  /** Rows with no price (not in the amounts). */
  unpriced: number;
  byDay: Map<DayString, number>;
  unpricedByDay: Map<DayString, number>;
}

function collectGroups(rows: Array<{ day: string; key: string; cost_nusd: number; requests: number; unpriced: number }>): Group[] {
  const groups = new Map<string, Group>();
  for (const r of rows) {
    let g = groups.get(r.key);
    if (!g) groups.set(r.key, (g = { key: r.key, total: 0, requests: 0, unpriced: 0, byDay: new Map(), unpricedByDay: new Map() }));
    g.total += r.cost_nusd;
    g.requests += r.requests;
    g.unpriced += r.unpriced;
    g.byDay.set(r.day, (g.byDay.get(r.day) ?? 0) + r.cost_nusd);
    if (r.unpriced) g.unpricedByDay.set(r.day, (g.unpricedByDay.get(r.day) ?? 0) + r.unpriced);
  }
  return [...groups.values()].sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
}

function daysOf(p: { from: DayString; to: DayString }): DayString[] {
  const out: DayString[] = [];
  for (let d = p.from; d <= p.to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Display buckets: days up to ~2 months, then ISO weeks, then months (Slack tables hold 100 rows). */
function bucketOf(day: DayString, spanDays: number): string {
  if (spanDays <= 62) return day;
  if (spanDays <= 26 * 7) {
    const wd = new Date(`${day}T00:00:00Z`).getUTCDay() || 7;
    return `week of ${addDays(day, 1 - wd)}`;
  }
  return day.slice(0, 7);
}

function percent(part: number, whole: number, digits = 1): string {
  if (whole === 0) return '—';
  return `${((part / whole) * 100).toFixed(digits)}%`;
}

function changeText(current: number, previous: number): string {
  if (previous === 0) return current === 0 ? 'no change' : 'new (nothing the period before)';
  const pct = ((current - previous) / previous) * 100;
  const sign = pct > 0 ? '+' : pct < 0 ? '−' : '±';
  return `${sign}${Math.abs(pct).toFixed(1)}%`;
}

function projectMonth(totalSoFar: number, period: Period): number {
  const monthDays = Number(new Date(Date.UTC(Number(period.to.slice(0, 4)), Number(period.to.slice(5, 7)), 0)).getUTCDate());
  const elapsed = daysBetweenInclusive(period.from, period.to);
  return Number((BigInt(totalSoFar) * BigInt(monthDays) + BigInt(elapsed) / 2n) / BigInt(elapsed));
}

/** An amount, marked where rows without a price stand behind it: never a bare $0.00 for them. */
function money(nusd: number, unpriced: number): string {
  if (!unpriced) return formatUsd(nusd);
  return nusd === 0 ? 'not priced' : `${formatUsd(nusd)}*`;
}

function buildTable(groups: Group[], period: Period): ReplyTable {
  const spanDays = daysBetweenInclusive(period.from, period.to);
  const shown = groups.length > MAX_GROUP_COLUMNS + 1 ? groups.slice(0, MAX_GROUP_COLUMNS) : groups;
  const hidden = groups.slice(shown.length);
  type Cell = { nusd: number; unpriced: number };
  const cell = (): Cell => ({ nusd: 0, unpriced: 0 });
  const buckets = new Map<string, { perGroup: Cell[]; other: Cell; total: Cell }>();
  for (const day of daysOf(period)) {
    const b = bucketOf(day, spanDays);
    if (!buckets.has(b)) buckets.set(b, { perGroup: shown.map(cell), other: cell(), total: cell() });
  }
  const add = (g: Group, day: DayString, col: number | 'other') => {
    const b = buckets.get(bucketOf(day, spanDays))!;
    const amount = g.byDay.get(day) ?? 0;
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
  const overall = groups.reduce((s, g) => s + g.total, 0);
  const overallUnpriced = groups.reduce((s, g) => s + g.unpriced, 0);
  const hiddenTotal = hidden.reduce((s, g) => s + g.total, 0);
  const hiddenUnpriced = hidden.reduce((s, g) => s + g.unpriced, 0);
  const share = (g: { total: number; unpriced: number }) => (g.total === 0 && g.unpriced ? '—' : percent(g.total, overall));
  const footerRows = [
    ['Total', ...shown.map((g) => money(g.total, g.unpriced)), ...(hidden.length ? [money(hiddenTotal, hiddenUnpriced)] : []), money(overall, overallUnpriced)],
    ['Share', ...shown.map(share), ...(hidden.length ? [share({ total: hiddenTotal, unpriced: hiddenUnpriced })] : []), overall ? '100%' : '—'],
  ];
  return { columns, rows, footerRows };
}

function toCsv(groups: Group[], period: Period, dim: SpendDimension): string {
  const esc = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  // A leading =,+,-,@ would be run as a formula by spreadsheet apps.
  const safe = (s: string) => esc(/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
  const lines = [`date,${dim},usd`];
  for (const day of daysOf(period)) {
    for (const g of groups) {
      const v = g.byDay.get(day);
      if (v !== undefined) lines.push(`${day},${safe(g.key)},${formatUsdExact(v).replace('$', '')}`);
    }
  }
  return lines.join('\n') + '\n';
}

async function runSpend(args: SpendArgs, services: Services): Promise<Reply> {
  const { ledger, zone, clock, config } = services;
  const today = zone.dayOf(clock().getTime());
  const parsed = parsePeriod(args.period, today);
  if (!parsed.ok) return usageReply('/spend', parsed.error, USAGE);
  const period = parsed.period;
  const prev = previousPeriod(period);

  const groups = collectGroups(await ledger.spendRollup(args.groupBy, period.from, period.to));
  const totals = await ledger.totals(period.from, period.to);
  const prevTotals = await ledger.totals(prev.from, prev.to);
  const overall = totals.cost_nusd;
  const spanDays = daysBetweenInclusive(period.from, period.to);
  const range = period.from === period.to ? period.from : `${period.from} → ${period.to}`;
  const title = `Spend ${period.label} by ${args.groupBy} (${range}, ${config.timezone})`;

  const data = {
    from: period.from,
    to: period.to,
    group_by: args.groupBy,
    timezone: config.timezone,
    total_usd: nusdToUsd(overall),
    requests: totals.requests,
    unpriced_rows: totals.unpriced,
    previous: { from: prev.from, to: prev.to, total_usd: nusdToUsd(prevTotals.cost_nusd) },
    projection_usd: period.monthToDate ? nusdToUsd(projectMonth(overall, period)) : null,
    budgets: [] as Array<{ id: string; spent_usd: number; limit_usd: number; percent: number }>,
    groups: groups.map((g) => ({
      key: g.key,
      total_usd: nusdToUsd(g.total),
      share: overall === 0 ? 0 : g.total / overall,
      requests: g.requests,
      unpriced_rows: g.unpriced,
      days: daysOf(period).map((date) => {
        const unpriced = g.unpricedByDay.get(date) ?? 0;
        return { date, usd: nusdToUsd(g.byDay.get(date) ?? 0), ...(unpriced ? { unpriced_rows: unpriced } : {}) };
      }),
    })),
  };

  const file = args.csv
    ? {
        filename: `spend_${period.from}_${period.to}_by_${args.groupBy}.csv`,
        title: `Spend ${period.from} to ${period.to} by ${args.groupBy}`,
        mimeType: 'text/csv',
        content: toCsv(groups, period, args.groupBy),
      }
    : undefined;

  if (totals.requests === 0) {
    const empty = (await ledger.count()) === 0;
    return {
      file,
      kind: 'result',
      title,
      summary: empty
        ? 'The ledger is empty: nothing has been recorded yet. Usage arrives from /ask, from `routeops ledger import FILE` (JSONL or CSV), or from POST /v1/usage.'
        : `No usage recorded between ${period.from} and ${period.to}. The previous ${spanDays} days cost ${formatUsd(prevTotals.cost_nusd)}.`,
      data,
    };
  }

  const fields: Array<{ label: string; value: string }> = [
    // Under a cent the rounded figure says little: show the exact amount beside it.
    { label: 'Total', value: overall > 0 && overall < 10_000_000 ? `${formatUsd(overall)} (${formatUsdExact(overall)})` : formatUsd(overall) },
    { label: `vs previous ${spanDays} day${spanDays === 1 ? '' : 's'}`, value: `${changeText(overall, prevTotals.cost_nusd)} (${formatUsd(prevTotals.cost_nusd)})` },
    { label: 'Requests', value: totals.requests.toLocaleString('en-US') },
    { label: 'Not priced', value: totals.unpriced === 0 ? 'none' : `${totals.unpriced.toLocaleString('en-US')} rows (not in the total)` },
  ];
  if (period.monthToDate) fields.push({ label: 'Month-end projection', value: formatUsd(projectMonth(overall, period)) });

  const sections: Reply['sections'] = [{ fields }];
  const statuses = await budgetStatuses(config.budgets, ledger, today);
  if (statuses.length) {
    data.budgets = statuses.map((s) => ({ id: s.id, spent_usd: nusdToUsd(s.spent_nusd), limit_usd: nusdToUsd(s.limit_nusd), percent: percentUsed(s) }));
    sections.push({
      heading: 'Budgets',
      text: statuses
        .map((s) => {
          const pct = percentUsed(s);
          const mark = pct >= 100 ? 'OVER' : pct >= 80 ? 'warning' : 'ok';
          return `${s.label}: ${formatUsd(s.spent_nusd)} of ${formatUsd(s.limit_nusd)} (${pct}%, ${mark})`;
        })
        .join('\n'),
    });
  }

  const reply: Reply = {
    kind: 'result',
    title,
    sections,
    table: buildTable(groups, period),
    footer: `Amounts in USD from the daily ledger rollup; days are calendar days in ${config.timezone}.${totals.unpriced ? ' Rows without a known price are not in the amounts: "not priced" where a cell has only such rows, * where it has some.' : ''}`,
    data,
  };
  if (file) reply.file = file;
  return reply;
}

export const spendCommand = defineCommand<SpendArgs>({
  name: 'spend',
  summary: 'Spend per day and provider, model, user or route, with totals, trend and budgets',
  usage: USAGE,
  access: 'spend',
  parse: parseSpendArgs,
  run: (args, services) => runSpend(args, services),
});
