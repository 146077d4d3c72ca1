// One way to run a command for every adapter: find it among those the adapter offers, check
// access, parse, run. Failures become Replies — a usage message (UsageError), a refusal, one
// clear line — never a stack trace.
import { commandsFor, findCommand } from './registry.js';
import { asksForHelp, commandPrefix, isAllowed, textInput, usageOf, type Adapter, type Caller, type Command, type CommandContext, type CommandInput, type Progress } from './types.js';
import { errorReply, refusalReply, usageReply, type Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { truncateForMessage } from '../src/domain/text.js';
import type { Services } from '../src/features/services.js';

/** What only some adapters give: which adapter it is (default Slack) and the CLI's hooks. */
export type DispatchOptions = Partial<Pick<CommandContext, 'adapter' | 'startBot' | 'alertPost' | 'alertJobs'>>;

/** The usage reply for `command` as `adapter` writes it ("/spend …" or "routeops spend …"). */
export function commandUsageReply(command: Command<unknown>, adapter: Adapter, problem: string): Reply {
  const prefix = commandPrefix(adapter);
  return usageReply(`${prefix}${command.name}`, problem, `${prefix}${usageOf(command, adapter)}`);
}

/** The reply to a name no command of this adapter answers to. */
export function unknownCommandReply(name: string, adapter: Adapter): Reply {
  const prefix = commandPrefix(adapter);
  const bare = name.replace(/^\//, '').toLowerCase();
  return usageReply(
    'Unknown command',
    `"${prefix}${truncateForMessage(bare)}" is not a routeops command.`,
    commandsFor(adapter).map((c) => `${prefix}${usageOf(c, adapter).split('\n')[0]}`).join('\n'),
  );
}

/**
 * Runs `name` with `input` (the text after the name, or the CLI's parsed options) for `caller`.
 * `services` may be a function: it is then called only when the command needs them. An error
 * thrown before the services could be opened (a bad config) is the adapter's to report, so it
 * is thrown on; any other error is logged and answered with one line.
 */
export async function dispatch(name: string, input: string | CommandInput, services: Services | (() => Services), caller: Caller, progress?: Progress, opts: DispatchOptions = {}): Promise<Reply> {
  const adapter = opts.adapter ?? 'slack';
  const command = findCommand(name, adapter);
  if (!command) return unknownCommandReply(name, adapter);
  let opened = typeof services === 'function' ? undefined : services;
  const open = typeof services === 'function' ? services : () => services;
  const getServices = () => (opened ??= open());
  if (!caller.local && command.access && !isAllowed(command, caller, getServices().config.access)) {
    return refusalReply(`Sorry, /${command.name} is limited to the people listed in the routeops config (access.${command.access}). Ask an admin to add you if you need it.`);
  }
  // `/spend --help`: the usage, shown to the caller alone (the CLI answers --help before dispatch).
  if (typeof input === 'string' && asksForHelp(input)) return commandUsageReply(command, adapter, `${command.summary}.`);
  try {
    const args = command.parse(typeof input === 'string' ? textInput(input) : input, adapter);
    return await command.run(args, { ...opts, adapter, caller, progress, services: getServices });
  } catch (err) {
    if (err instanceof UsageError) return commandUsageReply(command, adapter, err.message);
    if (!opened) throw err;
    opened.log.error({ err, command: command.name }, 'command failed');
    return errorReply(`${commandPrefix(adapter)}${command.name} failed on our side; the error is logged. Nothing recorded was changed.`);
  }
}
