// routeops start: the bot itself (Slack, the HTTP API, alerts) from the built files; `npm start`
// also builds first when a source changed. The CLI passes the starter in, so the command layer
// does not import the app.
import type { Reply } from '../src/domain/reply.js';
import { CLI_ONLY, defineCommand } from './types.js';

export const startCommand = defineCommand<Record<string, never>>({
  name: 'start',
  summary: 'Start the bot from the built files (npm start also builds first when a source changed)',
  usage: 'start',
  adapters: CLI_ONLY,
  options: {},
  parse: () => ({}),
  async run(_args, { startBot }): Promise<Reply> {
    if (!startBot) return { kind: 'error', title: '', summary: 'start: this adapter cannot start the bot' };
    await startBot();
    return { kind: 'result', title: '' };
  },
});
