-- Once per alert message (docs/ARCHITECTURE.md §3.3 interactivity): an alert button's action is
-- claimed here before it runs ('running'), released when it could not run (a bad value, a route
-- check already running, an error), and kept for good once done ('done'), so a second click —
-- today or in a year — is told it already happened. A 'running' claim older than an hour (a
-- process stopped mid-action) may be claimed again; (user, at_ms) name the claim, so its first
-- holder's release or finish leaves one taken over since alone.
CREATE TABLE slack_action_claims (
  action      TEXT    NOT NULL,
  channel     TEXT    NOT NULL,
  message_ts  TEXT    NOT NULL,
  state       TEXT    NOT NULL CHECK (state IN ('running', 'done')),
  user        TEXT    NOT NULL,
  at_ms       INTEGER NOT NULL,
  PRIMARY KEY (action, channel, message_ts)
) WITHOUT ROWID;
