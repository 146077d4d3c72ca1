// A streamed answer's status line. Slack's streaming message appears with the answer's first
// words and cannot be edited, so what the answer waits for until then (src/features/ask/progress.ts)
// is a thread message of its own: posted at the first tick, updated at the next ones (within the
// workspace's update budget, update-budget.ts), and deleted once the answer's text begins or the
// answer ends. Its metadata keeps it out of thread history (conversation.ts) should a delete fail.
import type { Logger } from 'pino';
import type { AskStatus } from '../../features/ask/progress.js';
import { AnswerStatus, STATUS_EVENT } from './answer.js';
import type { ChatApi } from './chat-api.js';
import type { UpdateBudget } from './update-budget.js';

export interface StatusLine {
  /** A new status; null (the answer's text begins) removes the line. */
  set(status: AskStatus | null): void;
  /** Deletes the line if it was posted; waits for a post or update in flight first. */
  remove(): Promise<void>;
}

const STATUS_METADATA = { event_type: STATUS_EVENT, event_payload: {} };

export function createStatusLine(chat: ChatApi, target: { channel: string; threadTs: string }, log: Logger, budget: UpdateBudget): StatusLine {
  const status = new AnswerStatus();
  let ts: string | undefined;
  let dirty = false;
  let busy = false;
  let removed = false;
  let chain: Promise<unknown> = Promise.resolve();

  // One call in flight at a time, with the latest status; none to spare in the budget: the next tick tries again.
  const pump = () => {
    if (busy || removed || !dirty || !budget.take()) return;
    dirty = false;
    busy = true;
    const text = status.mrkdwn;
    const send =
      ts === undefined
        ? chat.postMessage({ channel: target.channel, thread_ts: target.threadTs, text, metadata: STATUS_METADATA }).then((r) => void (ts = r.ts))
        : chat.update({ channel: target.channel, ts, text });
    chain = send
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'status line not shown'))
      .finally(() => {
        busy = false;
        pump();
      });
  };

  // Once: the answer's first words and its end both remove the line, and the end waits for the delete.
  let removing: Promise<void> | undefined;
  const remove = () =>
    (removing ??= (async () => {
      removed = true;
      await chain;
      if (ts) await chat.delete({ channel: target.channel, ts }).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'status line not deleted'));
    })());

  return {
    set(s) {
      if (s === null) return void remove();
      if (!status.set(s)) return;
      dirty = true;
      pump();
    },
    remove,
  };
}
