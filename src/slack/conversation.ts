// Slack thread -> chat history for /ask follow-ups. Messages the bot wrote are the assistant's
// turns (the /ask question rides in their metadata); everyone else's are the user's.
import type { webApi } from '@slack/bolt';
import type { ChatMessage } from '../providers/types.js';

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

export function mentionsBot(text: string, bot: BotIdentity): boolean {
  return !!bot.userId && text.includes(`<@${bot.userId}>`);
}

export function threadToHistory(messages: SlackMessageLike[], bot: BotIdentity, excludeTs?: string): ChatMessage[] {
  const history: ChatMessage[] = [];
  for (const m of messages) {
    if (m.ts === excludeTs || !m.text) continue;
    const fromBot = (bot.botId && m.bot_id === bot.botId) || (bot.userId && m.user === bot.userId);
    if (fromBot) {
      const question = m.metadata?.event_type === 'routeops_ask' ? m.metadata.event_payload?.question : undefined;
      if (typeof question === 'string') history.push({ role: 'user', content: question });
      history.push({ role: 'assistant', content: plainText(m.text, bot) });
    } else {
      history.push({ role: 'user', content: plainText(m.text, bot) });
    }
  }
  return history;
}

export async function fetchThreadHistory(client: webApi.WebClient, channel: string, threadTs: string, bot: BotIdentity, excludeTs?: string): Promise<ChatMessage[]> {
  const res = await client.conversations.replies({ channel, ts: threadTs, limit: 200, include_all_metadata: true });
  return threadToHistory((res.messages ?? []) as SlackMessageLike[], bot, excludeTs);
}
