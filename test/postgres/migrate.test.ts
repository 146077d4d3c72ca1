import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { listMigrationFiles, MigrationError } from '../../src/store/migrate.js';
import { migratePostgres, postgresMigrationsDir } from '../../src/store/postgres/migrate.js';
import { openPostgres, PgStoreError, redactUrl } from '../../src/store/postgres/pool.js';
import { tempPg } from '../support/postgres.js';
import { tempDir } from '../support/temp.js';

test('the package PostgreSQL migrations apply to an empty database in order, then are a no-op', async (t) => {
  const pg = await tempPg(t, { migrate: false });
  const files = listMigrationFiles(postgresMigrationsDir());
  const first = await migratePostgres(pg.db);
  assert.deepEqual(first.map((f) => f.file), files.map((f) => f.file));
  assert.deepEqual(await migratePostgres(pg.db), []);
  const rows = await pg.db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
  assert.deepEqual(rows.map((r) => r.version), files.map((f) => f.version));
});

test('replicas migrating one database at once apply each file once, and both start', async (t) => {
  const pg = await tempPg(t, { migrate: false });
  const others = [openPostgres(pg.url), openPostgres(pg.url), openPostgres(pg.url)];
  t.after(() => Promise.all(others.map((db) => db.close())));
  const results = await Promise.all([pg.db, ...others].map((db) => migratePostgres(db)));
  const files = listMigrationFiles(postgresMigrationsDir());
  // Every file applied by exactly one of them.
  assert.deepEqual(results.flat().map((f) => f.file).sort(), files.map((f) => f.file).sort());
  const [count] = await pg.db.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations');
  assert.equal(count?.n, files.length);
});

test('a database whose applied migrations are not a prefix of the files is refused, nothing applied', async (t) => {
  const pg = await tempPg(t, { migrate: false });
  const dir = tempDir('routeops-pgmig-', t);
  writeFileSync(dir.file('001_one.sql'), 'CREATE TABLE one (x INTEGER);');
  writeFileSync(dir.file('002_two.sql'), 'CREATE TABLE two (x INTEGER);');
  await migratePostgres(pg.db, { dir: dir.dir });
  // The file applied as 002_two is renamed on disk, and a third one added.
  writeFileSync(dir.file('003_three.sql'), 'CREATE TABLE three (x INTEGER);');
  const renamed = tempDir('routeops-pgmig-', t);
  writeFileSync(renamed.file('001_one.sql'), 'CREATE TABLE one (x INTEGER);');
  writeFileSync(renamed.file('002_other.sql'), 'CREATE TABLE two (x INTEGER);');
  writeFileSync(renamed.file('003_three.sql'), 'CREATE TABLE three (x INTEGER);');
  await assert.rejects(migratePostgres(pg.db, { dir: renamed.dir }), (err: Error) => err instanceof MigrationError && /migration 2 was applied as 002_two\.sql but is now 002_other\.sql/.test(err.message));
  const tables = await pg.db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  assert.deepEqual(tables.map((r) => r.t), ['one', 'schema_migrations', 'two']);
});

test('a failing migration is rolled back alone: the earlier ones stay applied', async (t) => {
  const pg = await tempPg(t, { migrate: false });
  const dir = tempDir('routeops-pgmig-', t);
  writeFileSync(dir.file('001_one.sql'), 'CREATE TABLE one (x INTEGER);');
  writeFileSync(dir.file('002_bad.sql'), 'CREATE TABLE half (x INTEGER); SELECT * FROM missing_table;');
  await assert.rejects(migratePostgres(pg.db, { dir: dir.dir }), /migration postgres\/002_bad\.sql failed and was rolled back: relation "missing_table" does not exist/);
  const tables = await pg.db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  assert.deepEqual(tables.map((r) => r.t), ['one', 'schema_migrations']);
});

test('URLs: only postgres:// is accepted, and a password never shows in messages', () => {
  assert.equal(redactUrl('postgres://ops:s3cret@db.internal:5432/routeops'), 'postgres://ops:***@db.internal:5432/routeops');
  // A password a URL parser takes for a port and path, and passwords in the query string (pg reads them).
  assert.equal(redactUrl('postgres://rv:2024/S3cretPW@127.0.0.1:43839/rvdb'), 'postgres://rv:***@127.0.0.1:43839/rvdb');
  assert.equal(redactUrl('postgres://rv@127.0.0.1:43839/rvdb?password=WrongQueryPW&sslmode=require'), 'postgres://rv@127.0.0.1:43839/rvdb?password=***&sslmode=require');
  assert.equal(redactUrl('postgresql://a:b@c@h/db?sslpassword=x'), 'postgresql://a:***@h/db?sslpassword=***');
  assert.equal(redactUrl('not a url'), '(a database URL that does not parse)');
  assert.throws(() => openPostgres('mysql://ops:s3cret@db/routeops'), (err: Error) => err instanceof PgStoreError && !err.message.includes('s3cret') && /expected postgres:\/\//.test(err.message));
});

test('bigint columns arrive as exact numbers, sums of money as exact strings', async (t) => {
  const pg = await tempPg(t, { migrate: false });
  const [row] = await pg.db.query<{ a: number; s: string }>('SELECT 9007199254740991::bigint AS a, (9007199254740991::bigint + 9007199254740991::bigint)::numeric AS s');
  assert.equal(row!.a, Number.MAX_SAFE_INTEGER);
  assert.equal(BigInt(row!.s), 18014398509481982n);
  await assert.rejects(pg.db.query('SELECT 9007199254740993::bigint AS a'), (err: Error) => err instanceof PgStoreError && /past what a number holds exactly/.test(err.message));
});
