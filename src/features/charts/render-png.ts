// A chart as PNG (or SVG) bytes, drawn on a worker thread (chart-worker.ts, chart-engine.ts): the
// event loop keeps serving Slack and the gateway while a chart is drawn, and the libraries' memory
// (ECharts, resvg, the fonts) lives and dies with that thread. The worker starts with the first
// chart (the libraries load in about a second: commands that draw none never pay it) and stops
// after a minute without charts, giving its memory back.
import { Worker } from 'node:worker_threads';
import type { SpendChart } from '../../domain/chart.js';
import { CHART_SCALE, CHART_WIDTH } from './chart-option.js';
import type { ChartAnswer, ChartRequest } from './chart-worker.js';

/** The PNG's width in px. */
export const CHART_PNG_WIDTH = CHART_WIDTH * CHART_SCALE;
/** How long an idle worker is kept for the next chart. */
const IDLE_MS = 60_000;
/**
 * A small young generation: the worker's heap stays small and its garbage goes quickly. At 3 MB
 * V8 commits a 2 MB new space (8 MB at 8): bench/chart.ts, 2026-12-05, peak extra RSS 55.7-56.7
 * MB against 59.6-60.6 MB at 8 in the same hour, ECharts' SVG the same speed (13-15 ms of CPU a
 * chart at 8, 4, 3 and 2 MB).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 3, maxOldGenerationSizeMb: 256 };

interface Pending {
  resolve(a: ChartAnswer): void;
  reject(err: Error): void;
}

let worker: Worker | undefined;
let idle: NodeJS.Timeout | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function startWorker(): Worker {
  const w = new Worker(new URL('./chart-worker.js', import.meta.url), { resourceLimits: WORKER_LIMITS });
  w.on('message', (a: ChartAnswer) => {
    const p = pending.get(a.id);
    pending.delete(a.id);
    settle(w);
    p?.resolve(a);
  });
  const fail = (err: Error) => {
    if (worker === w) worker = undefined;
    const all = [...pending.values()];
    pending.clear();
    for (const p of all) p.reject(err);
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`the chart worker stopped (exit code ${code})`)));
  return w;
}

/** While charts are pending the worker holds the process open (a CLI waits for its chart); idle, it does not. */
function settle(w: Worker): void {
  if (pending.size) return;
  w.unref();
  clearTimeout(idle);
  idle = setTimeout(() => {
    if (worker === w && !pending.size) {
      worker = undefined;
      void w.terminate();
    }
  }, IDLE_MS).unref();
}

function draw(chart: SpendChart, format: ChartRequest['format']): Promise<ChartAnswer> {
  worker ??= startWorker();
  const w = worker;
  clearTimeout(idle);
  w.ref();
  const id = nextId++;
  return new Promise<ChartAnswer>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, chart, format } satisfies ChartRequest);
  });
}

async function drawn(chart: SpendChart, format: ChartRequest['format']): Promise<Extract<ChartAnswer, { ok: true }>> {
  const a = await draw(chart, format);
  if (!a.ok) throw new Error(a.error);
  return a;
}

/** The chart as an SVG document (ECharts' own output, before rasterising). */
export async function renderChartSvg(chart: SpendChart): Promise<string> {
  return (await drawn(chart, 'svg')).svg!;
}

/** The chart as a PNG, CHART_PNG_WIDTH px wide. */
export async function renderChartPng(chart: SpendChart): Promise<Buffer> {
  const png = (await drawn(chart, 'png')).png!;
  return Buffer.from(png.buffer, png.byteOffset, png.byteLength);
}
