// The `routeops` command line: a thin adapter over the command layer. One argument parser
// (node's util.parseArgs) finds the command and reads its declared options; the command runs
// through the same dispatch as Slack and the shell, and its Reply is printed as text, JSON or CSV.
// Exit codes: 0 success, 1 the command failed, 2 bad usage or bad config.
import { withoutControls } from '../domain/text.js';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, parseEnv } from '../config/load.js';
import { UsageError } from '../domain/errors.js';
import { truncateForMessage } from '../domain/text.js';
import type { Reply } from '../domain/reply.js';
import { createLogger } from './log.js';
import { stopWhenNpmParentExits } from './parent-watch.js';
import { createServices, type Clock, type Services } from './services.js';
import { openServices } from './open-services.js';
import { followCatalog } from '../features/catalog/follow.js';
import { commandUsageReply, dispatch } from '../../commands/dispatch.js';
import { commandsFor, findCommand } from '../../commands/registry.js';
import { usageOf, type Command, type CommandContext, type CommandInput } from '../../commands/types.js';
import { renderAfterProgress, renderText, renderUsage, terminalProgress } from '../adapters/shell/text.js';
import { PNG_FLAG, pngPathProblem, writeChartPng } from './cli-png.js';

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  clock?: Clock;
}

/** What the CLI gives commands besides their input: services opened on first use, and the terminal's hooks. */
export type CliContext = Pick<CommandContext, 'services' | 'startBot' | 'alertPost' | 'alertJobs'> & {
  /** Runs before the command (the real CLI: the ledger follows the catalog in force). */
  prepare?: (command: string) => Promise<void>;
};

/** Commands that read neither the ledger nor the catalog (start follows it itself, in main.ts; db copy opens its own stores). */
const NO_LEDGER = new Set(['help', 'sim', 'manifest', 'start', 'catalog diff', 'db copy']);
/** Commands that read the ledger as it is: the store is opened, the rows are not re-priced first. */
const AS_STORED = new Set(['db check']);

/** A command line read: the command, its input, and the global output flags. */
export interface CommandLine {
  command: Command<unknown>;
  input: CommandInput;
  json: boolean;
  csv: boolean;
  /** `--png FILE`: where to write the reply's chart (commands with `chart` only). */
  png?: string;
  /** `routeops CMD --help` (or -h): print the command's usage, run nothing. */
  help: boolean;
}

/** Bad usage found while reading the command line; `command` when it is known (its usage is shown). */
export class CommandLineError extends UsageError {
  constructor(
    message: string,
    readonly command?: Command<unknown>,
  ) {
    super(message);
  }
}

const GLOBAL_FLAGS = new Set(['--json', '--csv']);
const HELP_FLAGS = new Set(['--help', '-h']);

/** The version in the package's own package.json (dist/src/app/ -> the package root). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

function usageText(): string {
  const lines = commandsFor('cli').map((c) => `  routeops ${usageOf(c, 'cli').split('\n')[0]}\n      ${c.summary}`);
  return `Usage: routeops <command> [args] [--json|--csv] [--png FILE]

Commands:
${lines.join('\n')}
  routeops COMMAND --help
      That command's usage (-h too)
  routeops --version
      The version

Environment: ROUTEOPS_CONFIG (YAML config), ROUTEOPS_DB (SQLite file), LOG_LEVEL.
`;
}

/** util.parseArgs' errors in our words. */
function argError(err: unknown, command: Command<unknown>): CommandLineError {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? '';
  const flag = truncateForMessage(/'(-[^' ]+)/.exec(message)?.[1] ?? '');
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new CommandLineError(`unknown argument "${flag}"`, command);
  if (/argument missing/.test(message)) return new CommandLineError(`${flag} needs a value`, command);
  if (/ambiguous/.test(message)) return new CommandLineError(`${flag} needs a value (write ${flag}=VALUE for a value that starts with "-")`, command);
  return new CommandLineError(message.split('\n')[0]!.split('. ')[0]! || 'bad arguments', command);
}

