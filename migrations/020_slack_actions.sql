-- The audit of Slack button clicks (docs/ARCHITECTURE.md §3.3 interactivity, `routeops audit`):
-- one row per click, whoever made it and whatever came of it — refusals and repeats included.
CREATE TABLE slack_actions (
  id          INTEGER PRIMARY KEY,
  at          TEXT    NOT NULL,             -- ISO-8601 UTC
  at_ms       INTEGER NOT NULL,
  user        TEXT    NOT NULL,             -- the Slack user id
  action      TEXT    NOT NULL,             -- the action_id, e.g. budget.show_spend
  value       TEXT    NOT NULL,             -- the button's value, as clicked
  channel     TEXT,
  message_ts  TEXT,
  outcome     TEXT    NOT NULL CHECK (outcome IN ('done', 'refused', 'already', 'stale', 'bad_value', 'failed')),
  detail      TEXT                          -- what was done or why not, one line
);
CREATE INDEX slack_actions_at ON slack_actions (at_ms);
