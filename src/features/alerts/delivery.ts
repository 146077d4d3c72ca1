// Once, and never lost (migrations/004_alerts.sql). An alert is first recorded under its key,
// then posted; a key already recorded is never enqueued again, so restarts, catch-up runs and
// a second `routeops alerts run` do not resend. A post that fails stays pending with a retry
// time (exponential backoff with a cap, or Slack's Retry-After when it is longer) and is
// retried by flush() until Slack accepts it.
//
// Exactly once: flushes of one outbox are serialised, and a row is claimed (its retry time
// pushed out by a lease) in the database before it is posted, so a second process flushing
// the same file (the CLI beside the bot) skips it. Only a crash between Slack accepting a post
// and the row being marked sent can repeat a message (after the lease): at-least-once there.
import type { Logger } from 'pino';
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../../store/open.js';
import { renderBlocks, type SlackMessage } from '../../adapters/slack/blocks.js';
import { clip, escapeMrkdwn } from '../../adapters/slack/escape.js';
import type { Alert, AlertKind, AlertPost } from './types.js';

export interface OutboxOptions {
  /** Delay after the first failure; doubled per further failure. Default 30 s. */
  baseDelayMs?: number;
  /** Longest backoff (a Slack Retry-After may be longer and is honoured). Default 1 h. */
  maxDelayMs?: number;
  /** How long a claimed row is held by the process posting it. Default 2 min. */
  leaseMs?: number;
}

export interface StoredAlert {
  key: string;
  kind: AlertKind;
  channel: string;
  text: string;
  created_at: string;
  sent_at: string | null;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
}

export interface FlushResult {
  sent: string[];
  failed: Array<{ key: string; error: string; next_attempt_at: string }>;
}

/** The Slack message of an alert: its Reply as Block Kit, with the alert's text as the notification text. */
export function alertMessage(alert: Alert): SlackMessage {
  const rendered = renderBlocks(alert.reply);
  return { ...rendered, text: clip(escapeMrkdwn(alert.text), 3000) };
}

/** Seconds Slack asked us to wait: WebAPIRateLimitedError.retryAfter, or an HTTP 429's Retry-After. */
export function retryAfterMs(err: unknown): number | null {
  if (!err || typeof err !== 'object') return null;
  const e = err as { retryAfter?: unknown; headers?: Record<string, unknown>; data?: { response_metadata?: { retryAfter?: unknown } } };
  const candidates = [e.retryAfter, e.headers?.['retry-after'], e.data?.response_metadata?.retryAfter];
  for (const c of candidates) {
    const n = typeof c === 'number' ? c : typeof c === 'string' ? Number.parseInt(c, 10) : NaN;
    if (Number.isFinite(n) && n >= 0) return n * 1000;
  }
  return null;
}

/** A short, secret-free description of a failed post ("slack_webapi_platform_error: channel_not_found"). */
export function describePostError(err: unknown): string {
  if (!err || typeof err !== 'object') return String(err);
  const e = err as { code?: unknown; data?: { error?: unknown }; statusCode?: unknown; message?: unknown };
  const parts: string[] = [];
  if (typeof e.code === 'string') parts.push(e.code);
  if (typeof e.data?.error === 'string') parts.push(e.data.error);
  else if (typeof e.statusCode === 'number') parts.push(`HTTP ${e.statusCode}`);
  else if (typeof e.message === 'string') parts.push(e.message);
  return clip(parts.join(': ') || 'unknown error', 300);
}

export function backoffMs(attempts: number, err: unknown, opts: Required<OutboxOptions>): number {
  const exp = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.min(Math.max(0, attempts - 1), 30));
  const asked = retryAfterMs(err);
  return asked === null ? exp : Math.max(exp, asked);
}

interface PendingRow {
  key: string;
  channel: string;
  message: string;
  attempts: number;
}

