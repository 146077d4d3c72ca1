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
import { openServices } from './open-services.js';
import { followCatalog } from '../features/catalog/follow.js';
import { createHttpServer } from '../adapters/http/server.js';
import { startGateway } from './gateway.js';
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
  /** The alert jobs on their schedules (runNow runs one at once). */
  alerts: AlertsHandle;
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
  /** Stops start-up (a signal during Slack's connect retries): what was opened is closed, StartAborted is thrown. */
  abort?: AbortSignal;
}

/** Listens as planned; a busy port (or a host that is not ours) is fatal only when the plan requires the server. */
async function listen(server: Server, plan: HttpPlan | null, log: Logger, ingest: boolean): Promise<HttpOutcome> {
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
  return { kind: 'listening', host: plan.host, port: (server.address() as AddressInfo).port, ingest };
}

/** File-system and SQLite failures to open a file the environment names: bad config (exit 2), with the OS reason. */
const OPEN_FAILURE = /^(E[A-Z]+|SQLITE_(CANTOPEN|NOTADB|READONLY|PERM|AUTH))/;

function openedOr<T>(variable: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code !== 'string' || !OPEN_FAILURE.test(code)) throw err;
    const reason = (err as Error).message.startsWith(code) ? (err as Error).message : `${code}: ${(err as Error).message}`;
    throw new ConfigError([`${variable}: cannot open it (${reason})`], 'environment');
  }
}

/** Start-up was stopped by SIGTERM/SIGINT (StartOptions.abort) before it finished. */
export class StartAborted extends Error {}

/** `step`, unless `abort` fires first: then StartAborted (the step itself is left to the exit). */
function unlessAborted<T>(step: Promise<T>, abort: AbortSignal | undefined): Promise<T> {
  if (!abort) return step;
  if (abort.aborted) return Promise.reject(new StartAborted('stopped while starting'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new StartAborted('stopped while starting'));
    abort.addEventListener('abort', onAbort, { once: true });
    step.then(resolve, reject).finally(() => abort.removeEventListener('abort', onAbort));
  });
}

export async function startRouteops(opts: StartOptions = {}): Promise<RunningApp> {
  const rawEnv = opts.env ?? process.env;
  const env: Env = parseEnv(rawEnv);
  const config = loadConfig(env);
  const shell = !env.SLACK_BOT_TOKEN && opts.shell === true;
  const logs = logPlan(env, shell);
  const logVariable = env.ROUTEOPS_LOG_FILE ? 'ROUTEOPS_LOG_FILE' : 'ROUTEOPS_DB (the log file beside it)';
  const log = opts.log ?? openedOr(logVariable, () => createLogger(logs.level, logs.file ? pino.destination({ dest: logs.file, append: true, mkdir: true, sync: true }) : undefined));
  const services = env.ROUTEOPS_DATABASE_URL
    ? await openServices({ config, dbPath: env.ROUTEOPS_DB, log, clock: opts.clock, secrets: rawEnv, databaseUrl: env.ROUTEOPS_DATABASE_URL })
    : openedOr('ROUTEOPS_DB', () => createServices({ config, dbPath: env.ROUTEOPS_DB, log, clock: opts.clock, secrets: rawEnv }));
  // Rows priced with another catalog (an upgrade, an edited config price) follow this one first.
  try {
    await followCatalog(services);
  } catch (err) {
    log.error({ err: (err as Error).message }, 'the ledger could not be re-priced to the catalog in force; it keeps its prices');
  }
  let ready = false;
  let slack: SlackAdapter | undefined;
  // Ingest parses and writes on a thread and connection of its own (ingest.ts); an in-memory
  // database has no second connection, so there it is written on this thread, as with
  // PostgreSQL (the server does the writing; parsing stays on this thread).
  const ingest: IngestWorker = isMemory(env.ROUTEOPS_DB) || env.ROUTEOPS_DATABASE_URL
    ? { ingest: (body) => ingestUsageText(services.ledger, bodyText(body)), close: () => Promise.resolve() }
    : createIngestWorker({ dbPath: env.ROUTEOPS_DB, config, log });
  let opened: Server | undefined;
  try {
    if (env.SLACK_BOT_TOKEN) {
      slack = createSlackAdapter(
        { botToken: env.SLACK_BOT_TOKEN, appToken: env.SLACK_APP_TOKEN, signingSecret: env.SLACK_SIGNING_SECRET, apiUrl: env.SLACK_API_URL },
        services,
      );
    }
    const gateway = await startGateway(services, log);
    const server = createHttpServer({
      ingest,
      log,
      ingestToken: env.ROUTEOPS_INGEST_TOKEN,
      slackListener: slack?.httpListener,
      isReady: () => ready,
      gateway: gateway.handler,
      gatewayBodyMax: config.gateway.body_max_bytes,
    });
    const listened = await unlessAborted(listen(server, httpPlan(env, !!slack, shell, gateway.enabledAtStart), log, !!env.ROUTEOPS_INGEST_TOKEN), opts.abort);
    const http: HttpOutcome = listened.kind === 'listening' && gateway.enabledAtStart ? { ...listened, gateway: true } : listened;
    if (http.kind === 'listening') opened = server;
    const port = http.kind === 'listening' ? http.port : null;
    await unlessAborted(slack?.start() ?? Promise.resolve(), opts.abort);
    // Alerts post through Slack; without it they are recorded in the outbox for later.
    // A job that finished may have changed what App Home shows (alerts, balances, proposals, route checks).
    const alerts: AlertsHandle = startAlerts(services, env.SLACK_BOT_TOKEN ? alertPoster(env.SLACK_BOT_TOKEN, env.SLACK_API_URL, log) : null, {
      onJobFinished: (job) => slack?.home.changed(job),
    });
    ready = true;
    log.info({ pid: process.pid, port, host: http.kind === 'off' ? null : http.host, slack: slack?.mode ?? 'off', shell, timezone: config.timezone, config: config.source }, 'routeops started');

    let stopping: Promise<void> | undefined;
    const app: RunningApp = {
      services,
      port,
      http,
      logs,
      slack,
      alerts,
      stop: () =>
        (stopping ??= (async () => {
          // Stop taking work, finish what is in flight, then close the database.
          ready = false;
          const closed = port === null ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          // Gateway calls still streaming after GATEWAY_DRAIN_MS are stopped (their rows say
          // aborted, with the usage seen), so a stop never waits on an endless stream.
          const drain = setTimeout(() => gateway.handler.abortAll('routeops is stopping'), GATEWAY_DRAIN_MS);
          await alerts.stop();
          await slack?.stop();
          await slack?.drain();
          await closed;
          clearTimeout(drain);
          // The gateway's last rows go to the meter before the database closes.
          gateway.flush();
          await ingest.close();
          await services.close();
          log.info('routeops stopped');
        })()),
    };
    if (shell) app.shellDone = startShell(services, undefined, shellStartLines(logs, http));
    return app;
  } catch (err) {
    opened?.close();
    opened?.closeAllConnections();
    await ingest.close();
    await services.close();
    throw err;
  }
}

