// The alerts' keys and outbox (migrations/004_alerts.sql, 007_alert_replies.sql): one row per
// alert key ever recorded; a row with sent_at NULL is pending and is (re)posted when its
// next_attempt_ms is due. The methods are async so a networked database can implement them; the
// SQLite work inside is synchronous, and each method is one statement or one transaction.
import type { Db } from './open.js';
import type { Reply } from '../domain/reply.js';

/** An alert to record: its once-only key, where it goes, its summary and what it shows. */
export interface OutboxEntry {
  key: string;
  kind: string;
  channel: string;
  text: string;
  reply: Reply;
}

export interface StoredAlert {
  key: string;
  kind: string;
  channel: string;
  text: string;
  created_at: string;
  sent_at: string | null;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
}

/**
 * A pending alert due for posting: its Reply, or for a row recorded before the outbox kept
 * replies, the Slack message rendered then (`prerendered`, posted as it is).
 */
export type DueAlert = { key: string; channel: string; text: string; attempts: number } & ({ reply: Reply } | { prerendered: unknown });

export interface AlertStore {
  /** The record of a key (sent or pending), or null if it was never recorded. */
  get(key: string): Promise<(StoredAlert & { created_ms: number }) | null>;
  /** When a key was recorded (ms), or null. */
  recordedAtMs(key: string): Promise<number | null>;
  /** Records the entries whose key is new, due at once, in one transaction; returns their keys. */
  record(entries: readonly OutboxEntry[], now: Date): Promise<string[]>;
  /** Pending alerts (not yet accepted by Slack), oldest first. */
  pending(): Promise<StoredAlert[]>;
  /** Pending alerts due at `nowMs`, oldest first. */
  due(nowMs: number): Promise<DueAlert[]>;
  /** Holds a due row until `until` (a lease); false when another process claimed or sent it first. */
  claim(key: string, nowMs: number, until: Date): Promise<boolean>;
  markSent(key: string, at: Date): Promise<void>;
  markFailed(key: string, nextAttempt: Date, error: string): Promise<void>;
  /** The `limit` alerts recorded last, newest first (by insertion: rowid, so no index or sort is needed). */
  recent(limit: number): Promise<RecentAlert[]>;
}

/** An alert as App Home lists it: what it was and when it was recorded; `title` its Reply's (null for rows from before replies were kept). */
export interface RecentAlert {
  key: string;
  kind: string;
  title: string | null;
  text: string;
  created_at: string;
  sent_at: string | null;
}

interface DueRow {
  key: string;
  channel: string;
  text: string;
  reply: string | null;
  message: string | null;
  attempts: number;
}

export function createAlertStore(db: Db): AlertStore {
  const getKey = db.prepare('SELECT key, kind, channel, text, created_at, created_ms, sent_at, attempts, next_attempt_at, last_error FROM sent_alerts WHERE key = ?');
  const createdMs = db.prepare('SELECT created_ms FROM sent_alerts WHERE key = ?').pluck();
  const insert = db.prepare(
    `INSERT INTO sent_alerts (key, kind, channel, text, reply, created_at, created_ms, next_attempt_at, next_attempt_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
  );
  const pending = db.prepare('SELECT key, kind, channel, text, created_at, sent_at, attempts, next_attempt_at, last_error FROM sent_alerts WHERE sent_at IS NULL ORDER BY created_ms, rowid');
  const due = db.prepare('SELECT key, channel, text, reply, message, attempts FROM sent_alerts WHERE sent_at IS NULL AND next_attempt_ms <= ? ORDER BY created_ms, rowid');
  const claim = db.prepare('UPDATE sent_alerts SET next_attempt_ms = ?, next_attempt_at = ? WHERE key = ? AND sent_at IS NULL AND next_attempt_ms <= ?');
  const markSent = db.prepare('UPDATE sent_alerts SET sent_at = ?, attempts = attempts + 1, next_attempt_at = NULL, next_attempt_ms = NULL, last_error = NULL WHERE key = ?');
  const markFailed = db.prepare('UPDATE sent_alerts SET attempts = attempts + 1, next_attempt_at = ?, next_attempt_ms = ?, last_error = ? WHERE key = ?');
  const recent = db.prepare(`SELECT key, kind, json_extract(reply, '$.title') AS title, text, created_at, sent_at FROM sent_alerts ORDER BY rowid DESC LIMIT ?`);
  const record = db.transaction((entries: readonly OutboxEntry[], now: Date): string[] => {
    const iso = now.toISOString();
    const ms = now.getTime();
    const fresh: string[] = [];
    for (const e of entries) {
      if (insert.run(e.key, e.kind, e.channel, e.text, JSON.stringify(e.reply), iso, ms, iso, ms).changes === 1) fresh.push(e.key);
    }
    return fresh;
  });

  return {
    get: (key) => Promise.resolve((getKey.get(key) as (StoredAlert & { created_ms: number }) | undefined) ?? null),
    recordedAtMs: (key) => Promise.resolve((createdMs.get(key) as number | undefined) ?? null),
    record: (entries, now) => Promise.resolve(record.immediate(entries, now)),
    pending: () => Promise.resolve(pending.all() as StoredAlert[]),
    due: (nowMs) =>
      Promise.resolve(
        (due.all(nowMs) as DueRow[]).map(({ key, channel, text, attempts, reply, message }) =>
          reply !== null ? { key, channel, text, attempts, reply: JSON.parse(reply) as Reply } : { key, channel, text, attempts, prerendered: JSON.parse(message ?? 'null') as unknown },
        ),
      ),
    claim: (key, nowMs, until) => Promise.resolve(claim.run(until.getTime(), until.toISOString(), key, nowMs).changes === 1),
    markSent: (key, at) => {
      markSent.run(at.toISOString(), key);
      return Promise.resolve();
    },
    markFailed: (key, next, error) => {
      markFailed.run(next.toISOString(), next.getTime(), error, key);
      return Promise.resolve();
    },
    recent: (limit) => Promise.resolve(recent.all(limit) as RecentAlert[]),
  };
}
