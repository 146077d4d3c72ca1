// App Home benchmark (`npm run bench:home`): prints figures, asserts nothing.
//
// Builds a ledger of BENCH_ROWS synthetic rows over one year (bench/gen.ts, as `npm run
// bench:ledger` does; 10,000,000 by default) through the real services, adds what the other
// sections read (hourly balance snapshots of the providers with a balance source for 30 days, 50
// route check runs of every route, 200 alerts, 20 open proposals), then times the whole Home view
// for one person — gathered (src/features/home/home-data.ts) and rendered as Block Kit
// (src/adapters/slack/home-view.ts) as the Slack adapter builds it, with the balance view kept
// between polls (src/features/home/balance-cache.ts) — and the same with the balance view computed
// afresh (the first build after a poll), beside, in the same run, the /spend month query alone
// (the spend report of the month by provider), `/spend month` through the command path and
// /balance's view alone. Target: the Home build < 50 ms at 10M rows.
//
// Environment:
//   BENCH_ROWS   rows in the ledger (default 10,000,000)
//   BENCH_RUNS   timed runs of each figure (default 30, after 3 warm-ups)
//   BENCH_DB     database file (default bench/out/home-<pid>.db); with BENCH_REUSE=1 and a file
//                that already holds the rows, the ledger is not built again
//   BENCH_KEEP=1 keep the database file afterwards
import { existsSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { resolveConfig } from '../src/config/load.js';
import { createServices } from '../src/app/services.js';
import { dispatch } from '../commands/dispatch.js';
import { homeData } from '../src/features/home/home-data.js';
import { homeView } from '../src/adapters/slack/home-view.js';
import { createBalanceCache } from '../src/features/home/balance-cache.js';
import { balanceView } from '../src/features/balances/view.js';
import { spendReport } from '../src/features/reports/spend.js';
import { parsePeriod } from '../src/domain/time/period.js';
import { UsageGenerator } from './gen.js';
import { fmtInt, fmtMs, intEnv, summarize } from './stats.js';

const ROWS = intEnv('BENCH_ROWS', 10_000_000);
const RUNS = Math.max(1, intEnv('BENCH_RUNS', 30));
const BATCH = 50_000;
const YEAR_FROM = Date.parse('2026-01-01T00:00:00.000Z');
const YEAR_TO = Date.parse('2027-01-01T00:00:00.000Z');
/** The last day of the data: the month to date is all of December. */
const NOW = new Date('2026-12-31T20:00:00.000Z');
const HOUR = 3_600_000;
const SPENDER = 'U0CFO';
const OTHER = 'U0INTERN';

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const DB_PATH = process.env.BENCH_DB ? resolve(process.env.BENCH_DB) : resolve(here, '..', '..', 'bench', 'out', `home-${process.pid}.db`);
const REUSE = process.env.BENCH_REUSE === '1' && existsSync(DB_PATH);
const KEEP = process.env.BENCH_KEEP === '1' || REUSE;
const log = (msg: string) => process.stderr.write(`[bench:home ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function timed(f: () => Promise<unknown>): Promise<ReturnType<typeof summarize>> {
  for (let i = 0; i < 3; i++) await f();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  return summarize(ms);
}

async function main(): Promise<void> {
  if (!REUSE) for (const f of [DB_PATH, `${DB_PATH}-wal`, `${DB_PATH}-shm`]) rmSync(f, { force: true });
  const config = resolveConfig({ timezone: 'UTC', budgets: { monthly: 250_000 }, access: { spend: [SPENDER] } }, 'bench');
  const services = createServices({ config, dbPath: DB_PATH, log: pino({ level: 'silent' }), clock: () => NOW });
  try {
    const have = await services.ledger.count();
    if (have < ROWS) {
      log(`building a ledger of ${fmtInt(ROWS)} rows in ${DB_PATH} (have ${fmtInt(have)})`);
      const gen = new UsageGenerator({ seed: 42, rows: ROWS, fromMs: YEAR_FROM, toMs: YEAR_TO, idPrefix: 'gen-' });
      const t0 = performance.now();
      for (let batch = gen.next(BATCH); batch.length; batch = gen.next(BATCH)) {
        await services.ledger.record(batch, 'import');
        if (gen.generated % 1_000_000 === 0) log(`${fmtInt(gen.generated)} rows, ${fmtInt((gen.generated / (performance.now() - t0)) * 1000)} rows/s`);
      }
      // The other sections' state: balances, route checks, alerts, proposals.
      const withSource = Object.entries(config.balances).filter(([, s]) => s.source).map(([p]) => p);
      for (const [i, provider] of withSource.entries()) {
        let balance = 5_000_000_000_000n + BigInt(i) * 1_000_000_000n;
        for (let h = 30 * 24; h > 0; h--) {
          balance -= 2_000_000_000n;
          await services.store.balances.record({ provider, kind: config.balances[provider]!.source!.kind, currency: 'USD', balance_nano: balance, available: true, at: new Date(NOW.getTime() - h * HOUR).toISOString(), detail: {} });
        }
      }
      const routes = Object.values(config.models).flatMap((m) => m.routes);
      for (let run = 0; run < 50; run++) {
        const at = new Date(NOW.getTime() - (50 - run) * 6 * HOUR).toISOString();
        await services.store.routecheck.save({
          target: 'all', startedAt: at, finishedAt: at, ok: run % 7 !== 0, costNusd: 1000, scheduled: true,
          results: routes.flatMap((r) => ['basic', 'stream', 'tools'].map((check) => ({ provider: r.provider, model: r.model, check, status: run % 7 === 0 && check === 'tools' ? ('fail' as const) : ('pass' as const), reason: 'ok', latency_ms: 100 }))),
        });
      }
      await services.store.alerts.record(
        Array.from({ length: 200 }, (_, i) => ({ key: `bench:${i}`, kind: 'budget', channel: 'C0ALERTS', text: `Monthly budget ${i}% used`, reply: { kind: 'result' as const, title: `Budget alert ${i}` } })),
        NOW,
      );
      for (let i = 0; i < 20; i++) {
        await services.store.proposals.add({ source: 'litellm', provider: 'deepseek', model: `bench-model-${i}`, kind: 'new_model', fingerprint: `f${i}`, seen_at: NOW.toISOString(), effective: NOW.toISOString(), version: {}, previous: null, suspect: false, created_at: NOW.toISOString() });
      }
      log(`built in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    } else {
      log(`reusing ${DB_PATH}: ${fmtInt(have)} rows`);
    }
    const rows = await services.ledger.count();
    const today = services.zone.dayOf(NOW.getTime());
    const month = parsePeriod('month', today);
    if (!month.ok) throw new Error(month.error);

    const cache = createBalanceCache(services);
    const build = async (user: string) => homeView(await homeData(services, { id: user, local: false }, NOW, { balances: (now) => cache.get(now) }));
    const home = await timed(() => build(SPENDER));
    const homeCold = await timed(() => {
      cache.invalidate();
      return build(SPENDER);
    });
    const homeOther = await timed(() => build(OTHER));
    const spend = await timed(() => spendReport(services.ledger, config.budgets, { period: month.period, groupBy: 'provider', today }));
    const spendCommand = await timed(() => dispatch('spend', 'month', services, { id: SPENDER, local: false }, undefined, { adapter: 'slack' }));
    const balance = await timed(() => balanceView(services, NOW));
    const view = await build(SPENDER);

    const line = (what: string, t: ReturnType<typeof summarize>, target = '') => console.log(`${what.padEnd(58)} p50 ${fmtMs(t.p50).padStart(7)} ms  p95 ${fmtMs(t.p95).padStart(7)} ms  ${target}`);
    console.log(`App Home at a ${fmtInt(rows)}-row ledger (${RUNS} runs each after 3 warm-ups; Node ${process.version})`);
    line('Home view, someone in access.spend (data + Block Kit)', home, '< 50 ms');
    line('  the same, balance view computed afresh (after a poll)', homeCold);
    line('Home view, someone outside access.spend', homeOther);
    line('  baseline: the /spend month report alone (spendReport)', spend);
    line('  baseline: `/spend month` through the command path', spendCommand);
    line('  baseline: /balance\'s view alone (balanceView)', balance);
    console.log(`(the view: ${view.blocks.length} blocks, ${fmtInt(JSON.stringify(view).length)} bytes of JSON)`);
  } finally {
    await services.close();
    if (!KEEP) for (const f of [DB_PATH, `${DB_PATH}-wal`, `${DB_PATH}-shm`]) rmSync(f, { force: true });
  }
}

await main();
