// The spend report as chart data, from a real SQLite ledger: amounts per day and group, colours,
// budget lines, the month-to-date running total and projection, and the empty chart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeServices } from '../support/services.js';
import { spendReport } from '../../src/features/reports/spend.js';
import { spendChart } from '../../src/features/charts/spend-chart.js';
import { parsePeriod } from '../../src/domain/time/period.js';
import { assignColors, CHART_PALETTE, fnv1a, OTHERS_COLOR } from '../../src/domain/chart.js';
import type { UsageInput } from '../../src/store/ledger.js';

const TODAY = '2026-11-23';

/** A row whose cost is what the provider reported (the catalog does not know "acme/…" models). */
const row = (ts: string, provider: string, usd: number | null, id: string): UsageInput => ({
  ts, provider, model: `${provider}/model`, input_tokens: 10, cached_input_tokens: 0, output_tokens: 10, reasoning_tokens: 0, request_id: id, ...(usd === null ? {} : { cost_usd: usd }),
});

async function chartOf(t: import('node:test').TestContext, budgets: Record<string, number>, rows: UsageInput[], period = 'week') {
  const { services } = makeServices({ timezone: 'UTC', budgets }, { owner: t });
  if (rows.length) await services.ledger.record(rows, 'import');
  const p = parsePeriod(period, TODAY);
  assert.ok(p.ok);
  const report = await spendReport(services.ledger, services.config.budgets, { period: p.period, groupBy: 'provider', today: TODAY });
  return spendChart(report, { timezone: 'UTC' });
}

test('the chart holds the ledger\'s amounts per day and group, biggest first, each in its own colour', async (t) => {
  const chart = await chartOf(t, { daily: 3 }, [row('2026-11-20T10:00:00Z', 'acme', 2.5, 'a1'), row('2026-11-21T10:00:00Z', 'acme', 0.5, 'a2'), row('2026-11-21T11:00:00Z', 'zeta', 1.25, 'z1')]);
  assert.deepEqual(chart.categories, ['Nov 17', 'Nov 18', 'Nov 19', 'Nov 20', 'Nov 21', 'Nov 22', 'Nov 23']);
  const colors = assignColors(['acme', 'zeta']);
  assert.deepEqual(chart.series, [
    { key: 'acme', color: colors.get('acme'), values: [0, 0, 0, 2.5, 0.5, 0, 0] },
    { key: 'zeta', color: colors.get('zeta'), values: [0, 0, 0, 0, 1.25, 0, 0] },
  ]);
  assert.deepEqual(chart.budgetLines, [{ label: 'Daily budget $3.00', usd: 3 }]);
  assert.equal(chart.month, null, 'no projection outside month to date');
  assert.equal(chart.empty, null);
  assert.equal(chart.title, 'Spend week by provider');
  assert.equal(chart.subtitle, '2026-11-17 → 2026-11-23 (UTC) · total $4.25');
  assert.equal(chart.filename, 'spend-2026-11-17_2026-11-23-by-provider.png');
  assert.match(chart.alt, /total \$4\.25, biggest acme/);
});

test('month to date: the axis runs to the month\'s end, the running total stops today and the projection runs on from it', async (t) => {
  // $23 over 23 days of a 30-day month projects $30.
  const chart = await chartOf(t, { daily: 20, monthly: 40 }, [row('2026-11-02T10:00:00Z', 'acme', 10, 'a1'), row('2026-11-23T10:00:00Z', 'acme', 13, 'a2')], 'month');
  assert.equal(chart.categories.length, 30);
  assert.equal(chart.categories[29], 'Nov 30');
  assert.deepEqual(chart.series[0]!.values.slice(20, 30), [0, 0, 13, 0, 0, 0, 0, 0, 0, 0]);
  const month = chart.month!;
  assert.deepEqual(month.cumulative.slice(0, 3), [0, 10, 10]);
  assert.equal(month.cumulative[22], 23, 'today');
  assert.deepEqual(month.cumulative.slice(23), [null, null, null, null, null, null, null]);
  assert.deepEqual(month.projection.slice(0, 22), Array(22).fill(null));
  assert.equal(month.projection[22], 23, 'the projection starts where the running total ends');
  assert.equal(month.projection[29], 30, 'and reaches the projected total on the last day');
  assert.equal(month.projectionUsd, 30);
  assert.equal(month.budgetUsd, 40);
  assert.match(chart.subtitle, /month-end projection \$30\.00/);
  // The daily budget is a line over the bars; the monthly one is against the running total, not a daily pace.
  assert.deepEqual(chart.budgetLines, [{ label: 'Daily budget $20.00', usd: 20 }]);
});

test('outside month to date a monthly budget is drawn as its daily pace', async (t) => {
  const chart = await chartOf(t, { monthly: 90 }, [row('2026-11-20T10:00:00Z', 'acme', 2.5, 'a1')]);
  assert.deepEqual(chart.budgetLines, [{ label: 'Monthly budget pace $3.00/day', usd: 3 }]);
});

test('a budget far above the bars is not drawn (it would flatten them) and a note says so', async (t) => {
  const chart = await chartOf(t, { daily: 500 }, [row('2026-11-20T10:00:00Z', 'acme', 2.5, 'a1')]);
  assert.deepEqual(chart.budgetLines, []);
  assert.deepEqual(chart.notes, ['Daily budget $500.00 is far above the bars: not drawn.']);
});

