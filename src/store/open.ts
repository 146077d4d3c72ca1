// Opens the SQLite file with the settings every part of routeops relies on: WAL (readers never
// block the writer), a busy timeout (a second process waits instead of failing at once),
// NORMAL sync (safe with WAL; an OS crash may lose the last commits, never corrupt), larger
// WAL checkpoints, and enforced foreign keys.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export interface OpenOptions {
  /** Open read-only (the file must exist). Default false. */
  readonly?: boolean;
  /** Milliseconds to wait on a locked database before SQLITE_BUSY. Default 5000. */
  busyTimeoutMs?: number;
}

/** True for SQLite's in-memory database names (a second connection to one opens another database). */
export function isMemory(path: string): boolean {
  return path === ':memory:' || path === '' || path.startsWith('file::memory:');
}

export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  const memory = isMemory(path);
  if (!memory && !opts.readonly) mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
    // An in-memory database reports journal_mode "memory" and cannot use WAL; that is fine.
    if (!memory && !opts.readonly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Checkpoint after 64 MB of WAL instead of 4 MB: a bulk import then copies a page that many
    // commits rewrote (index, rollup) once, not once per commit (import ~20% less CPU, half the
    // system time). Readers find pages through the WAL index either way.
    db.pragma('wal_autocheckpoint = 16384');
    db.pragma('foreign_keys = ON');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