/** How long a stop lets gateway calls in flight finish (Docker's SIGKILL comes 10 s after its SIGTERM). */
export const GATEWAY_DRAIN_MS = 8000;

/** A second SIGTERM/SIGINT this soon after the first is the same request; later, it stops at once. */
const REPEAT_IGNORED_MS = 1000;

/**
 * `npm start` (scripts/start.js) / `routeops start`: runs until SIGTERM/SIGINT, or until the
 * shell's input ends. Exit codes: 0 stopped, 1 could not start, 2 bad config; a signal during
 * start-up (e.g. while Slack's connect is retried) stops it at once: 130 SIGINT, 143 SIGTERM.
 */
export async function main(): Promise<void> {
  // Handled from the first moment: node as PID 1 (a container) ignores a signal nobody handles.
  let app: RunningApp | undefined;
  let firstSignal = 0;
  let exitCode = 0;
  const starting = new AbortController();
  const shutdown = () => void app!.stop().then(() => process.exit(exitCode));
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (!firstSignal) {
      firstSignal = Date.now();
      if (app) return shutdown();
      exitCode = code;
      return starting.abort();
    }
    // A terminal's Ctrl-C reaches us twice under `npm start`: from the terminal and passed on by npm.
    if (Date.now() - firstSignal < REPEAT_IGNORED_MS) return;
    process.exit(code); // asked again: stop now, without waiting
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  stopWhenNpmParentExits();
  try {
    app = await startRouteops({ shell: wantsShell(process.env.ROUTEOPS_SHELL, process.stdin.isTTY === true), abort: starting.signal });
  } catch (err) {
    if (err instanceof StartAborted) {
      process.stderr.write(`routeops: stopped while starting (${exitCode === 130 ? 'SIGINT' : 'SIGTERM'})\n`);
      process.exit(exitCode);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`routeops could not start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  // A signal in the last moment of start-up: stop what just started.
  if (starting.signal.aborted) return shutdown();
  if (!app.slack && !app.shellDone) process.stdout.write(`${serverStartLine(noShellReason(process.env.ROUTEOPS_SHELL), app.logs, app.http)}\n`);
  if (app.shellDone) void app.shellDone.then(shutdown);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) void main();