/**
 * argv -> the command and its input. The command's name is its first one or two words; a
 * command with declared options gets them from a strict parse, one without (the chat
 * commands) gets the rest of the words as its text, in the grammar Slack users type.
 * Throws CommandLineError for an unknown command or bad arguments.
 */
export function readCommandLine(argv: readonly string[]): CommandLine {
  // A loose first pass finds the global flags and the name words wherever they are.
  const { tokens } = parseArgs({ args: [...argv], strict: false, allowPositionals: true, tokens: true });
  const skip = new Set<number>();
  let json = false;
  let csv = false;
  let png: string | undefined;
  let pngError: string | undefined;
  for (const [i, t] of tokens.entries()) {
    if (t.kind === 'option' && GLOBAL_FLAGS.has(t.rawName) && t.inlineValue === undefined) {
      skip.add(t.index);
      if (t.name === 'json') json = true;
      else csv = true;
    } else if (t.kind === 'option' && t.rawName === PNG_FLAG) {
      // `--png FILE` or `--png=FILE`; the loose pass reads FILE as the next positional word.
      const next = tokens[i + 1];
      const inline = t.inlineValue === true ? (t.value ?? '') : undefined;
      const value = inline ?? (next?.kind === 'positional' && next.index === t.index + 1 ? next.value : undefined);
      skip.add(t.index);
      if (inline === undefined && value !== undefined) skip.add(t.index + 1);
      if (png !== undefined) pngError = `${PNG_FLAG} given twice: one chart file at a time`;
      else if (!value) pngError = `${PNG_FLAG} needs a FILE to write the chart to`;
      png = value ?? '';
    }
  }
  const words = tokens.filter((t): t is Extract<typeof t, { kind: 'positional' }> => t.kind === 'positional' && !skip.has(t.index));
  const [first, second] = words;
  if (!first) {
    const option = tokens.find((t) => t.kind === 'option' && !GLOBAL_FLAGS.has(t.rawName) && t.rawName !== PNG_FLAG);
    throw new CommandLineError(option && option.kind === 'option' ? `Unknown command "${truncateForMessage(option.rawName)}".` : 'no command given');
  }
  const two = second && findCommand(`${first.value} ${second.value}`, 'cli');
  const command = two || findCommand(first.value, 'cli');
  if (!command) {
    // "ledger", "catalog": the first word of a two-word command, without (or with a wrong) second.
    const group = commandsFor('cli').filter((c) => c.name.startsWith(`${first.value} `));
    const help = tokens.some((t) => t.kind === 'option' && HELP_FLAGS.has(t.rawName));
    if (group.length === 1 && !second && help) return { command: group[0]!, json, csv, help: true, input: { text: '', options: {}, positionals: [] } };
    if (group.length === 1) throw new CommandLineError(second ? `unknown ${first.value} subcommand "${truncateForMessage(second.value)}"` : `${first.value} needs a subcommand`, group[0]);
    if (group.length > 1) {
      // "prices": several subcommands; each has its own --help.
      const subs = group.map((c) => c.name.slice(first.value.length + 1)).join(', ');
      throw new CommandLineError(`${second ? `unknown ${first.value} subcommand "${truncateForMessage(second.value)}"` : `${first.value} needs a subcommand`}: ${subs} (routeops ${first.value} SUBCOMMAND --help)`);
    }
    throw new CommandLineError(`Unknown command "${truncateForMessage(first.value)}".`);
  }
  // `--json=yes` is no search text and no question.
  const valued = tokens.find((t) => t.kind === 'option' && GLOBAL_FLAGS.has(t.rawName) && t.inlineValue !== undefined);
  if (valued) throw new CommandLineError(`${valued.kind === 'option' ? valued.rawName : ''} takes no value (got "${truncateForMessage(argv[valued.index]!)}")`, command);
  skip.add(first.index);
  if (two) skip.add(second.index);
  const rest = argv.filter((_, i) => !skip.has(i));

  // Only spend writes CSV: any other command says so (`models --csv` is no search for "csv").
  if (csv && !command.csvWord) throw new CommandLineError(`--csv is not an option of routeops ${command.name} (spend writes CSV; --json gives the data)`, command);
  if (png !== undefined && !command.chart) throw new CommandLineError(`${PNG_FLAG} is not an option of routeops ${command.name} (spend draws a chart)`, command);
  if (pngError) throw new CommandLineError(pngError, command);
  const pngPart = png !== undefined ? { png } : {};
  if (!command.options) {
    // The chat commands read text, whose leading words are their options: --help among them is
    // the CLI's (later in the text it is just text). --csv is spend's "csv" word.
    const textStart = rest.findIndex((w) => !w.startsWith('-') || w === '--');
    const help = rest.slice(0, textStart < 0 ? rest.length : textStart).some((w) => HELP_FLAGS.has(w));
    return { command, json, csv, ...pngPart, help, input: { text: [...rest, ...(csv ? ['csv'] : [])].join(' '), options: {}, positionals: [] } };
  }
  try {
    const { values, positionals } = parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
    const { help, ...options } = values;
    return { command, json, csv, ...pngPart, help: help === true, input: { text: rest.join(' '), options: options as CommandInput['options'], positionals } };
  } catch (err) {
    throw argError(err, command);
  }
}

