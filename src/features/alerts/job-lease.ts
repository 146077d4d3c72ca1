// One replica runs an alert job's tick (docs/ARCHITECTURE.md §3.7 "Replicas"): the run holds the
// lease `alerts:<job>` (src/features/lease.ts). A replica that dies mid-run stops renewing; once
// the lease lapses another replica's takeover sweep (scheduler.ts) runs the tick it left undone.
import { underLease, type LeaseDeps } from '../lease.js';

/** How long a job's lease lasts without renewal: the longest a dead holder keeps the job from the others. */
export const JOB_LEASE_MS = 30_000;

/**
 * Runs `work` under the job's lease; `{ held: false }` when another process holds it, and also
 * (`unavailable`) when the store cannot be asked: one replica per tick, never all of them.
 */
export function underJobLease<T>(deps: LeaseDeps, job: string, work: () => Promise<T>): Promise<{ held: true; value: T } | { held: false; unavailable?: true }> {
  return underLease(deps, `alerts:${job}`, JOB_LEASE_MS, work, 'skip');
}
