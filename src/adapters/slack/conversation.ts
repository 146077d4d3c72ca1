// Slack thread -> chat history for /ask follow-ups. Messages the bot wrote are the assistant's
// turns (the /ask question rides in their metadata); everyone else's are the user's.
import type { webApi } from '@slack/bolt';
import type { ChatMessage } from '../../upstream/providers/types.js';
import { cutText } from '../../domain/text.js';
import { CONTINUATION_EVENT, PLACEHOLDER_TEXT, STATUS_EVENT } from './answer.js';

export interface BotIdentity {
  userId?: string;
  botId?: string;
}

interface SlackMessageLike {
  ts?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/** Undoes Slack's &amp; &lt; &gt; escaping and turns mentions of the bot into nothing. */
export function plainText(text: string, bot: BotIdentity): string {
  let t = text;
  if (bot.userId) t = t.split(`<@${bot.userId}>`).join('');
  return t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').trim();
}

/** Slack message metadata of an answer posted where its question is not (a channel, a DM): history reads it back. */
const QUESTION_EVENT = 'routeops_ask';
export function questionMetadata(question: string): { event_type: string; event_payload: Record<string, string> } {
  return { event_type: QUESTION_EVENT, event_payload: { question: cutText(question, 4000) } };
}

export function mentionsBot(text: string, bot: BotIdentity): boolean {
  return !!bot.userId && text.includes(`<@${bot.userId}>`);
}

/**
 * The thread as chat turns, oldest first. Left out: the messages in `excludeTs` (the question
 * being answered, its own answer's placeholder), the bot's answers still in progress, the
 * continuation messages of long answers (their text is already in the first message's), and
 * status lines left behind (answer-status.ts).
 */
export function threadToHistory(messages: SlackMessageLike[], bot: BotIdentity, excludeTs: readonly string[] = []): ChatMessage[] {
  const history: ChatMessage[] = [];
  for (const m of messages) {
    if (!m.text || (m.ts !== undefined && excludeTs.includes(m.ts))) continue;
    const fromBot = (bot.botId && m.bot_id === bot.botId) || (bot.userId && m.user === bot.userId);
    if (fromBot) {
      if (m.text === PLACEHOLDER_TEXT || m.metadata?.event_type === CONTINUATION_EVENT || m.metadata?.event_type === STATUS_EVENT) continue;
      const question = m.metadata?.event_type === QUESTION_EVENT ? m.metadata.event_payload?.question : undefined;
      if (typeof question === 'string') history.push({ role: 'user', content: question });
      history.push({ role: 'assistant', content: plainText(m.text, bot) });
    } else {
      history.push({ role: 'user', content: plainText(m.text, bot) });
    }
  }
  return history;
}

/**
 * Pages read at most, 200 messages each (conversations.replies is Tier 3): threads longer than
 * 5,000 messages are read up to there. The engine keeps the newest turns that fit.
 */
const MAX_HISTORY_PAGES = 25;

export async function fetchThreadHistory(client: webApi.WebClient, channel: string, threadTs: string, bot: BotIdentity, excludeTs: readonly string[] = []): Promise<ChatMessage[]> {
  // conversations.replies pages oldest first: the newest turns are on the last page.
  const pages: SlackMessageLike[][] = [];
  let cursor: string | undefined;
  do {
    const res = await client.conversations.replies({ channel, ts: threadTs, limit: 200, include_all_metadata: true, ...(cursor ? { cursor } : {}) });
    pages.push((res.messages ?? []) as SlackMessageLike[]);
    cursor = res.has_more ? res.response_metadata?.next_cursor || undefined : undefined;
  } while (cursor && pages.length < MAX_HISTORY_PAGES);
  return threadToHistory(pages.flat(), bot, excludeTs);
}
