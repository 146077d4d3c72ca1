// Small measuring helpers for the benchmark: percentiles and an RSS sampler.

/** The p-th percentile (0..100) of the samples, nearest-rank; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export interface Timing {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export function summarize(samples: readonly number[]): Timing {
  return { n: samples.length, p50: percentile(samples, 50), p95: percentile(samples, 95), max: samples.length ? Math.max(...samples) : NaN };
}

const MB = 1024 * 1024;

/**
 * Samples process RSS every `everyMs` (unref'd, so it never keeps the process alive) and on
 * demand; keeps the overall max and the max per named phase. Synchronous work blocks the timer,
 * so long loops should call sample() themselves (or yield to the event loop).
 */
export class RssMonitor {
  private maxBytes = 0;
  private phaseName = 'start';
  private readonly phases = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 100) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
    this.sample();
  }

  sample(): number {
    const rss = process.memoryUsage.rss();
    if (rss > this.maxBytes) this.maxBytes = rss;
    if (rss > (this.phases.get(this.phaseName) ?? 0)) this.phases.set(this.phaseName, rss);
    return rss;
  }

  phase(name: string): void {
    this.sample();
    this.phaseName = name;
    this.sample();
  }

  get maxMb(): number {
    return this.maxBytes / MB;
  }

  phaseMaxMb(): Array<[string, number]> {
    return [...this.phases.entries()].map(([k, v]) => [k, v / MB]);
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}

export const toMb = (bytes: number): number => bytes / MB;

/** 1234567 -> "1,234,567". */
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtMs = (ms: number): string => (Number.isNaN(ms) ? '—' : ms < 10 ? ms.toFixed(2) : ms < 1000 ? ms.toFixed(1) : ms.toFixed(0));
