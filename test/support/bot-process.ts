// The real routeops bot as a separate process (`node dist/src/app/main.js`: the main() that `npm
// start` runs), for the tests and benches that stop, kill and restart it: start it with an environment,
// wait for "routeops started" and its port, wait for its log lines, send it a signal and wait for
// it to exit. Its logs (pino JSON lines on stderr) are kept for assertions and failure messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/support/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = `${REPO_ROOT}dist/src/app/main.js`;
const CLI = `${REPO_ROOT}bin/routeops.js`;

/** One pino log line, parsed. */
export type LogLine = { level: number; msg: string } & Record<string, unknown>;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BotProcess {
  pid: number;
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  /** Every log line so far, parsed, oldest first. */
  readonly logs: readonly LogLine[];
  /** Resolves with the first log line (already written or to come) that matches. */
  waitForLog(match: (line: LogLine) => boolean, what?: string): Promise<LogLine>;
  /** Sends the signal and resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<Exit>;
  readonly exited: Promise<Exit>;
}

/**
 * The environment every child gets: the parent's, without node:test's marker (a child is no test
 * file) and without a ROUTEOPS_DATABASE_URL of the parent's shell: a child runs on PostgreSQL only
 * when its test says so (`env.ROUTEOPS_DATABASE_URL`, e.g. a tempPg's url), else on ROUTEOPS_DB.
 */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _ignored, ROUTEOPS_DATABASE_URL: _store, ...parent } = process.env;
  return { ...parent, LOG_LEVEL: 'info', ...env };
}

/** Collects a child's stderr as pino lines, and notifies waiters as lines arrive. */
function watchLogs(child: ChildProcess) {
  const logs: LogLine[] = [];
  const waiters = new Set<(line: LogLine) => void>();
  let partial = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const text = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { level: 50, msg: text };
      }
      logs.push(line);
      for (const w of [...waiters]) w(line);
    }
  });
  return { logs, waiters };
}

/** How to start it other than as `npm start` does: node's arguments and the working directory (a container's CMD and WORKDIR). */
export interface StartAs {
  argv: string[];
  cwd: string;
}

/** Starts the bot; rejects (with its logs) if it exits before it has started. */
export async function startBot(env: Record<string, string>, as?: StartAs): Promise<BotProcess> {
  const child = spawn(process.execPath, as?.argv ?? [MAIN], { env: childEnv({ PORT: '0', ...env }), stdio: ['ignore', 'ignore', 'pipe'], ...(as ? { cwd: as.cwd } : {}) });
  const { logs, waiters } = watchLogs(child);
  // 'close', not 'exit': the last log lines have been read by then.
  const exited = once(child, 'close').then(([code, signal]) => ({ code, signal }) as Exit);
  const dump = () => logs.map((l) => JSON.stringify(l)).join('\n');

  const waitForLog = (match: (line: LogLine) => boolean, what = 'a log line') => {
    const found = logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<LogLine>((resolve, reject) => {
      const onLine = (line: LogLine) => {
        if (!match(line)) return;
        waiters.delete(onLine);
        resolve(line);
      };
      waiters.add(onLine);
      void exited.then((e) => {
        if (!waiters.delete(onLine)) return;
        // The line may have come with the last output.
        const late = logs.find(match);
        if (late) resolve(late);
        else reject(new Error(`the bot exited (${e.code ?? e.signal}) before ${what}; its logs:\n${dump()}`));
      });
    });
  };

  const started = await waitForLog((l) => l.msg === 'routeops started', '"routeops started"');
  const port = Number(started.port);
  return {
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}`,
    logs,
    waitForLog,
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the bot to its end (one that is expected not to start: a bad config, a database out of reach): its exit and stderr. */
export async function runBotToExit(env: Record<string, string>): Promise<Exit & { stderr: string }> {
  const child = spawn(process.execPath, [MAIN], { env: childEnv({ PORT: '0', ...env }), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stderr };
}

export interface CliRun extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs `routeops ARGS…` to its end. */
export async function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout, stderr };
}

/** Starts `routeops ARGS…` and hands back the child (the caller waits for it or kills it). */
export function spawnCli(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { env: childEnv({ LOG_LEVEL: 'warn', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
}
