// Route check history on PostgreSQL (migrations/postgres/004_routecheck_balances_keys.sql): the
// same interface and answers as src/store/routecheck-history.ts. A run's results come in its
// primary key's byte order (COLLATE "C"), the order SQLite's WITHOUT ROWID table gives them.
import type { RouteCheckHistory, StoredCheckResult } from '../routecheck-history.js';
import type { PgDb } from './pool.js';

const RESULT_ORDER = 'x.provider COLLATE "C", x.model COLLATE "C", x."check" COLLATE "C"';

export function createPgRouteCheckHistory(db: PgDb): RouteCheckHistory {
  return {
    async lastRun(target) {
      const [run] = await db.query<{ id: number; finished_at: string }>('SELECT id, finished_at FROM routecheck_runs WHERE target = $1 ORDER BY id DESC LIMIT 1', [target]);
      if (!run) return null;
      const results = await db.query<StoredCheckResult>(`SELECT x.provider, x.model, x."check", x.status, x.reason FROM routecheck_results x WHERE x.run_id = $1 ORDER BY ${RESULT_ORDER}`, [run.id]);
      return { id: run.id, finishedAt: run.finished_at, results };
    },
    recentResults: (runs) =>
      db.query<StoredCheckResult & { run_id: number; target: string; finished_at: string }>(
        `SELECT r.id AS run_id, r.target, r.finished_at, x.provider, x.model, x."check", x.status, x.reason
         FROM (SELECT id, target, finished_at FROM routecheck_runs ORDER BY id DESC LIMIT $1) r
         JOIN routecheck_results x ON x.run_id = r.id ORDER BY r.id DESC, ${RESULT_ORDER}`,
        [runs],
      ),
    save: (run) =>
      db.tx(async (q) => {
        const [row] = await q.query<{ id: number }>(
          'INSERT INTO routecheck_runs (target, started_at, finished_at, ok, cost_nusd, scheduled) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
          [run.target, run.startedAt, run.finishedAt, run.ok ? 1 : 0, run.costNusd, run.scheduled ? 1 : 0],
        );
        const id = row!.id;
        for (const r of run.results) {
          await q.query('INSERT INTO routecheck_results (run_id, provider, model, "check", status, reason, latency_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
            id, r.provider, r.model, r.check, r.status, r.reason, r.latency_ms,
          ]);
        }
        return id;
      }),
  };
}
