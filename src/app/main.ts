// Composition root: config -> logger -> db + migrations -> services -> adapters.
// Without Slack tokens it opens the shell adapter so routeops can be tried in a terminal.
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, parseEnv, type Env } from '../config/load.js';
import { createLogger } from './log.js';
import { createServices, type Clock, type Services } from './services.js';
import { createHttpServer } from '../adapters/http/server.js';
import { createSlackAdapter, type SlackAdapter } from '../adapters/slack/app.js';
import { startShell } from '../adapters/shell/repl.js';
import { alertPoster } from '../adapters/slack/alert-poster.js';
import { startAlerts, type AlertsHandle } from '../features/alerts/scheduler.js';
import { bodyText, ingestUsageText } from '../features/ledger/ingest.js';
import { isMemory } from '../store/open.js';
import { createIngestWorker, type IngestWorker } from './ingest.js';

export interface RunningApp {
  services: Services;
  port: number;
  slack?: SlackAdapter;
  /** Resolves when the shell adapter's input ends (shell mode only). */
  shellDone?: Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  log?: Logger;
  /** Start the shell adapter when Slack is not configured (false in tests). */
  shell?: boolean;
}

export async function startRouteops(opts: StartOptions = {}): Promise<RunningApp> {
  const rawEnv = opts.env ?? process.env;
  const env: Env = parseEnv(rawEnv);
  const config = loadConfig(env);
  const log = opts.log ?? createLogger(env.LOG_LEVEL);
  const services = createServices({ config, dbPath: env.ROUTEOPS_DB, log, clock: opts.clock, secrets: rawEnv });
  let ready = false;
  let slack: SlackAdapter | undefined;
  // Ingest parses and writes on a thread and connection of its own (ingest.ts); an in-memory
  // database has no second connection, so there it is written on this thread.
  const ingest: IngestWorker = isMemory(env.ROUTEOPS_DB)
    ? { ingest: (body) => ingestUsageText(services.ledger, bodyText(body)), close: () => Promise.resolve() }
    : createIngestWorker({ dbPath: env.ROUTEOPS_DB, config, log });
  try {
    if (env.SLACK_BOT_TOKEN) {
      slack = createSlackAdapter(
        { botToken: env.SLACK_BOT_TOKEN, appToken: env.SLACK_APP_TOKEN, signingSecret: env.SLACK_SIGNING_SECRET, apiUrl: env.SLACK_API_URL },
        services,
      );
    }
    const server = createHttpServer({
      ingest,
      log,
      ingestToken: env.ROUTEOPS_INGEST_TOKEN,
      slackListener: slack?.httpListener,
      isReady: () => ready,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(env.PORT, '0.0.0.0', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    await slack?.start();
    // Alerts post through Slack; without it they are recorded in the outbox for later.
    const alerts: AlertsHandle = startAlerts(services, env.SLACK_BOT_TOKEN ? alertPoster(env.SLACK_BOT_TOKEN, env.SLACK_API_URL) : null);
    ready = true;
    log.info({ port, slack: slack?.mode ?? 'off', timezone: config.timezone, config: config.source }, 'routeops started');

    let stopping: Promise<void> | undefined;
    const app: RunningApp = {
      services,
      port,
      slack,
      stop: () =>
        (stopping ??= (async () => {
          // Stop taking work, finish what is in flight, then close the database.
          ready = false;
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          await alerts.stop();
          await slack?.stop();
          await slack?.drain();
          await closed;
          await ingest.close();
          services.close();
          log.info('routeops stopped');
        })()),
    };
    if (!slack && opts.shell !== false) app.shellDone = startShell(services);
    return app;
  } catch (err) {
    await ingest.close();
    services.close();
    throw err;
  }
}

/** `npm start` / `routeops start`: runs until SIGTERM/SIGINT (or the shell's input ends). */
export async function main(): Promise<void> {
  let app: RunningApp;
  try {
    app = await startRouteops();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`routeops could not start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const shutdown = () => void app.stop().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  if (app.shellDone) void app.shellDone.then(shutdown);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) void main();
