// Route check history in SQLite: each run with its results, and what changed since the last run.
import type { Database } from 'better-sqlite3';
import type { CheckName, CheckOutcome, CheckStatus } from './checks.js';

export interface StoredResult {
  provider: string;
  model: string;
  check: CheckName;
  status: CheckStatus;
  reason: string;
}

export interface StatusChange extends Omit<StoredResult, 'status' | 'reason'> {
  from: CheckStatus;
  to: CheckStatus;
  reason: string;
}

export interface RunToSave {
  target: string;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  costNusd: number | null;
  scheduled: boolean;
  results: Array<{ provider: string; model: string; check: CheckName; outcome: CheckOutcome }>;
}

export class RouteCheckStore {
  constructor(private readonly db: Database) {}

  /** The latest run of a target before this one, with its results. */
  lastRun(target: string): { id: number; finishedAt: string; results: StoredResult[] } | null {
    const run = this.db.prepare('SELECT id, finished_at FROM routecheck_runs WHERE target = ? ORDER BY id DESC LIMIT 1').get(target) as { id: number; finished_at: string } | undefined;
    if (!run) return null;
    const results = this.db.prepare('SELECT provider, model, "check", status, reason FROM routecheck_results WHERE run_id = ?').all(run.id) as StoredResult[];
    return { id: run.id, finishedAt: run.finished_at, results };
  }

  save(run: RunToSave): number {
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare('INSERT INTO routecheck_runs (target, started_at, finished_at, ok, cost_nusd, scheduled) VALUES (?, ?, ?, ?, ?, ?)')
          .run(run.target, run.startedAt, run.finishedAt, run.ok ? 1 : 0, run.costNusd, run.scheduled ? 1 : 0).lastInsertRowid,
      );
      const insert = this.db.prepare('INSERT INTO routecheck_results (run_id, provider, model, "check", status, reason, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const r of run.results) insert.run(id, r.provider, r.model, r.check, r.outcome.status, r.outcome.reason, r.outcome.latency_ms);
      return id;
    })();
  }
}

/** Pass/fail changes between two runs; n/a on either side is not a change worth reporting. */
export function statusChanges(previous: StoredResult[], current: StoredResult[]): StatusChange[] {
  const before = new Map(previous.map((r) => [`${r.provider}/${r.model}#${r.check}`, r]));
  const out: StatusChange[] = [];
  for (const r of current) {
    const p = before.get(`${r.provider}/${r.model}#${r.check}`);
    if (!p || p.status === r.status || p.status === 'n/a' || r.status === 'n/a') continue;
    out.push({ provider: r.provider, model: r.model, check: r.check, from: p.status, to: r.status, reason: r.reason });
  }
  return out;
}
