// The alerts' keys and outbox on PostgreSQL (migrations/postgres/002_slack_alerts.sql), the same
// behaviour as src/store/alert-outbox.ts, held across replicas:
// - a key is recorded once: the primary key decides (ON CONFLICT DO NOTHING), and record() takes
//   a transaction-scoped advisory lock first, so two replicas recording overlapping batches take
//   turns (as SQLite's BEGIN IMMEDIATE) instead of deadlocking on each other's keys;
// - a due row is claimed by one conditional UPDATE … RETURNING: a second replica's UPDATE waits
//   for the first's row lock, then re-checks the WHERE on the new row (next_attempt_ms pushed out
//   by the lease) and claims nothing. So no alert is posted twice, and a row whose claimer died is
//   due again when its lease ends: none is left behind.
import type { Reply } from '../../domain/reply.js';
import type { AlertStore, DueAlert, RecentAlert, StoredAlert } from '../alert-outbox.js';
import type { PgDb } from './pool.js';

/** pg_advisory_xact_lock's key for recording alerts ("alerts" in ASCII as an int8). */
const RECORD_LOCK = '107118186361971';

const STORED = 'key, kind, channel, text, created_at, sent_at, attempts, next_attempt_at, last_error';
const STORED_MS = 'key, kind, channel, text, created_at, created_ms, sent_at, attempts, next_attempt_at, last_error';

interface DueRow {
  key: string;
  channel: string;
  text: string;
  reply: string | null;
  message: string | null;
  attempts: number;
}

export function createPgAlertStore(db: PgDb): AlertStore {
  return {
    async get(key) {
      const [row] = await db.query<StoredAlert & { created_ms: number }>(`SELECT ${STORED_MS} FROM sent_alerts WHERE key = $1`, [key]);
      return row ?? null;
    },
    async recordedAtMs(key) {
      const [row] = await db.query<{ created_ms: number }>('SELECT created_ms FROM sent_alerts WHERE key = $1', [key]);
      return row?.created_ms ?? null;
    },
    record(entries, now) {
      const iso = now.toISOString();
      const ms = now.getTime();
      return db.tx(async (q) => {
        await q.query('SELECT pg_advisory_xact_lock($1::bigint)', [RECORD_LOCK]);
        const fresh: string[] = [];
        // One statement per entry, in order: seq follows the batch's order, as SQLite's rowid does.
        for (const e of entries) {
          const rows = await q.query(
            `INSERT INTO sent_alerts (key, kind, channel, text, reply, created_at, created_ms, next_attempt_at, next_attempt_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7) ON CONFLICT (key) DO NOTHING RETURNING key`,
            [e.key, e.kind, e.channel, e.text, JSON.stringify(e.reply), iso, ms],
          );
          if (rows.length === 1) fresh.push(e.key);
        }
        return fresh;
      });
    },
    pending: () => db.query<StoredAlert>(`SELECT ${STORED} FROM sent_alerts WHERE sent_at IS NULL ORDER BY created_ms, seq`),
    async due(nowMs): Promise<DueAlert[]> {
      const rows = await db.query<DueRow>(
        'SELECT key, channel, text, reply, message, attempts FROM sent_alerts WHERE sent_at IS NULL AND next_attempt_ms <= $1 ORDER BY created_ms, seq',
        [nowMs],
      );
      return rows.map(({ key, channel, text, attempts, reply, message }) =>
        reply !== null ? { key, channel, text, attempts, reply: JSON.parse(reply) as Reply } : { key, channel, text, attempts, prerendered: JSON.parse(message ?? 'null') as unknown },
      );
    },
    async claim(key, nowMs, until) {
      const rows = await db.query(
        'UPDATE sent_alerts SET next_attempt_ms = $1, next_attempt_at = $2 WHERE key = $3 AND sent_at IS NULL AND next_attempt_ms <= $4 RETURNING key',
        [until.getTime(), until.toISOString(), key, nowMs],
      );
      return rows.length === 1;
    },
    async markSent(key, at) {
      await db.query('UPDATE sent_alerts SET sent_at = $1, attempts = attempts + 1, next_attempt_at = NULL, next_attempt_ms = NULL, last_error = NULL WHERE key = $2', [at.toISOString(), key]);
    },
    async markFailed(key, next, error) {
      await db.query('UPDATE sent_alerts SET attempts = attempts + 1, next_attempt_at = $1, next_attempt_ms = $2, last_error = $3 WHERE key = $4', [next.toISOString(), next.getTime(), error, key]);
    },
    recent: (limit) =>
      db.query<RecentAlert>(`SELECT key, kind, (reply::jsonb) ->> 'title' AS title, text, created_at, sent_at FROM sent_alerts ORDER BY seq DESC LIMIT $1`, [limit]),
  };
}
