// Work that one process or replica at a time may do, under a named lease (src/store/leases.ts):
// taken before the work, renewed every third of its time while it runs, given up at its end. A
// holder that dies stops renewing, and the lease lapses for the others after `ttlMs`.
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
  if (!(await deps.leases.acquire(name, deps.holder, deps.clock().getTime(), ttlMs))) return { held: false };
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
