// What a streamed answer looks like in Slack: the final message(s), split within Slack's limits,
// and the interim rendering while it streams. Model text is escaped before it reaches Slack.
// Two sinks deliver an answer, behind the AnswerSink interface: answer-streaming.ts (a thread
// reply through Slack's streaming API) and answer-updating.ts (one message posted, then updated).
import type { types } from '@slack/bolt';
import type { Progress } from '../../../commands/types.js';
import type { Reply } from '../../domain/reply.js';
import type { AskStatus } from '../../features/ask/progress.js';
import { clip, escapeMrkdwn } from './escape.js';
import { splitText } from './blocks.js';
import { answerCallId, feedbackBlock } from './answer-feedback.js';

type KnownBlock = types.KnownBlock;

/** The text of an answer's message until its first words arrive (thread history skips it). */
export const PLACEHOLDER_TEXT = 'Thinking…';
/** Slack's limit on the text of one section block. */
export const SECTION_MAX = 3000;
/** Block text per message kept well under Slack's ~13k practical limit. */
const MESSAGE_TEXT_MAX = 12_000;
/** Slack truncates message `text` beyond 40k characters. */
export const FALLBACK_TEXT_MAX = 39_000;

export interface AnswerSink {
  progress: Progress;
  /** Shows the final reply (answer and footer, or the error line). */
  finish(reply: Reply): Promise<void>;
  /** Where the answer lives, for remembering the thread. */
  readonly ts: string | undefined;
}

/**
 * The final message(s) of an answer: the first holds the heading, the last the footer. With
 * `feedback`, an answer (a reply naming its ledger row) gets 👍/👎 under its last piece, above the
 * footer (answer-feedback.ts): a context block last still marks the final rendering.
 */
export function answerMessages(reply: Reply, heading?: KnownBlock, opts: { feedback?: boolean } = {}): Array<{ text: string; blocks: KnownBlock[]; metadata?: typeof CONTINUATION }> {
  const callId = opts.feedback ? answerCallId(reply) : null;
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
    if (i === pieces.length - 1 && callId) blocks.push(feedbackBlock(callId));
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

/** Message metadata of a message that says what a streamed answer waits for (conversation.ts skips it). */
export const STATUS_EVENT = 'routeops_status';

/**
 * What an answer waits for (src/features/ask/progress.ts), as shown: the last route given up and
 * the latest tick, as italic mrkdwn lines ('' once the answer's text begins).
 */
export class AnswerStatus {
  private fallback = '';
  private waiting = '';
  private shown = '';

  /** Takes a status; true when what is shown changes. */
  set(status: AskStatus | null): boolean {
    if (status === null) this.fallback = this.waiting = '';
    else if (status.kind === 'fallback') {
      this.fallback = status.text;
      this.waiting = '';
    } else this.waiting = status.text;
    const before = this.shown;
    this.shown = clip(
      [this.fallback, this.waiting]
        .filter(Boolean)
        .map((l) => `_${escapeMrkdwn(l)}_`)
        .join('\n'),
      SECTION_MAX,
    );
    return this.shown !== before;
  }

  get mrkdwn(): string {
    return this.shown;
  }
}

/**
 * Blocks of an interim rendering; `body` is already escaped, `status` is AnswerStatus's mrkdwn. The
 * status is a section, never a context block: a context block last marks the final rendering.
 */
export function progressBlocks(body: string, heading?: KnownBlock, status = ''): KnownBlock[] {
  const blocks: KnownBlock[] = heading ? [heading] : [];
  const shown = clip(body, MESSAGE_TEXT_MAX);
  if (shown || !status) for (const s of splitText(shown || '_Thinking…_', SECTION_MAX)) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: s } });
  if (status) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: status } });
  return blocks;
}
