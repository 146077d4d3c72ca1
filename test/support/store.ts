// A migrated SQLite database in its own temp folder, for the tests of the store and of the code
// that takes a database handle.
import { openDatabase, type Db } from '../../src/store/open.js';
import { migrate } from '../../src/store/migrate.js';
import { tempDir, type CleanupOwner } from './temp.js';

export interface TempDb {
  /** The open handle (a new one after `reopen()`). */
  readonly db: Db;
  dir: string;
  path: string;
  /** Closes the database and opens and migrates it again (a restart). */
  reopen(): Db;
  /** Closes the database and removes the folder; safe to call twice. */
  cleanup(): void;
}

/** At data/routeops.db in a fresh folder (as start-up makes ./data); with `owner`, removed when it ends. */
export function tempDb(owner?: CleanupOwner): TempDb {
  const tmp = tempDir('routeops-db-');
  const path = tmp.file('data', 'routeops.db');
  const open = () => {
    const db = openDatabase(path);
    try {
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return db;
  };
  let db: Db;
  try {
    db = open();
  } catch (err) {
    tmp.cleanup();
    throw err;
  }
  const t: TempDb = {
    get db() {
      return db;
    },
    dir: tmp.dir,
    path,
    reopen() {
      db.close();
      db = open();
      return db;
    },
    cleanup() {
      if (db.open) db.close();
      tmp.cleanup();
    },
  };
  owner?.after(() => t.cleanup());
  return t;
}
