// Route check history (migrations/005_routecheck.sql): each run of a target with its results.
import type { Db } from './open.js';

export type StoredCheckStatus = 'pass' | 'fail' | 'n/a';

export interface StoredCheckResult {
  provider: string;
  model: string;
  check: string;
  status: StoredCheckStatus;
  reason: string;
}

export interface RouteCheckRunRecord {
  target: string;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  costNusd: number | null;
  scheduled: boolean;
  results: Array<StoredCheckResult & { latency_ms: number | null }>;
}

export interface RouteCheckHistory {
  /** The latest recorded run of a target, with its results. */
  lastRun(target: string): Promise<{ id: number; finishedAt: string; results: StoredCheckResult[] } | null>;
  /**
   * The results of the last `runs` runs (any target), newest run first: App Home takes each
   * route's newest. Reads runs by id from the end and their results by the primary key, so the
   * cost does not grow with the history.
   */
  recentResults(runs: number): Promise<Array<StoredCheckResult & { run_id: number; target: string; finished_at: string }>>;
  /** Records a run and its results in one transaction; returns the run id. */
  save(run: RouteCheckRunRecord): Promise<number>;
}

export function createRouteCheckHistory(db: Db): RouteCheckHistory {
  const lastRun = db.prepare('SELECT id, finished_at FROM routecheck_runs WHERE target = ? ORDER BY id DESC LIMIT 1');
  const resultsOf = db.prepare('SELECT provider, model, "check", status, reason FROM routecheck_results WHERE run_id = ?');
  const insertRun = db.prepare('INSERT INTO routecheck_runs (target, started_at, finished_at, ok, cost_nusd, scheduled) VALUES (?, ?, ?, ?, ?, ?)');
  const insertResult = db.prepare('INSERT INTO routecheck_results (run_id, provider, model, "check", status, reason, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const recentResults = db.prepare(
    `SELECT r.id AS run_id, r.target, r.finished_at, x.provider, x.model, x."check", x.status, x.reason
     FROM (SELECT id, target, finished_at FROM routecheck_runs ORDER BY id DESC LIMIT ?) r
     JOIN routecheck_results x ON x.run_id = r.id ORDER BY r.id DESC`,
  );
  const save = db.transaction((run: RouteCheckRunRecord): number => {
    const id = Number(insertRun.run(run.target, run.startedAt, run.finishedAt, run.ok ? 1 : 0, run.costNusd, run.scheduled ? 1 : 0).lastInsertRowid);
    for (const r of run.results) insertResult.run(id, r.provider, r.model, r.check, r.status, r.reason, r.latency_ms);
    return id;
  });
  return {
    lastRun(target) {
      const run = lastRun.get(target) as { id: number; finished_at: string } | undefined;
      if (!run) return Promise.resolve(null);
      return Promise.resolve({ id: run.id, finishedAt: run.finished_at, results: resultsOf.all(run.id) as StoredCheckResult[] });
    },
    recentResults: (runs) => Promise.resolve(recentResults.all(runs) as Array<StoredCheckResult & { run_id: number; target: string; finished_at: string }>),
    save: (run) => Promise.resolve(save(run)),
  };
}
