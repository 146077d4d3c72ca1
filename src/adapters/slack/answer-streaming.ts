// Delivering an answer as a thread reply through Slack's streaming API
// (chat.startStream/appendStream/stopStream), falling back to one updated message
// (answer-updating.ts) when the workspace refuses streaming.
import type { types, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { SECTION_MAX, type AnswerSink } from './answer.js';
import { startUpdatingMessage } from './answer-updating.js';
import { createStatusLine } from './answer-status.js';
import type { ChatApi } from './chat-api.js';
import { cutIndex } from '../../domain/text.js';
import { clip, escapeMrkdwn } from './escape.js';
import { createMarkdownEscaper, type MarkdownEscaper } from './markdown-escape.js';
import { UNLIMITED_UPDATES, type UpdateBudget } from './update-budget.js';

type KnownBlock = types.KnownBlock;
type WebClient = webApi.WebClient;

/**
 * Answer text escaped per streaming call: chat.appendStream / stopStream take at most 12,000
 * characters of markdown_text a call, and one push of this many characters escapes to at most
 * 5 × (800 + HOLD_MAX) characters and a fence line (markdown-escape.ts). Each call ends where
 * the escaper stopped, so every rendering Slack makes after a call is safe.
 */
const STREAM_INPUT_MAX = 800;

/** `text` pushed through the escaper in pieces cut between characters; the non-empty results. */
function escapedPieces(markdown: MarkdownEscaper, text: string): string[] {
  const out: string[] = [];
  for (let rest = text; rest; ) {
    const cut = rest.length <= STREAM_INPUT_MAX ? rest.length : cutIndex(rest, STREAM_INPUT_MAX) || STREAM_INPUT_MAX;
    const piece = markdown.push(rest.slice(0, cut));
    if (piece) out.push(piece);
    rest = rest.slice(cut);
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
  // What the answer waits for before its first words: a line of its own (answer-status.ts).
  const statusLine = createStatusLine(chat, { channel: target.channel, threadTs: target.threadTs }, log, budget);

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
    // escaper keeps back what it cannot decide on yet, such as a code span not closed yet).
    const pieces = escapedPieces(markdown, unsent);
    unsent = '';
    if (!pieces.length) return;
    appending = true;
    chain = chain
      .then(async () => {
        for (const part of pieces) await streamer.append({ markdown_text: part });
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
      status(s) {
        if (fallback) fallback.then((f) => f.progress.status?.(s), () => {});
        else statusLine.set(s);
      },
    },
    async finish(reply) {
      finished = true;
      await statusLine.remove();
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
        const pieces = [...escapedPieces(markdown, rest), markdown.end()].filter(Boolean);
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
