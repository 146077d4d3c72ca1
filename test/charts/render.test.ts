// The chart drawn: a PNG 1200 px wide whose bars are where the days with spend are, the empty
// chart with no bars, the same bytes on every run, text escaped in the SVG, and layout widths
// measured with the font resvg draws with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { renderChartPng, renderChartSvg, CHART_PNG_WIDTH } from '../../src/features/charts/render-png.js';
import { fontMetrics } from '../../src/features/charts/font-metrics.js';
import { chartOption, subtitleLines } from '../../src/features/charts/chart-option.js';
import { CHART_PALETTE, type SpendChart } from '../../src/domain/chart.js';
import { barsOfColor, decodePng, pngSize } from '../support/png.js';

const base: SpendChart = {
  title: 'Spend week by provider',
  subtitle: '2026-11-17 → 2026-11-23 (UTC) · total $4.25',
  categories: ['Nov 17', 'Nov 18', 'Nov 19', 'Nov 20', 'Nov 21', 'Nov 22', 'Nov 23'],
  bucket: 'day',
  series: [
    { key: 'acme', color: CHART_PALETTE[0], values: [0, 0, 0, 2.5, 0.5, 0, 0] },
    { key: 'zeta', color: CHART_PALETTE[4], values: [0, 0, 0, 0, 1.25, 0, 0] },
  ],
  budgetLines: [{ label: 'Daily budget $3.00', usd: 3 }],
  month: null,
  empty: null,
  notes: [],
  filename: 'spend.png',
  alt: 'a chart',
};

const centre = (r: { from: number; to: number }) => (r.from + r.to) / 2;

test('a chart is a PNG 1200 px wide with a bar in each day that has spend, stacked per group', async () => {
  const png = await renderChartPng(base);
  assert.deepEqual(pngSize(png), { width: CHART_PNG_WIDTH, height: 1000 });
  assert.ok(CHART_PNG_WIDTH >= 1200);
  const img = decodePng(png);
  const below = Math.round(img.height * 0.3); // under the title and the legend's swatches
  const acme = barsOfColor(img, CHART_PALETTE[0], below);
  const zeta = barsOfColor(img, CHART_PALETTE[4], below);
  assert.equal(acme.length, 2, `acme spent on two days: ${JSON.stringify(acme)}`);
  assert.equal(zeta.length, 1, 'zeta on one');
  assert.ok(Math.abs(centre(zeta[0]!) - centre(acme[1]!)) <= 2, 'zeta is stacked on acme\'s second day');
  // Days are evenly spaced: the first bar is on the 4th of 7 days, so three bar widths of empty plot lie left of it.
  const band = centre(acme[1]!) - centre(acme[0]!);
  assert.ok(band > 100, `a day is ${band} px wide`);
  assert.ok(centre(acme[0]!) > 3 * band, 'nothing is drawn on the first three days');
  assert.ok(img.width - centre(acme[1]!) > 2 * band, 'nor on the last two');
});

test('the empty chart draws no bars and writes its message in the middle', async () => {
  const png = await renderChartPng({ ...base, series: [], budgetLines: [], empty: 'No spend in this period' });
  const img = decodePng(png);
  for (const color of CHART_PALETTE) assert.deepEqual(barsOfColor(img, color, 0, 1), [], `no ${color} anywhere`);
  let dark = 0;
  for (let x = img.width * 0.25; x < img.width * 0.75; x++) {
    for (let y = img.height * 0.4; y < img.height * 0.6; y++) if (img.pixel(x, Math.round(y))[0] < 128) dark++;
  }
  assert.ok(dark > 1000, `the message is drawn (${dark} dark pixels)`);
});

test('the same chart gives the same bytes every time (fonts shipped, no system fonts)', async () => {
  const month: SpendChart = { ...base, month: { cumulative: [1, 2, 3, 4, null, null, null], projection: [null, null, null, 4, 5, 6, 7], projectionUsd: 7, budgetUsd: 6 }, notes: ['1 row without a price or usage: not in the bars.'] };
  const [a, b] = [await renderChartPng(month), await renderChartPng(month)];
  assert.ok(a.equals(b));
});

test('group keys are text in the SVG, never markup', async () => {
  const svg = await renderChartSvg({ ...base, series: [{ key: '<script>alert(1)</script>&', color: CHART_PALETTE[0], values: [1, 0, 0, 0, 0, 0, 0] }] });
  assert.doesNotMatch(svg, /<script>/);
  assert.match(svg, /&lt;script&gt;alert\(1\)&lt;\/script&gt;&amp;/);
});

test('text widths for the layout are those of the font resvg draws with', () => {
  const require = createRequire(import.meta.url);
  for (const file of ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf']) {
    const path = require.resolve(`dejavu-fonts-ttf/ttf/${file}`);
    const metrics = fontMetrics(readFileSync(path));
    // Starts and ends with letters whose ink nearly meets their advance, so ink width ≈ advance width.
    const text = 'Hello deepseek-v4-flash $1,234.56 Nov';
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="200"><text x="0" y="150" font-family="DejaVu Sans" font-weight="${file.includes('Bold') ? 'bold' : 'normal'}" font-size="100">${text}</text></svg>`;
    const ink = new Resvg(svg, { font: { loadSystemFonts: false, fontFiles: [path], defaultFontFamily: 'DejaVu Sans' } }).getBBox()!;
    const measured = metrics.width(text, 100);
    assert.ok(Math.abs(measured - ink.width) / ink.width < 0.02, `${file}: measured ${measured}, drawn ${ink.width}`);
  }
});

test('a subtitle wider than the chart wraps after its " · " parts, and the legend moves down by the lines added', async () => {
  const require = createRequire(import.meta.url);
  const font = fontMetrics(readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')));
  const measure = (text: string, px: number) => font.width(text, px);
  const long = '2026-11-01 → 2026-11-23 (Europe/Paris) · total $1,724.19 · month-end projection $2,248.95';
  assert.deepEqual(subtitleLines(long, measure), ['2026-11-01 → 2026-11-23 (Europe/Paris) · total $1,724.19', 'month-end projection $2,248.95']);
  assert.deepEqual(subtitleLines('2026-11-17 → 2026-11-23 (UTC) · total $515.09', measure), ['2026-11-17 → 2026-11-23 (UTC) · total $515.09']);
  const chart = (subtitle: string): SpendChart => ({ title: 'Spend month', subtitle, categories: ['Nov 1'], bucket: 'day', series: [{ key: 'deepseek', color: CHART_PALETTE[0]!, values: [1] }], budgetLines: [], month: null, notes: [], empty: null, filename: 'spend.png', alt: 'Spend' });
  const legendTop = (subtitle: string) => (chartOption(chart(subtitle), measure).legend as { top: number }).top;
  assert.equal(legendTop(long) - legendTop('short'), 16, 'one line of 12 px type and 4 px leading');
});
