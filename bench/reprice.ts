// Re-pricing benchmark (`npm run bench:reprice`): a ledger of N rows (default 10,000,000) over
// one year, built through the real ledger; then one (provider, model)'s last M rows (default
// 1,000,000) are re-priced at a new price version (src/store/ledger/reprice.ts), while a worker
// thread asks /spend's rollup queries over and over on its own connection. Printed beside a
// baseline measured in the same run: a bare UPDATE of the same rows (no pricing, no rollup), and
// on Linux with each step's CPU time on the main thread (what it cost, apart from the time it
// waited for a CPU or the disk on a shared machine). Nothing is asserted.
//
//   BENCH_ROWS      rows in the ledger (default 10,000,000)
//   BENCH_AFFECTED  rows re-priced (default 1,000,000)
//   BENCH_DB        database file (default bench/out/reprice-<pid>.db); BENCH_KEEP=1 keeps it
//   BENCH_LEDGER    a ledger file to start from: copied when it exists, else built there first
//                   and kept (so a second run skips the build; the copy is what gets re-priced)
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { resolveConfig } from '../src/config/load.js';
import { createServices } from '../src/app/services.js';
import { Catalog } from '../src/domain/catalog/catalog.js';
import { priceUsage, usageForCost } from '../src/domain/money/cost.js';
import { formatUsd } from '../src/domain/money/units.js';
import { openDatabase } from '../src/store/open.js';
import { UsageGenerator } from './gen.js';
import { cpuBetween, fmtInt, fmtMs, intEnv, summarize, threadCpuMs } from './stats.js';

const ROWS = intEnv('BENCH_ROWS', 10_000_000);
const AFFECTED = intEnv('BENCH_AFFECTED', 1_000_000);
const PROVIDER = 'deepseek';
const MODEL = 'deepseek-v4-flash';
const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const DB_PATH = process.env.BENCH_DB ? resolve(process.env.BENCH_DB) : resolve(here, '..', '..', 'bench', 'out', `reprice-${process.pid}.db`);
const LEDGER = process.env.BENCH_LEDGER ? resolve(process.env.BENCH_LEDGER) : null;
const files = (path = DB_PATH) => [path, `${path}-wal`, `${path}-shm`];
const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** Builds the ledger of ROWS rows at `path` through the real services. */
async function build(path: string): Promise<void> {
  for (const f of files(path)) rmSync(f, { force: true });
  const services = createServices({ config: resolveConfig({}, 'bench'), dbPath: path, log: pino({ level: 'silent' }), clock: () => new Date('2026-12-31T20:00:00Z') });
  const gen = new UsageGenerator({ seed: 7, rows: ROWS, fromMs: Date.parse('2026-01-01T00:00:00Z'), toMs: Date.parse('2027-01-01T00:00:00Z'), idPrefix: 'rp' });
  const t0 = performance.now();
  for (let batch = gen.next(50_000); batch.length; batch = gen.next(50_000)) await services.ledger.record(batch, 'import');
  log(`built ${fmtInt(ROWS)} rows in ${fmtMs(performance.now() - t0)} ms`);
  await services.close();
}

async function main(): Promise<void> {
  for (const f of files()) rmSync(f, { force: true });
  if (LEDGER === null) await build(DB_PATH);
  else {
    if (!existsSync(LEDGER)) await build(LEDGER);
    copyFileSync(LEDGER, DB_PATH);
    log(`copied ${LEDGER}`);
    // A ledger kept by an older build gets this build's migrations before anything is timed.
    await createServices({ config: resolveConfig({}, 'bench'), dbPath: DB_PATH, log: pino({ level: 'silent' }) }).close();
  }

  const db = openDatabase(DB_PATH);
  // The instant from which the model's last AFFECTED rows run.
  const fromMs = db.prepare('SELECT ts_ms FROM usage WHERE +provider = ? AND model = ? ORDER BY id DESC LIMIT 1 OFFSET ?').pluck().get(PROVIDER, MODEL, AFFECTED - 1) as number | undefined;
  if (fromMs === undefined) throw new Error(`fewer than ${AFFECTED} rows of ${PROVIDER}/${MODEL}: raise BENCH_ROWS`);
  const affected = db.prepare('SELECT COUNT(*) FROM usage WHERE provider = ? AND model = ? AND ts_ms >= ?').pluck().get(PROVIDER, MODEL, fromMs) as number;
  const total = db.prepare('SELECT COUNT(*) FROM usage').pluck().get() as number;

  // Baseline: touching the same rows with a bare UPDATE (rolled back).
  const bc0 = threadCpuMs();
  const b0 = performance.now();
  db.exec('BEGIN');
  db.prepare('UPDATE usage SET cost_nusd = cost_nusd + 1 WHERE provider = ? AND model = ? AND ts_ms >= ?').run(PROVIDER, MODEL, fromMs);
  db.exec('ROLLBACK');
  const baselineMs = performance.now() - b0;
  const baselineCpu = cpuBetween(bc0, threadCpuMs());
  db.close();

  // The new version from fromMs (a catalog of it alone, so no later built-in version hides it):
  // DeepSeek Flash's off-peak prices 10% up, flat all day.
  const catalog = new Catalog({ pricing: [], retirements: [] }, [{ provider: PROVIDER, model: MODEL, versions: [{ effective: new Date(fromMs).toISOString(), per_million: { input: 0.165, cached_input: 0.0033, output: 0.66 }, source: 'bench' }] }]);
  const reader = new Worker(new URL('./reprice-reader.js', import.meta.url), { workerData: { dbPath: DB_PATH, fromDay: '2026-12-25', toDay: '2026-12-31' } });
  await new Promise((r) => reader.once('message', r));
  const again = createServices({ config: resolveConfig({}, 'bench'), dbPath: DB_PATH, log: pino({ level: 'silent' }) });
  const rc0 = threadCpuMs();
  const r0 = performance.now();
  const result = await again.ledger.reprice({ provider: PROVIDER, model: MODEL, fromMs }, (row) => priceUsage(catalog, row.provider, row.model, usageForCost(row, row.tsMs)));
  const repriceMs = performance.now() - r0;
  const repriceCpu = cpuBetween(rc0, threadCpuMs());
  const answered = new Promise<number[]>((r) => reader.once('message', r));
  reader.postMessage('stop');
  const times = await answered;
  await reader.terminate();
  await again.close();
  const s = summarize(times);

  console.log(`Re-pricing ${fmtInt(affected)} rows of ${PROVIDER}/${MODEL} in a ledger of ${fmtInt(total)} rows`);
  const cpu = (text: string) => (text ? `; ${text}` : '');
  console.log(`  re-price (rows + rollup, one transaction): ${fmtMs(repriceMs)} ms (${fmtInt(result.changed)} changed, ${formatUsd(result.before_nusd)} -> ${formatUsd(result.after_nusd)}${cpu(repriceCpu)})`);
  console.log(`  baseline, a bare UPDATE of the same rows:  ${fmtMs(baselineMs)} ms (rolled back, before /spend starts${cpu(baselineCpu)})`);
  console.log(`  /spend week answered ${fmtInt(times.length)} times meanwhile: p50 ${fmtMs(s.p50)} ms, p95 ${fmtMs(s.p95)} ms, max ${fmtMs(s.max)} ms`);
  if (process.env.BENCH_KEEP !== '1') for (const f of files()) rmSync(f, { force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
