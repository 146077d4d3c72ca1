// Work that one process or replica at a time may do, under a named lease (src/store/leases.ts):
// taken before the work, renewed every third of its time while it runs, given up at its end. A
// holder that dies stops renewing, and the lease lapses for the others after `ttlMs`. When the
// store cannot be asked (SQLite locked by a long import, PostgreSQL unreachable) the work goes on
// as in a single process: an answer or a route check is not refused for the bookkeeping's sake.
import type { LeaseStore } from '../store/leases.js';
import type { Clock } from '../domain/time/clock.js';
import type { Logger } from 'pino';

export interface LeaseDeps {
  leases: LeaseStore;
  /** This process (services.instance). */
  holder: string;
  clock: Clock;
  /** The lease could not be asked for, renewed or given up, or was found taken over (each says which). */
  onError?: (err: Error) => void;
}

/**
 * Runs `work` under the lease `name`; `{ held: false }` when another process holds it. When the
 * store cannot be asked: `whenUnavailable: 'run'` runs the work as a single process would (an
 * answer is not refused for the bookkeeping's sake), `'skip'` does not (a scheduled job: the
 * takeover sweep tries again once the store answers), `{ held: false, unavailable: true }`.
 */
export async function underLease<T>(
  deps: LeaseDeps,
  name: string,
  ttlMs: number,
  work: () => Promise<T>,
  whenUnavailable: 'run' | 'skip' = 'run',
): Promise<{ held: true; value: T } | { held: false; unavailable?: true }> {
  let held: boolean;
  try {
    held = await deps.leases.acquire(name, deps.holder, deps.clock().getTime(), ttlMs);
  } catch (err) {
    deps.onError?.(Object.assign(new Error(`lease ${name} could not be asked for: ${(err as Error).message}`), { cause: err }));
    if (whenUnavailable === 'skip') return { held: false, unavailable: true };
    return { held: true, value: await work() };
  }
  if (!held) return { held: false };
  const renew = setInterval(() => {
    deps.leases.acquire(name, deps.holder, deps.clock().getTime(), ttlMs).then(
      (still) => {
        if (!still) deps.onError?.(new Error(`lease ${name} was taken over while this process still works under it (its renewals failed past its ${ttlMs / 1000} s)`));
      },
      (err: unknown) => deps.onError?.(Object.assign(new Error(`lease ${name} could not be renewed: ${(err as Error).message}`), { cause: err })),
    );
  }, ttlMs / 3);
  renew.unref();
  try {
    return { held: true, value: await work() };
  } finally {
    clearInterval(renew);
    // Not waited for: a store out of reach must not hold the answer up (the lease lapses anyway).
    deps.leases.release(name, deps.holder).catch((err: unknown) => deps.onError?.(Object.assign(new Error(`lease ${name} could not be given up: ${(err as Error).message}`), { cause: err })));
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

/** The lease deps of one kind of work in a process, its problems logged as warnings naming the work. */
export function leaseDeps(leases: LeaseStore, holder: string, clock: Clock, log: Pick<Logger, 'warn'>, what: string): LeaseDeps {
  return { leases, holder, clock, onError: (err) => log.warn({ err: err.message }, `${what}: ${err.message}`) };
}
