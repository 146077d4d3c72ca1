// The audit of Slack button clicks (migrations/020_slack_actions.sql): written by the buttons'
// adapters after each click, read by `routeops audit`.
import type { Db } from './open.js';

/** refused: not allowed (access); already: done before; stale: what it acts on moved on (a proposal refused). */
export type ActionOutcome = 'done' | 'refused' | 'already' | 'stale' | 'bad_value' | 'failed';

export interface ActionRecord {
  at: string;
  user: string;
  action: string;
  value: string;
  channel: string | null;
  message_ts: string | null;
  outcome: ActionOutcome;
  detail: string | null;
}

export interface ActionAuditStore {
  record(entry: ActionRecord): Promise<void>;
  /** The clicks at or after `sinceMs`, oldest first, at most `limit` (the latest ones). */
  since(sinceMs: number, limit: number): Promise<ActionRecord[]>;
}

/** A value or detail is kept to this many characters (Slack's values are at most 2,000). */
const TEXT_MAX = 2000;
const clipped = (s: string | null) => (s === null ? null : s.slice(0, TEXT_MAX));

export function createActionAuditStore(db: Db): ActionAuditStore {
  const insert = db.prepare('INSERT INTO slack_actions (at, at_ms, user, action, value, channel, message_ts, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const since = db.prepare(
    `SELECT at, user, action, value, channel, message_ts, outcome, detail FROM
       (SELECT * FROM slack_actions WHERE at_ms >= ? ORDER BY at_ms DESC, id DESC LIMIT ?)
     ORDER BY at_ms, id`,
  );
  return {
    record(e) {
      insert.run(e.at, Date.parse(e.at), e.user, e.action, clipped(e.value), e.channel, e.message_ts, e.outcome, clipped(e.detail));
      return Promise.resolve();
    },
    since: (sinceMs, limit) => Promise.resolve(since.all(sinceMs, limit) as ActionRecord[]),
  };
}
