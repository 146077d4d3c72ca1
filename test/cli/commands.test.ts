// The command layer: one registry and one dispatch for every adapter. An adapter reaches only
// the commands that list it; help lists what the caller's adapter offers; UsageError means usage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dispatch } from '../../commands/dispatch.js';
import { commands, commandsFor, findCommand } from '../../commands/registry.js';
import { cli, readCommandLine, CommandLineError } from '../../src/app/cli.js';
import type { Services } from '../../src/features/services.js';

const local = { id: 'test', local: true };
const noServices = (): Services => {
  throw new Error('this command should not need services');
};

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  // No config, no database: only commands that need neither can succeed.
  const code = await cli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {} });
  return { code, stdout, stderr };
}

test('every command says which adapters offer it; Slack and the shell offer the chat commands, the CLI all', () => {
  assert.deepEqual(commandsFor('slack').map((c) => c.name), ['ask', 'spend', 'routecheck', 'models', 'balance', 'keys', 'help']);
  assert.deepEqual(commandsFor('shell').map((c) => c.name), ['ask', 'spend', 'routecheck', 'models', 'balance', 'keys', 'help']);
  assert.deepEqual(commandsFor('cli').map((c) => c.name), commands.map((c) => c.name));
  assert.ok(commands.every((c) => c.adapters.length > 0));
  assert.equal(findCommand('/Spend', 'slack')?.name, 'spend');
  assert.equal(findCommand('ledger import', 'slack'), undefined);
  assert.equal(findCommand('alerts', 'cli'), undefined, 'a bare "alerts" runs nothing: running needs "alerts run"');
});

test('an adapter that does not offer a command gets the usual "not a routeops command"', async () => {
  for (const adapter of ['slack', 'shell'] as const) {
    const reply = await dispatch('sim', '', noServices, local, undefined, { adapter });
    assert.equal(reply.kind, 'usage');
    assert.match(reply.summary ?? '', /"\/sim" is not a routeops command/);
    assert.doesNotMatch(reply.sections?.[0]?.text ?? '', /ledger import|catalog diff|alerts run/);
  }
});

test('help lists what the calling adapter offers, and needs no services', async () => {
  const slack = await dispatch('help', '', noServices, local, undefined, { adapter: 'slack' });
  assert.deepEqual((slack.data as { commands: Array<{ name: string }> }).commands.map((c) => c.name), ['ask', 'spend', 'routecheck', 'models', 'balance', 'keys', 'help']);
  assert.equal(slack.sections?.[0]?.heading, '/ask');
  const out = await run('help');
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /routeops ledger import:/);
  assert.match(out.stdout, /Usage: routeops catalog diff OLD NEW/);
});

test('the CLI reads options with one strict parser; errors are usage, exit 2', async () => {
  const line = readCommandLine(['--json', 'alerts', 'run', '--now=2026-07-17', '--dry-run']);
  assert.equal(line.command.name, 'alerts run');
  assert.equal(line.json, true);
  assert.deepEqual(line.command.parse(line.input, 'cli'), { now: '2026-07-17', dryRun: true });
  // Chat commands keep their text grammar, global flags taken out.
  const ask = readCommandLine(['ask', '--model', 'x', 'why', '--json', 'so?']);
  assert.equal(ask.input.text, '--model x why so?');
  assert.throws(() => readCommandLine(['catalog', 'diff', 'a', 'b', '--color']), (err: unknown) => err instanceof CommandLineError && /unknown argument "--color"/.test(err.message));

  const missing = await run('catalog', 'diff', 'only-one');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Usage: routeops catalog diff OLD NEW/);
  const group = await run('ledger', 'export');
  assert.equal(group.code, 2);
  assert.match(group.stderr, /unknown ledger subcommand "export"\nUsage: routeops ledger import FILE/);
  const unknown = await run('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^Unknown command "frobnicate"\.\n\nUsage: routeops <command>/);
});

test('--version prints the package version, and needs no config', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  const out = await run('--version');
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, `routeops ${version}\n`);
});

test('bad command lines are named in our words: a lone option, --csv where no CSV is written, a value that looks like a flag, a stray word', async () => {
  const lone = await run('--frob');
  assert.equal(lone.code, 2);
  assert.match(lone.stderr, /^Unknown command "--frob"\./);
  const csv = await run('alerts', 'run', '--dry-run', '--csv');
  assert.equal(csv.code, 2);
  assert.match(csv.stderr, /--csv is not an option of routeops alerts run/);
  const dash = await run('alerts', 'run', '--now', '--dry-run');
  assert.equal(dash.code, 2);
  assert.match(dash.stderr, /^--now needs a value \(write --now=VALUE for a value that starts with "-"\)\nUsage: routeops alerts run/);
  assert.doesNotMatch(dash.stderr, /ambiguous|XYZ/);
  const bare = await run('alerts');
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /^alerts needs a subcommand\nUsage: routeops alerts run/);
  const stray = await run('alerts', 'run', 'extra');
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /^unexpected "extra"/);
  const long = await run('x'.repeat(10_000));
  assert.equal(long.code, 2);
  assert.ok(long.stderr.length < 5_000, 'a huge name is not echoed whole');
});

test('a command that needs the config says so when it is missing or broken: exit 2, no stack', async () => {
  let stderr = '';
  const code = await cli(['spend', 'week'], { stdout: () => {}, stderr: (s) => (stderr += s), env: { ROUTEOPS_CONFIG: '/nonexistent/routeops.yml' } });
  assert.equal(code, 2, stderr);
  assert.doesNotMatch(stderr, /\n\s+at /);
});
