// One fresh database of either store with two handles on it (two connections to one SQLite file,
// or two pools on one PostgreSQL database: two replicas), for the catalog and price proposal
// contract tests. Not a test file itself (scripts/test.js runs *.test.js only).
import type { TestContext } from 'node:test';
import { openDatabase, type Db } from '../../src/store/open.js';
import { openPostgres, type PgDb } from '../../src/store/postgres/pool.js';
import type { StoreKind } from '../support/both-stores.js';
import { tempPg } from '../support/postgres.js';
import { tempDb } from '../support/store.js';

export interface Opened<S> {
  /** The repository over the first handle, and over the second (another replica). */
  store: S;
  other: S;
  /** Runs a statement without parameters on the first handle (for checks on the tables). */
  rows(sql: string): Promise<Array<Record<string, unknown>>>;
  /** The SQLite connection (sqlite) or the pool (postgres) under `store`. */
  sqlite?: Db;
  pg?: PgDb;
}

export async function openBoth<S>(kind: StoreKind, t: TestContext, make: { sqlite: (db: Db) => S; postgres: (db: PgDb) => S }): Promise<Opened<S>> {
  if (kind === 'sqlite') {
    const d = tempDb();
    const second = openDatabase(d.path);
    t.after(() => {
      second.close();
      d.cleanup();
    });
    return { store: make.sqlite(d.db), other: make.sqlite(second), rows: (sql) => Promise.resolve(d.db.prepare(sql).all() as Array<Record<string, unknown>>), sqlite: d.db };
  }
  const pg = await tempPg();
  const second = openPostgres(pg.url, { max: 5 });
  t.after(async () => {
    await second.close();
    await pg.cleanup();
  });
  return { store: make.postgres(pg.db), other: make.postgres(second), rows: (sql) => pg.db.query(sql), pg: pg.db };
}
