// The chart engine, run inside the chart worker (chart-worker.ts, started by render-png.ts):
// ECharts draws the chart as an SVG string (server-side rendering, no DOM, no canvas), resvg
// rasterises that SVG with the DejaVu Sans files shipped in the dejavu-fonts-ttf package, system
// fonts off, so a chart looks the same on every machine. No browser, no network.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { SpendChart } from '../../domain/chart.js';
import { chartOption, CHART_FONT, CHART_HEIGHT, CHART_SCALE, CHART_WIDTH } from './chart-option.js';
import { fontMetrics, readFontShorthand } from './font-metrics.js';

export interface Engine {
  toSvg(chart: SpendChart): string;
  rasterize(svg: string): Buffer;
}

async function loadEngine(): Promise<Engine> {
  const require = createRequire(import.meta.url);
  // ECharts' own minified "common" bundle (beside its CommonJS entry): bar and line charts, the
  // components these charts use (title, legend, markLine, graphic) and both renderers in one
  // 0.7 MB file. Its ES modules took ~25 MB more once a chart was drawn; the full bundle (1.1 MB)
  // draws byte-identical PNGs here and peaked higher (bench/chart.ts, 2026-12-05: 74–81 MB of
  // extra RSS against 65–74 MB; runs vary by ~8 MB).
  const echarts = require(join(dirname(require.resolve('echarts')), 'echarts.common.min.js')) as typeof import('echarts');
  const resvg = (await import('@resvg/resvg-js')).default;
  const fontFiles = [require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')];
  const [regular, bold] = fontFiles.map((f) => fontMetrics(readFileSync(f)));
  const measure = (text: string, px: number, isBold = false) => (isBold ? bold! : regular!).width(text, px);
  // ECharts lays text out with these widths (legend rows, axis margins, overlapping labels).
  echarts.setPlatformAPI({
    measureText: (text: string, font?: string) => {
      const f = readFontShorthand(font);
      return { width: measure(text ?? '', f.sizePx, f.bold) };
    },
  });
  const fontOptions = { loadSystemFonts: false, fontFiles, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT };
  return {
    toSvg(chart) {
      const instance = echarts.init(null, null, { renderer: 'svg', ssr: true, width: CHART_WIDTH, height: CHART_HEIGHT });
      try {
        instance.setOption(chartOption(chart, (text, px) => measure(text, px)));
        return instance.renderToSVGString();
      } finally {
        instance.dispose();
      }
    },
    // Synchronously, on the worker's own thread: its memory comes back to one allocator arena
    // (resvg's thread-pool renders kept ~60 MB more, spread over libuv's threads; bench/chart.ts).
    rasterize(svg) {
      return new resvg.Resvg(svg, { font: fontOptions, fitTo: { mode: 'width', value: CHART_WIDTH * CHART_SCALE }, background: '#ffffff', logLevel: 'off' }).render().asPng();
    },
  };
}

let engine: Promise<Engine> | undefined;

export const getEngine = (): Promise<Engine> => {
  engine ??= loadEngine().catch((err: unknown) => {
    engine = undefined;
    throw err;
  });
  return engine;
};
