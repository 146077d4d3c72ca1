// The Slack adapter: Bolt 5 in Socket Mode (SLACK_APP_TOKEN) or HTTP mode (SLACK_SIGNING_SECRET).
// It only translates: a slash command is acked at once, dispatched to the command layer, and
// the Reply is rendered as Block Kit, its chart uploaded as a PNG (chart-upload.ts). Commands
// know nothing of Slack. A price proposal's Apply / Ignore buttons are price-buttons.ts.
import bolt from '@slack/bolt';
import type { App as BoltApp, Logger as BoltLogger, RespondFn, SlashCommand, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { dispatch } from '../../../commands/dispatch.js';
import { findCommand } from '../../../commands/registry.js';
import { createNodeFetch } from '../../upstream/http/node-fetch.js';
import { ConfigError } from '../../config/load.js';
import type { Reply } from '../../domain/reply.js';
import type { Services } from '../../features/services.js';
import { escapeMrkdwn } from './escape.js';
import { renderBlocks } from './blocks.js';
import { registerAskListeners, runSlashAsk } from './ask-listeners.js';
import { createAskGate, DEFAULT_MAX_ASKS } from './ask-gate.js';
import { EarlyAckReceiver } from './receiver.js';
import { createChatApi } from './chat-api.js';
import { createUpdateBudget } from './update-budget.js';
import { registerBudgetButtons } from './budget-buttons.js';
import { registerFeedbackButtons } from './answer-feedback.js';
import { registerAssistantThreads } from './assistant.js';
import { registerPriceButtons } from './price-buttons.js';
import { registerRoutecheckButton, registerRoutecheckRerunButton } from './routecheck-button.js';
import { uploadChart, type ChartRenderer } from './chart-upload.js';
import { registerHome, type Home } from './home.js';

const { App, LogLevel } = bolt;

export interface SlackSettings {
  botToken: string;
  appToken?: string;
  signingSecret?: string;
  apiUrl?: string;
}

export interface SlackAdapter {
  app: BoltApp;
  mode: 'socket' | 'http';
  /** Bolt's request listener for /slack/events (HTTP mode only). */
  httpListener?: import('node:http').RequestListener;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when every command being handled has finished (for graceful shutdown). */
  drain(): Promise<void>;
  /** App Home: `changed()` after something it shows may have changed (home.ts). */
  home: Pick<Home, 'changed'>;
}

/** Bolt logs through pino at warn and above so its debug output never carries tokens. */
function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: 'bolt' });
  return {
    debug: () => {},
    info: () => {},
    warn: (...msg: unknown[]) => child.warn(msg.map(String).join(' ')),
    error: (...msg: unknown[]) => child.error(msg.map(String).join(' ')),
    setLevel: () => {},
    getLevel: () => LogLevel.WARN,
    setName: () => {},
  };
}

/**
 * Posts a Reply: results in the channel for all, usage messages and refusals only to the caller.
 * A `private` result (spend figures when access.spend names who may see them: others in the
 * channel may not) goes to the caller only, its file and chart to the caller's DM with the bot.
 * The text goes first; the CSV file and the chart's PNG follow (chart-upload.ts).
 */
