// How `npm start` runs (docs/ARCHITECTURE.md §3.2, §3.3): with Slack, as a server listening on
// HOST (0.0.0.0) as before; without Slack, the shell when stdin is a terminal, else a server
// until SIGTERM/SIGINT. Without Slack the HTTP server binds 127.0.0.1 unless HOST says
// otherwise, and in the shell it runs only when the ingest endpoint needs it. Pure decisions and
// the lines that tell the operator what was decided.
import { dirname, join } from 'node:path';
import type { Env } from '../config/load.js';
import { isMemory } from '../store/open.js';

/** The shell opens when stdin is a terminal; ROUTEOPS_SHELL=1 forces it (a pipe), 0 keeps it closed. */
export function wantsShell(setting: string | undefined, stdinIsTerminal: boolean): boolean {
  if (setting === '1') return true;
  if (setting === '0') return false;
  return stdinIsTerminal;
}

export interface HttpPlan {
  host: string;
  port: number;
  /** A server must listen; the shell can do without it (a busy port is a warning there). */
  required: boolean;
}

/** Whether and where the HTTP server listens; null: not started (the shell, and neither ingest nor the gateway needs it). */
export function httpPlan(env: Pick<Env, 'HOST' | 'PORT' | 'ROUTEOPS_INGEST_TOKEN'>, slack: boolean, shell: boolean, gateway = false): HttpPlan | null {
  if (shell && !env.ROUTEOPS_INGEST_TOKEN && !gateway) return null;
  return { host: env.HOST ?? (slack ? '0.0.0.0' : '127.0.0.1'), port: env.PORT, required: !shell };
}

export interface LogPlan {
  /** The file logs are appended to; null: stderr. */
  file: string | null;
  level: string;
}

const QUIETER = ['error', 'fatal', 'silent'];

/**
 * Logs go to ROUTEOPS_LOG_FILE when set. In the shell they must not land over the prompt: they go
 * to routeops.log beside the database, or (an in-memory database) to stderr at warn and above.
 */
export function logPlan(env: Pick<Env, 'LOG_LEVEL' | 'ROUTEOPS_LOG_FILE' | 'ROUTEOPS_DB'>, shell: boolean): LogPlan {
  if (env.ROUTEOPS_LOG_FILE) return { file: env.ROUTEOPS_LOG_FILE, level: env.LOG_LEVEL };
  if (!shell) return { file: null, level: env.LOG_LEVEL };
  if (isMemory(env.ROUTEOPS_DB)) return { file: null, level: QUIETER.includes(env.LOG_LEVEL) ? env.LOG_LEVEL : 'warn' };
  return { file: join(dirname(env.ROUTEOPS_DB), 'routeops.log'), level: env.LOG_LEVEL };
}

const logsText = (logs: LogPlan): string => (logs.file ? `logs go to ${logs.file}` : logs.level === 'warn' ? 'warnings go to stderr' : 'logs go to stderr');

/** What the HTTP server ended up doing, for the start lines. */
export type HttpOutcome = { kind: 'listening'; host: string; port: number; /** POST /v1/usage is served (ROUTEOPS_INGEST_TOKEN set). */ ingest: boolean; /** The gateway is on (a key exists, or gateway.enabled). */ gateway?: boolean } | { kind: 'off' } | { kind: 'busy'; host: string; port: number; code: string };

function httpText(http: HttpOutcome): string {
  switch (http.kind) {
    case 'listening':
      return `HTTP on http://${http.host}:${http.port} (${http.ingest ? '/healthz, POST /v1/usage' : '/healthz; ingest off: set ROUTEOPS_INGEST_TOKEN for POST /v1/usage'}${http.gateway ? '; gateway on /v1/chat/completions' : ''})`;
    case 'off':
      return 'HTTP off (set ROUTEOPS_INGEST_TOKEN to take usage on POST /v1/usage)';
    case 'busy':
      return `HTTP off: ${http.host}:${http.port} is not free (${http.code}); set PORT to another port`;
  }
}

/** The lines the shell prints under its greeting. */
export function shellStartLines(logs: LogPlan, http: HttpOutcome): string[] {
  return [`Slack is off (no Slack tokens set); ${logsText(logs)}.`, `${httpText(http)}.`];
}

/** Why there is no shell without Slack: ROUTEOPS_SHELL=0, or stdin is no terminal. */
export const noShellReason = (setting: string | undefined): string =>
  setting === '0' ? 'ROUTEOPS_SHELL=0' : 'stdin is not a terminal (ROUTEOPS_SHELL=1 opens the shell anyway)';

/** The one line a server without Slack prints when it starts (stdout). */
export function serverStartLine(why: string, logs: LogPlan, http: HttpOutcome): string {
  return `routeops: no shell, as ${why}: running as a server until SIGTERM or SIGINT; Slack is off; ${httpText(http)}; ${logsText(logs)}.`;
}
