// Ledger benchmark (`npm run bench`): builds a ledger of N synthetic usage rows over one year
// through the real services (real catalog pricing), then measures import throughput, JSONL
// file import, the /spend queries through the real command path against the same queries over
// the raw rows, and the process's peak RSS. It prints figures and never asserts.
//
// Environment:
//   BENCH_ROWS        rows in the ledger (default 10,000,000; "1_000_000" and "1,000,000" work)
//   BENCH_BATCH       rows per ledger.record() call (default 50,000)
//   BENCH_JSONL_ROWS  rows in the JSONL file imported with importUsageFile (default 200,000)
//   BENCH_QUERY_RUNS  timed runs per /spend query (default 50, after 3 warm-ups)
//   BENCH_RAW_RUNS    timed runs per raw baseline query (default 5; stops early past 60 s)
//   BENCH_SEED        PRNG seed (default 42)
//   BENCH_DB          database file (default bench/out/bench-<pid>.db)
//   BENCH_KEEP=1      keep the database file afterwards
import { closeSync, existsSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { resolveConfig } from '../src/config/load.js';
import { createServices, type Services } from '../src/app/services.js';
import { dispatch } from '../commands/dispatch.js';
import { parsePeriod, previousPeriod } from '../src/domain/time/period.js';
import { UsageStreamParser } from '../src/domain/usage-rows/stream.js';
import { importUsageFile } from '../src/features/ledger/import-usage.js';
import type { LedgerStore, SpendRow, SpendTotals } from '../src/store/ledger.js';
import type { SpendDim } from '../src/domain/spend.js';
import { openDatabase } from '../src/store/open.js';
import { formatUsd } from '../src/domain/money/units.js';
import { toJsonl, UsageGenerator, MODELS, PROVIDERS, USER_COUNT } from './gen.js';
import { fmtInt, fmtMs, intEnv, RssMonitor, summarize, toMb, type Timing } from './stats.js';


const ROWS = intEnv('BENCH_ROWS', 10_000_000);
const BATCH = Math.max(1, intEnv('BENCH_BATCH', 50_000));
const JSONL_ROWS = intEnv('BENCH_JSONL_ROWS', 200_000);
const QUERY_RUNS = Math.max(1, intEnv('BENCH_QUERY_RUNS', 50));
const RAW_RUNS = Math.max(1, intEnv('BENCH_RAW_RUNS', 5));
const RAW_BUDGET_MS = 60_000;
const SEED = intEnv('BENCH_SEED', 42);
const KEEP = process.env.BENCH_KEEP === '1';

const YEAR_FROM = Date.parse('2026-01-01T00:00:00.000Z');
const YEAR_TO = Date.parse('2027-01-01T00:00:00.000Z');
/** "Now" for the queries: the last day of the data. */
const NOW = new Date('2026-12-31T20:00:00.000Z');

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const DB_PATH = process.env.BENCH_DB ? resolve(process.env.BENCH_DB) : resolve(here, '..', '..', 'bench', 'out', `bench-${process.pid}.db`);
const JSONL_PATH = `${DB_PATH}.import.jsonl`;
const dbFiles = () => [DB_PATH, `${DB_PATH}-wal`, `${DB_PATH}-shm`, JSONL_PATH];

const gc = (globalThis as { gc?: () => void }).gc;
const tick = () => new Promise<void>((r) => setImmediate(r));
const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

interface QuerySpec {
  text: string;
  period: string;
  dim: SpendDim;
}
const QUERIES: QuerySpec[] = [
  { text: 'week', period: 'week', dim: 'provider' },
  { text: 'month by model', period: 'month', dim: 'model' },
  { text: '365d by provider', period: '365d', dim: 'provider' },
];

interface QueryResult {
  spec: QuerySpec;
  rollup: Timing;
  rawCommand: Timing;
  rawSql: Timing;
  rows: number;
  match: boolean;
  kind: string;
}

/**
 * The same ledger with the report reads answered from raw rows: spendRollup -> spendRaw and
 * totals -> totalsRaw (a SUM over usage). Run through the real command, it is the no-rollup baseline.
 */
function rawLedger(ledger: LedgerStore): LedgerStore {
  const raw = Object.create(ledger) as LedgerStore;
  Object.defineProperty(raw, 'spendRollup', { value: (dim: SpendDim, from: string, to: string): Promise<SpendRow[]> => ledger.spendRaw(dim, from, to) });
  Object.defineProperty(raw, 'totals', { value: (from: string, to: string): Promise<SpendTotals> => ledger.totalsRaw(from, to) });
  return raw;
}

async function timeRuns(runs: number, fn: () => Promise<unknown> | unknown, budgetMs = Infinity): Promise<number[]> {
  const out: number[] = [];
  let spent = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    out.push(ms);
    spent += ms;
    if (spent > budgetMs && out.length >= 2) break;
  }
  return out;
}

