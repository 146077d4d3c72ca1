// Composition root: config -> logger -> db + migrations -> services -> adapters.
// Without Slack tokens it opens the shell adapter when stdin is a terminal (so routeops can be
// tried there), else it runs as a server (src/app/run-mode.ts).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
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
import { httpPlan, logPlan, noShellReason, serverStartLine, shellStartLines, wantsShell, type HttpOutcome, type HttpPlan, type LogPlan } from './run-mode.js';
import { stopWhenNpmParentExits } from './parent-watch.js';

export interface RunningApp {
  services: Services;
  /** The HTTP port; null when no HTTP server runs (the shell with nothing that needs it, or its port was busy). */
  port: number | null;
  http: HttpOutcome;
  logs: LogPlan;
  slack?: SlackAdapter;
  /** Resolves when the shell adapter's input ends (shell mode only). */
  shellDone?: Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  log?: Logger;
  /** Open the shell adapter when Slack is not configured; main() does when stdin is a terminal or ROUTEOPS_SHELL=1. Else a server. */
  shell?: boolean;
}

/** Listens as planned; a busy port (or a host that is not ours) is fatal only when the plan requires the server. */
async function listen(server: Server, plan: HttpPlan | null, log: Logger): Promise<HttpOutcome> {
  if (!plan) return { kind: 'off' };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(plan.port, plan.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    if (plan.required) throw new Error(`cannot listen on ${plan.host}:${plan.port}: ${code}`);
    log.warn({ host: plan.host, port: plan.port, code }, 'HTTP server not started');
    return { kind: 'busy', host: plan.host, port: plan.port, code };
  }
  return { kind: 'listening', host: plan.host, port: (server.address() as AddressInfo).port };
}

export async function startRouteops(opts: StartOptions = {}): Promise<RunningApp> {
  const rawEnv = opts.env ?? process.env;
  const env: Env = parseEnv(rawEnv);
  const config = loadConfig(env);
  const shell = !env.SLACK_BOT_TOKEN && opts.shell === true;
  const logs = logPlan(env, shell);
  const log = opts.log ?? createLogger(logs.level, logs.file ? pino.destination({ dest: logs.file, append: true, mkdir: true, sync: true }) : undefined);
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
    const http = await listen(server, httpPlan(env, !!slack, shell), log);
    const port = http.kind === 'listening' ? http.port : null;
    await slack?.start();
    // Alerts post through Slack; without it they are recorded in the outbox for later.
    const alerts: AlertsHandle = startAlerts(services, env.SLACK_BOT_TOKEN ? alertPoster(env.SLACK_BOT_TOKEN, env.SLACK_API_URL) : null);
    ready = true;
    log.info({ pid: process.pid, port, host: http.kind === 'off' ? null : http.host, slack: slack?.mode ?? 'off', shell, timezone: config.timezone, config: config.source }, 'routeops started');

    let stopping: Promise<void> | undefined;
    const app: RunningApp = {
      services,
      port,
      http,
      logs,
      slack,
      stop: () =>
        (stopping ??= (async () => {
          // Stop taking work, finish what is in flight, then close the database.
          ready = false;
          const closed = port === null ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
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
    if (shell) app.shellDone = startShell(services, undefined, shellStartLines(logs, http));
    return app;
  } catch (err) {
    await ingest.close();
    services.close();
    throw err;
  }
}

/** A second SIGTERM/SIGINT this soon after the first is the same request; later, it stops at once. */
const REPEAT_IGNORED_MS = 1000;

/**
 * `npm start` (scripts/start.js) / `routeops start`: runs until SIGTERM/SIGINT, or until the
 * shell's input ends. Exit codes: 0 stopped, 1 could not start, 2 bad config.
 */
export async function main(): Promise<void> {
  stopWhenNpmParentExits();
  let app: RunningApp;
  try {
    app = await startRouteops({ shell: wantsShell(process.env.ROUTEOPS_SHELL, process.stdin.isTTY === true) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`routeops could not start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  if (!app.slack && !app.shellDone) process.stdout.write(`${serverStartLine(noShellReason(process.env.ROUTEOPS_SHELL), app.logs, app.http)}\n`);
  const shutdown = () => void app.stop().then(() => process.exit(0));
  let firstSignal = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!firstSignal) {
      firstSignal = Date.now();
      return shutdown();
    }
    // A terminal's Ctrl-C reaches us twice under `npm start`: from the terminal and passed on by npm.
    if (Date.now() - firstSignal < REPEAT_IGNORED_MS) return;
    process.exit(signal === 'SIGINT' ? 130 : 143); // asked again: stop now, without waiting
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  if (app.shellDone) void app.shellDone.then(shutdown);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) void main();
