// One way to run a command for every adapter: find it, check access, parse, run. Failures
// become Replies (a usage message, a refusal, one clear line) — never a stack trace.
import { commands as allCommands, findCommand } from './registry.js';
import { isAllowed, type Caller, type Progress } from './types.js';

export { isAllowed };
import { errorReply, refusalReply, usageReply, type Reply } from '../src/domain/reply.js';
import type { Services } from '../src/features/services.js';
import { truncateForMessage } from '../src/domain/time/period.js';



export async function dispatch(name: string, text: string, services: Services, caller: Caller, progress?: Progress): Promise<Reply> {
  const command = findCommand(name);
  if (!command) {
    const bare = name.replace(/^\//, '').toLowerCase();
    const problem = `"/${truncateForMessage(bare)}" is not a routeops command.`;
    return usageReply(
      'Unknown command',
      problem,
      allCommands.map((c) => `/${c.usage.split('\n')[0]}`).join('\n'),
    );
  }
  if (!isAllowed(command, caller, services.config.access)) {
    return refusalReply(`Sorry, /${command.name} is limited to the people listed in the routeops config (access.${command.access}). Ask an admin to add you if you need it.`);
  }
  const parsed = command.parse(text);
  if (!parsed.ok) return usageReply(`/${command.name}`, parsed.error, `/${command.usage}`);
  try {
    return await command.run(parsed.args, services, caller, progress);
  } catch (err) {
    services.log.error({ err, command: command.name }, 'command failed');
    return errorReply(`/${command.name} failed on our side; the error is logged. Nothing recorded was changed.`);
  }
}
