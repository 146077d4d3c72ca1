// The chart worker's thread (started by render-png.ts): draws each requested chart with the engine
// (chart-engine.ts) and answers with its bytes. After each chart a full collection runs here, in
// this small heap, so resvg's native buffers (≈16 MB a chart, invisible to V8's heuristics) are
// freed at once rather than whenever V8 next collects (bench/chart.ts measures the difference).
// The collection only finds them dead: Node runs their finalizers, which free them, in a later
// turn of this thread's loop. The answer waits for that turn; sent before it, the caller's next
// chart could arrive while the last one's buffers were still held (bench/chart.ts, 2026-12-05:
// the peak went from 60-70 MB of extra RSS, its highest when they overlapped, to 59-61 MB).
import { parentPort } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { SpendChart } from '../../domain/chart.js';
import { getEngine } from './chart-engine.js';

export interface ChartRequest {
  id: number;
  chart: SpendChart;
  format: 'png' | 'svg';
}
export type ChartAnswer = { id: number; ok: true; png?: Uint8Array; svg?: string } | { id: number; ok: false; error: string };

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

parentPort?.on('message', (req: ChartRequest) => {
  void answer(req).then(async (a) => {
    collect();
    await finalizersRun();
    parentPort!.postMessage(a, a.ok && a.png ? [a.png.buffer as ArrayBuffer] : []);
  });
});

/** Resolves after the finalizers the last collection queued have run (Node runs them before this thread's own setImmediate callbacks). */
const finalizersRun = () => new Promise<void>((resolve) => setImmediate(resolve));

async function answer(req: ChartRequest): Promise<ChartAnswer> {
  try {
    const engine = await getEngine();
    const svg = engine.toSvg(req.chart);
    if (req.format === 'svg') return { id: req.id, ok: true, svg };
    const png = engine.rasterize(svg);
    // A copy that owns its whole ArrayBuffer, so it can be moved to the caller's thread.
    return { id: req.id, ok: true, png: new Uint8Array(png) };
  } catch (err) {
    return { id: req.id, ok: false, error: (err as Error).message };
  }
}
