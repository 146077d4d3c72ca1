// routeops sim [--port N] [--host H]: the provider simulator (tools/sim) in the foreground until
// Ctrl-C, with how to point routeops at it. Needs no config and no database.
import { truncateForMessage } from '../src/domain/text.js';
import type { Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { SIM_DEFAULTS, serveSimulator, type SimArgs } from '../tools/sim/main.js';
import { CLI_ONLY, defineCommand } from './types.js';

export const simCommand = defineCommand<SimArgs>({
  name: 'sim',
  summary: 'Run the local provider simulator (DeepSeek, Qwen, Kimi, GLM, OpenRouter)',
  usage: 'sim [--port N] [--host H]',
  adapters: CLI_ONLY,
  options: { port: { type: 'string' }, host: { type: 'string' } },
  parse: ({ options, positionals }) => {
    if (positionals.length) throw new UsageError(`unexpected "${truncateForMessage(positionals[0]!)}"`);
    const args = { ...SIM_DEFAULTS };
    const port = options.port as string | undefined;
    if (port !== undefined) {
      if (!/^\d+$/.test(port) || Number(port) > 65535) throw new UsageError(`--port: expected a port number 0-65535, got "${port}"`);
      args.port = Number(port);
    }
    if (options.host !== undefined) args.host = options.host as string;
    return args;
  },
  async run(args, { progress }): Promise<Reply> {
    let banner = '';
    try {
      await serveSimulator(args, (text) => {
        banner = `${text}\n`;
        progress?.update(banner);
      });
    } catch (err) {
      return { kind: 'error', title: '', summary: `cannot start the simulator on ${args.host}:${args.port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
    return { kind: 'result', title: '', body: banner };
  },
});
