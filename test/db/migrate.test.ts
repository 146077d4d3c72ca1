import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/open.js';
import { appliedMigrations, findMigrationsDir, listMigrationFiles, migrate, MigrationError } from '../../src/store/migrate.js';
import { requestKey } from '../../src/store/ledger/request-keys.js';
import { makeLedger } from '../support/ledger-fixtures.js';
import { tempDir } from '../support/temp.js';
import { tempDb } from '../support/store.js';

const tableNames = (db: ReturnType<typeof openDatabase>) =>
  (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[]);

test('openDatabase creates the folder and sets WAL, busy_timeout, synchronous, wal_autocheckpoint, foreign_keys', (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const path = join(tmp.dir, 'nested', 'deeper', 'x.db');
  const db = openDatabase(path);
  t.after(() => db.close());
  assert.ok(existsSync(path));
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
  assert.equal(db.pragma('synchronous', { simple: true }), 1); // NORMAL
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 16384);
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
});

test('openDatabase accepts :memory:', () => {
  const db = openDatabase(':memory:');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  db.close();
});

test('the package migrations are found and apply to an empty database, then are a no-op', (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const dir = findMigrationsDir();
  assert.ok(existsSync(join(dir, '001_ledger.sql')), `001_ledger.sql in ${dir}`);
  const db = openDatabase(join(tmp.dir, 'r.db'));
  t.after(() => db.close());

  const first = migrate(db);
  assert.deepEqual(first.map((m) => m.file).slice(0, 1), ['001_ledger.sql']);
  assert.equal(first.length, listMigrationFiles(dir).length);
  for (const name of ['usage', 'spend_daily', 'meta', 'schema_migrations']) assert.ok(tableNames(db).includes(name), name);
  const applied = appliedMigrations(db);
  assert.equal(applied[0]?.version, 1);
  assert.equal(applied[0]?.name, 'ledger');
  assert.match(applied[0]?.applied_at ?? '', /^\d{4}-\d{2}-\d{2}T/);

  assert.deepEqual(migrate(db), []);
  assert.equal(appliedMigrations(db).length, applied.length);
});

function migrationsDir(root: string, files: Record<string, string>): string {
  const dir = join(root, 'migrations');
  mkdirSync(dir, { recursive: true });
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

test('pending migrations apply in order; later runs apply only new files', (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const dir = migrationsDir(tmp.dir, { '001_a.sql': 'CREATE TABLE a (x INTEGER);', 'README.md': 'ignored' });
  const db = openDatabase(join(tmp.dir, 'm.db'));
  t.after(() => db.close());
  assert.deepEqual(migrate(db, { dir }).map((m) => m.file), ['001_a.sql']);
  writeFileSync(join(dir, '002_b.sql'), 'CREATE TABLE b (y INTEGER REFERENCES a (x));\nINSERT INTO a VALUES (1);');
  writeFileSync(join(dir, '003_c.sql'), 'ALTER TABLE a ADD COLUMN z TEXT;');
  assert.deepEqual(migrate(db, { dir }).map((m) => m.file), ['002_b.sql', '003_c.sql']);
  assert.deepEqual(appliedMigrations(db).map((m) => m.version), [1, 2, 3]);
  assert.deepEqual(migrate(db, { dir }), []);
});

test('refuses to run when the applied list is not a prefix of the files', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const dir = migrationsDir(tmp.dir, { '001_a.sql': 'CREATE TABLE a (x);', '002_b.sql': 'CREATE TABLE b (x);' });
  const db = openDatabase(join(tmp.dir, 'm.db'));
  t.after(() => db.close());
  migrate(db, { dir });

  await t.test('a renamed migration', async () => {
    renameSync(join(dir, '002_b.sql'), join(dir, '002_bee.sql'));
    assert.throws(() => migrate(db, { dir }), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, /002_b\.sql/);
      assert.match(err.message, /002_bee\.sql/);
      return true;
    });
    renameSync(join(dir, '002_bee.sql'), join(dir, '002_b.sql'));
  });

  await t.test('an applied migration missing on disk', async () => {
    rmSync(join(dir, '002_b.sql'));
    assert.throws(() => migrate(db, { dir }), (err: unknown) => err instanceof MigrationError && /002_b\.sql.*not in/.test(err.message));
    writeFileSync(join(dir, '002_b.sql'), 'CREATE TABLE b (x);');
  });

  await t.test('a gap in the numbering', async () => {
    writeFileSync(join(dir, '004_d.sql'), 'CREATE TABLE d (x);');
    assert.throws(() => migrate(db, { dir }), (err: unknown) => err instanceof MigrationError && /expected version 3.*004_d\.sql/.test(err.message));
    rmSync(join(dir, '004_d.sql'));
  });

  await t.test('a badly named file', async () => {
    writeFileSync(join(dir, '3-c.sql'), 'CREATE TABLE c (x);');
    assert.throws(() => migrate(db, { dir }), (err: unknown) => err instanceof MigrationError && /3-c\.sql.*NNN_name\.sql/.test(err.message));
    rmSync(join(dir, '3-c.sql'));
  });

  assert.deepEqual(migrate(db, { dir }), []);
  assert.deepEqual(appliedMigrations(db).map((m) => m.name), ['a', 'b']);
});

