// The ledger side of the rows /spend leaves out (docs/ARCHITECTURE.md §3.5): the writer's rollup,
// the raw aggregate, a rebuild and migration 009 all agree on what is a request, what is left
// out and what route checks cost, exactly (BigInt) at any size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SPEND_DIMS, NOT_FOUND_PROBE_MODEL } from '../../src/domain/spend.js';
import type { UsageInput } from '../../src/store/ledger.js';
import { aggregateSql, SPEND_COLUMNS } from '../../src/store/ledger/sql.js';
import { openDatabase } from '../../src/store/open.js';
import { findMigrationsDir, listMigrationFiles, migrate } from '../../src/store/migrate.js';
import { nusdToUsd } from '../../src/domain/money/units.js';
import { parsePeriod } from '../../src/domain/time/period.js';
import { spendReport } from '../../src/features/reports/spend.js';
import { spendJson } from '../../src/features/reports/spend-json.js';
import { spendCsv } from '../../src/features/reports/spend-csv.js';
import { makeLedger, randomRows, tempDb } from '../support/ledger-fixtures.js';
import { tempDir } from '../support/temp.js';

const DAY = '2026-03-01';
const base = { ts: `${DAY}T10:00:00.000Z`, cached_input_tokens: 0, reasoning_tokens: 0 };
/** fakePrice: 1 nano-USD per token; "free-" models have no price. */
const call = (id: string, over: Partial<UsageInput>): UsageInput => ({ ...base, provider: 'deepseek', model: 'chat', input_tokens: 100, output_tokens: 10, call_id: id, ...over });

test('the writer leaves out unsent calls and not-found probes that cost nothing, counts them apart, and sums route checks exactly past 2^53', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  await ledger.record(
    [
      call('ask-1', { route: 'fast', user: 'U1' }),
      call('ask-nokey', { provider: 'moonshot', model: 'kimi', input_tokens: 0, output_tokens: 0, status: 'missing_key', route: 'fast', user: 'U1' }),
      // An unpriced model never sent: left out, not "not priced".
      call('ask-nokey-free', { model: 'free-x', input_tokens: 0, output_tokens: 0, status: 'missing_key', user: 'U2' }),
    ],
    'ask',
  );
  // 20 route-check calls a gateway billed $999,999.999999999 each: past 2^53 nano-USD.
  const billed = Array.from({ length: 20 }, (_, i) => call(`rc-${i}`, { provider: 'gateway', model: 'free-big', input_tokens: 1, output_tokens: 1, cost_usd: '999999.999999999', route: 'routecheck:all' }));
  await ledger.record(
    [
      ...billed,
      call('rc-probe', { model: NOT_FOUND_PROBE_MODEL, input_tokens: 0, output_tokens: 0, status: 'model_not_found', route: 'routecheck:all' }),
      call('rc-probe-retried', { provider: 'gateway', model: NOT_FOUND_PROBE_MODEL, input_tokens: 0, output_tokens: 0, status: 'retried', route: 'routecheck:all' }),
      // A probe the provider answered and billed is a request: its money is never hidden.
      call('rc-probe-billed', { provider: 'gateway', model: NOT_FOUND_PROBE_MODEL, input_tokens: 5, output_tokens: 5, cost_usd: '0.000001', route: 'routecheck:all' }),
    ],
    'routecheck',
  );
  // An imported row named like the probe is not a route check: it stays a request.
  await ledger.record([{ ...base, provider: 'deepseek', model: NOT_FOUND_PROBE_MODEL, input_tokens: 0, output_tokens: 0, request_id: 'imp-1' }], 'import');

  // The billed probe is priced by ours (fakePrice: 10 tokens = 10 nano-USD) before the provider's.
  const routecheckNusd = 20n * 999_999_999_999_999n + 10n;
  const totals = await ledger.totals(DAY, DAY);
  assert.deepEqual(totals, {
    requests: 1 + 20 + 1 + 1,
    unpriced: 0,
    usage_missing: 0,
    interrupted: 0,
    cost_nusd: 110n + routecheckNusd,
    never_sent: 2,
    not_found_probes: 2,
    routecheck_nusd: routecheckNusd,
  });
  assert.equal(totals.cost_nusd, (await ledger.totalsRaw(DAY, DAY)).cost_nusd);
  assert.equal(await ledger.count(), 27, 'count() is the rows, left out or not');

  const byModel = await ledger.spendRollup('model', DAY, DAY);
  const keyed = Object.fromEntries(byModel.map((r) => [r.key, [r.requests, r.never_sent, r.not_found_probes, r.unpriced]]));
  assert.deepEqual(keyed, {
    'deepseek/chat': [1, 0, 0, 0],
    'deepseek/free-x': [0, 1, 0, 0],
    [`deepseek/${NOT_FOUND_PROBE_MODEL}`]: [1, 0, 1, 0],
    'gateway/free-big': [20, 0, 0, 0],
    [`gateway/${NOT_FOUND_PROBE_MODEL}`]: [1, 0, 1, 0],
    'moonshot/kimi': [0, 1, 0, 0],
  });

  // The report: groups of requests only, left-out counts beside them, route checks' part exact.
  const period = parsePeriod(`${DAY}..${DAY}`, DAY);
  assert.ok(period.ok);
  const report = await spendReport(ledger, {}, { period: period.period, groupBy: 'model', today: DAY });
  assert.deepEqual(report.groups.map((g) => [g.key, g.requests]), [
    ['gateway/free-big', 20],
    ['deepseek/chat', 1],
    [`gateway/${NOT_FOUND_PROBE_MODEL}`, 1],
    [`deepseek/${NOT_FOUND_PROBE_MODEL}`, 1],
  ]);
  assert.equal(report.groups.reduce((s, g) => s + g.total, 0n), totals.cost_nusd, 'the groups sum to the total');
  const json = spendJson(report, 'UTC');
  assert.deepEqual(json.left_out, { never_sent: 2, not_found_probes: 2 });
  assert.equal(json.route_checks_usd, nusdToUsd(routecheckNusd));
  assert.equal(json.route_checks_usd, 19999999.99999999);
  assert.doesNotMatch(spendCsv(report), /moonshot|free-x/);

  // Every dim's rollup equals the raw aggregate, before and after a rebuild.
  for (const dim of SPEND_DIMS) assert.deepEqual(await ledger.spendRollup(dim, DAY, DAY), await ledger.spendRaw(dim, DAY, DAY), dim);
  const before = db.prepare('SELECT * FROM spend_daily ORDER BY dim, day, key').all();
  ledger.rebuildRollup();
  assert.deepEqual(db.prepare('SELECT * FROM spend_daily ORDER BY dim, day, key').all(), before);
});