/** Prints a Reply; returns the exit code. */
function print(reply: Reply, line: CommandLine, io: Pick<CliIO, 'stdout' | 'stderr'>, live?: ReturnType<typeof terminalProgress>): number {
  if (reply.kind === 'usage') {
    io.stderr(renderUsage(reply));
    return 2;
  }
  const ok = reply.kind === 'result' && !reply.failed;
  if (line.json) io.stdout(`${JSON.stringify(reply.data ?? { title: reply.title, summary: reply.summary }, null, 2)}\n`);
  // A file asked for by --csv or by the command's own word (`spend … csv`) is the output.
  else if (reply.file) io.stdout(reply.file.content);
  else (reply.kind === 'result' ? io.stdout : io.stderr)(live ? renderAfterProgress(reply, live) : renderText(reply));
  return ok ? 0 : 1;
}

/** Runs one command line with the given services and hooks; returns the exit code. */
export async function runCommandLine(argv: readonly string[], io: Pick<CliIO, 'stdout' | 'stderr'>, ctx: CliContext): Promise<number> {
  const bare = argv.filter((a) => !GLOBAL_FLAGS.has(a));
  if (!bare.length || bare[0] === '--help' || bare[0] === '-h') {
    io.stdout(usageText());
    return bare.length ? 0 : 2;
  }
  if (bare[0] === '--version' || bare[0] === '-v') {
    if (bare.length > 1) {
      io.stderr(`${bare[0]} takes no arguments (got "${truncateForMessage(bare[1]!)}").\n`);
      return 2;
    }
    io.stdout(`routeops ${packageVersion()}\n`);
    return 0;
  }
  try {
    let line: CommandLine;
    try {
      line = readCommandLine(argv);
    } catch (err) {
      if (!(err instanceof CommandLineError)) throw err;
      io.stderr(err.command ? renderUsage(commandUsageReply(err.command, 'cli', err.message)) : `${err.message}\n\n${usageText()}`);
      return 2;
    }
    if (line.help) {
      io.stdout(renderUsage(commandUsageReply(line.command, 'cli', `${line.command.summary}.`)));
      return 0;
    }
    // spend's `csv` word asks for the file as --csv does: with --json it is the same clash.
    const csvWord = line.command.csvWord === true && line.input.text.split(/\s+/).some((w) => w.toLowerCase() === 'csv');
    if (line.json && (line.csv || csvWord)) {
      io.stderr(`Choose one of --json and ${line.csv ? '--csv' : 'csv'}.\n`);
      return 2;
    }
    // A chart file that cannot be written is bad usage, said before any work.
    const pngProblem = line.png === undefined ? null : pngPathProblem(line.png);
    if (pngProblem) {
      io.stderr(`${pngProblem}\n`);
      return 2;
    }
    // What an answer waits for goes to stderr: stdout carries the answer alone.
    const live = line.json ? undefined : terminalProgress(io.stdout, { status: io.stderr });
    if (!NO_LEDGER.has(line.command.name)) await ctx.prepare?.(line.command.name);
    const reply = await dispatch(line.command.name, line.input, ctx.services, { id: 'cli', local: true }, live, { ...ctx, adapter: 'cli' });
    const code = print(reply, line, io, live);
    if (line.png === undefined || reply.kind !== 'result') return code;
    const failure = await writeChartPng(reply, line.png);
    if (failure === null) return code;
    io.stderr(`routeops: ${failure}\n`);
    return 1;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`${err.message}\n`);
      return 2;
    }
    io.stderr(`routeops: ${(err as Error).message}\n`);
    return 1;
  }
}

