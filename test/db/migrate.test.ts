import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/open.js';
import { appliedMigrations, findMigrationsDir, listMigrationFiles, migrate, MigrationError } from '../../src/db/migrate.js';
import { tempDir } from '../helpers/ledger-fixtures.js';

const tableNames = (db: ReturnType<typeof openDatabase>) =>
  (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[]);

test('openDatabase creates the folder and sets WAL, busy_timeout, synchronous, foreign_keys', (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const path = join(tmp.dir, 'nested', 'deeper', 'x.db');
  const db = openDatabase(path);
  t.after(() => db.close());
  assert.ok(existsSync(path));
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
  assert.equal(db.pragma('synchronous', { simple: true }), 1); // NORMAL
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

  await t.test('a renamed migration', () => {
    renameSync(join(dir, '002_b.sql'), join(dir, '002_bee.sql'));
    assert.throws(() => migrate(db, { dir }), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, /002_b\.sql/);
      assert.match(err.message, /002_bee\.sql/);
      return true;
    });
    renameSync(join(dir, '002_bee.sql'), join(dir, '002_b.sql'));
  });

  await t.test('an applied migration missing on disk', () => {
    rmSync(join(dir, '002_b.sql'));
    assert.throws(() => migrate(db, { dir }), (err: unknown) => err instanceof MigrationError && /002_b\.sql.*not in/.test(err.message));
    writeFileSync(join(dir, '002_b.sql'), 'CREATE TABLE b (x);');
  });

  await t.test('a gap in the numbering', () => {
    writeFileSync(join(dir, '004_d.sql'), 'CREATE TABLE d (x);');
    assert.throws(() => migrate(db, { dir }), (err: unknown) => err instanceof MigrationError && /expected version 3.*004_d\.sql/.test(err.message));
    rmSync(join(dir, '004_d.sql'));
  });

  await t.test('a badly named file', () => {
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
