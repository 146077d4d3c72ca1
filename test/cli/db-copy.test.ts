// `routeops db copy` and `routeops db check` through the real CLI (docs/ARCHITECTURE.md §3.1,
// §3.8 "Moving to PostgreSQL"): a SQLite store with a real ledger and state copied into a fresh
// PostgreSQL database on the test server, then read there by the same commands through
// ROUTEOPS_DATABASE_URL; a database that is not empty refused; a copy that does not verify rolled
// back; bad --from and --to said plainly, a password never printed; the rollup check on both stores.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { cli } from '../../src/app/cli.js';
import { createAlertStore } from '../../src/store/alert-outbox.js';
import { createGatewayKeyStore } from '../../src/store/gateway-keys.js';
import { createPriceProposalStore } from '../../src/store/price-proposals.js';
import { createRouteCheckHistory } from '../../src/store/routecheck-history.js';
import { openDatabase } from '../../src/store/open.js';
import { writeConfig } from '../support/config.js';
import { makeLedger, randomRows, tempDb } from '../support/ledger-fixtures.js';
import { tempPg } from '../support/postgres.js';
import { tempDir } from '../support/temp.js';

const now = new Date('2026-03-12T12:00:00Z');
const PERIOD = '2026-03-01..2026-03-12';

type Env = Record<string, string>;
async function run(env: Env, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await cli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, clock: () => now });
  return { code, stdout, stderr };
}

/** A SQLite store with 3,000 ledger rows over 10 days, two gateway keys (one rotated), an alert, a price proposal and a route check run. */
async function sqliteStore(t: TestContext) {
  const store = tempDb(t);
  const ledger = makeLedger(store.db);
  await ledger.record(randomRows(3000, 17), 'import');
  const keys = createGatewayKeyStore(store.db);
  const base = { owner: 'ops', aliases: ['chat'], providerModels: false, budgetDailyNano: 5_000_000_000n, budgetMonthlyNano: null, rpm: 60, expiresMs: null };
  await keys.create({ ...base, name: 'svc-a', prefix: 'ro_Aaaa', hash: 'a'.repeat(64) }, now.getTime() - 86_400_000);
  await keys.rotate('svc-a', { prefix: 'ro_Bbbb', hash: 'b'.repeat(64) }, now.getTime() - 3_600_000);
  await keys.create({ ...base, name: 'svc-c', prefix: 'ro_Cccc', hash: 'c'.repeat(64) }, now.getTime() - 60_000);
  await createAlertStore(store.db).record([{ key: 'budget:2026-03-11', kind: 'budget', channel: 'C0ALERTS', text: 'Daily budget at 80%', reply: { kind: 'result', title: 'Budget' } }], now);
  await createPriceProposalStore(store.db).add({
    source: 'openrouter', provider: 'openrouter', model: 'deepseek/deepseek-v3.2', kind: 'price', fingerprint: 'fp1',
    seen_at: '2026-03-10T00:00:00.000Z', effective: '2026-03-10T00:00:00.000Z',
    version: { effective: '2026-03-10T00:00:00.000Z', per_million: { input: '0.28', output: '0.42' } }, previous: { input: '0.25', output: '0.38' },
    suspect: false, created_at: '2026-03-10T06:00:00.000Z',
  });
  await createRouteCheckHistory(store.db).save({
    target: 'all', startedAt: '2026-03-11T08:00:00.000Z', finishedAt: '2026-03-11T08:00:05.000Z', ok: true, costNusd: 1234, scheduled: true,
    results: [{ provider: 'deepseek', model: 'deepseek-chat', check: 'chat', status: 'pass', reason: 'answered', latency_ms: 300 }],
  });
  const config = writeConfig(join(store.dir, 'routeops.yml'), { timezone: 'UTC' });
  return { store, env: { ROUTEOPS_CONFIG: config, ROUTEOPS_DB: store.path, LOG_LEVEL: 'silent' } };
}

/** The environment that opens the PostgreSQL database `url` (its local journal in a folder of its own). */
function pgEnv(t: TestContext, config: string, url: string): Env {
  const dir = tempDir('routeops-pg-journal-', t);
  return { ROUTEOPS_CONFIG: config, ROUTEOPS_DATABASE_URL: url, ROUTEOPS_DB: dir.file('routeops.db'), LOG_LEVEL: 'silent' };
}

