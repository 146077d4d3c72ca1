// The last run of each scheduled alert job on PostgreSQL (migrations/postgres/002_slack_alerts.sql),
// as src/store/job-runs.ts: one upsert, so replicas recording at once never move the time back.
import type { JobRunRecord, JobRunStore } from '../job-runs.js';
import type { PgDb } from './pool.js';

export function createPgJobRunStore(db: PgDb): JobRunStore {
  return {
    async last(job) {
      const [row] = await db.query<JobRunRecord>('SELECT job, last_run_at, last_run_ms, status, error FROM alert_job_runs WHERE job = $1', [job]);
      return row ?? null;
    },
    async record(job, at, status, error = null) {
      await db.query(
        `INSERT INTO alert_job_runs AS r (job, last_run_at, last_run_ms, status, error) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (job) DO UPDATE SET
           last_run_at = CASE WHEN excluded.last_run_ms >= r.last_run_ms THEN excluded.last_run_at ELSE r.last_run_at END,
           last_run_ms = GREATEST(r.last_run_ms, excluded.last_run_ms),
           status = excluded.status, error = excluded.error`,
        [job, at.toISOString(), at.getTime(), status, error],
      );
    },
  };
}
