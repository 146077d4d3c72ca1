// Schema migrations: numbered SQL files `migrations/NNN_name.sql`, applied in order, each inside
// its own transaction, recorded in `schema_migrations`. The database's applied list must be a
// prefix of the files on disk; anything else (a file renamed or removed after it ran, a gap,
// a database migrated by newer code) stops start-up with a MigrationError instead of guessing.
// A migration file must not contain its own BEGIN/COMMIT.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './open.js';

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export interface MigrationFile {
  version: number;
  name: string;
  /** File name, e.g. `001_ledger.sql`. */
  file: string;
  path: string;
}

export interface AppliedMigration {
  version: number;
  name: string;
  applied_at: string;
}

const FILE_RE = /^(\d{3,})_([A-Za-z0-9][A-Za-z0-9_-]*)\.sql$/;

function isRouteopsRoot(dir: string): boolean {
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg) || !existsSync(join(dir, 'migrations'))) return false;
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'routeops';
  } catch {
    return false;
  }
}

function walkUp(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (isRouteopsRoot(dir)) return join(dir, 'migrations');
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The package's migrations folder: walks up from this module (src/store/ or dist/src/store/) to the
 * directory holding routeops' package.json; falls back to walking up from the working
 * directory (code compiled to a folder outside the package, e.g. in tests).
 */
export function findMigrationsDir(): string {
  const found = walkUp(dirname(fileURLToPath(import.meta.url))) ?? walkUp(process.cwd());
  if (!found) {
    throw new MigrationError(
      `cannot find the migrations folder: no routeops package.json with a migrations/ folder above ${dirname(fileURLToPath(import.meta.url))} or ${process.cwd()}`,
    );
  }
  return found;
}

/** Reads and checks the migration files of a folder, sorted by version. */
export function listMigrationFiles(dir: string): MigrationFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new MigrationError(`cannot read the migrations folder ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
  const files: MigrationFile[] = [];
  for (const file of names) {
    if (!file.endsWith('.sql')) continue;
    const m = FILE_RE.exec(file);
    if (!m) throw new MigrationError(`migration file ${file} in ${dir}: name must look like NNN_name.sql (e.g. 002_add_outbox.sql)`);
    files.push({ version: Number(m[1]), name: m[2]!, file, path: join(dir, file) });
  }
  files.sort((a, b) => a.version - b.version);
  files.forEach((f, i) => {
    const expected = i + 1;
    if (f.version === files[i - 1]?.version) {
      throw new MigrationError(`migrations ${files[i - 1]!.file} and ${f.file} in ${dir} have the same number ${f.version}`);
    }
    if (f.version !== expected) {
      throw new MigrationError(`migrations in ${dir} must be numbered 1, 2, 3… without gaps: expected version ${expected}, found ${f.file}`);
    }
  });
  return files;
}

function ensureTable(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
}

export function appliedMigrations(db: Db): AppliedMigration[] {
  ensureTable(db);
  return db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as AppliedMigration[];
}

const label = (version: number, name: string) => `${String(version).padStart(3, '0')}_${name}.sql`;

/** Throws unless `applied` is a prefix of `files` (same versions, same names, in order). */
export function checkPrefix(applied: AppliedMigration[], files: MigrationFile[], dir: string): void {
  applied.forEach((a, i) => {
    const f = files[i];
    if (!f) {
      throw new MigrationError(
        `the database has migration ${label(a.version, a.name)} applied but it is not in ${dir} ` +
          `(${files.length} file(s) there): is this an older build of routeops, or was the file removed?`,
      );
    }
    if (f.version !== a.version) {
      throw new MigrationError(
        `the database's applied migrations are not a prefix of ${dir}: position ${i + 1} is ${label(a.version, a.name)} in the database but ${f.file} on disk`,
      );
    }
    if (f.name !== a.name) {
      throw new MigrationError(
        `migration ${a.version} was applied as ${label(a.version, a.name)} but is now ${f.file} in ${dir}: applied migrations must not be renamed or replaced; add a new one instead`,
      );
    }
  });
}

export interface MigrateOptions {
  /** Folder of NNN_name.sql files; default: the package's migrations/ (see findMigrationsDir). */
  dir?: string;
  /** Clock for applied_at; default now. */
  now?: () => Date;
}

/**
 * Applies the pending migrations in order and returns them (empty when up to date). Each runs
 * in its own IMMEDIATE transaction, so a failing one rolls back only itself (earlier ones stay)
 * and a second process migrating at the same time waits and then finds nothing to do.
 */
export function migrate(db: Db, opts: MigrateOptions = {}): MigrationFile[] {
  const dir = opts.dir ?? findMigrationsDir();
  const now = opts.now ?? (() => new Date());
  const files = listMigrationFiles(dir);
  checkPrefix(appliedMigrations(db), files, dir);

  const isApplied = db.prepare('SELECT name FROM schema_migrations WHERE version = ?').pluck();
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const done: MigrationFile[] = [];
  for (const f of files) {
    // Applied already: checked without the write lock, so a migrated database opens while
    // another process (a long import) holds it.
    if (isApplied.get(f.version) !== undefined) continue;
    let sql: string;
    try {
      sql = readFileSync(f.path, 'utf8');
    } catch (err) {
      throw new MigrationError(`cannot read migration ${f.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
    }
    const apply = db.transaction(() => {
      // Re-checked inside the write lock: another process may have applied it meanwhile.
      if (isApplied.get(f.version) !== undefined) return false;
      db.exec(sql);
      record.run(f.version, f.name, now().toISOString());
      return true;
    });
    let ran: boolean;
    try {
      ran = apply.immediate();
    } catch (err) {
      throw new MigrationError(`migration ${f.file} failed and was rolled back: ${(err as Error).message}`, { cause: err });
    }
    if (ran) done.push(f);
  }
  // Another process may have applied different files between our check and our writes.
  checkPrefix(appliedMigrations(db), files, dir);
  return done;
}
