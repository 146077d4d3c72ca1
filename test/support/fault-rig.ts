// The bench of the fault suite (test/faults/) and the soak benchmark (bench/soak.ts): one database
// file, one provider simulator and one fake Slack that outlive the bot, so the bot process can be
// stopped, killed and started again on the same state. Requests are what Slack and an ingest
// client send: signed slash commands to /slack/events, bearer-token posts to /v1/usage.
import { randomUUID } from 'node:crypto';
import { openDatabase, type Db } from '../../src/store/open.js';
import { startBot, type BotProcess } from './bot-process.js';
import { writeConfig, type ConfigObject } from './config.js';
import { startFakeSlack, type FakeSlack, type RecordedCall, type StoredMessage } from './fake-slack.js';
import { startSim, type Simulator } from './sim.js';
import { simConfig, simProviders, SIM_KEYS } from './sim-config.js';
import { eventBody, postEvent, postSigned, slashCommandBody } from './slack-request.js';
import { tempDir, type TempDir } from './temp.js';

export const RIG_SIGNING_SECRET = 'fault-rig-signing-secret-0123';
export const RIG_INGEST_TOKEN = 'fault-rig-ingest-token-0123456789';

export interface FaultRig {
  sim: Simulator;
  slack: FakeSlack;
  tmp: TempDir;
  dbPath: string;
  /** The environment the bot (and the CLI) runs with. */
  env: Record<string, string>;
  startBot(): Promise<BotProcess>;
  /** Sends a signed `/ask` and checks the ack (HTTP 200). */
  ask(bot: BotProcess, channel: string, question: string, user?: string): Promise<void>;
  /** Resolves with the channel's /ask answer once its final version (footer or error line) landed. */
  answered(channel: string): Promise<StoredMessage>;
  /** Sends a signed slash command; resolves with what the bot sent to its response_url. */
  command(bot: BotProcess, command: string, text: string): Promise<RecordedCall>;
  /** A user's reply in a thread, as Slack's message event. */
  threadReply(bot: BotProcess, channel: string, threadTs: string, text: string): Promise<void>;
  /** Opens the database and takes its write lock, as a `routeops ledger import` does. */
  lock(): { db: Db; release(): void };
  close(): Promise<void>;
}

/**
 * The config of the fault suite: the simulator's providers with a long timeout (a held stream is
 * not given up on), no retries, and `held`, an alias with one route (no fallback to hide a call).
 */
export function rigConfig(sim: Simulator, overrides: ConfigObject = {}): ConfigObject {
  return simConfig(sim, {
    providers: simProviders(sim, { timeout_ms: 60_000 }),
    models: { held: { routes: [{ provider: 'deepseek', model: 'deepseek-v4-flash' }] } },
    default_model: 'held',
    ...overrides,
  });
}

/** The final rendering of an answer ends with its footer (a context block) or carries an error line. */
export function isFinalAnswer(blocks: unknown): boolean {
  const list = (blocks as Array<{ type: string; text?: { text: string } }>) ?? [];
  return list.at(-1)?.type === 'context' || list.some((b) => /No answer|budget|Something went wrong/.test(b.text?.text ?? ''));
}

/** `slack: false`: no Slack tokens, as a gateway-only deployment runs (a server on PORT, no shell). */
export async function startFaultRig(opts: { config?: (sim: Simulator) => ConfigObject; slack?: boolean } = {}): Promise<FaultRig> {
  const sim = await startSim();
  const slack = await startFakeSlack();
  const tmp = tempDir('routeops-faults-');
  const dbPath = tmp.dbPath;
  const configPath = writeConfig(tmp.file('routeops.yml'), (opts.config ?? rigConfig)(sim));
  const env: Record<string, string> = {
    ...SIM_KEYS,
    ROUTEOPS_CONFIG: configPath,
    ROUTEOPS_DB: dbPath,
    ROUTEOPS_INGEST_TOKEN: RIG_INGEST_TOKEN,
    ...(opts.slack === false ? {} : { SLACK_BOT_TOKEN: 'xoxb-fault-rig', SLACK_SIGNING_SECRET: RIG_SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_APP_TOKEN: '' }),
  };
  const bots = new Set<BotProcess>();
  const topLevel = (channel: string) => slack.messages.find((m) => m.channel === channel && m.bot_id && !m.thread_ts);

  return {
    sim,
    slack,
    tmp,
    dbPath,
    env,
    async startBot() {
      const bot = await startBot(env);
      bots.add(bot);
      void bot.exited.then(() => bots.delete(bot));
      return bot;
    },
    async ask(bot, channel, question, user = 'U0FAULT') {
      const body = slashCommandBody({ command: '/ask', text: question, user_id: user, channel_id: channel, response_url: `${slack.baseUrl}/respond/${randomUUID()}` });
      const res = await postSigned(`${bot.url}/slack/events`, RIG_SIGNING_SECRET, body);
      if (res.status !== 200) throw new Error(`/ask was not acked: HTTP ${res.status} ${await res.text()}`);
    },
    async answered(channel) {
      await slack.waitFor('chat.update', (c) => c.body.channel === channel && c.body.ts === topLevel(channel)?.ts && isFinalAnswer(c.body.blocks));
      return topLevel(channel)!;
    },
    async command(bot, command, text) {
      const id = randomUUID();
      const res = await postSigned(`${bot.url}/slack/events`, RIG_SIGNING_SECRET, slashCommandBody({ command, text, response_url: `${slack.baseUrl}/respond/${id}` }));
      if (res.status !== 200) throw new Error(`${command} was not acked: HTTP ${res.status}`);
      return slack.waitFor('response_url', (c) => c.path === `/respond/${id}`);
    },
    async threadReply(bot, channel, threadTs, text) {
      const user = 'U0FAULT';
      const ts = slack.addUserMessage({ channel, user, text, thread_ts: threadTs });
      const res = await postEvent(`${bot.url}/slack/events`, RIG_SIGNING_SECRET, eventBody({ type: 'message', channel_type: 'channel', user, text, ts, thread_ts: threadTs, channel }));
      if (res.status !== 200) throw new Error(`the thread reply was not acked: HTTP ${res.status}`);
    },
    lock() {
      const db = openDatabase(dbPath);
      db.prepare('BEGIN IMMEDIATE').run();
      return {
        db,
        release() {
          if (db.inTransaction) db.prepare('COMMIT').run();
          db.close();
        },
      };
    },
    async close() {
      await Promise.all([...bots].map((b) => b.kill('SIGKILL')));
      await slack.close();
      await sim.close();
      tmp.cleanup();
    },
  };
}

/**
 * Resolves once `ready()` holds, looking again every few milliseconds: for state that announces
 * no event of its own (the simulator's request log, a file's size). Not a sleep: it waits for
 * the condition, however long that takes.
 */
export function until(ready: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const look = () => (ready() ? resolve() : void setTimeout(look, 5));
    look();
  });
}

/** POST /v1/usage with the rig's token: the HTTP status and parsed body. */
export async function ingest(bot: BotProcess, rows: readonly object[]): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${bot.url}/v1/usage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${RIG_INGEST_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(rows),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
