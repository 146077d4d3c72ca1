// The SQLite side of `routeops db copy` (docs/ARCHITECTURE.md §3.8 "Moving to PostgreSQL"): the
// file opened and brought up to the latest migration (as any routeops start would), its tables
// streamed in batches (better-sqlite3 iterates: memory stays flat however many rows), and the
// counts and per-day totals the copy is checked against, all read in one snapshot so a bot
// still writing to the file does not make the two sides differ.
import { existsSync, statSync } from 'node:fs';
import { isMemory, openDatabase, type Db } from '../open.js';
import { migrate } from '../migrate.js';
import { COPIED_TABLES, COPY_BATCH_ROWS, SKIPPED_TABLES, type CopiedTable, type DayTotal } from './tables.js';

/** A --from that is no routeops SQLite database; the message says what is wrong with it. */
export class CopySourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopySourceError';
  }
}

/** A value as SQLite gives it with safeIntegers: integers as BigInt. */
export type SqliteValue = bigint | number | string | Buffer | null;

export interface SqliteSource {
  readonly path: string;
  /** Runs `fn` inside one read transaction: every read below sees the file as it was when it began. */
  snapshot<T>(fn: () => Promise<T>): Promise<T>;
  /** The table's columns, in table order. */
  columns(table: CopiedTable): string[];
  /** The table's rows as arrays of `expressions` (quoted column names or EXTRA_COLUMNS' expressions), in rowid order, `batchRows` at a time. */
  batches(table: CopiedTable, expressions: readonly string[], batchRows?: number): Generator<SqliteValue[][]>;
  count(table: CopiedTable): number;
  /** Rows and effective cost per day of `usage`, oldest day first. */
  dayTotals(): DayTotal[];
  close(): void;
}

export const quoteName = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Opens `path` (it must exist and be a routeops database) and migrates it; throws CopySourceError when it cannot be the source. */
export function openSqliteSource(path: string): SqliteSource {
  if (isMemory(path)) throw new CopySourceError(`"${path}" is an in-memory database, not a file to copy`);
  if (!existsSync(path)) throw new CopySourceError(`no SQLite file at ${path}`);
  if (statSync(path).isDirectory()) throw new CopySourceError(`${path} is a directory, not a SQLite file`);
  let db: Db;
  try {
    db = openDatabase(path);
    db.prepare('SELECT name FROM sqlite_master LIMIT 1').all();
  } catch (err) {
    throw new CopySourceError(`${path} is not a SQLite database (${(err as Error).message})`);
  }
  try {
    const tables = new Set(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[]);
    // Migrating someone else's database would add routeops' tables to it: only a routeops one is taken.
    if (!tables.has('schema_migrations') || !tables.has('usage')) throw new CopySourceError(`${path} is not a routeops database (it has no usage and schema_migrations tables)`);
    migrate(db);
    const known = new Set<string>([...COPIED_TABLES, ...SKIPPED_TABLES]);
    const after = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
    const unknown = after.filter((t) => !known.has(t));
    // A table this build does not know would be left behind: refused rather than copied in part.
    if (unknown.length) throw new CopySourceError(`${path} has tables this routeops cannot copy: ${unknown.join(', ')}`);
  } catch (err) {
    db.close();
    throw err;
  }
  return sourceOver(db, path);
}

function hasRowid(db: Db, table: string): boolean {
  try {
    db.prepare(`SELECT rowid FROM ${quoteName(table)} LIMIT 0`);
    return true;
  } catch {
    return false;
  }
}

function sourceOver(db: Db, path: string): SqliteSource {
  return {
    path,
    async snapshot<T>(fn: () => Promise<T>): Promise<T> {
      db.exec('BEGIN');
      try {
        return await fn();
      } finally {
        db.exec('COMMIT');
      }
    },
    columns: (table) => (db.prepare(`PRAGMA table_info(${quoteName(table)})`).all() as Array<{ name: string }>).map((c) => c.name),
    *batches(table, expressions, batchRows = COPY_BATCH_ROWS) {
      // Rowid order where there is one (gateway_keys.rotated_from names an older, lower id); a
      // WITHOUT ROWID table is read in its key's order.
      const order = hasRowid(db, table) ? ' ORDER BY rowid' : '';
      const rows = db.prepare(`SELECT ${expressions.join(', ')} FROM ${quoteName(table)}${order}`).raw(true).safeIntegers(true);
      let batch: SqliteValue[][] = [];
      for (const row of rows.iterate() as IterableIterator<SqliteValue[]>) {
        batch.push(row);
        if (batch.length >= batchRows) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    },
    count: (table) => Number(db.prepare(`SELECT COUNT(*) FROM ${quoteName(table)}`).pluck().safeIntegers(true).get() as bigint),
    dayTotals: () =>
      (
        db
          .prepare(`SELECT day, COUNT(*) AS n, COALESCE(SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)), 0) AS cost FROM usage GROUP BY day ORDER BY day`)
          .safeIntegers(true)
          .all() as Array<{ day: string; n: bigint; cost: bigint }>
      ).map((r) => ({ day: r.day, rows: Number(r.n), cost_nusd: r.cost })),
    close: () => db.close(),
  };
}
