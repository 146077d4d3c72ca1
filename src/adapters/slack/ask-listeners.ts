// /ask in Slack: the slash command (answer in the channel under the asker's question), mentions
// in channels and group DMs (answer in a thread), DMs (answer in the DM) and replies in threads
// the bot answered (continue with the thread as history).
import type { App, webApi, types } from '@slack/bolt';
import type { Logger } from 'pino';
import { askCommand, parseAskArgs, outcomeToReply } from '../../../commands/ask.js';
import { asksForHelp, usageOf } from '../../../commands/types.js';
import { ask, budgetRefusal, unknownAlias } from '../../features/ask/engine.js';
import type { AskStatus } from '../../features/ask/progress.js';
import type { ChatMessage } from '../../upstream/providers/types.js';
import type { Services } from '../../features/services.js';
import { escapeMrkdwn, clip } from './escape.js';
import type { AnswerSink } from './answer.js';
import { startStreamingReply } from './answer-streaming.js';
import { startUpdatingMessage } from './answer-updating.js';
import { startAssistantReply } from './assistant.js';
import { fetchThreadHistory, mentionsBot, plainText, questionMetadata, type BotIdentity } from './conversation.js';
import type { SlackStore } from '../../store/slack-threads.js';
import type { AskGate } from './ask-gate.js';
import type { UpdateBudget } from './update-budget.js';
import type { ChatApi } from './chat-api.js';

export interface AskListenerDeps {
  services: Services;
  store: SlackStore;
  log: Logger;
  /** Registers work in flight, for graceful shutdown. */
  track<T>(p: Promise<T>): Promise<T>;
  /** Admission of answer pipelines: started after the ack, a bounded number at once. */
  gate: AskGate;
  /** The workspace-wide budget of interim progress updates. */
  updates: UpdateBudget;
  /** chat.postMessage / chat.update for answers (chat-api.ts). */
  chat: ChatApi;
}

interface Conversation {
  client: webApi.WebClient;
  text: string;
  user: string;
  channel: string;
  /** Earlier turns, or how to fetch them (fetched inside the answer so a failure is reported). */
  history: ChatMessage[] | (() => Promise<ChatMessage[]>);
  sink: AnswerSink;
}

/**
 * Runs one answer into its sink. `release` hands the gate's slot back at the first answer text:
 * the gate bounds how many answers start at once (the costly part of a burst), not how many
 * stream, so a burst larger than the cap is not answered a cap's worth at a time.
 */
async function answer(deps: AskListenerDeps, c: Conversation, threadTs: string | undefined, release: () => void): Promise<void> {
  try {
    const parsed = parseAskArgs(c.text);
    if (!parsed.ok) {
      await c.sink.finish({ kind: 'usage', title: '', summary: `${parsed.error}. Ask a question, optionally with --model ALIAS.` });
      return;
    }
    const { alias, ops, question } = parsed.args;
    const history = typeof c.history === 'function' ? await c.history() : c.history;
    const progress = {
      update: (text: string) => {
        release();
        c.sink.progress.update(text);
      },
      // Queued behind the same user's question: no start-up slot held meanwhile.
      waiting: release,
      // What the answer waits for (a tick, a fallback) is no answer text: the slot stays held.
      status: (s: AskStatus | null) => c.sink.progress.status?.(s),
    };
    const outcome = await ask(deps.services, { alias, ops, question, history, user: c.user, channel: c.channel }, progress);
    await c.sink.finish(outcomeToReply(outcome));
  } catch (err) {
    // One clear line for the user, never a placeholder left "Thinking…"; the details are logged.
    deps.log.error({ err }, 'answer failed');
    await c.sink.finish({ kind: 'error', title: '', summary: 'Something went wrong on our side while answering; it is logged. Please try again.' }).catch(() => {});
  }
  // Replies in this thread continue the conversation (never throws: store writes wait out a lock).
  const ts = threadTs ?? c.sink.ts;
  if (ts) deps.store.rememberThread(c.channel, ts, deps.services.clock().toISOString());
}

function botOf(context: { botUserId?: string; botId?: string }): BotIdentity {
  return { userId: context.botUserId, botId: context.botId };
}

/**
 * The /ask slash command: the bot posts the question in the channel and streams the answer under
 * it. Call after the ack: the work waits for its turn at the gate.
 */
export function runSlashAsk(
  deps: AskListenerDeps,
  client: webApi.WebClient,
  command: { text: string; user_id: string; channel_id: string },
  respondEphemeral: (text: string) => Promise<unknown>,
): Promise<void> {
  return deps.gate.run((release) => slashAsk(deps, client, command, respondEphemeral, release));
}

