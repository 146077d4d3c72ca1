// The PostgreSQL store's migrations: numbered files in migrations/postgres/, with the same rules
// as SQLite's (src/store/migrate.ts: applied in order, each in its own transaction, the applied
// list a prefix of the files or start-up stops). Replicas starting at once take turns: each
// step takes a transaction-scoped advisory lock first, so the second finds the work done.
import { join } from 'node:path';
import { checkPrefix, findMigrationsDir, listMigrationFiles, MigrationError, type AppliedMigration, type MigrationFile } from '../migrate.js';
import type { PgDb } from './pool.js';
import { readFileSync } from 'node:fs';

/** pg_advisory_lock's key for migrations ("routeops" in ASCII, first 8 bytes, as an int8). */
const MIGRATION_LOCK = '8245938585517125747';

export interface PgMigrateOptions {
  /** Folder of NNN_name.sql files; default: the package's migrations/postgres/. */
  dir?: string;
  now?: () => Date;
}

export function postgresMigrationsDir(): string {
  return join(findMigrationsDir(), 'postgres');
}

/** Applies the pending migrations in order and returns them (empty when up to date). */
export async function migratePostgres(db: PgDb, opts: PgMigrateOptions = {}): Promise<MigrationFile[]> {
  const dir = opts.dir ?? postgresMigrationsDir();
  const now = opts.now ?? (() => new Date());
  const files = listMigrationFiles(dir);
  const sql = new Map<number, string>();
  for (const f of files) {
    try {
      sql.set(f.version, readFileSync(f.path, 'utf8'));
    } catch (err) {
      throw new MigrationError(`cannot read migration ${f.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
    }
  }
  // Every step takes a transaction-scoped lock first: a second replica waits at it, then finds
  // the table made and each file recorded, and skips them.
  await db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
    await q.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  });
  checkPrefix(await applied(db), files, dir);
  const done: MigrationFile[] = [];
  for (const f of files) {
    const ran = await db
      .tx(async (q) => {
        await q.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
        const have = await q.query('SELECT 1 FROM schema_migrations WHERE version = $1', [f.version]);
        if (have.length > 0) return false;
        await q.query(sql.get(f.version)!);
        await q.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [f.version, f.name, now().toISOString()]);
        return true;
      })
      .catch((err: unknown) => {
        throw new MigrationError(`migration postgres/${f.file} failed and was rolled back: ${(err as Error).message}`, { cause: err });
      });
    if (ran) done.push(f);
  }
  checkPrefix(await applied(db), files, dir);
  return done;
}

async function applied(db: PgDb): Promise<AppliedMigration[]> {
  return db.query<AppliedMigration>('SELECT version, name, applied_at FROM schema_migrations ORDER BY version');
}
