// Records the usage rows of upstream calls made while routeops runs (/ask, /routecheck), so that
// every call keeps its one ledger row whatever happens (README "The ledger keeps every call"):
// - a call is announced before it is sent (`begin`): journaled (src/store/journal.ts), so if the
//   process dies during it, the next start records it as an interrupted call;
// - the rows of an ended call are journaled, then written; while another process holds the
//   database's write lock they wait in memory, in order (retry-queue.ts), and a stop that still
//   cannot write them leaves them in the journal for the next start;
// - every row carries routeops' own call_id, so a row journaled and also written is recorded
//   once however often it is replayed.
// Features see the UsageMeter interface: recording never blocks on the lock or throws, whatever
// store is behind it. This is its SQLite implementation, over SqliteLedger's synchronous write.
import type { Logger } from 'pino';
import type { Db } from './open.js';
import { createRetryQueue, isBusy } from './retry-queue.js';
import type { UsageInput, UsageSource } from './ledger.js';
import type { SyncUsageWriter } from './ledger/sqlite-ledger.js';
import type { Journal } from './journal.js';
import { createMeterJournal, type EndedRows } from './meter-journal.js';

export type { EndedRows };

export interface UsageMeter {
  /**
   * A call about to be sent, as the row to record if it never ends (status 'interrupted',
   * usage_status 'estimated', its call_id). The rows `record` gets for that call_id end it.
   * Resolves once that is on disk: send the call after it. Never rejects.
   */
  begin(interrupted: UsageInput, source: UsageSource): Promise<void>;
  /** Records the rows now, or as soon as the database takes them. Never throws. */
  record(rows: readonly UsageInput[], source: UsageSource): void;
  /**
   * The rows of an ended call, journaled now (a crash from here on replays them, not its
   * interrupted row), written to the ledger by `recordEnded` later: for a caller that batches its
   * writes (the gateway, src/features/gateway/recorder.ts). Never throws.
   */
  journalEnded(rows: readonly UsageInput[], source: UsageSource): EndedRows;
  /** Records rows `journalEnded` journaled, in one write, as `record` does. */
  recordEnded(ended: readonly EndedRows[], source: UsageSource): void;
  /**
   * Resolves once the rows recorded so far have had their try at the database: written, refused,
   * or waiting for it (a lock, a server out of reach). Someone reading the ledger next (another
   * replica's budget check) then sees them if the database took them. Never rejects.
   */
  written(): Promise<void>;
  /** Rows waiting for the database. */
  readonly pending: number;
  /** The rows waiting for the database, oldest first (a budget check counts them as spent). */
  waitingRows(): UsageInput[];
  /** Writes what waits (SQLite: with the normal busy timeout); true when nothing is left. */
  flush(): Promise<boolean>;
  /** Stops the retry timer (call flush first: what still cannot go in stays in the journal for the next start). */
  stop(): void;
}

export interface UsageMeterDeps {
  db: Db;
  /** The SQLite ledger: its synchronous write, which throws SQLITE_BUSY while the lock is held. */
  ledger: SyncUsageWriter;
  log: Logger;
  /** Where calls and unwritten rows are kept durably; none for an in-memory database. */
  journal?: Journal;
  /** How long a write from the event loop waits for the lock. Default 100 ms. */
  busyWaitMs?: number;
  /** First retry after this; doubles up to maxRetryMs. Defaults 500 ms and 30 s. */
  retryMs?: number;
  maxRetryMs?: number;
}

interface Batch {
  rows: readonly UsageInput[];
  source: UsageSource;
  /** Their journal entries, settled once the ledger has the rows. */
  entries: ReadonlyArray<number | null>;
}

/** SQLite's meter writes at once: its flush is also synchronous (services.close before the database closes). */
export interface SqliteUsageMeter extends UsageMeter {
  flushNow(): boolean;
}

export function createUsageMeter(deps: UsageMeterDeps): SqliteUsageMeter {
  const { ledger, log, journal } = deps;
  const { begin, journalEnded, settle } = createMeterJournal(journal, log);

  const queue = createRetryQueue<Batch>({
    db: deps.db,
    log,
    what: 'usage rows',
    apply: (b) => {
      try {
        ledger.recordNow(b.rows, b.source);
      } catch (err) {
        if (isBusy(err) || b.rows.length === 1) throw err;
        // One bad row (a hand-edited journal) must not cost the others: row by row (the ones
        // already in are skipped by call_id if a lock stops this half way and it runs again).
        const refused: UsageInput[] = [];
        for (const row of b.rows) {
          try {
            ledger.recordNow([row], b.source);
          } catch (e) {
            if (isBusy(e)) throw e;
            refused.push(row);
          }
        }
        if (refused.length) log.error({ err, rows: refused }, 'usage rows could not be recorded');
      }
      for (const e of b.entries) settle(e);
    },
    // Not a lock: these rows will never go in (a bug or a broken database). Say so with the rows.
    dropped: (batches, err) => {
      log.error({ err, rows: batches.flatMap((b) => b.rows) }, 'usage rows could not be recorded');
      for (const b of batches) for (const e of b.entries) settle(e);
    },
    // A stop while the lock is held: the rows are in the journal already and stay there.
    ...(journal
      ? {
          spill: (batches: readonly Batch[]) => {
            const rows = batches.reduce((n, b) => n + b.rows.length, 0);
            log.warn({ rows, journal: journal.file }, 'database busy at stop: usage rows kept in the journal, recorded at the next start');
          },
        }
      : {}),
    busyWaitMs: deps.busyWaitMs,
    retryMs: deps.retryMs,
    maxRetryMs: deps.maxRetryMs,
  });

  return {
    begin,
    record(rows, source) {
      if (rows.length === 0) return;
      const { rows: withIds, entry } = journalEnded(rows, source);
      queue.push({ rows: withIds, source, entries: [entry] });
    },
    journalEnded,
    recordEnded(ended, source) {
      const rows = ended.flatMap((e) => e.rows);
      if (rows.length) queue.push({ rows, source, entries: ended.map((e) => e.entry) });
    },
    waitingRows() {
      return queue.items().flatMap((b) => b.rows);
    },
    get pending() {
      return queue.items().reduce((n, b) => n + b.rows.length, 0);
    },
    // Tried at once, synchronously (record and recordEnded push straight to the database).
    written: () => Promise.resolve(),
    flush: () => Promise.resolve(queue.flush()),
    flushNow: () => queue.flush(),
    stop: () => queue.stop(),
  };
}
