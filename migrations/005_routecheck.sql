-- /routecheck results with history: one run per target invocation, one row per route × check.
CREATE TABLE routecheck_runs (
  id          INTEGER PRIMARY KEY,
  target      TEXT NOT NULL,
  started_at  TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  ok          INTEGER NOT NULL CHECK (ok IN (0, 1)),
  cost_nusd   INTEGER,
  scheduled   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX routecheck_runs_target ON routecheck_runs (target, id);

CREATE TABLE routecheck_results (
  run_id     INTEGER NOT NULL REFERENCES routecheck_runs (id) ON DELETE CASCADE,
  provider   TEXT NOT NULL,
  model      TEXT NOT NULL,
  "check"    TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'n/a')),
  reason     TEXT NOT NULL,
  latency_ms INTEGER,
  PRIMARY KEY (run_id, provider, model, "check")
) WITHOUT ROWID;
