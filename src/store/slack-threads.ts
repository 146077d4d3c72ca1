// Durable Slack bookkeeping (migrations/002_slack.sql): which threads the bot answered, which
// events it already handled. Writes never stall the event loop on a database locked by a long
// import elsewhere: what cannot be written now waits in memory (retry-queue.ts), journaled so a
// crash meanwhile does not lose it (journal.ts), and is answered from there meanwhile. The reads
// are async so a networked database can answer them; the SQLite work inside is synchronous, so a
// claim is made the moment it is asked for (two deliveries of one event arriving together are
// told apart in call order).
import type { Logger } from 'pino';
import type { Db } from './open.js';
import { createRetryQueue } from './retry-queue.js';
import type { Journal } from './journal.js';

export interface SlackStore {
  /** True the first time an event id is seen; false for Slack's retries of it. */
  claimEvent(eventId: string, nowIso: string): Promise<boolean>;
  /** Never throws: a write the database cannot take now waits in memory and counts at once. */
  rememberThread(channel: string, threadTs: string, nowIso: string): void;
  isBotThread(channel: string, threadTs: string): Promise<boolean>;
  /** Writes what waits for the database (at shutdown; what the lock keeps out goes to the journal) and stops retrying. */
  close(): void;
  /** Writes a stopped process left in its journal (src/store/replay-journal.ts); unknown shapes are skipped. */
  replay(writes: readonly unknown[]): void;
}

const EVENT_TTL_MS = 24 * 3600 * 1000;

type Write =
  | { kind: 'event'; id: string; at: string; claimed?: boolean }
  | { kind: 'thread'; key: string; channel: string; ts: string; at: string }
  | { kind: 'prune'; before: string };

function isWrite(w: unknown): w is Write {
  const o = w as Partial<Record<string, unknown>> | null;
  if (typeof o !== 'object' || o === null) return false;
  if (o.kind === 'event') return typeof o.id === 'string' && typeof o.at === 'string';
  if (o.kind === 'thread') return typeof o.key === 'string' && typeof o.channel === 'string' && typeof o.ts === 'string' && typeof o.at === 'string';
  return o.kind === 'prune' && typeof o.before === 'string';
}

export function createSlackStore(db: Db, log: Logger, opts: { busyWaitMs?: number; retryMs?: number; journal?: Journal } = {}): SlackStore {
  const claim = db.prepare('INSERT INTO slack_events (event_id, received_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING');
  const prune = db.prepare('DELETE FROM slack_events WHERE received_at < ?');
  const remember = db.prepare('INSERT INTO ask_threads (channel, thread_ts, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  const lookup = db.prepare('SELECT 1 FROM ask_threads WHERE channel = ? AND thread_ts = ?').pluck();
  /** Writes waiting for the lock, by event id or channel/thread: they count as done meanwhile. */
  const waitingEvents = new Set<string>();
  const waitingThreads = new Set<string>();
  /** Journal entries of the writes waiting for the lock: a crash meanwhile leaves them to the next start. */
  const journaled = new Map<Write, number>();
  const settle = (w: Write) => {
    const entry = journaled.get(w);
    if (entry === undefined) return;
    journaled.delete(w);
    opts.journal!.settle(entry);
  };
  const queue = createRetryQueue<Write>({
    db,
    log,
    what: 'Slack bookkeeping writes',
    busyWaitMs: opts.busyWaitMs,
    retryMs: opts.retryMs,
    apply(w) {
      if (w.kind === 'prune') {
        prune.run(w.before);
      } else if (w.kind === 'event') {
        w.claimed = claim.run(w.id, w.at).changes === 1;
        waitingEvents.delete(w.id);
      } else {
        remember.run(w.channel, w.ts, w.at);
        waitingThreads.delete(w.key);
      }
      settle(w);
    },
    // A stop while another process holds the lock: kept for the next start (most were journaled
    // as they began to wait), not dropped.
    ...(opts.journal
      ? {
          spill(writes: readonly Write[]) {
            const journal = opts.journal!;
            try {
              const unjournaled = writes.filter((w) => !journaled.has(w));
              if (unjournaled.length) journal.append({ kind: 'slack', writes: unjournaled });
              log.warn({ writes: writes.length, journal: journal.file }, 'database busy at stop: Slack bookkeeping kept in the journal');
            } catch (e) {
              log.error({ err: (e as Error).message, writes: writes.length }, 'Slack bookkeeping could not be written');
            }
          },
        }
      : {}),
    dropped(writes, err) {
      log.error({ err: (err as Error).message, writes: writes.length }, 'Slack bookkeeping could not be written');
      for (const w of writes) {
        if (w.kind === 'event') waitingEvents.delete(w.id);
        else if (w.kind === 'thread') waitingThreads.delete(w.key);
        settle(w);
      }
    },
  });
  /** Writes now, or journals the write while it waits for the lock (written by the next start if this process dies). */
  const push = (w: Write): boolean => {
    if (queue.push(w)) return true;
    if (opts.journal) {
      try {
        journaled.set(w, opts.journal.append({ kind: 'slack', writes: [w] }));
      } catch (err) {
        log.error({ err: (err as Error).message }, 'Slack bookkeeping could not be journaled: it waits in memory only');
      }
    }
    return false;
  };
  let claims = 0;
  const claimNow = (eventId: string, nowIso: string): boolean => {
    if (waitingEvents.has(eventId)) return false;
    // Slack stops retrying within hours: old ids are pruned now and then.
    if (++claims % 500 === 0) push({ kind: 'prune', before: new Date(Date.parse(nowIso) - EVENT_TTL_MS).toISOString() });
    const w: Write = { kind: 'event', id: eventId, at: nowIso };
    waitingEvents.add(eventId);
    if (push(w)) return w.claimed !== false;
    // Not written yet: a retry of it meets waitingEvents. A delivery seen before a restart that
    // arrives while the database is locked is answered again: better than dropping a first one.
    return true;
  };
  return {
    claimEvent(eventId, nowIso) {
      return Promise.resolve(claimNow(eventId, nowIso));
    },
    rememberThread(channel, threadTs, nowIso) {
      const key = `${channel}\u0000${threadTs}`;
      waitingThreads.add(key);
      push({ kind: 'thread', key, channel, ts: threadTs, at: nowIso });
    },
    isBotThread(channel, threadTs) {
      return Promise.resolve(waitingThreads.has(`${channel}\u0000${threadTs}`) || lookup.get(channel, threadTs) !== undefined);
    },
    close() {
      if (db.open) queue.flush();
      queue.stop();
    },
    replay(writes) {
      for (const w of writes) {
        if (!isWrite(w)) continue;
        if (w.kind === 'event') waitingEvents.add(w.id);
        else if (w.kind === 'thread') waitingThreads.add(w.key);
        push(w.kind === 'event' ? { kind: 'event', id: w.id, at: w.at } : w);
      }
    },
  };
}

/** The journal's shape of a Slack write, shared with the PostgreSQL store (src/store/postgres/slack-threads.ts). */
export { isWrite as isSlackWrite, type Write as SlackWrite };
