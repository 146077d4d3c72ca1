// Records the usage rows of upstream calls made while routeops runs (/ask, /routecheck), so that
// every call keeps its one ledger row even while another process holds the database's write
// lock (a `routeops ledger import` of millions of rows holds it for a minute or more).
//
// A write waits for the lock only briefly (the bot's event loop must not stall for seconds);
// rows it cannot write now wait in memory, in order, and are written on a timer with backoff, or
// at shutdown. A row whose request_id arrives twice is still recorded once (the ledger skips it).
import type { Logger } from 'pino';
import type { Db } from '../db/open.js';
import type { Ledger, UsageInput, UsageSource } from './ledger.js';

export interface UsageMeter {
  /** Records the rows now, or as soon as the database takes them. Never throws. */
  record(rows: readonly UsageInput[], source: UsageSource): void;
  /** Rows waiting for the database. */
  readonly pending: number;
  /** The rows waiting for the database, oldest first (a budget check counts them as spent). */
  waitingRows(): UsageInput[];
  /** Tries to write what waits (with the normal busy timeout); true when nothing is left. */
  flush(): boolean;
  /** Stops the retry timer (call flush first to write what waits). */
  stop(): void;
}

export interface UsageMeterDeps {
  db: Db;
  ledger: Ledger;
  log: Logger;
  /** How long a write from the event loop waits for the lock. Default 100 ms. */
  busyWaitMs?: number;
  /** First retry after this; doubles up to maxRetryMs. Defaults 500 ms and 30 s. */
  retryMs?: number;
  maxRetryMs?: number;
}

/** SQLite's "database is locked" family: the only failure worth waiting out. */
const isBusy = (err: unknown): boolean => {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
};

export function createUsageMeter(deps: UsageMeterDeps): UsageMeter {
  const { db, ledger, log } = deps;
  const busyWaitMs = deps.busyWaitMs ?? 100;
  const firstRetry = deps.retryMs ?? 500;
  const maxRetry = deps.maxRetryMs ?? 30_000;
  const waiting: Array<{ rows: readonly UsageInput[]; source: UsageSource }> = [];
  let timer: NodeJS.Timeout | null = null;
  let delay = firstRetry;

  /** Writes what waits, oldest first; stops at the first batch the database refuses for a lock. */
  const drain = (): void => {
    while (waiting.length > 0) {
      const next = waiting[0]!;
      try {
        ledger.record(next.rows, next.source);
      } catch (err) {
        if (isBusy(err)) throw err;
        // Not a lock: these rows will never go in (a bug or a broken database). Say so with the rows.
        log.error({ err, rows: next.rows }, 'usage rows could not be recorded');
      }
      waiting.shift();
    }
  };

  // The connection's own busy timeout, restored after each short wait (prepared once: db.pragma()
  // prepares a statement every call).
  const normalBusy = db.pragma('busy_timeout', { simple: true }) as number;
  const shortWait = db.prepare(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(busyWaitMs))}`);
  const normalWait = db.prepare(`PRAGMA busy_timeout = ${normalBusy}`);
  const withShortBusyWait = <T>(fn: () => T): T => {
    shortWait.get();
    try {
      return fn();
    } finally {
      normalWait.get();
    }
  };

  /**
   * Writes what waits, waiting briefly for the lock; false while the database stays locked. Any
   * other failure (a closed database, a broken file) will not pass: the rows are logged and dropped.
   */
  const attempt = (): boolean => {
    try {
      withShortBusyWait(drain);
      return true;
    } catch (err) {
      if (isBusy(err)) return false;
      log.error({ err, rows: waiting.flatMap((w) => w.rows) }, 'usage rows could not be recorded');
      waiting.length = 0;
      return true;
    }
  };

  const schedule = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      if (attempt()) {
        log.info({ delayMs: delay }, 'usage rows waiting for the database are recorded');
        delay = firstRetry;
      } else {
        delay = Math.min(maxRetry, delay * 2);
        schedule();
      }
    }, delay);
    timer.unref();
  };

  return {
    record(rows, source) {
      if (rows.length === 0) return;
      waiting.push({ rows, source });
      // Behind rows already waiting: keep the order, and don't stall on a lock still held.
      if (waiting.length > 1) return;
      if (!attempt()) {
        log.warn({ pending: waiting.length }, 'database busy: usage rows wait in memory and are retried');
        schedule();
      }
    },
    waitingRows() {
      return waiting.flatMap((w) => w.rows);
    },
    get pending() {
      return waiting.reduce((n, w) => n + w.rows.length, 0);
    },
    flush() {
      try {
        drain();
      } catch (err) {
        log.error({ err, rows: waiting.flatMap((w) => w.rows) }, 'usage rows could not be recorded before shutdown');
      }
      return waiting.length === 0;
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
