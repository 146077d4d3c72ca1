// `routeops db copy`: a SQLite store's ledger and state into an empty PostgreSQL database, kept
// only once verified (docs/ARCHITECTURE.md §3.1 `db copy`, §3.8 "Moving to PostgreSQL"): every
// copied table has as many rows on both sides, every day of the ledger has the same rows and
// money (effective cost, exact), and the copy's rollup says what its rows say (checkRollup, as
// `routeops db check` does). Anything else rolls the copy back and says what differed.
import { COPIED_TABLES, type CopiedTable, type DayTotal, type TableCount } from '../../store/copy/tables.js';
import { CopySourceError, openSqliteSource, type SqliteSource } from '../../store/copy/sqlite-source.js';
import { CopyTargetNotEmpty, copyIntoPostgres, type CopyTarget } from '../../store/postgres/copy.js';
import { openPostgres, type PgDb } from '../../store/postgres/pool.js';
import { migratePostgres } from '../../store/postgres/migrate.js';
import { MigrationError } from '../../store/migrate.js';
import { nusdToUsd } from '../../domain/money/units.js';
import { checkRollup, DIFFERENCES_LISTED, type RollupDifference } from './rollup-check.js';

export type CopyDifference =
  | { check: 'rows'; table: CopiedTable; sqlite: number; postgres: number }
  | { check: 'day'; day: string; sqlite_rows: number; postgres_rows: number; sqlite_usd: number; postgres_usd: number }
  | ({ check: 'rollup' } & RollupDifference);

export type CopyReport =
  /** Copied and verified (`ok`), or verified wrong and rolled back (`!ok`: `differences` says what). */
  | { status: 'checked'; ok: boolean; rows: number; days_checked: number; tables: TableCount[]; differences: CopyDifference[]; differences_total: number }
  /** --from is no routeops SQLite database; nothing was read or written. */
  | { status: 'bad_source'; reason: string }
  /** The database could not be reached, migrated or written; `reason` names it without its password. */
  | { status: 'failed'; reason: string }
  /** The database already holds rows; nothing was written. */
  | { status: 'not_empty'; tables: string[]; url: string };

export async function copySqliteToPostgres(fromPath: string, toUrl: string): Promise<CopyReport> {
  let source: SqliteSource;
  try {
    source = openSqliteSource(fromPath);
  } catch (err) {
    if (err instanceof CopySourceError || err instanceof MigrationError) return { status: 'bad_source', reason: err.message };
    throw err;
  }
  const db = openPostgres(toUrl, { max: 2, applicationName: 'routeops db copy' });
  try {
    try {
      await db.query('SELECT 1');
    } catch (err) {
      return { status: 'failed', reason: `cannot reach the database at ${db.safeUrl} (${serverReason(err)})` };
    }
    return await copyVerified(db, source);
  } finally {
    source.close();
    await db.close().catch(() => {});
  }
}

async function copyVerified(db: PgDb, source: SqliteSource): Promise<CopyReport> {
  try {
    await migratePostgres(db);
  } catch (err) {
    return { status: 'failed', reason: `${db.safeUrl}: ${err instanceof MigrationError ? err.message : serverReason(err)}` };
  }
  let verdict: Awaited<ReturnType<typeof compare>> | undefined;
  try {
    const outcome = await copyIntoPostgres(db, source, async (target) => {
      verdict = await compare(source, target);
      return verdict.differences.length === 0;
    });
    const { tables, days, differences, total } = verdict!;
    return {
      status: 'checked',
      ok: outcome.kept,
      rows: outcome.rows,
      days_checked: days,
      tables,
      differences: differences.slice(0, DIFFERENCES_LISTED),
      differences_total: total,
    };
  } catch (err) {
    if (err instanceof CopyTargetNotEmpty) return { status: 'not_empty', tables: err.tables, url: db.safeUrl };
    return { status: 'failed', reason: `the copy into ${db.safeUrl} failed and was rolled back: ${serverReason(err)}` };
  }
}

/** Both sides, read inside the copy's transaction and the source's snapshot. */
async function compare(source: SqliteSource, target: CopyTarget) {
  const tables: TableCount[] = [];
  for (const table of COPIED_TABLES) tables.push({ table, sqlite: source.count(table), postgres: await target.count(table) });
  const differences: CopyDifference[] = tables.filter((t) => t.sqlite !== t.postgres).map((t) => ({ check: 'rows', ...t }));
  const sqliteDays = byDay(source.dayTotals());
  const postgresDays = byDay(await target.dayTotals());
  const days = [...new Set([...sqliteDays.keys(), ...postgresDays.keys()])].sort();
  for (const day of days) {
    const a = sqliteDays.get(day) ?? { day, rows: 0, cost_nusd: 0n };
    const b = postgresDays.get(day) ?? { day, rows: 0, cost_nusd: 0n };
    if (a.rows !== b.rows || a.cost_nusd !== b.cost_nusd) {
      differences.push({ check: 'day', day, sqlite_rows: a.rows, postgres_rows: b.rows, sqlite_usd: nusdToUsd(a.cost_nusd), postgres_usd: nusdToUsd(b.cost_nusd) });
    }
  }
  const rollup = await checkRollup(target.ledger);
  differences.push(...rollup.differences.map((d) => ({ check: 'rollup' as const, ...d })));
  return { tables, days: days.length, differences, total: differences.length - rollup.differences.length + rollup.differences_total };
}

const byDay = (totals: DayTotal[]): Map<string, DayTotal> => new Map(totals.map((t) => [t.day, t]));

/** The server's (or the driver's) words, without any URL in them: a password never reaches a message. */
function serverReason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = String(e.message ?? err).replace(/postgres(ql)?:\/\/\S+/gi, '(the URL)');
  return typeof e.code === 'string' && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
