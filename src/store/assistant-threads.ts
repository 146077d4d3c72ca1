// Slack assistant threads (migrations/019_assistant.sql): recorded when the user opens one in the
// app's assistant view, so a message in it is answered as an assistant answer (status, title,
// docs/ARCHITECTURE.md §3.6), and its title is set once, from the first question.
import type { Db } from './open.js';

export interface AssistantThreadStore {
  /** Records a thread the user opened (again: nothing changes). */
  started(channel: string, threadTs: string, user: string | null, nowIso: string): Promise<void>;
  isAssistantThread(channel: string, threadTs: string): Promise<boolean>;
  /** True once per thread: the caller sets its title. */
  claimTitle(channel: string, threadTs: string, nowIso: string): Promise<boolean>;
}

export function createAssistantThreadStore(db: Db): AssistantThreadStore {
  const start = db.prepare('INSERT INTO assistant_threads (channel, thread_ts, user_id, started_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const lookup = db.prepare('SELECT 1 FROM assistant_threads WHERE channel = ? AND thread_ts = ?').pluck();
  const title = db.prepare('UPDATE assistant_threads SET titled_at = ? WHERE channel = ? AND thread_ts = ? AND titled_at IS NULL');
  return {
    started(channel, threadTs, user, nowIso) {
      start.run(channel, threadTs, user, nowIso);
      return Promise.resolve();
    },
    isAssistantThread: (channel, threadTs) => Promise.resolve(lookup.get(channel, threadTs) !== undefined),
    claimTitle: (channel, threadTs, nowIso) => Promise.resolve(title.run(nowIso, channel, threadTs).changes === 1),
  };
}
