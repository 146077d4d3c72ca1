-- Slack bookkeeping for /ask.
-- Threads the bot answered: replies in them continue the conversation.
CREATE TABLE ask_threads (
  channel    TEXT NOT NULL,
  thread_ts  TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (channel, thread_ts)
) WITHOUT ROWID;

-- Events already handled: Slack retries an event it thinks was not acked (X-Slack-Retry-Num);
-- each event_id is answered once, across restarts too.
CREATE TABLE slack_events (
  event_id    TEXT PRIMARY KEY,
  received_at TEXT NOT NULL
) WITHOUT ROWID;
