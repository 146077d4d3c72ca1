// Delivering a streamed answer into Slack. Two ways, both behind the same Progress interface:
// - a thread reply through Slack's streaming API (chat.startStream/appendStream/stopStream);
// - one message posted, then updated at most about once a second (chat.update is Tier 3).
// Model text is escaped before it reaches Slack; long answers are split within Slack's limits.
import type { webApi, types } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Progress } from '../../../commands/types.js';
import type { Reply } from '../../domain/reply.js';
import { clip, createMarkdownEscaper, escapeMrkdwn } from './escape.js';
import { splitText } from './blocks.js';
import { UNLIMITED_UPDATES, type UpdateBudget } from './update-budget.js';
import type { ChatApi } from './chat-api.js';

type KnownBlock = types.KnownBlock;
type WebClient = webApi.WebClient;

const UPDATE_INTERVAL_MS = 1000;
/** The text of an answer's message until its first words arrive (thread history skips it). */
export const PLACEHOLDER_TEXT = 'Thinking…';
const SECTION_MAX = 3000;
/** Block text per message kept well under Slack's ~13k practical limit. */
const MESSAGE_TEXT_MAX = 12_000;
/** Slack truncates message `text` beyond 40k characters. */
const FALLBACK_TEXT_MAX = 39_000;

export interface AnswerSink {
  progress: Progress;
  /** Shows the final reply (answer and footer, or the error line). */
  finish(reply: Reply): Promise<void>;
  /** Where the answer lives, for remembering the thread. */
  readonly ts: string | undefined;
}

/** The final message(s) of an answer: the first holds the heading, the last the footer. */
export function answerMessages(reply: Reply, heading?: KnownBlock): Array<{ text: string; blocks: KnownBlock[]; metadata?: typeof CONTINUATION }> {
  const answer = reply.body ?? reply.summary ?? '';
  const escaped = escapeMrkdwn(answer);
  const footer = reply.footer ? clip(escapeMrkdwn(reply.footer), SECTION_MAX) : '';
  // The heading and the footer share a message's block text with the answer.
  const pieces = splitText(escaped, MESSAGE_TEXT_MAX - blockTextLength(heading) - footer.length);
  if (!pieces.length) pieces.push('');
  return pieces.map((piece, i) => {
    const blocks: KnownBlock[] = [];
    if (i === 0 && heading) blocks.push(heading);
    for (const section of splitText(piece, SECTION_MAX)) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: section } });
    if (i === pieces.length - 1 && footer) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: footer }] });
    // The first message's text carries the whole answer: Slack uses it for notifications and
    // it is what conversations.replies gives back as thread history (continuations are marked
    // so that history does not count them twice).
    return i === 0 ? { text: clip(escaped, FALLBACK_TEXT_MAX), blocks } : { text: piece, blocks, metadata: CONTINUATION };
  });
}

/** Message metadata of an answer's second and later messages (conversation.ts skips them). */
export const CONTINUATION_EVENT = 'routeops_continuation';
const CONTINUATION = { event_type: CONTINUATION_EVENT, event_payload: {} };

function blockTextLength(block: KnownBlock | undefined): number {
  if (!block) return 0;
  if (block.type === 'context') return block.elements.reduce((n, e) => n + ('text' in e ? e.text.length : 0), 0);
  if (block.type === 'section') return block.text?.text.length ?? 0;
  return 0;
}

/** Blocks of an interim rendering; `body` is already escaped. */
function progressBlocks(body: string, heading?: KnownBlock): KnownBlock[] {
  const blocks: KnownBlock[] = heading ? [heading] : [];
  const shown = body.length > MESSAGE_TEXT_MAX ? `${body.slice(0, MESSAGE_TEXT_MAX - 1)}…` : body;
  for (const s of splitText(shown || '_Thinking…_', SECTION_MAX)) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: s } });
  return blocks;
}

export interface UpdatingTarget {
  channel: string;
  threadTs?: string;
  heading?: KnownBlock;
  /** Slack message metadata (e.g. the question, for thread history). */
  metadata?: { event_type: string; event_payload: Record<string, string> };
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
  let pending: string | null = null;
  let lastUpdate = 0;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let finished = false;
  let updating = false;

  const flush = () => {
    timer = undefined;
    // One update in flight at a time: a slow or rate-limited Slack gets the latest text when it
    // is done, not a backlog that holds the final answer back.
    if (pending === null || finished || updating) return;
    // No interim update to spare in the workspace: keep the text pending, try at the next tick.
    if (!budget.take()) {
      timer = setTimeout(flush, UPDATE_INTERVAL_MS);
      return;
    }
    const body = escapeMrkdwn(pending);
    pending = null;
    lastUpdate = Date.now();
    updating = true;
    chain = chat
      .update({ channel: target.channel, ts, text: clip(body, FALLBACK_TEXT_MAX) || PLACEHOLDER_TEXT, blocks: progressBlocks(body, target.heading) })
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'progress update failed'))
      .finally(() => {
        updating = false;
        if (pending !== null && !finished && !timer) timer = setTimeout(flush, Math.max(0, UPDATE_INTERVAL_MS - (Date.now() - lastUpdate)));
      });
  };

  return {
    ts,
    progress: {
      update(text) {
        pending = text;
        if (timer) return;
        const wait = UPDATE_INTERVAL_MS - (Date.now() - lastUpdate);
        if (wait <= 0) flush();
        else timer = setTimeout(flush, wait);
      },
    },
    async finish(reply) {
      finished = true;
      if (timer) clearTimeout(timer);
      await chain;
      const [first, ...rest] = answerMessages(reply, target.heading);
      await chat.update({ channel: target.channel, ts, text: first!.text, blocks: first!.blocks });
      for (const m of rest) await chat.postMessage({ channel: target.channel, thread_ts: target.threadTs ?? ts, text: m.text, blocks: m.blocks, metadata: m.metadata });
    },
  };
}

