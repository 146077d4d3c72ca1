// Usage-row parsing benchmark (`node dist/bench/rows.js` after `npm run build`): the figures
// behind two choices in src/domain/usage-rows — the hand-written fast path beside the zod schema
// (validate.ts) and the hand CSV tokenizer instead of csv-parse (csv.ts). Prints medians; asserts
// nothing.
//
// Environment: BENCH_ROWS_N rows (default 200,000), BENCH_RUNS timed runs each (default 5).
import { performance } from 'node:perf_hooks';
import { parse as csvParse } from 'csv-parse/sync';
import { UsageGenerator } from './gen.js';
import { fmtInt, intEnv } from './stats.js';
import { USAGE_FIELDS } from '../src/domain/usage-rows/rows.js';
import { parseCsvRecords, parseUsageCsv } from '../src/domain/usage-rows/csv.js';
import { usageRowSchema } from '../src/domain/usage-rows/schema.js';
import { validateUsageRecord } from '../src/domain/usage-rows/validate.js';

const N = intEnv('BENCH_ROWS_N', 200_000);
const RUNS = Math.max(1, intEnv('BENCH_RUNS', 5));

const gen = new UsageGenerator({ seed: 7, rows: N, fromMs: Date.parse('2026-01-01T00:00:00Z'), toMs: Date.parse('2027-01-01T00:00:00Z'), idPrefix: 'rows-' });
const rows = gen.next(N);
const cell = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csv = `${USAGE_FIELDS.join(',')}\n${rows.map((r) => USAGE_FIELDS.map((f) => cell(r[f])).join(',')).join('\n')}\n`;
const objects = rows.map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);

function time(name: string, fn: () => unknown, runs = RUNS): void {
  fn(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)]!;
  process.stdout.write(`${name.padEnd(52)} ${fmtInt((N / median) * 1000).padStart(10)} rows/s  (${((median * 1000) / N).toFixed(2)} µs a row)\n`);
}

process.stdout.write(`usage-row parsing, ${fmtInt(N)} generated rows, node ${process.version}\n`);
time('validateUsageRecord (fast path), JSON objects', () => {
  for (const o of objects) validateUsageRecord(o);
});
time('usageRowSchema.safeParse (zod), JSON objects', () => {
  for (const o of objects) usageRowSchema.safeParse(o);
}, Math.min(RUNS, 3));
time('CSV records: hand tokenizer (parseCsvRecords)', () => parseCsvRecords(csv));
time('CSV records: csv-parse', () => csvParse(csv, { relax_column_count: true, skip_empty_lines: true }));
time('CSV records: csv-parse with line numbers (info)', () => csvParse(csv, { relax_column_count: true, skip_empty_lines: true, info: true }));
time('parseUsageCsv (hand tokenizer + validation)', () => parseUsageCsv(csv));
