// Writes that must not be lost while the PostgreSQL server is briefly unreachable (a restart, a
// failover): the PostgreSQL counterpart of src/store/retry-queue.ts, which waits out SQLite's
// write lock. The caller queues a write and goes on; the queue applies them in order, and when
// the server cannot be reached keeps them in memory and retries with backoff (the caller
// journals them meanwhile, src/store/journal.ts). A write the server refuses for another reason
// (a bad value) will never go in: it is handed to `dropped`.
import pg from 'pg';
import type { Logger } from 'pino';
import { UNAVAILABLE_STATES } from '../unavailable.js';


/**
 * True when the failure is the server being out of reach (refused, reset, timed out, shutting
 * down), not the statement: errors from the server carry a SQLSTATE; the client's own errors
 * (a socket error, "Connection terminated", a connect timeout) carry none and mean the connection.
 */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof pg.DatabaseError) return UNAVAILABLE_STATES.test(err.code ?? '');
  return err instanceof Error;
}

export interface PgRetryWrites<T> {
  /** Queues a write; it is applied after the ones before it. */
  push(item: T): void;
  /** Writes waiting (not yet confirmed written), oldest first. */
  items(): readonly T[];
  readonly size: number;
  /** Tries what waits now (the server may be back); true when nothing waits any more. */
  drain(): Promise<boolean>;
  /** Stops retrying and returns what was not confirmed written (one in flight may still land). */
  stop(): T[];
}

export interface PgRetryWritesDeps<T> {
  log: Logger;
  /** What waits, for the log line ("Slack bookkeeping writes"). */
  what: string;
  /** Writes one item; rejects while the server is unreachable. */
  apply(item: T): Promise<void>;
  /** Items the server refused for good. Log them. */
  dropped(items: readonly T[], err: unknown): void;
  /** First retry after this; doubles up to maxRetryMs. Defaults 500 ms and 5 s (a server back from a restart is written to within 5 s). */
  retryMs?: number;
  maxRetryMs?: number;
}

export function createPgRetryWrites<T>(deps: PgRetryWritesDeps<T>): PgRetryWrites<T> {
  const { log, what, apply, dropped } = deps;
  const firstRetry = deps.retryMs ?? 500;
  const maxRetry = deps.maxRetryMs ?? 5_000;
  const waiting: T[] = [];
  let timer: NodeJS.Timeout | null = null;
  let delay = firstRetry;
  let down = false;
  let stopped = false;
  let running: Promise<void> | null = null;

  const schedule = () => {
    if (timer || stopped) return;
    timer = setTimeout(() => {
      timer = null;
      void run();
    }, delay);
    timer.unref();
    delay = Math.min(maxRetry, delay * 2);
  };

  /** Applies what waits, oldest first, until it is empty or the server is out of reach. */
  const loop = async (): Promise<void> => {
    while (waiting.length > 0 && !stopped) {
      const next = waiting[0]!;
      try {
        await apply(next);
      } catch (err) {
        if (stopped) return;
        if (isUnreachable(err)) {
          if (!down) log.warn({ pending: waiting.length, err: (err as Error).message }, `database unreachable: ${what} wait in memory and are retried`);
          down = true;
          schedule();
          return;
        }
        dropped([next], err);
      }
      if (waiting[0] === next) waiting.shift();
    }
    if (down && !stopped) log.info({ delayMs: delay }, `${what} waiting for the database are recorded`);
    down = false;
    delay = firstRetry;
  };

  /** One runner at a time: a second call waits for the one under way. */
  const run = (): Promise<void> => {
    running ??= loop().finally(() => {
      running = null;
      // Pushed after the loop's last look: its own run.
      if (waiting.length > 0 && !timer && !stopped) void run();
    });
    return running;
  };

  return {
    push(item) {
      if (stopped) return;
      waiting.push(item);
      // While the server is down the timer retries: order is kept, and no write waits on a dead socket.
      if (!timer) void run();
    },
    items: () => waiting,
    get size() {
      return waiting.length;
    },
    async drain() {
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
      await run();
      return waiting.length === 0;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      return waiting.splice(0);
    },
  };
}
