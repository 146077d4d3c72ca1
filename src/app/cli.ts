// The `routeops` command line: the same commands as Slack, rendered as text, JSON or CSV.
// Exit codes: 0 success, 1 the command failed, 2 bad usage or bad config.
import { closeSync, openSync, statSync } from 'node:fs';
import { ConfigError, loadConfig, parseEnv } from '../config/load.js';
import { createLogger } from './log.js';
import { createServices, type Clock, type Services } from './services.js';
import { dispatch } from '../../commands/dispatch.js';
import { importUsageFile } from '../features/ledger/import-usage.js';
import { commands } from '../../commands/registry.js';
import { renderText, terminalProgress, renderAfterProgress } from '../adapters/shell/text.js';

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  clock?: Clock;
}

const USAGE = `Usage: routeops <command> [args] [--json|--csv]

Commands:
${commands.map((c) => `  routeops ${c.usage.split('\n')[0]}`).join('\n')}
  routeops ledger import FILE      import usage rows (JSONL or CSV)
  routeops alerts run [--now ISO] [--dry-run] [--json]   run every alert check once
  routeops catalog diff OLD NEW [--json]                 price/model changes between two snapshots
  routeops sim [--port N]          run the local provider simulator (DeepSeek, Qwen, Kimi, GLM, OpenRouter)
  routeops start                   start the bot (same as npm start)

Environment: ROUTEOPS_CONFIG (YAML config), ROUTEOPS_DB (SQLite file), LOG_LEVEL.
`;

function withServices<T>(io: CliIO, fn: (s: Services) => Promise<T>): Promise<T> {
  const env = parseEnv(io.env);
  const config = loadConfig(env);
  // Logs go to stderr so --json output on stdout stays one clean document.
  const services = createServices({ config, dbPath: env.ROUTEOPS_DB, log: createLogger(env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL), clock: io.clock, secrets: io.env });
  return fn(services).finally(() => services.close());
}

async function ledgerImport(args: string[], io: CliIO): Promise<number> {
  const file = args[0];
  if (!file || args.length > 1) {
    io.stderr('Usage: routeops ledger import FILE   (JSONL or CSV with a header)\n');
    return 2;
  }
  // Check the file before opening the ledger; the import itself streams it (any size).
  try {
    closeSync(openSync(file, 'r'));
    if (statSync(file).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (err) {
    io.stderr(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}\n`);
    return 2;
  }
  return withServices(io, async ({ ledger }) => {
    const result = await importUsageFile(ledger, file, 'import');
    if (!result.ok) {
      const more = result.errorCount > result.errors.length ? `\n  … and ${result.errorCount - result.errors.length} more bad line(s)` : '';
      io.stderr(`${file}: nothing was imported, fix these lines and run it again:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}${more}\n`);
      return 1;
    }
    io.stdout(`${file}: ${result.inserted} rows imported, ${result.skipped} already in the ledger (skipped).\n`);
    return 0;
  });
}

export async function cli(argv: string[], io: CliIO): Promise<number> {
  const json = argv.includes('--json');
  const csv = argv.includes('--csv');
  const words = argv.filter((a) => a !== '--json' && a !== '--csv');
  const [name, ...rest] = words;
  try {
    if (!name || name === '--help' || name === '-h') {
      io.stdout(USAGE);
      return name ? 0 : 2;
    }
    if (name === 'start') {
      const { main } = await import('./main.js');
      await main();
      return 0;
    }
    if (name === 'sim') {
      const { runSim } = await import('../../tools/sim/main.js');
      return await runSim(rest);
    }
    if (name === 'alerts') {
      const { runAlertsCommand, alertPoster } = await import('../features/alerts/index.js');
      const env = parseEnv(io.env);
      // The raw arguments after "alerts": its own parser reads --json.
      const alertArgs = argv.slice(argv.indexOf('alerts') + 1);
      return await withServices(io, (services) => runAlertsCommand(alertArgs, services, env.SLACK_BOT_TOKEN ? alertPoster(env.SLACK_BOT_TOKEN, env.SLACK_API_URL) : null, io));
    }
    if (name === 'catalog') {
      if (rest[0] !== 'diff' || rest.length !== 3) {
        io.stderr('Usage: routeops catalog diff OLD NEW [--json]   (saved OpenRouter /models or LiteLLM price map responses; .gz ok)\n');
        return 2;
      }
      const { catalogDiffCommand } = await import('../features/catalog/diff.js');
      const result = await catalogDiffCommand(rest[1]!, rest[2]!, { json });
      io.stdout(result.stdout);
      if (result.stderr) io.stderr(result.stderr);
      return result.exitCode;
    }
    if (name === 'ledger') {
      if (rest[0] === 'import') return await ledgerImport(rest.slice(1), io);
      io.stderr('Usage: routeops ledger import FILE\n');
      return 2;
    }
    if (!commands.some((c) => c.name === name)) {
      io.stderr(`Unknown command "${name}".\n\n${USAGE}`);
      return 2;
    }
    if (json && csv) {
      io.stderr('Choose one of --json and --csv.\n');
      return 2;
    }
    const text = [...rest, ...(csv ? ['csv'] : [])].join(' ');
    return await withServices(io, async (services) => {
      const live = json ? undefined : terminalProgress(io.stdout);
      const reply = await dispatch(name, text, services, { id: 'cli', local: true }, live);
      if (reply.kind === 'usage') {
        io.stderr(renderText(reply));
        return 2;
      }
      if (json) io.stdout(`${JSON.stringify(reply.data ?? { title: reply.title, summary: reply.summary }, null, 2)}\n`);
      else if (csv && reply.file) io.stdout(reply.file.content);
      else io.stdout(live ? renderAfterProgress(reply, live) : renderText(reply));
      return reply.kind === 'result' && !reply.failed ? 0 : 1;
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`${err.message}\n`);
      return 2;
    }
    io.stderr(`routeops: ${(err as Error).message}\n`);
    return 1;
  }
}

export async function runCli(argv: string[]): Promise<void> {
  const code = await cli(argv, {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
  });
  if (argv[0] !== 'start') process.exitCode = code;
}