async function slashAsk(
  deps: AskListenerDeps,
  client: webApi.WebClient,
  command: { text: string; user_id: string; channel_id: string },
  respondEphemeral: (text: string) => Promise<unknown>,
  release: () => void,
): Promise<void> {
  // Slash command text comes with &, < and > escaped, as message text does.
  const text = plainText(command.text, {});
  const usage = `Usage: /${usageOf(askCommand, 'slack')}`;
  if (asksForHelp(text)) return void (await respondEphemeral(`${askCommand.summary}.\n${usage}`));
  const parsed = parseAskArgs(text);
  if (!parsed.ok) return void (await respondEphemeral(`${parsed.error}.\n${usage}`));
  // A wrong alias or a spent budget is said to the asker alone, before anything is posted in the channel.
  const refusal = unknownAlias(deps.services, parsed.args.alias) ?? (await budgetRefusal(deps.services, command.user_id));
  if (refusal) return void (await respondEphemeral(refusal));
  const heading: types.KnownBlock = {
    type: 'context',
    // The mention is the bot's own markup; the question itself is escaped.
    elements: [{ type: 'mrkdwn', text: clip(`<@${command.user_id}> asked: ${escapeMrkdwn(parsed.args.question)}`, 3000) }],
  };
  let sink: AnswerSink;
  try {
    sink = await startUpdatingMessage(
      deps.chat,
      { channel: command.channel_id, heading, metadata: questionMetadata(parsed.args.question), feedback: true },
      deps.log,
      deps.updates,
    );
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    const hint = code === 'not_in_channel' || code === 'channel_not_found' ? ' Invite me to this channel first (/invite @routeops), or ask me in a DM.' : '';
    return void (await respondEphemeral(`I could not post in this channel (${code ?? 'Slack error'}).${hint}`));
  }
  await answer(deps, { client, text, user: command.user_id, channel: command.channel_id, history: [], sink }, undefined, release);
}

export function registerAskListeners(app: App, deps: AskListenerDeps): void {
  app.event('app_mention', async ({ event, client, context }) => {
    const bot = botOf(context);
    const threadTs = event.thread_ts ?? event.ts;
    const user = event.user ?? 'unknown';
    await deps.track(
      deps.gate
        .run(async (release) => {
          const history = () => (event.thread_ts ? fetchThreadHistory(client, event.channel, event.thread_ts, bot, [event.ts]) : Promise.resolve([]));
          const sink = startStreamingReply(client, deps.chat, { channel: event.channel, threadTs, teamId: event.team ?? context.teamId, userId: user }, deps.log, deps.updates);
          await answer(deps, { client, text: plainText(event.text, bot), user, channel: event.channel, history, sink }, threadTs, release);
        })
        .catch((err: unknown) => deps.log.error({ err }, 'mention answer failed')),
    );
  });

  app.message(async ({ message, client, context }) => {
    // Only what users write (plain messages, thread replies also sent to the channel): no edits,
    // joins, or bot posts (ours included).
    if ((message.subtype !== undefined && message.subtype !== 'thread_broadcast') || !('user' in message) || !message.user || ('bot_id' in message && message.bot_id)) return;
    const bot = botOf(context);
    const text = message.text ?? '';
    const threadTs = 'thread_ts' in message ? message.thread_ts : undefined;
    // Only a one-to-one DM is all for the bot. A group DM (channel_type 'mpim') is shared like a
    // channel: mentions and replies in the bot's threads only (docs/ARCHITECTURE.md §3.6).
    const isDm = message.channel_type === 'im';
    const inBotThread = !isDm && threadTs !== undefined && threadTs !== message.ts && (await deps.store.isBotThread(message.channel, threadTs));
    // A thread the user opened in the app's assistant view (assistant.ts): same answer, Slack's AI-app surfaces.
    const inAssistantThread = isDm && threadTs !== undefined && (await deps.services.store.assistantThreads.isAssistantThread(message.channel, threadTs));
    // Mentions in channels and group DMs are answered by the app_mention listener; Slack sends none for DMs.
    if (!(isDm || inBotThread) || (!isDm && mentionsBot(text, bot))) return;
    const user = message.user;
    await deps.track(
      deps.gate
        .run(async (release) => {
          const team = ('team' in message && typeof message.team === 'string' ? message.team : undefined) ?? context.teamId;
          // A DM answered at the top level carries its question, as /ask answers do: a reply in the
          // thread under the answer then has the question in its history (the thread starts there).
          const asked = parseAskArgs(plainText(text, bot));
          const dmTarget = threadTs || !asked.ok ? { channel: message.channel, ...(threadTs ? { threadTs } : {}) } : { channel: message.channel, metadata: questionMetadata(asked.args.question) };
          const sink = inAssistantThread
            ? startAssistantReply(client, deps.chat, { services: deps.services, log: deps.log, budget: deps.updates }, {
                channel: message.channel,
                threadTs: threadTs!,
                alias: (asked.ok ? asked.args.alias : undefined) ?? deps.services.config.default_model,
                question: asked.ok ? asked.args.question : null,
              })
            : isDm
              ? await startUpdatingMessage(deps.chat, { ...dmTarget, feedback: true }, deps.log, deps.updates)
              : startStreamingReply(client, deps.chat, { channel: message.channel, threadTs: threadTs!, teamId: team, userId: user }, deps.log, deps.updates);
          // The question and this answer's own placeholder are not history.
          const history = () =>
            threadTs && threadTs !== message.ts ? fetchThreadHistory(client, message.channel, threadTs, bot, sink.ts ? [message.ts, sink.ts] : [message.ts]) : Promise.resolve([]);
          await answer(deps, { client, text: plainText(text, bot), user, channel: message.channel, history, sink }, threadTs, release);
        })
        .catch((err: unknown) => deps.log.error({ err }, 'message answer failed')),
    );
  });
}
