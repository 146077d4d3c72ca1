// help: what each command the calling adapter offers does, and how to call it there.
import { commandPrefix, EVERYWHERE, defineCommand, type Adapter, type Command } from './types.js';

export function makeHelpCommand(list: (adapter: Adapter) => ReadonlyArray<Command<unknown>>) {
  return defineCommand<Record<string, never>>({
    name: 'help',
    summary: 'What routeops can do',
    usage: 'help',
    adapters: EVERYWHERE,
    parse: () => ({}),
    run: async (_args, { adapter }) => {
      const prefix = commandPrefix(adapter);
      const offered = list(adapter);
      return {
        kind: 'result',
        title: 'routeops commands',
        sections: offered.map((c) => ({ heading: `${prefix}${c.name}`, text: `${c.summary}\nUsage: ${prefix}${c.usage}` })),
        data: { commands: offered.map((c) => ({ name: c.name, summary: c.summary, usage: c.usage })) },
      };
    },
  });
}