/** The CLI over the environment: config and database from ROUTEOPS_CONFIG / ROUTEOPS_DB, opened only if the command needs them. */
export async function cli(argv: string[], io: CliIO, onBotStarted: () => void = () => {}): Promise<number> {
  let opened: Services | undefined;
  const options = () => {
    const env = parseEnv(io.env);
    const config = loadConfig(env);
    // Logs go to stderr so --json output on stdout stays one clean document.
    return { config, dbPath: env.ROUTEOPS_DB, log: createLogger(env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL), clock: io.clock, secrets: io.env, databaseUrl: env.ROUTEOPS_DATABASE_URL };
  };
  // PostgreSQL is opened (connected, migrated) before the command runs (`prepare`); SQLite at first use.
  const open = async () => (opened ??= await openServices(options()));
  const services = () => {
    if (opened) return opened;
    const opts = options();
    if (opts.databaseUrl) throw new Error('the PostgreSQL store is opened before a command runs: this command was not prepared');
    opened = createServices(opts);
    return opened;
  };
  try {
    return await runCommandLine(argv, io, {
      services,
      // A catalog changed since the rows were priced (an upgrade, an edited config price) re-prices them first.
      prepare: async (command) => {
        const opened = await open();
        if (!AS_STORED.has(command)) await followCatalog(opened);
      },
      startBot: async () => {
        onBotStarted();
        const { main } = await import('./main.js');
        await main();
      },
      // Alerts run from the terminal post when Slack is configured here; else they wait in the outbox.
      alertPost: async () => {
        const env = parseEnv(io.env);
        if (!env.SLACK_BOT_TOKEN) return null;
        const { alertPoster } = await import('../adapters/slack/alert-poster.js');
        return alertPoster(env.SLACK_BOT_TOKEN, env.SLACK_API_URL, createLogger(env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL));
      },
    });
  } finally {
    await opened?.close();
  }
}

export async function runCli(argv: string[]): Promise<void> {
  // `npx routeops sim` is stopped through npx's shell, which does not pass SIGTERM on.
  stopWhenNpmParentExits();
  // A started bot sets its own exit code (src/app/main.ts); anything else, `start --bogus` included, exits with the CLI's.
  let botStarted = false;
  const code = await cli(
    argv,
    {
      // Nothing a user typed or a provider sent can drive the terminal (an escape sequence recolours
      // or rewrites the screen): control characters other than layout are shown as U+FFFD.
      stdout: (s) => process.stdout.write(withoutControls(s)),
      stderr: (s) => process.stderr.write(withoutControls(s)),
      env: process.env,
    },
    () => (botStarted = true),
  );
  if (!botStarted) process.exitCode = code;
}
