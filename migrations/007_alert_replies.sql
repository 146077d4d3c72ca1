-- The outbox keeps what an alert says, not how Slack shows it: `reply` is the alert's Reply as
-- JSON (src/domain/reply.ts), rendered by the Slack adapter when it posts. Rows recorded before
-- this migration keep their rendered Slack message in `message` and are posted as they are, so
-- an alert pending across the upgrade is not lost. Exactly one of the two is set.
-- (SQLite cannot relax NOT NULL in place: the table is rebuilt with the same rows.)
CREATE TABLE sent_alerts_new (
  key             TEXT PRIMARY KEY,
  kind            TEXT NOT NULL,
  channel         TEXT NOT NULL,
  -- Plain-text summary (what `alerts run --json` prints, and Slack's notification text).
  text            TEXT NOT NULL,
  -- The alert's Reply as JSON; NULL for rows recorded before this migration.
  reply           TEXT,
  -- The Slack message JSON {"text","blocks"} rendered by an earlier version; NULL for newer rows.
  message         TEXT,
  created_at      TEXT NOT NULL,
  created_ms      INTEGER NOT NULL,
  sent_at         TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  next_attempt_ms INTEGER,
  last_error      TEXT,
  CHECK ((reply IS NULL) <> (message IS NULL))
);
INSERT INTO sent_alerts_new (rowid, key, kind, channel, text, reply, message, created_at, created_ms, sent_at, attempts, next_attempt_at, next_attempt_ms, last_error)
  SELECT rowid, key, kind, channel, text, NULL, message, created_at, created_ms, sent_at, attempts, next_attempt_at, next_attempt_ms, last_error FROM sent_alerts;
DROP TABLE sent_alerts;
ALTER TABLE sent_alerts_new RENAME TO sent_alerts;
CREATE INDEX sent_alerts_pending ON sent_alerts (next_attempt_ms) WHERE sent_at IS NULL;