function dbBytes(): number {
  return dbFiles().reduce((s, f) => s + (existsSync(f) ? statSync(f).size : 0), 0);
}

async function main(): Promise<void> {
  const rss = new RssMonitor(100);
  const started = performance.now();
  log(`rows=${fmtInt(ROWS)} batch=${fmtInt(BATCH)} jsonl=${fmtInt(JSONL_ROWS)} db=${DB_PATH}`);
  for (const f of dbFiles()) rmSync(f, { force: true });

  const services = createServices({
    config: resolveConfig({}, 'bench'),
    dbPath: DB_PATH,
    log: pino({ level: 'silent' }),
    clock: () => NOW,
  });
  const { ledger } = services;
  // The connection settings, read from a connection opened like the services' own
  // (store/open.ts) and closed at once: kept open, its share of the WAL index counted in RSS.
  const db = openDatabase(DB_PATH);
  const pragmas = {
    cache_size: db.pragma('cache_size', { simple: true }),
    mmap_size: db.pragma('mmap_size', { simple: true }),
    journal_mode: db.pragma('journal_mode', { simple: true }),
    synchronous: db.pragma('synchronous', { simple: true }),
  };
  db.close();
  // Ctrl-C: leave no multi-GB file behind.
  process.once('SIGINT', () => {
    void services.close(); // SQLite closes before it returns
    if (!KEEP) for (const f of dbFiles()) rmSync(f, { force: true });
    process.exit(130);
  });
  try {
    // ---- 1. Import N rows in batches through ledger.record -----------------------------------
    rss.phase('import');
    const cpu0 = process.cpuUsage();
    const gen = new UsageGenerator({ seed: SEED, rows: ROWS, fromMs: YEAR_FROM, toMs: YEAR_TO, idPrefix: 'gen-' });
    let recordMs = 0;
    /** CPU time of the process during record() (user + system): steadier than wall time on a busy machine. */
    let recordCpuUs = 0;
    let genMs = 0;
    let inserted = 0;
    let skipped = 0;
    const segments: Array<{ upTo: number; rate: number }> = [];
    const segmentRows = Math.max(BATCH, Math.min(1_000_000, Math.ceil(ROWS / 10)));
    let segStartRows = 0;
    let segRecordMs = 0;
    const t0 = performance.now();
    for (;;) {
      const g0 = performance.now();
      const batch = gen.next(BATCH);
      const g1 = performance.now();
      genMs += g1 - g0;
      if (batch.length === 0) break;
      const c0 = process.cpuUsage();
      const r = await ledger.record(batch, 'import');
      const ms = performance.now() - g1;
      const c = process.cpuUsage(c0);
      recordCpuUs += c.user + c.system;
      recordMs += ms;
      segRecordMs += ms;
      inserted += r.inserted;
      skipped += r.skipped;
      rss.sample();
      if (gen.generated - segStartRows >= segmentRows || gen.generated === ROWS) {
        const rate = ((gen.generated - segStartRows) / segRecordMs) * 1000;
        segments.push({ upTo: gen.generated, rate });
        log(`imported ${fmtInt(gen.generated)} rows: ${fmtInt(rate)} rows/s in this segment, rss ${fmtInt(toMb(rss.sample()))} MB`);
        segStartRows = gen.generated;
        segRecordMs = 0;
      }
      await tick();
    }
    const importWallMs = performance.now() - t0;
    const importCpu = process.cpuUsage(cpu0);
    const importRate = (inserted / recordMs) * 1000;
    const importWallRate = (inserted / importWallMs) * 1000;

    // ---- 2. Write a JSONL file, then import it with importUsageFile (as `ledger import` does) ----
    gc?.();
    rss.phase('jsonl write');
    let jsonl = { rows: 0, parseRate: NaN, importRate: NaN, mb: 0, inserted: 0, cpuUs: 0 };
    if (JSONL_ROWS > 0) {
      // Another slice of the same year, with request ids of its own (so every row is new).
      const chunkGen = new UsageGenerator({ seed: SEED + 1, rows: JSONL_ROWS, fromMs: YEAR_FROM, toMs: YEAR_TO, idPrefix: 'jsonl-' });
      const out = openSync(JSONL_PATH, 'w');
      try {
        for (let b = chunkGen.next(10_000); b.length; b = chunkGen.next(10_000)) writeSync(out, toJsonl(b));
      } finally {
        closeSync(out);
      }
      const mb = toMb(statSync(JSONL_PATH).size);
      gc?.();
      await tick();

      // Read + parse alone, in the pieces importFile reads (rows dropped as it goes).
      rss.phase('jsonl parse');
      const parseMs = (() => {
        const p0 = performance.now();
        const parser = new UsageStreamParser('jsonl');
        const fd = openSync(JSONL_PATH, 'r');
        const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
        const decoder = new StringDecoder('utf8');
        let rows = 0;
        try {
          for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) {
            rows += parser.push(decoder.write(buf.subarray(0, n))).length;
          }
          rows += parser.push(decoder.end()).length + parser.end().length;
        } finally {
          closeSync(fd);
        }
        if (parser.errorCount > 0 || rows !== JSONL_ROWS) log(`JSONL file did not parse: ${rows} rows, ${parser.errors[0]?.message ?? '?'}`);
        return performance.now() - p0;
      })();
      gc?.();
      await tick();

      rss.phase('jsonl import');
      const i0 = performance.now();
      const ic0 = process.cpuUsage();
      const res = await importUsageFile(ledger, JSONL_PATH, 'import');
      const importMs = performance.now() - i0;
      const ic = process.cpuUsage(ic0);
      rss.sample();
      if (!res.ok) log(`importFile failed: ${res.errors[0]?.message ?? '?'}`);
      rmSync(JSONL_PATH, { force: true });
      jsonl = {
        rows: JSONL_ROWS,
        parseRate: (JSONL_ROWS / parseMs) * 1000,
        importRate: (JSONL_ROWS / importMs) * 1000,
        mb,
        inserted: res.ok ? res.inserted : 0,
        cpuUs: ic.user + ic.system,
      };
      log(`importFile: ${fmtInt(jsonl.importRate)} rows/s (read + parse only ${fmtInt(jsonl.parseRate)} rows/s), rss ${fmtInt(toMb(rss.sample()))} MB`);
    }
    gc?.();
    await tick();

    // ---- 3. /spend through the real command path vs the same reads over raw rows --------------
    gc?.();
    rss.phase('queries');
    const rawServices: Services = { ...services, ledger: rawLedger(ledger) };
    const today = services.zone.dayOf(NOW.getTime());
    const caller = { id: 'bench', local: true };
    const results: QueryResult[] = [];
    for (const spec of QUERIES) {
      let kind = '';
      for (let w = 0; w < 3; w++) kind = (await dispatch('spend', spec.text, services, caller)).kind;
      const rollup = summarize(await timeRuns(QUERY_RUNS, () => dispatch('spend', spec.text, services, caller)));
      rss.sample();

      const period = parsePeriod(spec.period, today);
      if (!period.ok) throw new Error(period.error);
      const { from, to } = period.period;
      const prev = previousPeriod(period.period);
      // The raw reads alone (SQL over usage), and the whole command with those reads.
      const rawSqlFn = async () => {
        await ledger.spendRaw(spec.dim, from, to);
        await ledger.totalsRaw(from, to);
        await ledger.totalsRaw(prev.from, prev.to);
      };
      await rawSqlFn(); // warm-up (page cache)
      const rawSql = summarize(await timeRuns(RAW_RUNS, rawSqlFn, RAW_BUDGET_MS));
      const rawCommand = summarize(await timeRuns(RAW_RUNS, () => dispatch('spend', spec.text, rawServices, caller), RAW_BUDGET_MS));
      rss.sample();

      // Cross-check: the rollup must equal the aggregate of the raw rows.
      const a = await ledger.spendRollup(spec.dim, from, to);
      const b = await ledger.spendRaw(spec.dim, from, to);
      // (Money sums are BigInt: compared as text.)
      const text = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
      const match =
        text(a) === text(b) &&
        text(await ledger.totals(from, to)) === text(await ledger.totalsRaw(from, to)) &&
        text(await ledger.totals(prev.from, prev.to)) === text(await ledger.totalsRaw(prev.from, prev.to));
      results.push({ spec, rollup, rawCommand, rawSql, rows: a.length, match, kind });
      log(`/spend ${spec.text}: p95 ${fmtMs(rollup.p95)} ms (raw p95 ${fmtMs(rawCommand.p95)} ms)`);
      await tick();
    }

    // ---- Report --------------------------------------------------------------------------------
    rss.phase('report');
    const count = await ledger.count();
    const totalsAll = await ledger.totalsRaw('0000-01-01', '9999-12-31');
    const bytes = dbBytes();
    rss.stop();
    const totalSec = (performance.now() - started) / 1000;

    const lines: string[] = [];
    const p = (s = '') => lines.push(s);
    p('');
    p(`routeops ledger benchmark — node ${process.version}, ${new Date().toISOString()}`);
    p(
      `ledger: ${fmtInt(count)} rows (${fmtInt(ROWS)} generated + ${fmtInt(jsonl.rows)} via JSONL), 2026-01-01..2026-12-31 UTC, ` +
        `${PROVIDERS.length} providers, ${MODELS.length} models, ${USER_COUNT} users; not priced: ${fmtInt(totalsAll.unpriced)} rows ` +
        `(${((totalsAll.unpriced / Math.max(1, totalsAll.requests)) * 100).toFixed(1)}%); total ${formatUsd(totalsAll.cost_nusd)}`,
    );
    p(`db: ${DB_PATH} — ${fmtInt(toMb(bytes))} MB; pragmas ${JSON.stringify(pragmas)}`);
    p(
      `import: ${fmtInt(inserted)} inserted, ${fmtInt(skipped)} skipped; record() ${(recordMs / 1000).toFixed(1)} s, generation ${(genMs / 1000).toFixed(1)} s, ` +
        `wall ${(importWallMs / 1000).toFixed(1)} s; CPU: record() ${(recordCpuUs / 1e6).toFixed(1)} s (${(recordCpuUs / Math.max(1, inserted)).toFixed(1)} µs/row), ` +
        `whole phase ${((importCpu.user + importCpu.system) / 1e6).toFixed(1)} s (system ${(importCpu.system / 1e6).toFixed(1)} s)`,
    );
    p(`import rows/s by segment: ${segments.map((s) => `≤${fmtInt(s.upTo / 1000)}k: ${fmtInt(s.rate / 1000)}k`).join(', ')}`);
    if (jsonl.rows) p(`JSONL file: ${fmtInt(jsonl.rows)} rows, ${jsonl.mb.toFixed(0)} MB, ${fmtInt(jsonl.inserted)} inserted by importFile (CPU ${(jsonl.cpuUs / Math.max(1, jsonl.rows)).toFixed(1)} µs/row); read + parse alone ${fmtInt(jsonl.parseRate)} rows/s`);
    p('');
    p('/spend (dispatch, real command path; ms)        n    p50     p95     max   | raw rows: command p50/p95 (n) | SQL only p50/p95 | rollup = raw');
    for (const r of results) {
      p(
        `  ${`/spend ${r.spec.text}`.padEnd(44)} ${String(r.rollup.n).padStart(3)} ${fmtMs(r.rollup.p50).padStart(6)} ${fmtMs(r.rollup.p95).padStart(7)} ${fmtMs(r.rollup.max).padStart(7)}   | ` +
          `${fmtMs(r.rawCommand.p50)} / ${fmtMs(r.rawCommand.p95)} (${r.rawCommand.n})`.padEnd(30) +
          `| ${fmtMs(r.rawSql.p50)} / ${fmtMs(r.rawSql.p95)}`.padEnd(19) +
          `| ${r.match ? 'yes' : 'NO (MISMATCH)'}${r.kind === 'result' ? '' : ` reply kind ${r.kind}`}`,
      );
    }
    p('');
    p(`max RSS by phase (MB, ${rss.method}): ${rss.phaseMaxMb().map(([k, v]) => `${k} ${fmtInt(v)}`).join(', ')}`);
    p('');

    const table: string[][] = [['figure', 'measured', 'target', 'baseline']];
    table.push(['import, ledger.record (rows/s)', fmtInt(importRate), '>= 100,000', '—']);
    table.push(['import incl. generation (rows/s)', fmtInt(importWallRate), '—', '—']);
    if (jsonl.rows) table.push([`importFile JSONL ${fmtInt(jsonl.rows / 1000)}k (rows/s)`, fmtInt(jsonl.importRate), '—', '—']);
    for (const r of results) {
      table.push([
        `/spend ${r.spec.text} p95 (ms)`,
        `${fmtMs(r.rollup.p95)} (p50 ${fmtMs(r.rollup.p50)}, max ${fmtMs(r.rollup.max)})`,
        '< 50',
        `${fmtMs(r.rawCommand.p95)} (p50 ${fmtMs(r.rawCommand.p50)}, n=${r.rawCommand.n})`,
      ]);
    }
    table.push(['max RSS (MB)', fmtInt(rss.maxMb), '< 300', '—']);
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    const fmtRow = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ');
    p(fmtRow(table[0]!));
    p(widths.map((w) => '-'.repeat(w)).join('-|-'));
    for (const row of table.slice(1)) p(fmtRow(row));
    p('');
    p(`total ${totalSec.toFixed(0)} s`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rss.stop();
    await services.close();
    if (!KEEP) {
      for (const f of dbFiles()) rmSync(f, { force: true });
      const left = dbFiles().filter((f) => existsSync(f));
      process.stdout.write(left.length ? `database files NOT deleted: ${left.join(', ')}\n` : `database deleted: ${DB_PATH} (BENCH_KEEP=1 keeps it)\n`);
    } else {
      process.stdout.write(`database kept: ${DB_PATH}\n`);
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