/** chat.appendStream / stopStream take at most 12,000 characters of markdown_text a call. */
const STREAM_CALL_MAX = 11_000;

/** Escaped text cut into pieces, each small enough for one streaming call; nothing dropped at the cuts. */
function streamPieces(escaped: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < escaped.length; ) {
    let end = Math.min(escaped.length, i + STREAM_CALL_MAX);
    // Never cut inside an escape such as &amp;
    const amp = escaped.lastIndexOf('&', end - 1);
    if (end < escaped.length && amp >= end - 5 && amp > i) end = amp;
    out.push(escaped.slice(i, end));
    i = end;
  }
  return out;
}

export interface StreamTarget {
  channel: string;
  threadTs: string;
  teamId?: string;
  userId: string;
}

/**
 * Streams an answer as a thread reply with Slack's streaming API. If Slack refuses streaming
 * (older workspace, missing scope), the answer is delivered by post + update instead. Text that
 * arrives while an append is in flight is handed over in one piece when it completes (the
 * streamer buffers too; this keeps the per-delta cost to a string concatenation).
 */
export function startStreamingReply(client: WebClient, chat: ChatApi, target: StreamTarget, log: Logger, budget: UpdateBudget = UNLIMITED_UPDATES): AnswerSink {
  const streamer = client.chatStream({
    channel: target.channel,
    thread_ts: target.threadTs,
    ...(target.teamId ? { recipient_team_id: target.teamId } : {}),
    recipient_user_id: target.userId,
  });
  /** The text whose deltas were taken (appended, being appended, or in `unsent`). */
  let sent = '';
  /** Taken but not yet handed to an append. */
  let unsent = '';
  let appending = false;
  let finished = false;
  let chain: Promise<unknown> = Promise.resolve();
  let fallback: Promise<AnswerSink> | undefined;
  let latest = '';
  const markdown = createMarkdownEscaper();

  const useFallback = (err: unknown) => {
    log.warn({ err: (err as Error).message }, 'chat streaming refused; posting and updating instead');
    if (!fallback) {
      fallback = startUpdatingMessage(chat, { channel: target.channel, threadTs: target.threadTs }, log, budget);
      // Observed here so a failed post never becomes an unhandled rejection; finish() still sees it.
      fallback.catch((e: unknown) => log.error({ err: (e as Error).message }, 'answer could not be posted'));
    }
    return fallback;
  };

  const pump = () => {
    if (appending || finished || fallback || !unsent) return;
    // Streaming calls take Markdown: link syntax is escaped as well as Slack's own markup (the
    // escaper may keep a last character back until it knows what follows).
    const piece = markdown.push(unsent);
    unsent = '';
    if (!piece) return;
    appending = true;
    chain = chain
      .then(async () => {
        for (const part of streamPieces(piece)) await streamer.append({ markdown_text: part });
      })
      .catch((err: unknown) => {
        if (!streamer.ts) useFallback(err).then((f) => f.progress.update(latest), () => {});
        else log.warn({ err: (err as Error).message }, 'stream append failed');
      })
      .finally(() => {
        appending = false;
        pump();
      });
  };

  return {
    get ts() {
      return streamer.ts;
    },
    progress: {
      update(text) {
        latest = text;
        if (fallback) {
          fallback.then((f) => f.progress.update(text), () => {});
          return;
        }
        let delta: string;
        if (text.startsWith(sent)) {
          delta = text.slice(sent.length);
        } else {
          // A route failed after streaming began: what was streamed cannot be taken back.
          delta = `\n\n_(that route failed; the answer continues from the fallback)_\n\n${text}`;
        }
        sent = text;
        if (!delta) return;
        unsent += delta;
        pump();
      },
    },
    async finish(reply) {
      finished = true;
      while (appending) await chain;
      if (fallback) return (await fallback).finish(reply);
      const final = reply.body ?? reply.summary ?? '';
      // The final text is the streamed one trimmed: what was sent is never sent again.
      const lead = sent.trimStart();
      const streamed = final.startsWith(lead) ? lead : sent.trim();
      const rest = unsent + (final.startsWith(streamed) ? final.slice(streamed.length) : `\n\n${final}`);
      unsent = '';
      const footer: KnownBlock[] = reply.footer ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: clip(escapeMrkdwn(reply.footer), SECTION_MAX) }] }] : [];
      try {
        const pieces = streamPieces(markdown.push(rest) + markdown.end());
        const last = pieces.pop();
        for (const part of pieces) await streamer.append({ markdown_text: part });
        await streamer.stop({ ...(last ? { markdown_text: last } : {}), ...(footer.length ? { blocks: footer } : {}) });
      } catch (err) {
        if (streamer.ts) throw err;
        const f = await useFallback(err);
        await f.finish(reply);
      }
    },
  };
}
