// Feedback on answers (migrations/019_assistant.sql answer_feedback): a user's 👍 or 👎 on an
// answer, kept beside the answer's ledger row (its call_id), one vote per user per answer, and
// counted per model for /spend (docs/ARCHITECTURE.md §3.1, §3.3 `answer.feedback`).
import type { Db } from './open.js';
import type { DayString } from '../domain/time/zone.js';

export type Vote = 'up' | 'down';

export interface FeedbackTally {
  up: number;
  down: number;
}

export interface VoteInput {
  callId: string;
  user: string;
  vote: Vote;
  channel: string | null;
  messageTs: string | null;
  nowIso: string;
}

export interface VoteResult {
  /** `recorded`: a first vote; `changed`: the other button than before; `unchanged`: the same one again. */
  outcome: 'recorded' | 'changed' | 'unchanged';
  /** The answer's votes after this one. */
  tally: FeedbackTally;
}

export interface AnswerFeedbackStore {
  vote(input: VoteInput): Promise<VoteResult>;
  tally(callId: string): Promise<FeedbackTally>;
  /**
   * Votes on answers whose ledger row falls on the local days from..to (inclusive), per the
   * rollup's model key (provider/model); answers whose row is not in the ledger are not counted.
   */
  byModel(fromDay: DayString, toDay: DayString): Promise<Array<{ key: string } & FeedbackTally>>;
}

export function createAnswerFeedbackStore(db: Db): AnswerFeedbackStore {
  const current = db.prepare('SELECT vote FROM answer_feedback WHERE call_id = ? AND user_id = ?').pluck();
  const insert = db.prepare('INSERT INTO answer_feedback (call_id, user_id, vote, channel, message_ts, voted_at) VALUES (?, ?, ?, ?, ?, ?)');
  const change = db.prepare('UPDATE answer_feedback SET vote = ?, changed_at = ? WHERE call_id = ? AND user_id = ?');
  const tally = db.prepare(
    "SELECT COALESCE(SUM(vote = 'up'), 0) AS up, COALESCE(SUM(vote = 'down'), 0) AS down FROM answer_feedback WHERE call_id = ?",
  );
  // The feedback table is small; each vote finds its row through usage's unique call_id index.
  const byModel = db.prepare(
    `SELECT u.provider || '/' || u.model AS key, SUM(f.vote = 'up') AS up, SUM(f.vote = 'down') AS down
       FROM answer_feedback f JOIN usage u ON u.call_id = f.call_id
      WHERE u.day >= ? AND u.day <= ?
      GROUP BY key ORDER BY key`,
  );
  // Read and write in one IMMEDIATE transaction: two clicks of one user at once count once.
  const vote = db.transaction((v: VoteInput): VoteResult => {
    const before = current.get(v.callId, v.user) as Vote | undefined;
    let outcome: VoteResult['outcome'] = 'unchanged';
    if (before === undefined) {
      insert.run(v.callId, v.user, v.vote, v.channel, v.messageTs, v.nowIso);
      outcome = 'recorded';
    } else if (before !== v.vote) {
      change.run(v.vote, v.nowIso, v.callId, v.user);
      outcome = 'changed';
    }
    return { outcome, tally: tally.get(v.callId) as FeedbackTally };
  });
  return {
    vote: (input) => Promise.resolve(vote.immediate(input)),
    tally: (callId) => Promise.resolve(tally.get(callId) as FeedbackTally),
    byModel: (fromDay, toDay) => Promise.resolve(byModel.all(fromDay, toDay) as Array<{ key: string } & FeedbackTally>),
  };
}
