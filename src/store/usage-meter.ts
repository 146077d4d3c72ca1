// Records the usage rows of upstream calls made while routeops runs (/ask, /routecheck), so that
// every call keeps its one ledger row even while another process holds the database's write
// lock: rows that cannot be written now wait in memory, in order (retry-queue.ts). A row
// whose request_id arrives twice is still recorded once (the ledger skips it). Features see the
// UsageMeter interface: recording never blocks or throws, whatever store is behind it. This is
// its SQLite implementation, over SqliteLedger's synchronous write.
import type { Logger } from 'pino';
import type { Db } from './open.js';
import { createRetryQueue } from './retry-queue.js';
import type { UsageInput, UsageSource } from './ledger.js';
import type { SyncUsageWriter } from './ledger/sqlite-ledger.js';

export interface UsageMeter {
  /** Records the rows now, or as soon as the database takes them. Never throws. */
  record(rows: readonly UsageInput[], source: UsageSource): void;
  /** Rows waiting for the database. */
  readonly pending: number;
  /** The rows waiting for the database, oldest first (a budget check counts them as spent). */
  waitingRows(): UsageInput[];
  /** Writes what waits (with the normal busy timeout); true when nothing is left. */
  flush(): boolean;
  /** Stops the retry timer (call flush first to write what waits). */
  stop(): void;
}

export interface UsageMeterDeps {
  db: Db;
  /** The SQLite ledger: its synchronous write, which throws SQLITE_BUSY while the lock is held. */
  ledger: SyncUsageWriter;
  log: Logger;
  /** How long a write from the event loop waits for the lock. Default 100 ms. */
  busyWaitMs?: number;
  /** First retry after this; doubles up to maxRetryMs. Defaults 500 ms and 30 s. */
  retryMs?: number;
  maxRetryMs?: number;
}

interface Batch {
  rows: readonly UsageInput[];
  source: UsageSource;
}

export function createUsageMeter(deps: UsageMeterDeps): UsageMeter {
  const { ledger, log } = deps;
  const queue = createRetryQueue<Batch>({
    db: deps.db,
    log,
    what: 'usage rows',
    apply: (b) => ledger.recordNow(b.rows, b.source),
    // Not a lock: these rows will never go in (a bug or a broken database). Say so with the rows.
    dropped: (batches, err) => log.error({ err, rows: batches.flatMap((b) => b.rows) }, 'usage rows could not be recorded'),
    busyWaitMs: deps.busyWaitMs,
    retryMs: deps.retryMs,
    maxRetryMs: deps.maxRetryMs,
  });

  return {
    record(rows, source) {
      if (rows.length > 0) queue.push({ rows, source });
    },
    waitingRows() {
      return queue.items().flatMap((b) => b.rows);
    },
    get pending() {
      return queue.items().reduce((n, b) => n + b.rows.length, 0);
    },
    flush: () => queue.flush(),
    stop: () => queue.stop(),
  };
}
