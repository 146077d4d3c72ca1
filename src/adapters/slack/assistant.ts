// Slack's assistant surfaces (docs/ARCHITECTURE.md §3.6): a thread the user opens in the app's
// assistant view gets suggested prompts; a question in it goes through the one /ask path
// (ask-listeners.ts: routed, metered, budgeted, the same ledger rows) with its progress shown as
// the thread's status (assistant.threads.setStatus) instead of a placeholder, the thread titled
// from its first question, and the answer posted with 👍/👎 (answer-feedback.ts).
import type { App as BoltApp, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AskStatus } from '../../features/ask/progress.js';
import type { Services } from '../../features/services.js';
import { cutText } from '../../domain/text.js';
import type { AnswerSink } from './answer.js';
import { startUpdatingMessage } from './answer-updating.js';
import type { ChatApi } from './chat-api.js';
import type { UpdateBudget } from './update-budget.js';

type WebClient = webApi.WebClient;

/** What a new assistant thread offers (assistant.threads.setSuggestedPrompts takes up to 4). */
export const SUGGESTED_PROMPTS_TITLE = 'Ask about your LLM spend, routes and retirements';
export const SUGGESTED_PROMPTS = [
  { title: 'Spend this week', message: 'What did we spend this week?' },
  { title: 'Failed routes', message: 'Which routes failed today?' },
  { title: 'Retirements', message: 'What retires this month?' },
] as const;

/** A thread title's length: what a sidebar shows of it. */
const TITLE_MAX = 60;
/** The status line is one short line after the app's name ("routeops is routing to …"). */
const STATUS_MAX = 150;

/** The question as a thread title: one line, cut between characters (never inside an emoji) with an ellipsis. */
export function threadTitle(question: string): string {
  const line = question.replace(/\s+/g, ' ').trim();
  return line.length <= TITLE_MAX ? line : `${cutText(line, TITLE_MAX - 1).trimEnd()}…`;
}

/** What the answer waits for (src/features/ask/progress.ts) as a status after the app's name. */
export function statusText(s: AskStatus): string {
  const text = s.kind === 'fallback' ? `is falling back: ${s.text}` : s.text.startsWith('waiting') ? `is ${s.text}` : `is waiting: ${s.text}`;
  return cutText(text, STATUS_MAX);
}

export interface AssistantDeps {
  services: Services;
  log: Logger;
  track: <T>(p: Promise<T>) => Promise<T>;
}

/** assistant_thread_started: the thread is recorded (a message in it is then answered as here) and offered the prompts. */
export function registerAssistantThreads(app: BoltApp, deps: AssistantDeps): void {
  app.event('assistant_thread_started', async ({ event, client }) => {
    const { channel_id: channel, thread_ts: threadTs, user_id: user } = event.assistant_thread;
    await deps.track(
      (async () => {
        await deps.services.store.assistantThreads.started(channel, threadTs, user, deps.services.clock().toISOString());
        await client.assistant.threads.setSuggestedPrompts({ channel_id: channel, thread_ts: threadTs, title: SUGGESTED_PROMPTS_TITLE, prompts: SUGGESTED_PROMPTS.map((p) => ({ ...p })) });
      })().catch((err: unknown) => deps.log.error({ err: (err as Error).message }, 'assistant thread not set up')),
    );
  });
}

/**
 * The thread's status, calls in order. A change comes at most once a progress tick
 * (`ask.progress_interval_ms`, src/features/ask/progress.ts), so it needs no share of the
 * chat.update budget (update-budget.ts). Once the answer's text begins no further status is shown:
 * Slack clears it when the answer is posted, and `clear` clears it explicitly when the answer is done.
 */
function threadStatus(client: WebClient, target: { channel: string; threadTs: string }, log: Logger) {
  let chain: Promise<unknown> = Promise.resolve();
  let shown = false;
  let stopped = false;
  const send = (status: string) => {
    chain = chain.then(() =>
      client.assistant.threads.setStatus({ channel_id: target.channel, thread_ts: target.threadTs, status }).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'assistant status not set')),
    );
  };
  return {
    show(status: string) {
      if (stopped) return;
      shown = true;
      send(status);
    },
    /** The answer's text began: no more statuses. */
    stop() {
      stopped = true;
    },
    /** No more statuses, and a shown one is cleared (an empty status clears it); resolves after the calls before it. */
    clear(): Promise<unknown> {
      stopped = true;
      if (shown) send('');
      shown = false;
      return chain;
    },
  };
}

export interface AssistantReplyTarget {
  channel: string;
  threadTs: string;
  /** The alias the question is routed to (its first status says so). */
  alias: string;
  question: string | null;
}

/**
 * The sink of a question in an assistant thread: the status says what the answer waits for until
 * its first words; the answer is one message in the thread (answer-updating.ts, with 👍/👎),
 * posted with those words (which clears Slack's status anyway); the status is cleared explicitly
 * once the answer (or its error line) is shown. The thread is titled from its first question.
 */
export function startAssistantReply(
  client: WebClient,
  chat: ChatApi,
  deps: { services: Services; log: Logger; budget: UpdateBudget },
  target: AssistantReplyTarget,
): AnswerSink {
  const { log, services, budget } = deps;
  const status = threadStatus(client, target, log);
  status.show(`is routing to ${target.alias}…`);
  if (target.question) {
    const title = threadTitle(target.question);
    void services.store.assistantThreads
      .claimTitle(target.channel, target.threadTs, services.clock().toISOString())
      .then((first) => (first && title ? client.assistant.threads.setTitle({ channel_id: target.channel, thread_ts: target.threadTs, title }) : undefined))
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'assistant thread title not set'));
  }
  let message: Promise<AnswerSink> | undefined;
  let ts: string | undefined;
  const open = () => {
    if (!message) {
      message = startUpdatingMessage(chat, { channel: target.channel, threadTs: target.threadTs, feedback: true }, log, budget);
      message.then((m) => void (ts = m.ts), (err: unknown) => log.error({ err: (err as Error).message }, 'answer could not be posted'));
    }
    return message;
  };
  return {
    get ts() {
      return ts;
    },
    progress: {
      update(text) {
        // A reset before anything was posted has nothing to take back.
        if (!text && !message) return;
        open().then((m) => m.progress.update(text), () => {});
      },
      status(s) {
        if (s === null) status.stop();
        else status.show(statusText(s));
      },
    },
    async finish(reply) {
      try {
        await (await open()).finish(reply);
      } finally {
        await status.clear();
      }
    },
  };
}
