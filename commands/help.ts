// /help: what each command does and how to call it.
import { defineCommand, type Command } from './types.js';

export function makeHelpCommand(list: () => ReadonlyArray<Command<unknown>>) {
  return defineCommand<Record<string, never>>({
    name: 'help',
    summary: 'What routeops can do',
    usage: 'help',
    parse: () => ({ ok: true, args: {} }),
    run: async () => ({
      kind: 'result',
      title: 'routeops commands',
      sections: list().map((c) => ({ heading: `/${c.name}`, text: `${c.summary}\nUsage: /${c.usage}` })),
      data: { commands: list().map((c) => ({ name: c.name, summary: c.summary, usage: c.usage })) },
    }),
  });
}