test('a failing migration rolls back only itself and names its file', (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const dir = migrationsDir(tmp.dir, {
    '001_ok.sql': 'CREATE TABLE ok (x);',
    '002_broken.sql': 'CREATE TABLE half (x);\nINSERT INTO ok VALUES (1);\nTHIS IS NOT SQL;',
  });
  const db = openDatabase(join(tmp.dir, 'm.db'));
  t.after(() => db.close());
  assert.throws(() => migrate(db, { dir }), (err: unknown) => {
    assert.ok(err instanceof MigrationError);
    assert.match(err.message, /002_broken\.sql/);
    assert.match(err.message, /rolled back/);
    return true;
  });
  assert.deepEqual(appliedMigrations(db).map((m) => m.name), ['ok']);
  assert.ok(tableNames(db).includes('ok'));
  assert.ok(!tableNames(db).includes('half'));
  assert.equal(db.prepare('SELECT COUNT(*) FROM ok').pluck().get(), 0);

  writeFileSync(join(dir, '002_broken.sql'), 'CREATE TABLE half (x);');
  assert.deepEqual(migrate(db, { dir }).map((m) => m.file), ['002_broken.sql']);
});

test('a migration with its own BEGIN/COMMIT is reported, not half-applied', (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const dir = migrationsDir(tmp.dir, { '001_tx.sql': 'BEGIN; CREATE TABLE t (x); COMMIT;' });
  const db = openDatabase(join(tmp.dir, 'm.db'));
  t.after(() => db.close());
  assert.throws(() => migrate(db, { dir }), /001_tx\.sql/);
  assert.deepEqual(appliedMigrations(db), []);
  assert.ok(!tableNames(db).includes('t'));
});

/** The request_hash that migrations 001-005 stored (48 bits), as the ledger computed it then. */
function formerRequestHash(id: string): number {
  const fmix32 = (h: number) => {
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  };
  let a = 0x811c9dc5 ^ id.length;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = fmix32(a ^ (b >>> 16));
  b = fmix32(b + a);
  return (b >> 16) * 0x1_0000_0000 + (a >>> 0);
}

test('006_request_key turns stored request hashes into day keys the ledger finds again', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const all = listMigrationFiles(findMigrationsDir());
  const old = join(tmp.dir, 'old-migrations');
  mkdirSync(old);
  for (const f of all.filter((m) => m.version < 6)) writeFileSync(join(old, f.file), readFileSync(f.path));
  const db = openDatabase(join(tmp.dir, 'r.db'));
  t.after(() => db.close());
  migrate(db, { dir: old });
  const insert = db.prepare(
    `INSERT INTO usage (ts_ms, day, provider, model, source, request_id, request_hash) VALUES (?, substr(?, 1, 10), 'deepseek', 'deepseek-chat', 'import', ?, ?)`,
  );
  const rows: Array<[string, string | null]> = [
    ['1969-12-31T23:00:00.000Z', 'before-epoch'],
    ['2026-03-01T10:00:00.000Z', 'req-1'],
    ['2026-03-01T23:59:59.999Z', '日本🚀'],
    ['9999-12-31T23:59:59.999Z', 'x'.repeat(300)],
    ['2026-03-02T00:00:00.000Z', null],
  ];
  for (const [ts, id] of rows) insert.run(Date.parse(ts), ts, id, id === null ? null : formerRequestHash(id));

  migrate(db);
  const stored = db.prepare('SELECT ts_ms, request_id, request_key FROM usage ORDER BY id').all() as Array<{ ts_ms: number; request_id: string | null; request_key: number | null }>;
  assert.deepEqual(
    stored.map((r) => r.request_key),
    rows.map(([ts, id]) => (id === null ? null : requestKey(id, Date.parse(ts)))),
  );
  const indexes = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage'`).pluck().all();
  // (usage_scope is migration 015's: re-pricing one model from an instant.)
  assert.deepEqual(indexes, ['usage_request_key', 'usage_call_id', 'usage_scope', 'usage_balance_refusals', 'usage_gateway']);
  // The ledger skips the migrated ids.
  const ledger = makeLedger(db);
  ledger.ensureTimezone();
  const again = rows.flatMap(([ts, id]) => (id === null ? [] : [{ ts, provider: 'deepseek', model: 'deepseek-chat', input_tokens: 1, cached_input_tokens: 0, output_tokens: 1, reasoning_tokens: 0, request_id: id }]));
  assert.deepEqual(await ledger.record(again, 'import'), { inserted: 0, skipped: 4 });
});

test('a migrated database opens while another process holds the write lock (nothing to apply, nothing to wait for)', (t) => {
  const { db: first, path, cleanup } = tempDb();
  t.after(cleanup);
  makeLedger(first, 'UTC').ensureTimezone('UTC');
  const holder = openDatabase(path);
  t.after(() => holder.close());
  holder.prepare('BEGIN IMMEDIATE').run();
  const db = openDatabase(path, { busyTimeoutMs: 50 });
  t.after(() => db.close());
  assert.deepEqual(migrate(db), []);
  // The ledger's zone check at start is a read too.
  assert.equal(makeLedger(db, 'UTC').ensureTimezone('UTC'), false);
  holder.prepare('COMMIT').run();
});