export async function postReply(reply: Reply, respond: RespondFn, client: webApi.WebClient, command: Pick<SlashCommand, 'channel_id' | 'user_id'>, log: Logger, opts: { private?: boolean; renderChart?: ChartRenderer } = {}): Promise<void> {
  const msg = renderBlocks(reply);
  await respond({ response_type: reply.kind === 'result' && !opts.private ? 'in_channel' : 'ephemeral', text: msg.text, blocks: msg.blocks });
  if (!reply.file && !reply.chart) return;
  const hint = (code: string | undefined) => (code === 'not_in_channel' || code === 'channel_not_found' ? ' Invite the bot to this channel (/invite @routeops) and try again.' : '');
  let channel: string;
  try {
    channel = opts.private ? ((await client.conversations.open({ users: command.user_id })).channel?.id ?? command.user_id) : command.channel_id;
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    log.warn({ code }, 'DM for the files could not be opened');
    await respond({ response_type: 'ephemeral', text: `The ${reply.file ? 'CSV file and chart' : 'chart'} could not be sent to you (${code ?? 'Slack error'}).` });
    return;
  }
  if (reply.file) {
    try {
      await client.files.uploadV2({ channel_id: channel, filename: reply.file.filename, title: reply.file.title, content: reply.file.content });
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      log.warn({ code }, 'file upload failed');
      await respond({ response_type: 'ephemeral', text: `The CSV file could not be uploaded (${code ?? 'Slack error'}).${hint(code)}` });
    }
  }
  if (reply.chart) {
    const result = await uploadChart(reply.chart, client, { channel }, log, opts.renderChart);
    // A chart that could not be drawn is logged only: the figures are in the text already.
    if (!result.ok && result.stage === 'upload') await respond({ response_type: 'ephemeral', text: `The chart could not be uploaded (${result.code ?? 'Slack error'}).${hint(result.code)}` });
  }
}

/** Spend figures (/spend, /balance, /keys' spend per key) are the caller's alone when its access list names who may see them. */
function showsOnlyToCaller(name: string, access: Services['config']['access']): boolean {
  const rule = findCommand(name, 'slack')?.access;
  return (rule === 'spend' || rule === 'keys') && (access[rule]?.length ?? 0) > 0;
}

