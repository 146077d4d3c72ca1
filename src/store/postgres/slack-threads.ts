// Slack bookkeeping on PostgreSQL (migrations/postgres/002_slack_alerts.sql), the behaviour of
// src/store/slack-threads.ts held across replicas:
// - an event is claimed by INSERT … ON CONFLICT DO NOTHING RETURNING on its id: of two replicas
//   receiving one event (Slack's retries, two Socket Mode connections), exactly one gets the row;
// - what SQLite's store does for a database locked by another process, this one does for a
//   server briefly out of reach (a restart, a failover): the write waits in memory
//   (retry-writes.ts), journaled so a crash meanwhile does not lose it (src/store/journal.ts),
//   and counts at once in this process (as do the event ids it saw decided lately, so Slack's
//   retries to this replica are still told apart). A claim the server cannot decide is
//   answered, as SQLite answers one it cannot write yet: better than dropping a first delivery,
//   at the cost that during the outage another replica given the same event may answer it too
//   (logged when the write lands and finds the id taken).
//
// The interface's sync methods stay sync: rememberThread and replay queue their writes and
// return; close() cannot wait for the server, so it stops retrying and leaves what waits in the
// journal (journaled when queued) for the next start to replay, as SQLite's does with what the
// lock keeps out at a stop. A caller that can wait calls drain() before close().
import type { Logger } from 'pino';
import type { Journal } from '../journal.js';
import { isSlackWrite, type SlackStore, type SlackWrite } from '../slack-threads.js';
import type { PgDb } from './pool.js';
import { createPgRetryWrites, isUnreachable } from './retry-writes.js';

export interface PgSlackStore extends SlackStore {
  /** Writes what waits now; true when nothing waits (false: the server is still out of reach). */
  drain(): Promise<boolean>;
}

export interface PgSlackStoreOptions {
  /** First retry while the server is out of reach; doubles up to maxRetryMs (defaults 500 ms, 5 s). */
  retryMs?: number;
  maxRetryMs?: number;
  journal?: Journal;
}

const EVENT_TTL_MS = 24 * 3600 * 1000;

/** Event ids this process saw decided, kept for its retries while the server is out of reach (Slack retries within minutes). */
const RECENT_IDS = 10_000;

const CLAIM = 'INSERT INTO slack_events (event_id, received_at) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING RETURNING 1';

export function createPgSlackStore(db: PgDb, log: Logger, opts: PgSlackStoreOptions = {}): PgSlackStore {
  /** Writes waiting for the server, by event id or channel/thread: they count as done meanwhile. */
  const waitingEvents = new Set<string>();
  const waitingThreads = new Set<string>();
  /** Journal entries of the writes waiting: a crash meanwhile leaves them to the next start. */
  const journaled = new Map<SlackWrite, number>();
  const settle = (w: SlackWrite) => {
    const entry = journaled.get(w);
    if (entry === undefined) return;
    journaled.delete(w);
    opts.journal!.settle(entry);
  };
  const done = (w: SlackWrite) => {
    if (w.kind === 'event') waitingEvents.delete(w.id);
    else if (w.kind === 'thread') waitingThreads.delete(w.key);
    settle(w);
  };
  const queue = createPgRetryWrites<SlackWrite>({
    log,
    what: 'Slack bookkeeping writes',
    retryMs: opts.retryMs,
    maxRetryMs: opts.maxRetryMs,
    async apply(w) {
      if (w.kind === 'prune') {
        await db.query('DELETE FROM slack_events WHERE received_at < $1', [w.before]);
      } else if (w.kind === 'event') {
        const won = await db.query(CLAIM, [w.id, w.at]);
        if (won.length === 0) log.warn({ eventId: w.id }, 'an event answered while the database was out of reach had been claimed elsewhere: it may have been answered twice');
      } else {
        await db.query('INSERT INTO ask_threads (channel, thread_ts, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [w.channel, w.ts, w.at]);
      }
      done(w);
    },
    dropped(writes, err) {
      log.error({ err: (err as Error).message, writes: writes.length }, 'Slack bookkeeping could not be written');
      for (const w of writes) done(w);
    },
  });
  /** Queues a write, journaled first (written by the next start if this process dies before the server takes it). */
  const push = (w: SlackWrite) => {
    if (opts.journal) {
      try {
        journaled.set(w, opts.journal.append({ kind: 'slack', writes: [w] }));
      } catch (err) {
        log.error({ err: (err as Error).message }, 'Slack bookkeeping could not be journaled: it waits in memory only');
      }
    }
    queue.push(w);
  };
  /** The last RECENT_IDS event ids the server decided for this process, oldest first (insertion order). */
  const decided = new Set<string>();
  const remember = (id: string) => {
    decided.add(id);
    if (decided.size > RECENT_IDS) decided.delete(decided.values().next().value!);
  };
  let claims = 0;
  return {
    async claimEvent(eventId, nowIso) {
      if (waitingEvents.has(eventId)) return false;
      // Slack stops retrying within hours: old ids are pruned now and then.
      if (++claims % 500 === 0) push({ kind: 'prune', before: new Date(Date.parse(nowIso) - EVENT_TTL_MS).toISOString() });
      try {
        const won = await db.query(CLAIM, [eventId, nowIso]);
        remember(eventId);
        // The server answers: what waited for it goes in now rather than at the next retry.
        if (queue.size > 0) void queue.drain();
        return won.length === 1;
      } catch (err) {
        if (!isUnreachable(err)) {
          // As SQLite's store: a write the database refuses is logged and the event answered.
          log.error({ err: (err as Error).message, eventId }, 'Slack event could not be recorded');
          return true;
        }
        // A retry of one this process saw decided, or of one that failed first meanwhile.
        if (decided.has(eventId) || waitingEvents.has(eventId)) return false;
        waitingEvents.add(eventId);
        push({ kind: 'event', id: eventId, at: nowIso });
        return true;
      }
    },
    rememberThread(channel, threadTs, nowIso) {
      const key = `${channel}\u0000${threadTs}`;
      waitingThreads.add(key);
      push({ kind: 'thread', key, channel, ts: threadTs, at: nowIso });
    },
    async isBotThread(channel, threadTs) {
      if (waitingThreads.has(`${channel}\u0000${threadTs}`)) return true;
      return (await db.query('SELECT 1 FROM ask_threads WHERE channel = $1 AND thread_ts = $2', [channel, threadTs])).length > 0;
    },
    drain: () => queue.drain(),
    close() {
      const left = queue.stop();
      if (left.length === 0) return;
      const unjournaled = left.filter((w) => !journaled.has(w)).length;
      // Journaled entries stay open: the journal keeps them at its close for the next start.
      if (unjournaled > 0) log.error({ writes: unjournaled }, 'Slack bookkeeping not written at stop and not journaled: lost');
      if (left.length > unjournaled) log.warn({ writes: left.length - unjournaled, journal: opts.journal?.file }, 'database out of reach at stop: Slack bookkeeping kept in the journal');
    },
    replay(writes) {
      for (const w of writes) {
        if (!isSlackWrite(w)) continue;
        if (w.kind === 'event') waitingEvents.add(w.id);
        else if (w.kind === 'thread') waitingThreads.add(w.key);
        push(w.kind === 'event' ? { kind: 'event', id: w.id, at: w.at } : w);
      }
    },
  };
}
