// The audit of Slack button clicks (migrations/020_slack_actions.sql), and the once-per-message
// claims of alert buttons (021_slack_action_claims.sql). The audit is written by the buttons
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

/** What a claim on an alert message's action found: claimed now (`atMs` identifies this claim), or someone's running or done claim. */
export type ActionClaim = { claimed: true; atMs: number } | { claimed: false; state: 'running' | 'done'; user: string; atMs: number };
/** Which claim a release or finish is for: one taken over since (stale) is not touched. */
export interface ClaimRef {
  action: string;
  channel: string;
  messageTs: string;
  user: string;
  atMs: number;
}

export interface ActionAuditStore {
  record(entry: ActionRecord): Promise<void>;
  /** Claims `action` on a message (migrations/021_slack_action_claims.sql); a 'running' claim older than `staleMs` is taken over. */
  claim(action: string, channel: string, messageTs: string, user: string, nowMs: number, staleMs: number): Promise<ActionClaim>;
  /** The action could not run: the next click may try again. */
  release(claim: ClaimRef): Promise<void>;
  /** The action happened: every later click is told so. */
  finish(claim: ClaimRef): Promise<void>;
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
  const claim = db.prepare(
    `INSERT INTO slack_action_claims (action, channel, message_ts, state, user, at_ms) VALUES (?, ?, ?, 'running', ?, ?)
     ON CONFLICT (action, channel, message_ts) DO UPDATE SET user = excluded.user, at_ms = excluded.at_ms
     WHERE slack_action_claims.state = 'running' AND slack_action_claims.at_ms < ?`,
  );
  const claimOf = db.prepare('SELECT state, user, at_ms AS atMs FROM slack_action_claims WHERE action = ? AND channel = ? AND message_ts = ?');
  const release = db.prepare("DELETE FROM slack_action_claims WHERE action = ? AND channel = ? AND message_ts = ? AND user = ? AND at_ms = ? AND state = 'running'");
  const finish = db.prepare("UPDATE slack_action_claims SET state = 'done' WHERE action = ? AND channel = ? AND message_ts = ? AND user = ? AND at_ms = ?");
  return {
    claim(action, channel, ts, user, nowMs, staleMs) {
      if (claim.run(action, channel, ts, user, nowMs, nowMs - staleMs).changes === 1) return Promise.resolve({ claimed: true, atMs: nowMs });
      const held = claimOf.get(action, channel, ts) as { state: 'running' | 'done'; user: string; atMs: number };
      return Promise.resolve({ claimed: false, ...held });
    },
    release(c) {
      release.run(c.action, c.channel, c.messageTs, c.user, c.atMs);
      return Promise.resolve();
    },
    finish(c) {
      finish.run(c.action, c.channel, c.messageTs, c.user, c.atMs);
      return Promise.resolve();
    },
    record(e) {
      insert.run(e.at, Date.parse(e.at), e.user, e.action, clipped(e.value), e.channel, e.message_ts, e.outcome, clipped(e.detail));
      return Promise.resolve();
    },
    since: (sinceMs, limit) => Promise.resolve(since.all(sinceMs, limit) as ActionRecord[]),
  };
}
