// Writes from the bot's event loop that must not stall it while another process holds the
// database's write lock (a `routeops ledger import` of millions of rows holds it for a minute or
// more). A write waits for the lock only briefly; what cannot be written now waits in memory, in
// order, and is retried on a timer with backoff, or at shutdown. Used by the usage meter (every
// upstream call keeps its ledger row) and the Slack store (handled events, answered threads).
import type { Logger } from 'pino';
import type { Db } from './open.js';

/** SQLite's "database is locked" family: the only failure worth waiting out. */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** How long a stop waits for the write lock before spilling what waits (RetryQueueDeps.spill). */
export const STOP_WAIT_MS = 1000;

export interface RetryQueue<T> {
  /**
   * Applies `item` now, waiting briefly for the lock, unless earlier items still wait (order is
   * kept); otherwise keeps it for a retry. True when it was applied (or refused for good) now.
   */
  push(item: T): boolean;
  /** Items waiting for the database, oldest first. */
  items(): readonly T[];
  readonly size: number;
  /**
   * Applies what waits with the connection's normal busy timeout. What the lock still keeps out is
   * handed to `spill` (kept in the journal for the next start), else dropped (logged). True when
   * all went in.
   */
  flush(): boolean;
  /** Stops the retry timer (call flush first to write what waits). */
  stop(): void;
}

export interface RetryQueueDeps<T> {
  db: Db;
  log: Logger;
  /** Writes one item; throws SQLITE_BUSY while the lock is held. */
  apply(item: T): void;
  /** An item that failed for another reason than a lock: it will never go in. Log it. */
  dropped(items: readonly T[], err: unknown): void;
  /**
   * At flush (a stop), items the lock still keeps out: keep them durably (src/store/journal.ts).
   * With it, flush waits at most STOP_WAIT_MS for the lock (nothing is lost by waiting less, and
   * a stop should not take a 5 s wait per queue); without it, the connection's own busy timeout.
   */
  spill?(items: readonly T[], err: unknown): void;
  /** What waits, for the log line ("usage rows", "Slack bookkeeping"). */
  what: string;
  /** How long a write from the event loop waits for the lock. Default 100 ms. */
  busyWaitMs?: number;
  /** First retry after this; doubles up to maxRetryMs. Defaults 500 ms and 30 s. */
  retryMs?: number;
  maxRetryMs?: number;
}

export function createRetryQueue<T>(deps: RetryQueueDeps<T>): RetryQueue<T> {
  const { db, log, apply, dropped, what } = deps;
  const firstRetry = deps.retryMs ?? 500;
  const maxRetry = deps.maxRetryMs ?? 30_000;
  const waiting: T[] = [];
  let timer: NodeJS.Timeout | null = null;
  let delay = firstRetry;

  // The connection's own busy timeout, restored after each short wait. Set by db.pragma() each
  // time: SQLite applies `PRAGMA busy_timeout = N` while preparing the statement, so a prepared
  // one run again would change nothing.
  const normalBusy = db.pragma('busy_timeout', { simple: true }) as number;
  const shortBusy = Math.max(0, Math.trunc(deps.busyWaitMs ?? 100));

  /** Applies what waits, oldest first; throws at the first item the database refuses for a lock. */
  const drain = (): void => {
    while (waiting.length > 0) {
      const next = waiting[0]!;
      try {
        apply(next);
      } catch (err) {
        if (isBusy(err)) throw err;
        dropped([next], err);
      }
      waiting.shift();
    }
  };

  /** False while the database stays locked. Any other failure (a closed database) will not pass: dropped. */
  const attempt = (): boolean => {
    try {
      db.pragma(`busy_timeout = ${shortBusy}`);
      try {
        drain();
      } finally {
        db.pragma(`busy_timeout = ${normalBusy}`);
      }
      return true;
    } catch (err) {
      if (isBusy(err)) return false;
      dropped(waiting.splice(0), err);
      return true;
    }
  };

  const schedule = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      if (attempt()) {
        log.info({ delayMs: delay }, `${what} waiting for the database are recorded`);
        delay = firstRetry;
      } else {
        delay = Math.min(maxRetry, delay * 2);
        schedule();
      }
    }, delay);
    timer.unref();
  };

  return {
    push(item) {
      waiting.push(item);
      // Behind items already waiting: keep the order, and don't stall on a lock still held.
      if (waiting.length > 1) return false;
      if (attempt()) return true;
      log.warn({ pending: waiting.length }, `database busy: ${what} wait in memory and are retried`);
      schedule();
      return false;
    },
    items() {
      return waiting;
    },
    get size() {
      return waiting.length;
    },
    flush() {
      const wait = deps.spill ? STOP_WAIT_MS : undefined;
      try {
        if (wait !== undefined) db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(wait))}`);
        try {
          drain();
        } finally {
          if (wait !== undefined && db.open) db.pragma(`busy_timeout = ${normalBusy}`);
        }
        return true;
      } catch (err) {
        const left = waiting.splice(0);
        if (isBusy(err) && deps.spill) deps.spill(left, err);
        else dropped(left, err);
        return false;
      }
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
