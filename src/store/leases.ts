// Named leases (migrations/022_leases.sql): one holder at a time, until a deadline it renews while
// it works. Taking one is a single conditional upsert, so two processes (or replicas, with the
// PostgreSQL store: src/store/postgres/leases.ts) asking at once cannot both get it.
import type { Db } from './open.js';

export interface LeaseHolder {
  holder: string;
  /** The lease's deadline, ms since the epoch. */
  until_ms: number;
  /** When this holder took it. */
  since_ms: number;
}

export interface LeaseStore {
  /**
   * Takes `name` for `holder` until nowMs + ttlMs, or renews it when `holder` has it already;
   * true when `holder` holds it now. Someone else's lease is taken only once its deadline passed.
   */
  acquire(name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` has it (someone who took it over since keeps it). */
  release(name: string, holder: string): Promise<void>;
  /** Who holds `name` at nowMs (null when nobody, or the deadline passed). */
  current(name: string, nowMs: number): Promise<LeaseHolder | null>;
}

/** How long a lease write waits for SQLite's write lock (a long import holds it for minutes; the event loop waits too). */
const LEASE_BUSY_MS = 20;

export function createLeaseStore(db: Db): LeaseStore {
  // Statements are prepared under the short busy timeout (SQLite applies the one in force when a
  // statement is prepared: src/store/retry-queue.ts), then the connection's own is restored.
  const briefly = <T>(fn: () => T): T => {
    const normal = db.pragma('busy_timeout', { simple: true }) as number;
    db.pragma(`busy_timeout = ${LEASE_BUSY_MS}`);
    try {
      return fn();
    } finally {
      db.pragma(`busy_timeout = ${normal}`);
    }
  };
  // The WHERE of an upsert's update decides: no row changes when someone else holds it in time.
  const TAKE =
    `INSERT INTO leases (name, holder, until_ms, since_ms) VALUES (@name, @holder, @until, @now)
     ON CONFLICT (name) DO UPDATE SET
       since_ms = CASE WHEN leases.holder = excluded.holder THEN leases.since_ms ELSE excluded.since_ms END,
       holder = excluded.holder, until_ms = excluded.until_ms
     WHERE leases.holder = excluded.holder OR leases.until_ms <= @now`;
  const current = db.prepare('SELECT holder, until_ms, since_ms FROM leases WHERE name = ? AND until_ms > ?');
  return {
    acquire: (name, holder, nowMs, ttlMs) =>
      new Promise((resolve) => resolve(briefly(() => db.prepare(TAKE).run({ name, holder, until: nowMs + ttlMs, now: nowMs }).changes === 1))),
    release: (name, holder) =>
      new Promise<void>((resolve) => {
        briefly(() => db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder));
        resolve();
      }),
    current: (name, nowMs) => Promise.resolve((current.get(name, nowMs) as LeaseHolder | undefined) ?? null),
  };
}