interface CopyJson {
  rows: number;
  days_checked: number;
  ok: boolean;
  tables: Array<{ table: string; sqlite: number; postgres: number }>;
  differences: Array<Record<string, unknown>>;
}

test('db copy moves the ledger and state into an empty PostgreSQL database, verified; spend, keys and prices read the same there and new rows follow the copied ids', async (t) => {
  const { store, env } = await sqliteStore(t);
  // The reads run first on SQLite: the CLI makes the rows follow the catalog in force, as a start would.
  const spendBefore = await run(env, 'spend', PERIOD, 'by', 'model', '--json');
  assert.equal(spendBefore.code, 0, spendBefore.stderr);
  const keysBefore = await run(env, 'keys', '--json');
  const proposalsBefore = await run(env, 'prices', 'list', '--json');
  const pg = await tempPg(t);

  const copy = await run({ LOG_LEVEL: 'silent' }, 'db', 'copy', '--from', `sqlite:${store.path}`, '--to', pg.url, '--json');
  assert.equal(copy.code, 0, copy.stderr + copy.stdout);
  const out = JSON.parse(copy.stdout) as CopyJson;
  assert.equal(out.ok, true);
  assert.deepEqual(out.differences, []);
  assert.equal(out.days_checked, 10, 'randomRows spreads the rows over 10 days');
  const count = (table: string) => out.tables.find((x) => x.table === table);
  // randomRows repeats some request ids, which the ledger skips: the copy has what SQLite holds.
  const stored = store.db.prepare('SELECT COUNT(*) FROM usage').pluck().get() as number;
  assert.ok(stored > 2500 && stored < 3000);
  assert.deepEqual(count('usage'), { table: 'usage', sqlite: stored, postgres: stored });
  assert.deepEqual(count('gateway_keys'), { table: 'gateway_keys', sqlite: 3, postgres: 3 });
  for (const table of ['sent_alerts', 'price_proposals', 'routecheck_runs', 'routecheck_results', 'meta']) assert.equal(count(table)!.postgres, 1, table);
  assert.ok(count('spend_daily')!.postgres > 0 && count('ledger_priced_with')!.postgres > 0);
  assert.equal(out.rows, out.tables.reduce((n, x) => n + x.postgres, 0));
  const [pgUsage] = await pg.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM usage');
  assert.equal(pgUsage!.n, count('usage')!.sqlite);

  const onPg = pgEnv(t, env.ROUTEOPS_CONFIG, pg.url);
  const spendAfter = await run(onPg, 'spend', PERIOD, 'by', 'model', '--json');
  assert.equal(spendAfter.code, 0, spendAfter.stderr);
  assert.deepEqual(JSON.parse(spendAfter.stdout), JSON.parse(spendBefore.stdout));
  assert.deepEqual(JSON.parse((await run(onPg, 'keys', '--json')).stdout), JSON.parse(keysBefore.stdout));
  assert.deepEqual(JSON.parse((await run(onPg, 'prices', 'list', '--json')).stdout), JSON.parse(proposalsBefore.stdout));

  // The identity sequences start past the copied ids: new rows and keys are written, not refused as duplicates.
  const file = join(store.dir, 'more.jsonl');
  writeFileSync(file, `${JSON.stringify({ ts: '2026-03-12T10:00:00Z', provider: 'deepseek', model: 'chat', input_tokens: 10, output_tokens: 5, request_id: 'after-copy-1' })}\n`);
  const imported = await run(onPg, 'ledger', 'import', file, '--json');
  assert.equal(imported.code, 0, imported.stderr + imported.stdout);
  assert.equal((JSON.parse(imported.stdout) as { inserted: number }).inserted, 1);
  const created = await run(onPg, 'keys', 'create', 'svc-d', '--json');
  assert.equal(created.code, 0, created.stderr + created.stdout);
  const ids = await pg.db.query<{ id: number }>(`SELECT id FROM gateway_keys WHERE name = 'svc-d'`);
  assert.equal(ids[0]!.id, 4);
});

