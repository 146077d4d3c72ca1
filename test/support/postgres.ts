// A fresh, migrated PostgreSQL database for a test, on the server scripts/test.js started (or the
// one ROUTEOPS_TEST_DATABASE_URL names): each test gets its own database, dropped when it ends, so
// no test sees what another left behind.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres, type PgDb } from '../../src/store/postgres/pool.js';
import { migratePostgres } from '../../src/store/postgres/migrate.js';
import type { CleanupOwner } from './temp.js';

/** The server the tests use (set by scripts/test.js); a clear error when a test runs without it. */
export function testServerUrl(): string {
  const url = process.env.ROUTEOPS_TEST_DATABASE_URL;
  if (!url) throw new Error('ROUTEOPS_TEST_DATABASE_URL is not set: run the tests with `npm test` (scripts/test.js starts a PostgreSQL server)');
  return url;
}

/** The URL of database `name` on the test server. */
export function databaseUrl(name: string): string {
  const u = new URL(testServerUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TempPg {
  /** An open pool on the database (migrated unless `migrate: false`). */
  db: PgDb;
  /** postgres://… of this database (for a second pool or a child process). */
  url: string;
  name: string;
  /** Closes the pool and drops the database; safe to call twice. */
  cleanup(): Promise<void>;
}

/** An empty database; migrated with the package's migrations/postgres/ unless `migrate: false`. */
export async function tempPg(owner?: CleanupOwner, opts: { migrate?: boolean } = {}): Promise<TempPg> {
  const name = `routeops_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = databaseUrl(name);
  const db = openPostgres(url, { max: 5 });
  let done = false;
  const cleanup = async () => {
    if (done) return;
    done = true;
    await db.close();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  owner?.after(cleanup);
  if (opts.migrate !== false) {
    try {
      await migratePostgres(db);
    } catch (err) {
      await cleanup();
      throw err;
    }
  }
  return { db, url, name, cleanup };
}
