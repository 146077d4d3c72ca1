// Small measuring helpers for the benchmark: percentiles and an RSS monitor.
import { readFileSync, writeFileSync } from 'node:fs';

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

/** The kernel's peak RSS of this process since start or the last reset (Linux: VmHWM), or null. */
function kernelPeakBytes(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Resets the kernel's peak RSS to the current RSS (Linux >= 4.0); false where that is not possible. */
function resetKernelPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Peak process RSS, overall and per named phase. On Linux the kernel's own high-water mark
 * (VmHWM, reset at each phase change) catches peaks inside long synchronous calls (an import
 * blocks the event loop); elsewhere RSS is sampled every `everyMs` (unref'd timer) and on
 * demand, so long loops should call sample() themselves.
 */
export class RssMonitor {
  private maxBytes = 0;
  private phaseName = 'start';
  private readonly phases = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly kernel: boolean;

  constructor(everyMs = 100) {
    this.kernel = kernelPeakBytes() !== null && resetKernelPeak();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
    this.sample();
  }

  /** Where the peaks come from, for the report. */
  get method(): string {
    return this.kernel ? 'kernel peak (VmHWM) per phase' : 'sampled';
  }

  private note(bytes: number): void {
    if (bytes > this.maxBytes) this.maxBytes = bytes;
    if (bytes > (this.phases.get(this.phaseName) ?? 0)) this.phases.set(this.phaseName, bytes);
  }

  sample(): number {
    const rss = process.memoryUsage.rss();
    this.note(rss);
    return rss;
  }

  /** Closes the current phase: its kernel peak, then a fresh high-water mark for the next. */
  private closePhase(): void {
    this.sample();
    if (!this.kernel) return;
    const peak = kernelPeakBytes();
    if (peak !== null) this.note(peak);
    resetKernelPeak();
  }

  phase(name: string): void {
    this.closePhase();
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
    this.closePhase();
    clearInterval(this.timer);
  }
}

export const toMb = (bytes: number): number => bytes / MB;

/** 1234567 -> "1,234,567". */
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtMs = (ms: number): string => (Number.isNaN(ms) ? '—' : ms < 10 ? ms.toFixed(2) : ms < 1000 ? ms.toFixed(1) : ms.toFixed(0));

/** A non-negative integer setting from the environment (underscores and commas allowed: 10_000_000). */
export function intEnv(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const n = Number(raw.replace(/[_,\s]/g, ''));
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * CPU time the calling thread has used (Linux: /proc/thread-self/stat, in clock ticks of 10 ms),
 * user and system ms; null elsewhere. On a shared machine it says what a step cost apart from
 * how long it waited for a CPU or the disk.
 */
export function threadCpuMs(): { user: number; sys: number } | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) * 10, sys: Number(fields[12]) * 10 };
  } catch {
    return null;
  }
}

/** "CPU 4.5 s user + 2.6 s system" between two threadCpuMs() readings, or '' without them. */
export function cpuBetween(a: { user: number; sys: number } | null, b: { user: number; sys: number } | null): string {
  if (!a || !b) return '';
  return `CPU ${((b.user - a.user) / 1000).toFixed(1)} s user + ${((b.sys - a.sys) / 1000).toFixed(1)} s system`;
}
