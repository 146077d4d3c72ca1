-- Slack's assistant surfaces (docs/ARCHITECTURE.md §3.6, §3.8).
-- Assistant threads: opened by the user in the app's assistant view (assistant_thread_started).
-- A message in one is answered as an assistant answer (status, title); the title is set once,
-- from the first question (titled_at).
CREATE TABLE assistant_threads (
  channel    TEXT NOT NULL,
  thread_ts  TEXT NOT NULL,
  user_id    TEXT,
  started_at TEXT NOT NULL,
  titled_at  TEXT,
  PRIMARY KEY (channel, thread_ts)
) WITHOUT ROWID;

-- Feedback on answers (👍/👎, action id answer.feedback): one vote per user per answer, the answer
-- named by its ledger row's call_id (usage.call_id). A second click on the other button changes
-- the vote; on the same one it changes nothing. No foreign key: the answer's row may still wait
-- in the usage meter when the vote arrives (src/store/usage-meter.ts).
CREATE TABLE answer_feedback (
  call_id    TEXT    NOT NULL,
  user_id    TEXT    NOT NULL,
  vote       TEXT    NOT NULL CHECK (vote = 'up' OR vote = 'down'),
  channel    TEXT,
  message_ts TEXT,
  voted_at   TEXT    NOT NULL,   -- first vote, ISO-8601 UTC
  changed_at TEXT,               -- last change of mind, NULL: never changed
  PRIMARY KEY (call_id, user_id)
) WITHOUT ROWID;