test('db check says the rollup matches the rows on SQLite and on PostgreSQL, and names the day, dim, key and field of a rollup row changed by hand', async (t) => {
  const { store, env } = await sqliteStore(t);
  const pg = await tempPg(t);
  const copy = await run({ LOG_LEVEL: 'silent' }, 'db', 'copy', '--from', `sqlite:${store.path}`, '--to', pg.url);
  assert.equal(copy.code, 0, copy.stderr);
  assert.match(copy.stdout, /verified: row counts equal, rows and money equal on each of 10 days, the rollup matches the rows/);
  const onPg = pgEnv(t, env.ROUTEOPS_CONFIG, pg.url);

  for (const e of [env, onPg]) {
    const ok = await run(e, 'db', 'check', '--json');
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { days_checked: 10, ok: true, differences: [], differences_total: 0 });
    assert.match((await run(e, 'db', 'check')).stdout, /The rollup matches the rows over 10 days\./);
  }

  await pg.db.query(`UPDATE spend_daily SET cost_nusd = cost_nusd + 1000 WHERE dim = 'model' AND day = '2026-03-04' AND key = 'deepseek/chat'`);
  const bad = await run(onPg, 'db', 'check', '--json');
  assert.equal(bad.code, 1);
  const report = JSON.parse(bad.stdout) as { ok: boolean; differences: Array<{ day: string; dim: string; key: string; field: string; rollup: number; rows: number }> };
  assert.equal(report.ok, false);
  assert.equal(report.differences.length, 1);
  const [d] = report.differences;
  assert.deepEqual([d!.day, d!.dim, d!.key, d!.field], ['2026-03-04', 'model', 'deepseek/chat', 'cost_usd']);
  assert.equal(Math.round((d!.rollup - d!.rows) * 1e9), 1000);
  const text = await run(onPg, 'db', 'check');
  assert.equal(text.code, 1);
  assert.match(text.stdout + text.stderr, /2026-03-04 +model +deepseek\/chat +cost_usd/);

  store.db.prepare(`UPDATE spend_daily SET requests = requests + 1 WHERE dim = 'provider' AND day = '2026-03-02' AND key = 'deepseek'`).run();
  const sqliteBad = await run(env, 'db', 'check', '--json');
  assert.equal(sqliteBad.code, 1);
  assert.deepEqual((JSON.parse(sqliteBad.stdout) as typeof report).differences.map((x) => [x.day, x.dim, x.key, x.field, x.rollup - x.rows]), [['2026-03-02', 'provider', 'deepseek', 'requests', 1]]);
});

test('a copy that does not verify is rolled back: ok false, exit 1, what differs said, nothing kept', async (t) => {
  const { store } = await sqliteStore(t);
  // SQLite's own rollup is off by one row: the copy's rollup then disagrees with its rows.
  store.db.prepare(`UPDATE spend_daily SET unpriced = unpriced + 1 WHERE dim = 'route' AND day = '2026-03-05' AND key = 'fast'`).run();
  const pg = await tempPg(t);
  const copy = await run({ LOG_LEVEL: 'silent' }, 'db', 'copy', '--from', `sqlite:${store.path}`, '--to', pg.url, '--json');
  assert.equal(copy.code, 1);
  const out = JSON.parse(copy.stdout) as CopyJson;
  assert.equal(out.ok, false);
  assert.equal(out.rows, 0);
  assert.deepEqual(out.differences, [{ check: 'rollup', day: '2026-03-05', dim: 'route', key: 'fast', field: 'unpriced', rollup: out.differences[0]!.rows as number + 1, rows: out.differences[0]!.rows }]);
  const [left] = await pg.db.query<{ n: number }>('SELECT (SELECT COUNT(*) FROM usage) + (SELECT COUNT(*) FROM gateway_keys) + (SELECT COUNT(*) FROM meta) AS n');
  assert.equal(left!.n, 0, 'nothing was kept');
  const text = await run({ LOG_LEVEL: 'silent' }, 'db', 'copy', '--from', `sqlite:${store.path}`, '--to', pg.url);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /nothing was kept \(rolled back\):\n {2}rollup 2026-03-05 route fast: unpriced \d+ in the rollup, \d+ in the rows/);
});