export function createSlackAdapter(settings: SlackSettings, services: Services): SlackAdapter {
  const log = services.log.child({ component: 'slack' });
  // Web API calls over node:http (src/upstream/http/node-fetch.ts): global fetch costs more CPU per call.
  // node:http has no timeout of its own: a Slack call with no traffic for 30 s fails.
  const nodeFetch = createNodeFetch({ idleTimeoutMs: 30_000 });
  // Retries as the WebClient's default policy but fewer: at start, Slack unreachable is said
  // within ~15 s instead of after the default's ~30 minutes of retrying.
  const retryConfig = { retries: 4, factor: 2, minTimeout: 1000, maxTimeout: 8000 };
  const clientOptions = { ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}), fetch: nodeFetch, timeout: 30_000, retryConfig };
  // The two calls every answer makes skip the WebClient's per-call machinery (chat-api.ts).
  const chat = createChatApi({ token: settings.botToken, apiUrl: settings.apiUrl ?? 'https://slack.com/api/', fetch: nodeFetch });
  const logger = boltLogger(services.log);

  // Work in flight, for a graceful stop: listeners' answers, and events acked by the receiver
  // that Bolt has not processed yet.
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  };

  let app: BoltApp;
  let httpListener: SlackAdapter['httpListener'];
  let mode: SlackAdapter['mode'];
  // No conversation store: nothing here uses context.conversation, and Bolt's in-memory store
  // builds (and throws away) an Error with a stack trace for every request it has no entry for.
  if (settings.appToken) {
    mode = 'socket';
    // The Socket Mode client opens its connection with its own Web API client: point it too.
    app = new App({ token: settings.botToken, appToken: settings.appToken, socketMode: true, logger, clientOptions, installerOptions: { clientOptions }, deferInitialization: true, convoStore: false });
  } else if (settings.signingSecret) {
    mode = 'http';
    // /ask and Events API callbacks ack with nothing: acked once verified, processed after (receiver.ts).
    const receiver = new EarlyAckReceiver({
      signingSecret: settings.signingSecret,
      logger,
      ackAtOnce: (body) => body['command'] === '/ask' || body['type'] === 'event_callback',
      track: (work) => void track(work),
    });
    app = new App({ token: settings.botToken, receiver, logger, clientOptions, deferInitialization: true, convoStore: false });
    httpListener = receiver.requestListener;
  } else {
    // A setting missing, as a bad config file is: exit 2 (README "Quick start").
    throw new ConfigError(['SLACK_BOT_TOKEN is set: Slack also needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)'], 'environment');
  }

  const store = services.store.slack;
  // Answers share the workspace's Slack rate limits and this process's event loop: a bounded
  // number run at once (the rest wait after their ack), and interim updates draw on one budget.
  const askDeps = { services, store, log, track, gate: createAskGate(DEFAULT_MAX_ASKS), updates: createUpdateBudget(), chat };

  // Slack retries an event it thinks was not acked: each event id is handled once.
  app.use(async ({ body, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && !(await store.claimEvent(eventId, services.clock().toISOString()))) {
      log.info({ eventId }, 'duplicate event delivery ignored');
      return;
    }
    await next();
  });

  app.command(/^\/[\w-]+$/, async ({ command, ack, respond, client }) => {
    // Ack first: Slack wants it within 3 s, the work happens after.
    await ack();
    const caller = { id: command.user_id, local: false, channel: command.channel_id };
    await track(
      (async () => {
        if (command.command === '/ask') {
          await runSlashAsk(askDeps, client, command, (text) => respond({ response_type: 'ephemeral', text: escapeMrkdwn(text) }));
          return;
        }
        // Interim notices of slow commands (e.g. the cost of a long route check) go to the
        // caller; response_url takes only 5 messages, so at most two are sent.
        let notices = 0;
        const progress = {
          update: (text: string) => {
            if (notices++ < 2) void respond({ response_type: 'ephemeral', text: escapeMrkdwn(text) }).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'notice failed'));
          },
        };
        const reply = await dispatch(command.command, command.text, services, caller, progress, { adapter: 'slack' });
        // A route check's result is on App Home (its last check per alias).
        if (command.command === '/routecheck') home.changed('routecheck');
        await postReply(reply, respond, client, command, log, { private: showsOnlyToCaller(command.command, services.config.access) });
      })().catch((err: unknown) => log.error({ err, command: command.command }, 'slash command reply failed')),
    );
  });

  const home = registerHome(app, { services, log });
  // A button's work (a proposal applied or ignored, a route check run) may change App Home.
  const trackAction = <T>(work: Promise<T>): Promise<T> => {
    void work.finally(() => home.changed('action')).catch(() => {});
    return track(work);
  };
  registerAskListeners(app, askDeps);
  registerAssistantThreads(app, { services, log, track });
  registerFeedbackButtons(app, { services, log, track });
  registerPriceButtons(app, { services, log, track: trackAction });
  registerBudgetButtons(app, { services, log, track: trackAction });
  registerRoutecheckButton(app, { services, log, track: trackAction });
  registerRoutecheckRerunButton(app, { services, log, track: trackAction });

  app.error(async (err) => {
    log.error({ err: { name: err.name, code: err.code, message: err.message } }, 'bolt error');
  });

  return {
    app,
    mode,
    httpListener,
    home,
    async start() {
      try {
        await app.init();
      } catch (err) {
        throw new Error(slackStartFailure(err, settings.apiUrl ?? 'https://slack.com/api/'));
      }
      if (mode === 'socket') await app.start();
    },
    async stop() {
      if (mode === 'socket') await app.stop();
    },
    async drain() {
      home.stop();
      while (inFlight.size) await Promise.allSettled([...inFlight]);
      await home.idle();
      store.close();
    },
  };
}

/** Why Slack could not be joined at start, naming the URL tried (never the token). */
export function slackStartFailure(err: unknown, apiUrl: string): string {
  const e = err as { code?: unknown; data?: { error?: unknown }; message?: unknown };
  // Slack answered: it refused the token or the app (auth.test's error code says why).
  if (e.code === 'slack_webapi_platform_error' && typeof e.data?.error === 'string') return `Slack at ${apiUrl} refused the bot token: ${e.data.error}`;
  return `Slack unreachable at ${apiUrl}: ${typeof e.message === 'string' ? e.message : String(err)}`;
}