test('a period with no spend gives a chart that says so, not an empty axis', async (t) => {
  const empty = await chartOf(t, { daily: 3 }, [], 'today');
  assert.equal(empty.empty, 'No spend in this period');
  assert.deepEqual(empty.series, []);
  assert.deepEqual(empty.budgetLines, []);
  // Rows without a price are nothing to draw, but not "no spend": the chart says they are not priced.
  const unpriced = await chartOf(t, {}, [row('2026-11-23T10:00:00Z', 'acme', null, 'u1')], 'today');
  assert.equal(unpriced.empty, '1 row in this period, none priced');
  assert.deepEqual(unpriced.notes, ['1 row without a price or usage: not in the bars.']);
});

test('more groups than colours: the six biggest in colour and the rest as one grey "N others"', async (t) => {
  const rows = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'].map((p, i) => row('2026-11-22T10:00:00Z', p, 9 - i, p));
  const chart = await chartOf(t, {}, rows);
  assert.deepEqual(chart.series.map((s) => s.key), ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', '3 others']);
  assert.equal(chart.series[6]!.color, OTHERS_COLOR);
  assert.equal(chart.series[6]!.values[5], 3 + 2 + 1);
  assert.equal(new Set(chart.series.map((s) => s.color)).size, 7, 'no two groups share a colour');
});

test('a group\'s colour is the same in every chart: the built-in providers their own, others by hash, clashes served in name order', () => {
  // FNV-1a test vectors.
  assert.equal(fnv1a(''), 0x811c9dc5);
  assert.equal(fnv1a('a'), 0xe40c292c);
  assert.equal(fnv1a('foobar'), 0xbf9cf968);
  // The five providers, ranked three ways (the review found colours following the ranking).
  const providers = ['deepseek', 'qwen-intl', 'moonshot', 'zai', 'openrouter'];
  const first = assignColors(providers);
  for (const ranking of [[...providers].reverse(), ['zai', 'openrouter', 'moonshot', 'deepseek', 'qwen-intl'], ['moonshot', 'zai']]) {
    const again = assignColors(ranking);
    for (const k of ranking) assert.equal(again.get(k), first.get(k), `${k} in ${ranking.join(',')}`);
  }
  assert.equal(new Set(first.values()).size, 5, 'five different colours');
  assert.equal(assignColors(['deepseek/deepseek-flash']).get('deepseek/deepseek-flash'), first.get('deepseek'), 'a model takes its provider\'s colour first');
  const slot = (k: string) => fnv1a(k) % CHART_PALETTE.length;
  const clash = Array.from({ length: 50 }, (_, i) => `key${i}`).find((k) => k !== 'key0' && slot(k) === slot('key0'))!;
  for (const order of [['key0', clash], [clash, 'key0']]) {
    const both = assignColors(order);
    const [a, b] = ['key0', clash].sort();
    assert.equal(both.get(a!), CHART_PALETTE[slot('key0')], 'the first by name keeps the slot, whatever the ranking');
    assert.equal(both.get(b!), CHART_PALETTE[(slot('key0') + 1) % CHART_PALETTE.length]);
  }
  assert.throws(() => assignColors(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']), /at most 7/);
});

test('legend names stay unique and read as they are: long names cut alike, a group named like the chart\'s own line, emoji, a right-to-left override', async () => {
  const { legendNames } = await import('../../src/features/charts/chart-option.js');
  const long = 'anthropic/claude-sonnet-4.5-20260101-';
  assert.deepEqual(legendNames([`${long}extended`, `${long}thinking`, 'Month to date', `${'x'.repeat(26)}😀😀😀`, '\u202Eevil'], ['Month to date']), [
    'anthropic/claude-sonnet-4.5…',
    'anthropic/claude-sonnet-4.5… (2)',
    'Month to date (2)',
    `${'x'.repeat(26)}😀…`,
    'evil',
  ]);
});

test('weeks and months the period covers only in part are marked with * and a note; whole ones are not', async (t) => {
  const rows = [row('2026-09-10T10:00:00Z', 'acme', 2, 'a1'), row('2026-11-20T10:00:00Z', 'acme', 1, 'a2')];
  // 2026-08-26..2026-11-23 (90 days): weekly bars from the week of Aug 24 (Mon) to the week of Nov 23.
  const weeks = await chartOf(t, {}, rows, '2026-08-26..2026-11-23');
  assert.equal(weeks.bucket, 'week');
  assert.equal(weeks.categories[0], 'Aug 24*', 'the period starts on a Wednesday');
  assert.equal(weeks.categories.at(-1), 'Nov 23*', 'one day of that week');
  assert.ok(weeks.categories.slice(1, -1).every((c) => !c.endsWith('*')), weeks.categories.join(' '));
  assert.ok(weeks.notes.includes('* Partial week: the period covers only part of it.'));
  const months = await chartOf(t, {}, rows, '2026-01-01..2026-11-23');
  assert.equal(months.bucket, 'month');
  assert.deepEqual([months.categories[0], months.categories.at(-1)], ['Jan 2026', 'Nov 2026*']);
  assert.equal(months.categories.filter((c) => c.endsWith('*')).length, 1);
  const days = await chartOf(t, {}, rows, 'week');
  assert.ok(!days.notes.some((n) => n.startsWith('* Partial')), 'days are never partial buckets');
});