export class AlertOutbox {
  private readonly opts: Required<OutboxOptions>;
  private readonly getKey: BetterSqlite3.Statement;
  private readonly insert: BetterSqlite3.Statement;
  private readonly due: BetterSqlite3.Statement;
  private readonly claim: BetterSqlite3.Statement;
  private readonly markSent: BetterSqlite3.Statement;
  private readonly markFailed: BetterSqlite3.Statement;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    opts: OutboxOptions = {},
  ) {
    this.opts = { baseDelayMs: opts.baseDelayMs ?? 30_000, maxDelayMs: opts.maxDelayMs ?? 3_600_000, leaseMs: opts.leaseMs ?? 120_000 };
    this.getKey = db.prepare('SELECT key, kind, channel, text, created_at, created_ms, sent_at, attempts, next_attempt_at, last_error FROM sent_alerts WHERE key = ?');
    this.insert = db.prepare(
      `INSERT INTO sent_alerts (key, kind, channel, text, message, created_at, created_ms, next_attempt_at, next_attempt_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
    );
    this.due = db.prepare('SELECT key, channel, message, attempts FROM sent_alerts WHERE sent_at IS NULL AND next_attempt_ms <= ? ORDER BY created_ms, rowid');
    this.claim = db.prepare('UPDATE sent_alerts SET next_attempt_ms = ?, next_attempt_at = ? WHERE key = ? AND sent_at IS NULL AND next_attempt_ms <= ?');
    this.markSent = db.prepare('UPDATE sent_alerts SET sent_at = ?, attempts = attempts + 1, next_attempt_at = NULL, next_attempt_ms = NULL, last_error = NULL WHERE key = ?');
    this.markFailed = db.prepare('UPDATE sent_alerts SET attempts = attempts + 1, next_attempt_at = ?, next_attempt_ms = ?, last_error = ? WHERE key = ?');
  }

  /** The record of a key (sent or pending), or null if it was never recorded. */
  get(key: string): (StoredAlert & { created_ms: number }) | null {
    return (this.getKey.get(key) as (StoredAlert & { created_ms: number }) | undefined) ?? null;
  }

  isRecorded(key: string): boolean {
    return this.getKey.get(key) !== undefined;
  }

  /**
   * Records alerts not recorded before (due for posting at once) and returns those; alerts
   * whose key is already recorded, sent or pending, are dropped. One transaction.
   */
  enqueue(alerts: readonly Alert[], now: Date): Alert[] {
    const iso = now.toISOString();
    const ms = now.getTime();
    return this.db.transaction(() => {
      const fresh: Alert[] = [];
      for (const a of alerts) {
        const info = this.insert.run(a.key, a.kind, a.channel, a.text, JSON.stringify(alertMessage(a)), iso, ms, iso, ms);
        if (info.changes === 1) fresh.push(a);
      }
      return fresh;
    }).immediate();
  }

  /** Pending alerts (not yet accepted by Slack), oldest first. */
  pending(): StoredAlert[] {
    return this.db
      .prepare('SELECT key, kind, channel, text, created_at, sent_at, attempts, next_attempt_at, last_error FROM sent_alerts WHERE sent_at IS NULL ORDER BY created_ms, rowid')
      .all() as StoredAlert[];
  }

  /**
   * Posts every pending alert due at `now`, oldest first. A failure is logged and rescheduled
   * with backoff; it does not stop the others. Calls are serialised: a flush that starts while
   * another runs waits for it.
   */
  flush(post: AlertPost, now: Date): Promise<FlushResult> {
    const run = this.chain.then(() => this.flushNow(post, now));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async flushNow(post: AlertPost, now: Date): Promise<FlushResult> {
    const result: FlushResult = { sent: [], failed: [] };
    const nowMs = now.getTime();
    const rows = this.due.all(nowMs) as PendingRow[];
    for (const row of rows) {
      const lease = new Date(nowMs + this.opts.leaseMs);
      // Claim it: another process flushing the same database skips a claimed row.
      if (this.claim.run(lease.getTime(), lease.toISOString(), row.key, nowMs).changes !== 1) continue;
      try {
        await post(row.channel, JSON.parse(row.message) as SlackMessage);
        this.markSent.run(now.toISOString(), row.key);
        result.sent.push(row.key);
        this.log.info({ alert: row.key, channel: row.channel, attempt: row.attempts + 1 }, 'alert posted');
      } catch (err) {
        const error = describePostError(err);
        const next = new Date(nowMs + backoffMs(row.attempts + 1, err, this.opts));
        this.markFailed.run(next.toISOString(), next.getTime(), error, row.key);
        result.failed.push({ key: row.key, error, next_attempt_at: next.toISOString() });
        this.log.warn({ alert: row.key, channel: row.channel, attempt: row.attempts + 1, error, retry_at: next.toISOString() }, 'alert post failed; kept in the outbox');
      }
    }
    return result;
  }
}

/** When a key was recorded (ms), or null: for jobs whose next alert depends on what was sent. */
export function recordedAtMs(db: Db, key: string): number | null {
  const ms = db.prepare('SELECT created_ms FROM sent_alerts WHERE key = ?').pluck().get(key) as number | undefined;
  return ms ?? null;
}
