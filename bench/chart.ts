// Chart benchmark (`npm run bench:chart`): prints figures, asserts nothing.
//
// A 31-day × 6-group spend chart with a daily budget line (bench/chart-data.ts), drawn as /spend
// and `spend --png` draw it (src/features/charts/render-png.ts): the first chart of a process
// (the chart worker started, ECharts and resvg loaded, fonts read), then RUNS more, each split into its stages. Beside it
// the baseline of the text reply the chart rides on (spendReply: figures, table, JSON).
// Targets (docs: issue "Speed"): < 150 ms a chart and < 60 MB of extra RSS.
import { performance } from 'node:perf_hooks';
import { sampleSpendReport } from './chart-data.js';
import { summarize, RssMonitor } from './stats.js';
import { spendChart } from '../src/features/charts/spend-chart.js';
import { renderChartPng, renderChartSvg } from '../src/features/charts/render-png.js';
import { spendReply } from '../src/features/reports/spend-reply.js';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 40));
const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<void> {
  const report = sampleSpendReport({ from: '2026-10-24', to: '2026-11-23', label: '31d', keys: ['deepseek', 'qwen-intl', 'openrouter', 'kimi', 'glm', 'flatkey'], daily: 60, dailyUsd: 55 });
  gc?.();
  const monitor = new RssMonitor();
  const rssBefore = process.memoryUsage.rss();
  monitor.phase('first chart');

  let t0 = performance.now();
  const first = await renderChartPng(spendChart(report, { timezone: 'UTC' }));
  const cold = performance.now() - t0;

  monitor.phase('charts');
  const whole: number[] = [];
  const svg: number[] = [];
  const text: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    t0 = performance.now();
    await renderChartPng(spendChart(report, { timezone: 'UTC' }));
    whole.push(performance.now() - t0);
    t0 = performance.now();
    await renderChartSvg(spendChart(report, { timezone: 'UTC' }));
    svg.push(performance.now() - t0);
    t0 = performance.now();
    spendReply(report, { timezone: 'UTC', csv: false });
    text.push(performance.now() - t0);
    monitor.sample();
  }
  monitor.stop();
  const f = (n: number) => `${n.toFixed(1)} ms`;
  const w = summarize(whole);
  const s = summarize(svg);
  const r = summarize(text);
  console.log(`chart 31 days × 6 groups (${first.length.toLocaleString('en-US')}-byte PNG, ${RUNS} runs):`);
  console.log(`  first chart of the process (libraries loaded): ${f(cold)}`);
  console.log(`  chart → PNG p50 ${f(w.p50)}, p95 ${f(w.p95)}, max ${f(w.max)}   (target < 150 ms)`);
  console.log(`  of which ECharts SVG p50 ${f(s.p50)}, p95 ${f(s.p95)}; resvg to PNG ≈ ${f(w.p50 - s.p50)}`);
  console.log(`  baseline: the text reply (spendReply) p50 ${f(r.p50)}, p95 ${f(r.p95)}`);
  console.log(`  extra RSS over the process before the first chart: ${(monitor.maxMb - rssBefore / MB).toFixed(1)} MB (${monitor.method})   (target < 60 MB)`);
  // Where the peak is reached: the first chart (worker, libraries, first drawing) or the charts after it.
  const phases = monitor.phaseMaxMb().filter(([name]) => name !== 'start').map(([name, mb]) => `${name} ${(mb - rssBefore / MB).toFixed(1)} MB`);
  console.log(`    peak per phase: ${phases.join(', ')}`);
}

await main();
