// Delivering an answer as one message: posted at once with a placeholder, then updated as the
// text arrives, at most about once a second (chat.update is Tier 3) and only while the
// workspace's update budget allows; the final update always goes out. Before the text begins,
// the placeholder says what the answer waits for (src/features/ask/progress.ts).
import type { types } from '@slack/bolt';
import type { Logger } from 'pino';
import { AnswerStatus, answerMessages, FALLBACK_TEXT_MAX, PLACEHOLDER_TEXT, progressBlocks, type AnswerSink } from './answer.js';
import type { ChatApi } from './chat-api.js';
import { clip, escapeMrkdwn } from './escape.js';
import { UNLIMITED_UPDATES, type UpdateBudget } from './update-budget.js';

type KnownBlock = types.KnownBlock;

const UPDATE_INTERVAL_MS = 1000;

export interface UpdatingTarget {
  channel: string;
  threadTs?: string;
  heading?: KnownBlock;
  /** Slack message metadata (e.g. the question, for thread history). */
  metadata?: { event_type: string; event_payload: Record<string, string> };
  /** The final answer carries 👍/👎 (answer-feedback.ts). */
  feedback?: boolean;
}

/**
 * Posts a placeholder, updates it as text arrives (coalesced to at most once a second, and only
 * when the workspace-wide `budget` has an interim update to spare), then finishes. The final
 * update is always sent and does not use the budget.
 */
export async function startUpdatingMessage(chat: ChatApi, target: UpdatingTarget, log: Logger, budget: UpdateBudget = UNLIMITED_UPDATES): Promise<AnswerSink> {
  const posted = await chat.postMessage({
    channel: target.channel,
    ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
    text: PLACEHOLDER_TEXT,
    blocks: progressBlocks('', target.heading),
    ...(target.metadata ? { metadata: target.metadata } : {}),
  });
  const ts = posted.ts!;
  /** The answer's text so far, and whether the message is behind it or behind the status. */
  let latest = '';
  let dirty = false;
  /** A new status goes out without waiting for the text's interval (it changes at most once a tick). */
  let statusChanged = false;
  const status = new AnswerStatus();
  let lastUpdate = 0;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let finished = false;
  let updating = false;

  const schedule = () => {
    if (timer && !statusChanged) return;
    clearTimeout(timer);
    timer = undefined;
    const wait = statusChanged ? 0 : UPDATE_INTERVAL_MS - (Date.now() - lastUpdate);
    if (wait <= 0) flush();
    else timer = setTimeout(flush, wait);
  };

  const flush = () => {
    timer = undefined;
    // One update in flight at a time: a slow or rate-limited Slack gets the latest text when it
    // is done, not a backlog that holds the final answer back.
    if (!dirty || finished || updating) return;
    // No interim update to spare in the workspace: keep the text pending, try at the next tick.
    if (!budget.take()) {
      timer = setTimeout(flush, UPDATE_INTERVAL_MS);
      return;
    }
    // A high surrogate at the end may be half an emoji whose other half is still on its way.
    const body = escapeMrkdwn(latest.replace(/[\uD800-\uDBFF]$/, ''));
    dirty = statusChanged = false;
    lastUpdate = Date.now();
    updating = true;
    chain = chat
      .update({ channel: target.channel, ts, text: clip(body, FALLBACK_TEXT_MAX) || PLACEHOLDER_TEXT, blocks: progressBlocks(body, target.heading, status.mrkdwn) })
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'progress update failed'))
      .finally(() => {
        updating = false;
        if (dirty && !finished) schedule();
      });
  };

  return {
    ts,
    progress: {
      update(text) {
        latest = text;
        dirty = true;
        schedule();
      },
      status(s) {
        if (!status.set(s)) return;
        dirty = true;
        // Cleared as the text begins: the text's own update (at its pace) carries that.
        if (s !== null) statusChanged = true;
        schedule();
      },
    },
    async finish(reply) {
      finished = true;
      if (timer) clearTimeout(timer);
      await chain;
      const [first, ...rest] = answerMessages(reply, target.heading, { feedback: target.feedback === true });
      await chat.update({ channel: target.channel, ts, text: first!.text, blocks: first!.blocks });
      for (const m of rest) await chat.postMessage({ channel: target.channel, thread_ts: target.threadTs ?? ts, text: m.text, blocks: m.blocks, metadata: m.metadata });
    },
  };
}
