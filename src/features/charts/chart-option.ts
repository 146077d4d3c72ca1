// A SpendChart (src/domain/chart.ts) as an ECharts option: stacked bars, budget lines, and for
// month to date a running total on a right-hand axis with the projection dashed. Sizes are in the
// SVG's own pixels (CHART_WIDTH wide); render-png.ts scales the whole picture up to the PNG's
// width, so the type stays large enough to read on a phone. Pure.
import type { EChartsOption } from 'echarts';
import type { SpendChart } from '../../domain/chart.js';
import { withoutHiddenChars } from '../../domain/text.js';

/** The SVG's size; the PNG is CHART_SCALE times larger (1200 px wide; 480 × 2.5, so 12 px type is 30 px: about 9 pt on a phone showing it full width). */
export const CHART_WIDTH = 480;
export const CHART_HEIGHT = 400;
export const CHART_SCALE = 2.5;
export const CHART_FONT = 'DejaVu Sans';

const INK = '#1a1a1a';
const SOFT_INK = '#4d4d4d';
const TITLE_PX = 17;
const TEXT_PX = 12;
const LEGEND_PX = 12;
const NOTE_PX = 10.5;
const LEGEND_TOP = 58;
const LEGEND_ROW = 20;
/** A white outline around text drawn over bars, so it stays readable on any colour. */
const HALO = { textBorderColor: '#ffffff', textBorderWidth: 3 };
/** Totals are printed over the bars up to this many bars; more would crowd them. */
const MAX_TOTAL_LABELS = 14;

/** "$1.2K", "$40", "$0.25", "$0.0012": axis ticks short enough for the margin. */
export function usdTick(value: number): string {
  if (value === 0) return '$0';
  const abs = Math.abs(value);
  const fmt = abs >= 1 ? new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }) : new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2 });
  return `${value < 0 ? '-' : ''}$${fmt.format(abs)}`;
}

/** The smallest 1, 2, 2.5 or 5 × 10^k at or above `v`: an axis top ECharts can tick evenly. */
export function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((c) => c >= v * (1 - 1e-12))!;
}

/** An axis top that shows `lines` above the data (a markLine does not stretch the axis), else ECharts' own. */
const axisTop = (dataMax: number, lines: number[]): number | undefined => {
  const top = Math.max(0, ...lines);
  return top >= dataMax ? niceCeil(top * 1.08) : undefined;
};

/** Legend icons for the lines (a path is filled with the series' colour): solid, and dashed for the projection. */
const SOLID_ICON = 'path://M0,0h30v3h-30z';
const DASHED_ICON = 'path://M0,0h8v3h-8zM11,0h8v3h-8zM22,0h8v3h-8z';

/** "$0.75" above a bar (cents; under a cent "<$0.01" as the report says it). */
const usdLabel = (value: number): string => (value > 0 && value < 0.005 ? '<$0.01' : `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);

/** How many rows the legend takes, measured as ECharts lays it out (items left to right, wrapping). */
export function legendRows(names: string[], measure: (text: string, px: number) => number, width = CHART_WIDTH - 32): number {
  let rows = 1;
  let x = 0;
  for (const name of names) {
    const w = 25 + 5 + measure(name, LEGEND_PX);
    if (x > 0 && x + w > width) {
      rows++;
      x = 0;
    }
    x += w + 12;
  }
  return rows;
}

/** Long group keys (model ids, routes) are cut so a legend item stays under a third of the width. */

/**
 * The groups' names in the legend: cut to 28 characters (whole code points: an emoji is never
 * split), hidden characters removed, and unique — ECharts joins series of one name, so two long
 * names cut alike, or a group named like the chart's own lines ("Month to date"), get "(2)".
 */
export function legendNames(keys: readonly string[], reserved: readonly string[]): string[] {
  const used = new Set(reserved);
  return keys.map((key) => {
    const points = Array.from(withoutHiddenChars(key));
    const base = points.length > 28 ? `${points.slice(0, 27).join('')}…` : points.join('');
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base} (${n})`;
    used.add(name);
    return name;
  });
}

/** The subtitle in lines that fit the width, broken after its " · " parts (a part longer than a line stays whole). */
export function subtitleLines(text: string, measure: (text: string, px: number) => number, width = CHART_WIDTH - 28): string[] {
  const lines: string[] = [];
  for (const part of text.split(' · ')) {
    const last = lines.at(-1);
    if (last !== undefined && measure(`${last} · ${part}`, TEXT_PX) <= width) lines[lines.length - 1] = `${last} · ${part}`;
    else lines.push(part);
  }
  return lines;
}

