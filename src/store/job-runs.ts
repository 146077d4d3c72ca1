// The last run of each scheduled alert job (migrations/004_alerts.sql alert_job_runs), for
// catching up a run missed while the bot was down.
import type { Db } from './open.js';

export interface JobRunRecord {
  job: string;
  last_run_at: string;
  last_run_ms: number;
  /** 'ok', 'failed', 'skipped', or 'baseline' (first start: nothing to catch up yet). */
  status: string;
  error: string | null;
}

export interface JobRunStore {
  last(job: string): Promise<JobRunRecord | null>;
  /** Records a run; the recorded time never moves backwards. */
  record(job: string, at: Date, status: string, error?: string | null): Promise<void>;
}

export function createJobRunStore(db: Db): JobRunStore {
  const last = db.prepare('SELECT job, last_run_at, last_run_ms, status, error FROM alert_job_runs WHERE job = ?');
  const record = db.prepare(
    `INSERT INTO alert_job_runs (job, last_run_at, last_run_ms, status, error) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (job) DO UPDATE SET
       last_run_at = CASE WHEN excluded.last_run_ms >= last_run_ms THEN excluded.last_run_at ELSE last_run_at END,
       last_run_ms = MAX(last_run_ms, excluded.last_run_ms),
       status = excluded.status, error = excluded.error`,
  );
  return {
    last: (job) => Promise.resolve((last.get(job) as JobRunRecord | undefined) ?? null),
    record(job, at, status, error = null) {
      record.run(job, at.toISOString(), at.getTime(), status, error);
      return Promise.resolve();
    },
  };
}
