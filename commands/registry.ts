// The list of commands every adapter serves.
import type { Command } from './types.js';
import { spendCommand } from './spend.js';
import { makeHelpCommand } from './help.js';
import { modelsCommand } from './models.js';
import { askCommand } from './ask.js';
import { routecheckCommand } from './routecheck.js';

export const commands: ReadonlyArray<Command<unknown>> = [askCommand, spendCommand, routecheckCommand, modelsCommand, makeHelpCommand(() => commands)];

export function findCommand(name: string): Command<unknown> | undefined {
  const bare = name.replace(/^\//, '').toLowerCase();
  return commands.find((c) => c.name === bare);
}