test('db copy refuses a database that is not empty, writing nothing and never printing the password', async (t) => {
  const { store } = await sqliteStore(t);
  const pg = await tempPg(t);
  await pg.db.query(`INSERT INTO meta (key, value) VALUES ('timezone', 'Europe/Berlin')`);
  // The test server asks for the password it was made with (scripts/postgres-server.js): it must not show.
  const password = decodeURIComponent(new URL(pg.url).password);
  assert.ok(password.length >= 16);
  for (const json of [true, false]) {
    const r = await run({ LOG_LEVEL: 'silent' }, 'db', 'copy', '--from', `sqlite:${store.path}`, '--to', pg.url, ...(json ? ['--json'] : []));
    assert.equal(r.code, 1);
    assert.ok(!(r.stdout + r.stderr).includes(password), 'the password is never printed');
    if (json) assert.equal((JSON.parse(r.stdout) as CopyJson).ok, false);
    else assert.match(r.stderr, /Refused: postgres:\/\/postgres:\*\*\*@[^ ]+ is not empty \(meta has rows\)\. Nothing was written/);
  }
  const [n] = await pg.db.query<{ n: number }>('SELECT (SELECT COUNT(*) FROM usage) + (SELECT COUNT(*) FROM gateway_keys) AS n');
  assert.equal(n!.n, 0);
  assert.deepEqual(await pg.db.query('SELECT key, value FROM meta'), [{ key: 'timezone', value: 'Europe/Berlin' }]);
});

test('db copy says what is wrong with a bad --from or --to (exit 2) or an unreachable database (exit 1), never printing a password', async (t) => {
  const dir = tempDir('routeops-db-copy-', t);
  const text = dir.file('notes.txt');
  writeFileSync(text, 'not a database, just some words that are long enough to fill a page header\n'.repeat(20));
  const foreign = dir.file('other.db');
  const other = openDatabase(foreign);
  other.exec('CREATE TABLE things (id INTEGER PRIMARY KEY)');
  other.close();
  const { store } = await sqliteStore(t);
  const from = `sqlite:${store.path}`;
  const env = { LOG_LEVEL: 'silent' };
  const cases: Array<[string[], RegExp]> = [
    [['--from', store.path, '--to', 'postgres://h/db'], /--from takes sqlite:PATH \(e\.g\. sqlite:\.\/data\/routeops\.db\), not "/],
    [['--from', 'sqlite:', '--to', 'postgres://h/db'], /--from takes sqlite:PATH/],
    [['--from', `sqlite:${dir.file('missing.db')}`, '--to', 'postgres://h/db'], /--from: no SQLite file at .*missing\.db/],
    [['--from', `sqlite:${dir.dir}`, '--to', 'postgres://h/db'], /is a directory, not a SQLite file/],
    [['--from', `sqlite:${text}`, '--to', 'postgres://h/db'], /notes\.txt is not a SQLite database/],
    [['--from', `sqlite:${foreign}`, '--to', 'postgres://h/db'], /other\.db is not a routeops database/],
    [['--from', from, '--to', 'mysql://ops:hunter2@db.internal/routeops'], /--to takes a postgres:\/\/user:password@host:port\/database URL, not "mysql:\/\/ops:\*\*\*@db\.internal\/routeops"/],
    [['--to', 'postgres://h/db'], /--from sqlite:PATH is needed/],
    [['--from', from], /--to postgres:\/\/… is needed/],
    [['--from', from, '--to', 'postgres://h/db', 'extra'], /unexpected "extra"/],
  ];
  for (const [args, message] of cases) {
    const r = await run(env, 'db', 'copy', ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.match(r.stderr, /routeops db copy --from sqlite:PATH --to postgres:\/\//, 'the usage follows');
    assert.doesNotMatch(r.stderr, /hunter2|at .*\.js:\d+/, 'no password, no stack trace');
  }
  const unreachable = await run(env, 'db', 'copy', '--from', from, '--to', 'postgres://ops:hunter2@127.0.0.1:1/routeops', '--json');
  assert.equal(unreachable.code, 1);
  assert.match((JSON.parse(unreachable.stdout) as { error: string }).error, /^Nothing was copied: cannot reach the database at postgres:\/\/ops:\*\*\*@127\.0\.0\.1:1\/routeops \(/);
  assert.doesNotMatch(unreachable.stdout + unreachable.stderr, /hunter2/);
  const group = await run(env, 'db');
  assert.equal(group.code, 2);
  assert.match(group.stderr, /db needs a subcommand: copy, check/);
});