export function chartOption(chart: SpendChart, measure: (text: string, px: number) => number): EChartsOption {
  const subtitle = subtitleLines(chart.subtitle, measure);
  // The legend and the plot move down a line for each line the subtitle wraps onto.
  const legendTop = LEGEND_TOP + (subtitle.length - 1) * (TEXT_PX + 4);
  const base: EChartsOption = {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: CHART_FONT, fontSize: TEXT_PX, color: INK },
    title: { text: chart.title, subtext: subtitle.join('\n'), left: 14, top: 10, itemGap: 6, textStyle: { fontSize: TITLE_PX, fontWeight: 'bold', color: INK }, subtextStyle: { fontSize: TEXT_PX, lineHeight: TEXT_PX + 4, color: SOFT_INK } },
  };
  const notes = chart.notes.map((text, i) => ({ type: 'text' as const, left: 14, bottom: 8 + (chart.notes.length - 1 - i) * (NOTE_PX + 4), style: { text, fontSize: NOTE_PX, fill: SOFT_INK, fontFamily: CHART_FONT } }));
  if (chart.empty !== null) {
    return {
      ...base,
      graphic: [{ type: 'text', left: 'center', top: 'middle', style: { text: chart.empty, fontSize: 22, fontWeight: 'bold', fill: SOFT_INK, fontFamily: CHART_FONT } }, ...notes],
    };
  }

  const month = chart.month;
  const projectionName = month ? `Projection ${usdLabel(month.projectionUsd)}` : '';
  const seriesNames = legendNames(chart.series.map((s) => s.key), month ? ['Month to date', projectionName] : []);
  const allNames = [...seriesNames, ...(month ? ['Month to date', projectionName] : [])];
  const legendData = [...seriesNames, ...(month ? [{ name: 'Month to date', icon: SOLID_ICON }, { name: projectionName, icon: DASHED_ICON }] : [])];
  const rows = legendRows(allNames, measure);
  const totals = chart.categories.map((_, i) => chart.series.reduce((sum, s) => sum + s.values[i]!, 0));
  const bars = chart.series.map((s, i) => ({
    type: 'bar' as const,
    name: seriesNames[i]!,
    stack: 'spend',
    data: s.values,
    barMaxWidth: 44,
    itemStyle: { color: s.color, borderColor: '#ffffff', borderWidth: 0.6 },
    // The budget lines ride on the first series: a markLine spans the plot's whole width. Each
    // line's label sits by its own axis: the daily ones on the left, the month's on the right.
    ...(i === 0 && chart.budgetLines.length
      ? {
          markLine: {
            silent: true,
            symbol: 'none',
            lineStyle: { color: INK, width: 1.6, type: 'solid' as const },
            label: { position: 'insideStartTop' as const, fontSize: TEXT_PX - 1, color: INK, fontFamily: CHART_FONT, ...HALO },
            data: chart.budgetLines.map((l) => ({ yAxis: l.usd, label: { formatter: l.label } })),
          },
        }
      : {}),
  }));
  // An invisible bar on top of each stack whose label is the stack's total.
  const totalLabels =
    chart.categories.length <= MAX_TOTAL_LABELS
      ? [
          {
            type: 'bar' as const,
            name: 'total',
            stack: 'spend',
            data: totals.map(() => 0),
            itemStyle: { color: 'transparent' },
            label: { show: true, position: 'top' as const, fontSize: TEXT_PX - 1, color: INK, formatter: (p: { dataIndex: number }) => (totals[p.dataIndex]! > 0 ? usdLabel(totals[p.dataIndex]!) : '') },
          },
        ]
      : [];
  const monthLines = month
    ? [
        { type: 'line' as const, name: 'Month to date', yAxisIndex: 1, data: month.cumulative, symbol: 'none', lineStyle: { color: INK, width: 2.4 }, itemStyle: { color: INK }, z: 5,
          ...(month.budgetUsd !== null
            ? { markLine: { silent: true, symbol: 'none', lineStyle: { color: INK, width: 1.6, type: 'dotted' as const }, label: { position: 'insideEndTop' as const, fontSize: TEXT_PX - 1, color: INK, ...HALO, formatter: `Monthly budget ${usdLabel(month.budgetUsd)}` }, data: [{ yAxis: month.budgetUsd }] } }
            : {}) },
        { type: 'line' as const, name: projectionName, yAxisIndex: 1, data: month.projection, symbol: 'none', lineStyle: { color: INK, width: 2.4, type: 'dashed' as const }, itemStyle: { color: INK }, z: 5 },
      ]
    : [];
  const axisLabel = { fontSize: TEXT_PX, color: INK, formatter: usdTick };
  return {
    ...base,
    legend: { top: legendTop, left: 14, right: 14, data: legendData, itemWidth: 25, itemHeight: 12, itemGap: 12, textStyle: { fontSize: LEGEND_PX, color: INK } },
    // The box holds the axes' labels too (ECharts 6's form of `containLabel`).
    grid: { left: 14, right: 14, top: legendTop + rows * LEGEND_ROW + 14, bottom: 8 + chart.notes.length * (NOTE_PX + 4), outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    xAxis: { type: 'category', data: chart.categories, axisTick: { alignWithLabel: true }, axisLine: { lineStyle: { color: SOFT_INK } }, axisLabel: { fontSize: TEXT_PX, color: INK, hideOverlap: true } },
    yAxis: [
      { type: 'value', axisLabel, splitLine: { lineStyle: { color: '#e0e0e0' } }, max: axisTop(Math.max(...totals), chart.budgetLines.map((l) => l.usd)) },
      ...(month ? [{ type: 'value' as const, position: 'right' as const, name: 'month total', nameTextStyle: { fontSize: TEXT_PX - 1, color: SOFT_INK }, axisLabel, splitLine: { show: false }, max: axisTop(Math.max(month.projectionUsd, ...month.cumulative.map((c) => c ?? 0)), month.budgetUsd === null ? [] : [month.budgetUsd]) }] : []),
    ],
    series: [...bars, ...totalLabels, ...monthLines],
    graphic: notes,
  };
}
