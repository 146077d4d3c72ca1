// Slack assistant threads on PostgreSQL (migrations/postgres/002_slack_alerts.sql), as
// src/store/assistant-threads.ts. The title claim is one conditional UPDATE: of replicas asking
// at once, the row lock lets one through and the others find titled_at set.
import type { AssistantThreadStore } from '../assistant-threads.js';
import type { PgDb } from './pool.js';

export function createPgAssistantThreadStore(db: PgDb): AssistantThreadStore {
  return {
    async started(channel, threadTs, user, nowIso) {
      await db.query('INSERT INTO assistant_threads (channel, thread_ts, user_id, started_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [channel, threadTs, user, nowIso]);
    },
    async isAssistantThread(channel, threadTs) {
      return (await db.query('SELECT 1 FROM assistant_threads WHERE channel = $1 AND thread_ts = $2', [channel, threadTs])).length > 0;
    },
    async claimTitle(channel, threadTs, nowIso) {
      const rows = await db.query('UPDATE assistant_threads SET titled_at = $1 WHERE channel = $2 AND thread_ts = $3 AND titled_at IS NULL RETURNING 1', [nowIso, channel, threadTs]);
      return rows.length === 1;
    },
  };
}