test('migration 009 recomputes the rollup of an older ledger: probes and unsent calls stop being requests, route checks get their own sum', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const old = join(tmp.dir, 'old-migrations');
  mkdirSync(old);
  for (const f of listMigrationFiles(findMigrationsDir()).filter((m) => m.version < 9)) writeFileSync(join(old, f.file), readFileSync(f.path));
  const db = openDatabase(join(tmp.dir, 'r.db'));
  t.after(() => db.close());
  migrate(db, { dir: old });

  // Rows as the 008 writer stored them, with the rollup it kept (every row a request).
  const insert = db.prepare(
    `INSERT INTO usage (ts_ms, day, provider, model, input_tokens, output_tokens, cost_nusd, provider_cost_nusd, "user", route, source, call_id, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const ts = Date.parse(`${DAY}T10:00:00Z`);
  insert.run(ts, DAY, 'deepseek', 'chat', 100, 10, 110, null, 'U1', 'fast', 'ask', 'a1', 'ok');
  insert.run(ts, DAY, 'moonshot', 'kimi', 0, 0, 0, null, 'U1', 'fast', 'ask', 'a2', 'missing_key');
  insert.run(ts, DAY, 'deepseek', 'chat', 50, 5, 55, null, null, 'routecheck:all', 'routecheck', 'r1', 'ok');
  insert.run(ts, DAY, 'deepseek', NOT_FOUND_PROBE_MODEL, 0, 0, 0, null, null, 'routecheck:all', 'routecheck', 'r2', 'model_not_found');
  insert.run(ts, DAY, 'gateway', 'free-big', 1, 1, null, 999_999_999_999_999, null, 'routecheck:all', 'routecheck', 'r3', 'ok');
  insert.run(ts, DAY, 'gateway', 'free-big', 1, 1, null, 999_999_999_999_999, null, 'routecheck:all', 'routecheck', 'r4', 'ok');
  for (const dim of SPEND_DIMS) {
    db.prepare(
      `INSERT INTO spend_daily (dim, day, key, requests, unpriced, usage_missing, interrupted, cost_nusd, provider_cost_nusd, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens)
       SELECT '${dim}', day, key, requests, unpriced, usage_missing, interrupted, cost_nusd, provider_cost_nusd, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens
         FROM (${aggregateSql(dim, '').replace(/SUM\(\(NOT .*\)\) AS requests/, 'COUNT(*) AS requests')})`,
    ).run();
  }
  assert.equal(db.prepare(`SELECT requests FROM spend_daily WHERE dim = 'provider' AND key = 'moonshot'`).pluck().get(), 1, 'the old rollup counted the unsent call');

  migrate(db);
  for (const dim of SPEND_DIMS) {
    const rollup = db.prepare(`SELECT ${SPEND_COLUMNS} FROM spend_daily WHERE dim = ? ORDER BY day, key`).safeIntegers(true).all(dim);
    const raw = db.prepare(`${aggregateSql(dim, '')} ORDER BY day, key`).safeIntegers(true).all();
    assert.deepEqual(rollup, raw, `the ${dim} rollup equals the rows after 009`);
  }
  const ledger = makeLedger(db);
  ledger.ensureTimezone('UTC');
  assert.deepEqual(await ledger.totals(DAY, DAY), {
    requests: 4,
    unpriced: 0,
    usage_missing: 0,
    interrupted: 0,
    cost_nusd: 165n + 2n * 999_999_999_999_999n,
    never_sent: 1,
    not_found_probes: 1,
    routecheck_nusd: 55n + 2n * 999_999_999_999_999n,
  });
  assert.equal(await ledger.count(), 6);
  // The writer goes on from there.
  await ledger.record([call('after', { route: 'routecheck:all', provider: 'moonshot', model: 'kimi', status: 'missing_key', input_tokens: 0, output_tokens: 0 })], 'routecheck');
  assert.deepEqual(await ledger.spendRollup('provider', DAY, DAY), await ledger.spendRaw('provider', DAY, DAY));
  assert.equal((await ledger.totals(DAY, DAY)).never_sent, 2);
});

test('random ledgers with left-out rows mixed in: rollup, raw aggregate and rebuild agree for every dim', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db, 'Europe/Berlin');
  const rows = randomRows(2000, 20261205).map((r, i): UsageInput => {
    if (i % 7 === 0) return { ...r, input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, cost_usd: undefined, status: 'missing_key' };
    if (i % 11 === 0) return { ...r, model: NOT_FOUND_PROBE_MODEL, input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, cost_usd: undefined };
    return r;
  });
  for (let i = 0; i < rows.length; i += 300) await ledger.record(rows.slice(i, i + 300), i % 600 === 0 ? 'routecheck' : 'ask');
  const from = (await ledger.firstDay())!;
  const to = (await ledger.lastDay())!;
  const totals = await ledger.totals(from, to);
  assert.ok(totals.never_sent > 0 && totals.not_found_probes > 0 && totals.routecheck_nusd > 0n);
  assert.deepEqual(totals, await ledger.totalsRaw(from, to));
  for (const dim of SPEND_DIMS) {
    const rollup = await ledger.spendRollup(dim, from, to);
    assert.deepEqual(rollup, await ledger.spendRaw(dim, from, to), dim);
    assert.equal(rollup.reduce((n, r) => n + r.requests, 0), totals.requests, dim);
    assert.equal(rollup.reduce((s, r) => s + r.routecheck_nusd, 0n), totals.routecheck_nusd, dim);
  }
  const before = db.prepare('SELECT * FROM spend_daily ORDER BY dim, day, key').all();
  ledger.rebuildRollup();
  assert.deepEqual(db.prepare('SELECT * FROM spend_daily ORDER BY dim, day, key').all(), before);
});
