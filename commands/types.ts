// The command layer: commands know nothing of Slack or the terminal. An adapter parses the
// caller's text with `parse`, checks `access`, then calls `run` with the services in ctx.
import type { Reply } from '../src/domain/reply.js';
import type { Services } from '../src/features/services.js';

export interface Caller {
  /** Slack user id, or a local name ("cli", "shell") for terminal adapters. */
  id: string;
  /** Local adapters (CLI, shell) run as the machine's operator and skip access lists. */
  local: boolean;
  channel?: string;
}

/** Live progress of a long-running command (an answer being streamed): the text so far. */
export interface Progress {
  update(text: string): void;
}

export type ParseResult<A> = { ok: true; args: A } | { ok: false; error: string };

export interface Command<A = unknown> {
  name: string;
  summary: string;
  /** Usage lines without the leading slash, e.g. "spend [PERIOD] [by provider|model|user|route] [csv]". */
  usage: string;
  /** Key of config.access that limits who may run it; absent = everyone. */
  access?: string;
  parse(text: string): ParseResult<A>;
  run(args: A, services: Services, caller: Caller, progress?: Progress): Promise<Reply>;
}

/** Erases the argument type so commands of different shapes fit in one list. */
export const defineCommand = <A>(command: Command<A>): Command<unknown> => command as Command<unknown>;

/** Local adapters and commands without an access rule: everyone; else the listed Slack users (an empty list = everyone). */
export function isAllowed(command: Command<unknown>, caller: Caller, access: Record<string, string[]>): boolean {
  if (caller.local || !command.access) return true;
  const allowed = access[command.access];
  return !allowed || allowed.length === 0 || allowed.includes(caller.id);
}
