// A ledger of either store for the contract tests (test/store/ledger*.test.ts): SQLite over
// tempDb, PostgreSQL over tempPg, with the fake pricer and exact USD conversion of
// ledger-fixtures.ts, and a way to run plain SQL that both databases read alike.
import type { TestContext } from 'node:test';
import type { LedgerStore, Pricer } from '../../src/store/ledger.js';
import type { Zone } from '../../src/domain/time/zone.js';
import { makeZone } from '../../src/domain/time/zone.js';
import { SqliteLedger } from '../../src/store/ledger/sqlite-ledger.js';
import { PostgresLedger } from '../../src/store/postgres/ledger/postgres-ledger.js';
import { openPostgres, type PgDb } from '../../src/store/postgres/pool.js';
import type { StoreKind } from './both-stores.js';
import { fakePrice, tempDb, usdToNusd } from './ledger-fixtures.js';
import { tempPg } from './postgres.js';

/** What the tests ask of either ledger beyond LedgerStore (ensureTimezone is sync on SQLite). */
export type AnyLedger = LedgerStore & {
  readonly zone: Zone;
  ensureTimezone(zone?: string): boolean | Promise<boolean>;
  storedTimezone(): string | null | Promise<string | null>;
  rebuildRollup(): void | Promise<void>;
};

export interface LedgerHarness {
  ledger: AnyLedger;
  /** Rows of a query both databases read alike (integers as numbers). */
  sql<T = Record<string, unknown>>(query: string): Promise<T[]>;
  /** Another ledger on the same database (a second replica on PostgreSQL: its own pool; beforeWrite there only). */
  another(zoneName: string, price?: Pricer, beforeWrite?: () => Promise<void>): Promise<AnyLedger>;
  /** The PostgreSQL pool (null on SQLite). */
  pg: PgDb | null;
  url: string | null;
}

export async function openLedger(kind: StoreKind, t: TestContext, zoneName = 'UTC', price: Pricer = fakePrice): Promise<LedgerHarness> {
  if (kind === 'sqlite') {
    const tmp = tempDb(t);
    return {
      ledger: new SqliteLedger({ db: tmp.db, zone: makeZone(zoneName), price, usdToNusd }),
      sql: async <T>(query: string) => tmp.db.prepare(query).all() as T[],
      another: async (zone, p = price) => new SqliteLedger({ db: tmp.db, zone: makeZone(zone), price: p, usdToNusd }),
      pg: null,
      url: null,
    };
  }
  const pg = await tempPg(t);
  return {
    ledger: new PostgresLedger({ db: pg.db, zone: makeZone(zoneName), price, usdToNusd }),
    sql: (query) => pg.db.query(query),
    another: async (zone, p = price, beforeWrite) => {
      const db = openPostgres(pg.url, { max: 5 });
      t.after(() => db.close());
      return new PostgresLedger({ db, zone: makeZone(zone), price: p, usdToNusd, ...(beforeWrite ? { beforeWrite } : {}) });
    },
    pg: pg.db,
    url: pg.url,
  };
}

/** The SQLite ledger the PostgreSQL one is compared with (the reference answers). */
export function referenceLedger(t: TestContext, zoneName = 'UTC', price: Pricer = fakePrice): SqliteLedger {
  const tmp = tempDb(t);
  return new SqliteLedger({ db: tmp.db, zone: makeZone(zoneName), price, usdToNusd });
}
