// Durable Slack bookkeeping: which threads the bot answered, which events it already handled.
import type { Database } from 'better-sqlite3';

export interface SlackStore {
  /** True the first time an event id is seen; false for Slack's retries of it. */
  claimEvent(eventId: string, nowIso: string): boolean;
  rememberThread(channel: string, threadTs: string, nowIso: string): void;
  isBotThread(channel: string, threadTs: string): boolean;
}

const EVENT_TTL_MS = 24 * 3600 * 1000;

export function createSlackStore(db: Database): SlackStore {
  const claim = db.prepare('INSERT INTO slack_events (event_id, received_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING');
  const prune = db.prepare('DELETE FROM slack_events WHERE received_at < ?');
  const remember = db.prepare('INSERT INTO ask_threads (channel, thread_ts, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  const lookup = db.prepare('SELECT 1 FROM ask_threads WHERE channel = ? AND thread_ts = ?').pluck();
  let claims = 0;
  return {
    claimEvent(eventId, nowIso) {
      // Slack stops retrying within hours: old ids are pruned now and then.
      if (++claims % 500 === 0) prune.run(new Date(Date.parse(nowIso) - EVENT_TTL_MS).toISOString());
      return claim.run(eventId, nowIso).changes === 1;
    },
    rememberThread(channel, threadTs, nowIso) {
      remember.run(channel, threadTs, nowIso);
    },
    isBotThread(channel, threadTs) {
      return lookup.get(channel, threadTs) !== undefined;
    },
  };
}
