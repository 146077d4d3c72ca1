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
import type { AlertStore, StoredAlert } from '../../store/alert-outbox.js';
import type { Alert, AlertPost } from './types.js';

export type { StoredAlert };

export interface OutboxOptions {
  /** Delay after the first failure; doubled per further failure. Default 30 s. */
  baseDelayMs?: number;
  /** Longest backoff (a Slack Retry-After may be longer and is honoured). Default 1 h. */
  maxDelayMs?: number;
  /** How long a claimed row is held by the process posting it. Default 2 min. */
  leaseMs?: number;
}

export interface FlushResult {
  sent: string[];
  failed: Array<{ key: string; error: string; next_attempt_at: string }>;
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
  const text = parts.join(': ') || 'unknown error';
  return text.length <= 300 ? text : `${text.slice(0, 299)}…`;
}

export function backoffMs(attempts: number, err: unknown, opts: Required<OutboxOptions>): number {
  const exp = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.min(Math.max(0, attempts - 1), 30));
  const asked = retryAfterMs(err);
  return asked === null ? exp : Math.max(exp, asked);
}

export class AlertOutbox {
  private readonly opts: Required<OutboxOptions>;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: AlertStore,
    private readonly log: Logger,
    opts: OutboxOptions = {},
  ) {
    this.opts = { baseDelayMs: opts.baseDelayMs ?? 30_000, maxDelayMs: opts.maxDelayMs ?? 3_600_000, leaseMs: opts.leaseMs ?? 120_000 };
  }

  /** The record of a key (sent or pending), or null if it was never recorded. */
  get(key: string): Promise<(StoredAlert & { created_ms: number }) | null> {
    return this.store.get(key);
  }

  async isRecorded(key: string): Promise<boolean> {
    return (await this.store.recordedAtMs(key)) !== null;
  }

  /**
   * Records alerts not recorded before (due for posting at once) and returns those; alerts
   * whose key is already recorded, sent or pending, are dropped. One transaction.
   */
  async enqueue(alerts: readonly Alert[], now: Date): Promise<Alert[]> {
    const fresh = new Set(await this.store.record(alerts.map(({ key, kind, channel, text, reply }) => ({ key, kind, channel, text, reply })), now));
    // A key given twice is recorded once: the first alert with it is the one recorded.
    return alerts.filter((a) => fresh.delete(a.key));
  }

  /** Pending alerts (not yet accepted by Slack), oldest first. */
  pending(): Promise<StoredAlert[]> {
    return this.store.pending();
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
    for (const row of await this.store.due(nowMs)) {
      // Claim it: another process flushing the same database skips a claimed row.
      if (!(await this.store.claim(row.key, nowMs, new Date(nowMs + this.opts.leaseMs)))) continue;
      const { key, attempts, ...alert } = row;
      try {
        await post(alert);
        await this.store.markSent(key, now);
        result.sent.push(key);
        this.log.info({ alert: key, channel: row.channel, attempt: attempts + 1 }, 'alert posted');
      } catch (err) {
        const error = describePostError(err);
        const next = new Date(nowMs + backoffMs(attempts + 1, err, this.opts));
        await this.store.markFailed(key, next, error);
        result.failed.push({ key, error, next_attempt_at: next.toISOString() });
        this.log.warn({ alert: key, channel: row.channel, attempt: attempts + 1, error, retry_at: next.toISOString() }, 'alert post failed; kept in the outbox');
      }
    }
    return result;
  }
}
