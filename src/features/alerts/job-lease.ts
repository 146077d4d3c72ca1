// One replica runs an alert job's tick (issue "Beyond one machine"): the run holds the lease
// `alerts:<job>` (src/store/leases.ts), renewed every third of its time while the job runs, given
// up when it ends. A replica that dies mid-run stops renewing; once the lease lapses another
// replica's takeover sweep (scheduler.ts) runs the tick it left undone.
import type { LeaseStore } from '../../store/leases.js';
import type { Clock } from '../../domain/time/clock.js';

/** How long a job's lease lasts without renewal: the longest a dead holder keeps the job from the others. */
export const JOB_LEASE_MS = 30_000;

export interface JobLeaseDeps {
  leases: LeaseStore;
  /** This process (hostname, pid and a random part: src/app/services.ts). */
  holder: string;
  clock: Clock;
  /** Renewal failures (the database gone a moment) are logged; the lease may lapse. */
  onRenewError?: (err: unknown) => void;
}

/** Runs `work` under the job's lease; `{ held: false }` when another process holds it. */
export async function underJobLease<T>(deps: JobLeaseDeps, job: string, work: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }> {
  const name = `alerts:${job}`;
  if (!(await deps.leases.acquire(name, deps.holder, deps.clock().getTime(), JOB_LEASE_MS))) return { held: false };
  const renew = setInterval(() => {
    deps.leases.acquire(name, deps.holder, deps.clock().getTime(), JOB_LEASE_MS).catch((err: unknown) => deps.onRenewError?.(err));
  }, JOB_LEASE_MS / 3);
  renew.unref();
  try {
    return { held: true, value: await work() };
  } finally {
    clearInterval(renew);
    await deps.leases.release(name, deps.holder).catch((err: unknown) => deps.onRenewError?.(err));
  }
}
