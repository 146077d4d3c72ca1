// Test-only inspection of a routeops SQLite file: a second, read-only connection through the
// store's own opener, so tests can look at tables the features reach only through repositories.
import { openDatabase, type Db } from '../../src/store/open.js';

export function peekDb<T>(path: string, fn: (db: Db) => T): T {
  const db = openDatabase(path, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
