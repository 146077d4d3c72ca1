// Every command, and which adapters offer it. Slack and the shell offer the chat commands; the
// CLI offers those and the terminal-only ones.
import type { Adapter, Command } from './types.js';
import { askCommand } from './ask.js';
import { spendCommand } from './spend.js';
import { routecheckCommand } from './routecheck.js';
import { modelsCommand } from './models.js';
import { makeHelpCommand } from './help.js';
import { ledgerImportCommand } from './ledger-import.js';
import { alertsRunCommand } from './alerts-run.js';
import { auditCommand } from './audit.js';
import { dbCheckCommand, dbCopyCommand } from './db.js';
import { balanceCommand } from './balance.js';
import { balancePollCommand } from './balance-poll.js';
import { keysCommand, keysCreateCommand, keysRevokeCommand, keysRotateCommand } from './keys.js';
import { catalogDiffCommand } from './catalog-diff.js';
import { catalogRefreshCommand } from './catalog-refresh.js';
import { pricesApplyCommand, pricesHistoryCommand, pricesIgnoreCommand, pricesListCommand } from './prices.js';
import { simCommand } from './sim.js';
import { startCommand } from './start.js';
import { manifestCommand } from './manifest.js';

export const commands: ReadonlyArray<Command<unknown>> = [
  askCommand,
  spendCommand,
  routecheckCommand,
  modelsCommand,
  balanceCommand,
  keysCommand,
  makeHelpCommand(commandsFor),
  ledgerImportCommand,
  alertsRunCommand,
  balancePollCommand,
  catalogDiffCommand,
  catalogRefreshCommand,
  pricesListCommand,
  pricesApplyCommand,
  pricesIgnoreCommand,
  pricesHistoryCommand,
  auditCommand,
  dbCopyCommand,
  dbCheckCommand,
  keysCreateCommand,
  keysRevokeCommand,
  keysRotateCommand,
  simCommand,
  manifestCommand,
  startCommand,
];

/** The commands an adapter offers, in registry order. */
export function commandsFor(adapter: Adapter): Array<Command<unknown>> {
  return commands.filter((c) => c.adapters.includes(adapter));
}

/** The command `name` names ("/spend", "Spend", "ledger import", an alias), if `adapter` offers it. */
export function findCommand(name: string, adapter: Adapter): Command<unknown> | undefined {
  const bare = name.replace(/^\//, '').trim().toLowerCase().replace(/\s+/g, ' ');
  return commandsFor(adapter).find((c) => c.name === bare);
}
