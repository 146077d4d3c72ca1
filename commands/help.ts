// help: what each command the calling adapter offers does, and how to call it there.
import { cliFlags, commandPrefix, EVERYWHERE, defineCommand, usageOf, type Adapter, type Command } from './types.js';

export function makeHelpCommand(list: (adapter: Adapter) => ReadonlyArray<Command<unknown>>) {
  return defineCommand<Record<string, never>>({
    name: 'help',
    summary: 'What routeops can do',
    usage: (adapter) => `help${cliFlags(adapter)}`,
    adapters: EVERYWHERE,
    parse: () => ({}),
    run: async (_args, { adapter }) => {
      const prefix = commandPrefix(adapter);
      const offered = list(adapter);
      return {
        kind: 'result',
        title: 'routeops commands',
        sections: [
          ...offered.map((c) => ({ heading: `${prefix}${c.name}`, text: `${c.summary}\nUsage: ${prefix}${usageOf(c, adapter)}` })),
          // The CLI's own flags, which belong to no command.
          ...(adapter === 'cli' ? [{ heading: 'Also', text: 'routeops COMMAND --help (or -h): that command\'s usage\nrouteops --version: the version' }] : []),
        ],
        data: { commands: offered.map((c) => ({ name: c.name, summary: c.summary, usage: usageOf(c, adapter) })) },
      };
    },
  });
}
