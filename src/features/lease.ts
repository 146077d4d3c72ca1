// Work that one process or replica at a time may do, under a named lease (src/store/leases.ts):
// taken before the work, renewed every third of its time while it runs, given up at its end. A
// holder that dies stops renewing, and the lease lapses for the others after `ttlMs`. When the
// store cannot be asked (SQLite locked by a long import, PostgreSQL unreachable) the work goes on
// as in a single process: an answer or a route check is not refused for the bookkeeping's sake.
import type { LeaseStore } from '../store/leases.js';
import type { Clock } from '../domain/time/clock.js';

export interface LeaseDeps {
  leases: LeaseStore;
  /** This process (services.instance). */
  holder: string;
  clock: Clock;
  /** Renewal or release failures (the database gone a moment); the lease may lapse. */
  onError?: (err: unknown) => void;
}

/** Runs `work` under the lease `name`; `{ held: false }` when another process holds it. */
export async function underLease<T>(deps: LeaseDeps, name: string, ttlMs: number, work: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }> {
  let held: boolean;
  try {
    held = await deps.leases.acquire(name, deps.holder, deps.clock().getTime(), ttlMs);
  } catch (err) {
    deps.onError?.(err);
    return { held: true, value: await work() };
  }
  if (!held) return { held: false };
  const renew = setInterval(() => {
    deps.leases.acquire(name, deps.holder, deps.clock().getTime(), ttlMs).catch((err: unknown) => deps.onError?.(err));
  }, ttlMs / 3);
  renew.unref();
  try {
    return { held: true, value: await work() };
  } finally {
    clearInterval(renew);
    await deps.leases.release(name, deps.holder).catch((err: unknown) => deps.onError?.(err));
  }
}

/**
 * Runs `work` under the lease `name`, waiting for it first when another process holds it (tries
 * again every `pollMs`; `onWait` is told once). The holder's work bounds the wait, and a dead
 * holder's lease lapses after its ttl.
 */
export async function whenLeased<T>(deps: LeaseDeps, name: string, ttlMs: number, pollMs: number, work: () => Promise<T>, onWait?: () => void): Promise<T> {
  for (let first = true; ; first = false) {
    const leased = await underLease(deps, name, ttlMs, work);
    if (leased.held) return leased.value;
    if (first) onWait?.();
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
