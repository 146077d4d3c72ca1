// Feedback on answers on PostgreSQL (migrations/postgres/002_slack_alerts.sql), as
// src/store/answer-feedback.ts. A vote is one transaction: the insert decides a first vote
// (ON CONFLICT DO NOTHING waits for a concurrent insert of the same user's vote), and otherwise
// the row is read FOR UPDATE, so two clicks of one user on two replicas at once count once.
import type { AnswerFeedbackStore, FeedbackTally, Vote, VoteResult } from '../answer-feedback.js';
import type { PgDb, PgQuery } from './pool.js';

const TALLY = "SELECT COUNT(*) FILTER (WHERE vote = 'up') AS up, COUNT(*) FILTER (WHERE vote = 'down') AS down FROM answer_feedback WHERE call_id = $1";

async function tallyOf(q: PgQuery, callId: string): Promise<FeedbackTally> {
  const [row] = await q.query<FeedbackTally>(TALLY, [callId]);
  return row!;
}

export function createPgAnswerFeedbackStore(db: PgDb): AnswerFeedbackStore {
  return {
    vote: (v) =>
      db.tx(async (q): Promise<VoteResult> => {
        const inserted = await q.query(
          'INSERT INTO answer_feedback (call_id, user_id, vote, channel, message_ts, voted_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (call_id, user_id) DO NOTHING RETURNING 1',
          [v.callId, v.user, v.vote, v.channel, v.messageTs, v.nowIso],
        );
        let outcome: VoteResult['outcome'] = 'recorded';
        if (inserted.length === 0) {
          const [before] = await q.query<{ vote: Vote }>('SELECT vote FROM answer_feedback WHERE call_id = $1 AND user_id = $2 FOR UPDATE', [v.callId, v.user]);
          outcome = 'unchanged';
          if (before!.vote !== v.vote) {
            await q.query('UPDATE answer_feedback SET vote = $1, changed_at = $2 WHERE call_id = $3 AND user_id = $4', [v.vote, v.nowIso, v.callId, v.user]);
            outcome = 'changed';
          }
        }
        return { outcome, tally: await tallyOf(q, v.callId) };
      }),
    tally: (callId) => tallyOf(db, callId),
    // Keys ordered bytewise (COLLATE "C"), as SQLite orders text, whatever the server's locale.
    byModel: (fromDay, toDay) =>
      db.query<{ key: string } & FeedbackTally>(
        `SELECT u.provider || '/' || u.model AS key, COUNT(*) FILTER (WHERE f.vote = 'up') AS up, COUNT(*) FILTER (WHERE f.vote = 'down') AS down
           FROM answer_feedback f JOIN usage u ON u.call_id = f.call_id
          WHERE u.day >= $1 AND u.day <= $2
          GROUP BY 1 ORDER BY (u.provider || '/' || u.model) COLLATE "C"`,
        [fromDay, toDay],
      ),
  };
}
