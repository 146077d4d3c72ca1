-- Alerts (src/alerts): every alert has a key; what was recorded is never enqueued again, so a
-- restart or a second `routeops alerts run` does not resend. The same table is the outbox: a row
-- with sent_at NULL is pending and is (re)posted when next_attempt_ms is due, with backoff.
CREATE TABLE sent_alerts (
  key             TEXT PRIMARY KEY,
  kind            TEXT NOT NULL,
  channel         TEXT NOT NULL,
  -- Plain-text summary (what `alerts run --json` prints).
  text            TEXT NOT NULL,
  -- The Slack message as rendered when the alert was recorded: JSON {"text","blocks"}.
  message         TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  created_ms      INTEGER NOT NULL,
  -- NULL while pending; the time Slack accepted the post.
  sent_at         TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  next_attempt_ms INTEGER,
  last_error      TEXT
);
CREATE INDEX sent_alerts_pending ON sent_alerts (next_attempt_ms) WHERE sent_at IS NULL;

-- The last run of each scheduled alert job, for catching up a run missed while the bot was down.
CREATE TABLE alert_job_runs (
  job         TEXT PRIMARY KEY,
  last_run_at TEXT NOT NULL,
  last_run_ms INTEGER NOT NULL,
  -- 'ok', 'failed', 'skipped', or 'baseline' (first start: nothing to catch up yet).
  status      TEXT NOT NULL,
  error       TEXT
) WITHOUT ROWID;
