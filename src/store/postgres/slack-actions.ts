// The audit of Slack button clicks and the once-per-message claims of alert buttons on PostgreSQL
// (migrations/postgres/002_slack_alerts.sql), as src/store/slack-actions.ts. A claim is one
// upsert whose DO UPDATE (a stale takeover) runs only on a 'running' claim past the stale
// window: concurrent clicks on several replicas queue on the row's lock and each re-checks it,
// so one claims and the others are told who holds it.
import type { ActionAuditStore, ActionClaim, ActionRecord } from '../slack-actions.js';
import { PgStoreError, type PgDb } from './pool.js';

/** A value or detail is kept to this many characters (Slack's values are at most 2,000). */
const TEXT_MAX = 2000;
const clipped = (s: string | null) => (s === null ? null : s.slice(0, TEXT_MAX));

/** Claim, then read who holds it, at most this often: the holder may release between the two statements. */
const CLAIM_TRIES = 5;

export function createPgActionAuditStore(db: PgDb): ActionAuditStore {
  return {
    async claim(action, channel, ts, user, nowMs, staleMs): Promise<ActionClaim> {
      for (let i = 0; i < CLAIM_TRIES; i++) {
        const won = await db.query(
          `INSERT INTO slack_action_claims AS c (action, channel, message_ts, state, "user", at_ms) VALUES ($1, $2, $3, 'running', $4, $5)
           ON CONFLICT (action, channel, message_ts) DO UPDATE SET "user" = excluded."user", at_ms = excluded.at_ms
           WHERE c.state = 'running' AND c.at_ms < $6 RETURNING 1`,
          [action, channel, ts, user, nowMs, nowMs - staleMs],
        );
        if (won.length === 1) return { claimed: true, atMs: nowMs };
        const [held] = await db.query<{ state: 'running' | 'done'; user: string; atMs: number }>(
          'SELECT state, "user", at_ms AS "atMs" FROM slack_action_claims WHERE action = $1 AND channel = $2 AND message_ts = $3',
          [action, channel, ts],
        );
        if (held) return { claimed: false, ...held };
        // Released between the two statements: claim again.
      }
      throw new PgStoreError(`the claim of ${action} on message ${ts} kept changing under ${CLAIM_TRIES} tries`);
    },
    async release(c) {
      await db.query(`DELETE FROM slack_action_claims WHERE action = $1 AND channel = $2 AND message_ts = $3 AND "user" = $4 AND at_ms = $5 AND state = 'running'`, [
        c.action,
        c.channel,
        c.messageTs,
        c.user,
        c.atMs,
      ]);
    },
    async finish(c) {
      await db.query(`UPDATE slack_action_claims SET state = 'done' WHERE action = $1 AND channel = $2 AND message_ts = $3 AND "user" = $4 AND at_ms = $5`, [
        c.action,
        c.channel,
        c.messageTs,
        c.user,
        c.atMs,
      ]);
    },
    async record(e) {
      await db.query('INSERT INTO slack_actions (at, at_ms, "user", action, value, channel, message_ts, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
        e.at,
        Date.parse(e.at),
        e.user,
        e.action,
        clipped(e.value),
        e.channel,
        e.message_ts,
        e.outcome,
        clipped(e.detail),
      ]);
    },
    since: (sinceMs, limit) =>
      db.query<ActionRecord>(
        `SELECT at, "user", action, value, channel, message_ts, outcome, detail FROM
           (SELECT * FROM slack_actions WHERE at_ms >= $1 ORDER BY at_ms DESC, id DESC LIMIT $2) latest
         ORDER BY at_ms, id`,
        [sinceMs, limit],
      ),
  };
}
