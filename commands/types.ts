// The command layer: commands know nothing of Slack or the terminal. An adapter hands the
// dispatcher (dispatch.ts) a name and the caller's input; the command parses it (throwing
// UsageError when it is wrong) and runs, returning a Reply each adapter renders its own way.
import type { Reply } from '../src/domain/reply.js';
import type { Services } from '../src/features/services.js';
import type { AlertJob, AlertPost } from '../src/features/alerts/types.js';
import type { AccessRule } from '../src/config/schema.js';
import { mayUse, type Caller } from '../src/features/access.js';
import { UsageError } from '../src/domain/errors.js';
import { truncateForMessage } from '../src/domain/text.js';
import type { AskStatus } from '../src/features/ask/progress.js';

export type { Caller };

/** Where a command can be called from. */
export type Adapter = 'slack' | 'shell' | 'cli';
/** The commands Slack, the shell and the CLI all offer. */
export const EVERYWHERE: readonly Adapter[] = ['slack', 'shell', 'cli'];
/** Commands only the terminal can run (they read files, post alerts or start servers). */
export const CLI_ONLY: readonly Adapter[] = ['cli'];

/** Live progress of a long-running command (an answer being streamed): the text so far. */
export interface Progress {
  update(text: string): void;
  /** What the answer waits for before its text begins (src/features/ask/progress.ts); null once it begins. */
  status?(status: AskStatus | null): void;
}

/** An option of a CLI command, as node's util.parseArgs declares it. */
export interface CliOption {
  type: 'string' | 'boolean';
  short?: string;
}

/** What the caller gave after the command's name. */
export interface CommandInput {
  /** The text as typed (Slack, shell; the CLI passes its words joined by spaces). */
  text: string;
  /** CLI commands with declared `options`: their values and the positional words, from util.parseArgs. */
  options: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Input from one line of text (Slack, shell): no options parsed. */
export const textInput = (text: string): CommandInput => ({ text, options: {}, positionals: [] });

export interface CommandContext {
  adapter: Adapter;
  caller: Caller;
  /** Opened on first use: the CLI opens the config and database only for commands that need them. */
  services(): Services;
  progress?: Progress;
  /** CLI: starts the bot (src/app/main.ts), passed in so commands need not import the app. */
  startBot?: () => Promise<void>;
  /** CLI: where `alerts run` posts (null: record in the outbox only, the running bot posts). */
  alertPost?: () => Promise<AlertPost | null>;
  /** The jobs `alerts run` runs; default the built-in ones (tests swap one for a failing job). */
  alertJobs?: readonly AlertJob[];
}

export interface Command<A = unknown> {
  /** One or two words: "spend", "ledger import". */
  name: string;
  summary: string;
  /**
   * Usage lines without the leading "/" or "routeops ", e.g. "spend [PERIOD] [by provider|model|user|route] [csv]";
   * a function when they differ by adapter (the CLI's `--json`, another command named as the adapter writes it). Read it with usageOf.
   */
  usage: string | ((adapter: Adapter) => string);
  /** The adapters that offer it; others answer "not a routeops command". */
  adapters: readonly Adapter[];
  /**
   * Writes CSV when its text has the word `csv` (spend): the CLI's --csv adds that word. The CLI
   * refuses --csv for every other command rather than pass it on as text.
   */
  csvWord?: boolean;
  /** Its result carries a chart (Reply.chart): the CLI's `--png FILE` writes it; other commands refuse --png. */
  chart?: boolean;
  /** Key of config.access that limits who may run it (one of ACCESS_RULES); absent = everyone. */
  access?: AccessRule;
  /**
   * CLI options, parsed by the CLI's util.parseArgs (strict). Absent: the command reads its
   * `text`, in the grammar Slack users type (`ask --model x question`).
   */
  options?: Record<string, CliOption>;
  /** Reads the input; throws UsageError when it is wrong (in the words of `adapter`). */
  parse(input: CommandInput, adapter: Adapter): A;
  run(args: A, ctx: CommandContext): Promise<Reply>;
}

/** Erases the argument type so commands of different shapes fit in one list. */
export const defineCommand = <A>(command: Command<A>): Command<unknown> => command as Command<unknown>;

/** Local adapters and commands without an access rule: everyone; else the listed Slack users (an empty list = everyone). */
export function isAllowed(command: Command<unknown>, caller: Caller, access: Partial<Record<AccessRule, string[]>>): boolean {
  return mayUse(command.access, caller, access);
}

/** How an adapter writes a command for its users: "/spend" in Slack and the shell, "routeops spend" in the terminal. */
export const commandPrefix = (adapter: Adapter): string => (adapter === 'cli' ? 'routeops ' : '/');

/** The command's usage lines as `adapter` offers it, without the prefix. */
export const usageOf = (command: Pick<Command<unknown>, 'usage'>, adapter: Adapter): string => (typeof command.usage === 'function' ? command.usage(adapter) : command.usage);

/** What the CLI adds to a chat command's first usage line: its output options (global flags there, docs/ARCHITECTURE.md §3.1). */
export const cliFlags = (adapter: Adapter, flags = '[--json]'): string => (adapter === 'cli' ? ` ${flags}` : '');

/** `--help` or `-h` as the whole text: the command's usage is wanted, not a run. */
export const asksForHelp = (text: string): boolean => /^\s*(--help|-h)\s*$/.test(text);

/**
 * The first word of `text` when it looks like an option (`--word`, `-x`) although the command
 * took none there: only leading words are options, so a dash later in free text is just text.
 */
export function leadingOption(text: string): string | undefined {
  const first = text.trimStart().split(/\s+/, 1)[0] ?? '';
  return /^--?[A-Za-z]/.test(first) ? first : undefined;
}

/** The usage error for an option `command` does not take, naming what it accepts where `adapter` calls it. */
export function unknownOptionError(option: string, command: string, accepted: readonly string[], adapter: Adapter): UsageError {
  const all = adapter === 'cli' ? [...accepted, '--json'] : accepted;
  const takes = all.length ? `takes ${all.join(', ')}` : 'takes no options';
  return new UsageError(`unknown option "${truncateForMessage(option, 30)}"; ${commandPrefix(adapter)}${command} ${takes}`);
}
