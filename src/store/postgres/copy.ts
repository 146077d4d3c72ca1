// The PostgreSQL side of `routeops db copy` (docs/ARCHITECTURE.md §3.8 "Moving to PostgreSQL"):
// into a migrated, empty database, in one transaction, every copied table's rows with their ids
// (batches of multi-row INSERT … unnest: one statement per batch, whatever its size), identity
// sequences moved past the copied ids, then the caller's check, still inside the transaction:
// only a copy that passed it is committed, anything else leaves the database as it was.
import type { SqliteSource, SqliteValue } from '../copy/sqlite-source.js';
import { quoteName } from '../copy/sqlite-source.js';
import { COPIED_TABLES, EXTRA_COLUMNS, type CopiedTable, type DayTotal } from '../copy/tables.js';
import { PgLedgerReads } from './ledger/reads.js';
import { C } from './ledger/sql.js';
import type { PgDb, PgQuery } from './pool.js';

/** pg_advisory_xact_lock's key for a copy ("rocopydb" in ASCII as an int8): two copies into one database take turns, and the second finds it not empty. */
const COPY_LOCK = '8245918773018190946';

/** The target already holds rows: nothing was written. `tables` are the ones with rows. */
export class CopyTargetNotEmpty extends Error {
  constructor(readonly tables: string[]) {
    super(`the database is not empty: ${tables.join(', ')} ${tables.length === 1 ? 'has' : 'have'} rows`);
    this.name = 'CopyTargetNotEmpty';
  }
}

/** What the check reads of the copy, inside its transaction. */
export interface CopyTarget {
  count(table: CopiedTable): Promise<number>;
  /** Rows and effective cost per day of `usage`, oldest day first. */
  dayTotals(): Promise<DayTotal[]>;
  /** The ledger's rollup and raw reads (the same as db check uses). */
  ledger: PgLedgerReads;
}

export interface CopyOutcome {
  /** Rows written over all tables (0 when the check failed and nothing was kept). */
  rows: number;
  /** The check passed and the copy was committed. */
  kept: boolean;
}

interface Column {
  name: string;
  /** PostgreSQL's name of the column's type (int8, text, …): the array cast of its unnest. */
  type: string;
  /** What fills it on the SQLite side: the column, or EXTRA_COLUMNS' expression. */
  expression: string;
}

const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);

/** Used to roll the transaction back when the check fails. */
class CheckFailed extends Error {}

/**
 * Copies `source` into `db` (migrated) and commits only when `check` resolves true. Throws
 * CopyTargetNotEmpty, before writing, when any copied table of `db` has a row.
 */
export async function copyIntoPostgres(db: PgDb, source: SqliteSource, check: (target: CopyTarget) => Promise<boolean>): Promise<CopyOutcome> {
  try {
    return await source.snapshot(() =>
      db.tx(async (q) => {
        await q.query('SELECT pg_advisory_xact_lock($1::bigint)', [COPY_LOCK]);
        const full: string[] = [];
        for (const table of COPIED_TABLES) if ((await q.query(`SELECT 1 FROM ${quoteName(table)} LIMIT 1`)).length) full.push(table);
        if (full.length) throw new CopyTargetNotEmpty(full);
        let rows = 0;
        for (const table of COPIED_TABLES) rows += await copyTable(q, source, table);
        await advanceIdentities(q);
        if (!(await check(targetOver(q)))) throw new CheckFailed();
        return { rows, kept: true };
      }),
    );
  } catch (err) {
    if (err instanceof CheckFailed) return { rows: 0, kept: false };
    throw err;
  }
}

async function columnsOf(q: PgQuery, source: SqliteSource, table: CopiedTable): Promise<Column[]> {
  const pgColumns = await q.query<{ name: string; type: string }>(
    `SELECT column_name AS name, udt_name AS type FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  const sqlite = new Set(source.columns(table));
  const extra = EXTRA_COLUMNS[table] ?? {};
  const columns: Column[] = [];
  for (const c of pgColumns) {
    if (sqlite.has(c.name)) columns.push({ ...c, expression: quoteName(c.name) });
    else if (extra[c.name]) columns.push({ ...c, expression: extra[c.name]! });
    // Anything else keeps its default (none today: migrations/postgres/ mirror migrations/).
    sqlite.delete(c.name);
  }
  // A SQLite column PostgreSQL lacks would be lost: refused (the two migration lists disagree).
  if (sqlite.size) throw new Error(`table ${table}: PostgreSQL has no column ${[...sqlite].join(', ')}; the copy would lose it`);
  return columns;
}

async function copyTable(q: PgQuery, source: SqliteSource, table: CopiedTable): Promise<number> {
  const columns = await columnsOf(q, source, table);
  const insert = `INSERT INTO ${quoteName(table)} (${columns.map((c) => quoteName(c.name)).join(', ')})
    SELECT * FROM unnest(${columns.map((c, i) => `$${i + 1}::${quoteName(c.type)}[]`).join(', ')})`;
  let copied = 0;
  // The next batch is read from SQLite while the server writes the previous one.
  let writing: Promise<unknown> = Promise.resolve();
  for (const batch of source.batches(table, columns.map((c) => c.expression))) {
    const arrays = columns.map((c, i) => batch.map((row) => pgText(row[i]!, c, table)));
    await writing;
    writing = q.query(insert, arrays);
    // Awaited at the next batch; until then a failure must not count as unhandled.
    writing.catch(() => {});
    copied += batch.length;
  }
  await writing;
  return copied;
}

/** A SQLite value as the text of a PostgreSQL array element (exact: integers never pass through a float). */
function pgText(value: SqliteValue, column: Column, table: string): string | null {
  if (value === null) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (INTEGER_TYPES.has(column.type) && !Number.isInteger(value)) throw new Error(`table ${table}: column ${column.name} holds ${value}, not a whole number`);
    return String(value);
  }
  if (typeof value === 'string') return value;
  throw new Error(`table ${table}: column ${column.name} holds binary data, which routeops never writes`);
}

/** Each identity column's next value comes after the copied ids (else the next insert would reuse id 1). */
async function advanceIdentities(q: PgQuery): Promise<void> {
  const identities = await q.query<{ tbl: string; col: string }>(
    `SELECT table_name AS tbl, column_name AS col FROM information_schema.columns
      WHERE table_schema = current_schema() AND is_identity = 'YES'`,
  );
  for (const { tbl: table, col: column } of identities) {
    if (!(COPIED_TABLES as readonly string[]).includes(table)) continue;
    await q.query(`SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(${quoteName(column)}) FROM ${quoteName(table)}), 0) + 1, false)`, [
      quoteName(table),
      column,
    ]);
  }
}

function targetOver(q: PgQuery): CopyTarget {
  return {
    count: async (table) => (await q.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quoteName(table)}`))[0]!.n,
    dayTotals: async () =>
      (
        await q.query<{ day: string; n: number; cost: string }>(
          `SELECT day, COUNT(*) AS n, COALESCE(SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)), 0)::text AS cost FROM usage GROUP BY day ORDER BY day ${C}`,
        )
      ).map((r) => ({ day: r.day, rows: r.n, cost_nusd: BigInt(r.cost) })),
    ledger: new PgLedgerReads(q),
  };
}
