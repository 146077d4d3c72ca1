// The CLI as a CLI: --help for every command, options it does not take refused (never sent to a
// model or searched for), its own words ("routeops models", not "/models"), and exit codes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cli } from '../../src/app/cli.js';
import { commandsFor } from '../../commands/registry.js';
import { dispatch } from '../../commands/dispatch.js';
import type { Services } from '../../src/features/services.js';
import { writeConfig } from '../support/config.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, SIM_KEYS } from '../support/sim-config.js';
import { tempDir, type TempDir } from '../support/temp.js';

let sim: Simulator;
let tmp: TempDir;
let env: NodeJS.ProcessEnv;
before(async () => {
  sim = await startSim();
  tmp = tempDir('routeops-cli-usage-');
  env = { ...SIM_KEYS, ROUTEOPS_CONFIG: writeConfig(join(tmp.dir, 'sim.yml'), simConfig(sim)), ROUTEOPS_DB: join(tmp.dir, 'ledger.db'), LOG_LEVEL: 'silent' };
});
after(async () => {
  await sim.close();
  tmp.cleanup();
});

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await cli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
  return { code, stdout, stderr };
}

const chatRequests = () => sim.requests.filter((r) => r.path.endsWith('/chat/completions')).length;

test('routeops CMD --help (or -h) prints that command\'s usage on stdout and exits 0, for every command', async () => {
  for (const command of commandsFor('cli')) {
    for (const flag of ['--help', '-h']) {
      const out = await run(...command.name.split(' '), flag);
      assert.equal(out.code, 0, `${command.name} ${flag}: ${out.stderr}`);
      assert.ok(out.stdout.startsWith(`${command.summary}.\nUsage: routeops ${command.name}`), `${command.name} ${flag}: ${out.stdout}`);
      assert.equal(out.stderr, '');
    }
  }
  assert.match((await run('ask', '--ops', '--help')).stdout, /^Usage: routeops ask/m, '--help among the leading options');
});

test('ask refuses an option it does not take, and --model= without an alias, before any model is called', async () => {
  const calls = chatRequests();
  const bogus = await run('ask', '--bogus', 'hi');
  assert.equal(bogus.code, 2);
  assert.match(bogus.stderr, /^unknown option "--bogus"; routeops ask takes --model ALIAS, --ops, --json\nUsage: routeops ask \[--model ALIAS\] \[--ops\] QUESTION \[--json\]/);
  for (const argv of [['ask', '--model=', 'hi'], ['ask', '--model'], ['ask', '--model', '--ops', 'hi']]) {
    const out = await run(...argv);
    assert.equal(out.code, 2, argv.join(' '));
    assert.match(out.stderr, /^--model needs an alias, like --model qwen-plus/);
  }
  assert.equal(chatRequests(), calls, 'no provider called');
});

test('dashes later in a question are text: "what does -- mean" and "explain the --ops flag" are asked', async () => {
  for (const question of ['what does -- mean', 'explain the --ops flag']) {
    const out = await run('ask', '--model', 'glm-4.7', ...question.split(' '));
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`Simulated glm answer to: ${question}`));
  }
  // A leading "--" ends the options: a question may start with a dash word.
  const ended = await run('ask', '--model', 'glm-4.7', '--', '--ops', 'is what?');
  assert.equal(ended.code, 0, ended.stderr);
  assert.match(ended.stdout, /Simulated glm answer to: --ops is what\?/);
});

test('models refuses options instead of searching for them', async () => {
  const bogus = await run('models', '--bogus');
  assert.equal(bogus.code, 2);
  assert.match(bogus.stderr, /^unknown option "--bogus"; routeops models takes --json\nUsage: routeops models \[TEXT\] \[--json\]/);
  const valued = await run('models', '--json=yes');
  assert.equal(valued.code, 2);
  assert.match(valued.stderr, /^--json takes no value \(got "--json=yes"\)\nUsage: routeops models/);
  assert.equal(valued.stdout, '');
});

test('the CLI speaks CLI: messages name "routeops ask" and "routeops models", never the Slack commands', async () => {
  const empty = await run('ask');
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /^ask what\? Put your question after routeops ask\n/);
  const long = await run('ask', 'x'.repeat(8001));
  assert.equal(long.code, 2);
  assert.match(long.stderr, /^the question is 8001 characters long; routeops ask takes up to 8000\n/);
  const alias = await run('ask', '--model', 'nosuch', 'hi');
  assert.equal(alias.code, 2);
  assert.match(alias.stderr, /^unknown model alias "nosuch"; known: .* \(see routeops models\)\n/);
  const none = await run('models', 'zzz');
  assert.match(none.stdout, /No model matches "zzz"\. Try routeops models with no text for the whole catalog\./);
  const help = await run('help');
  assert.match(help.stdout, /--model picks a model alias \(see routeops models\)/);
  for (const out of [empty, long, alias, none, help]) assert.doesNotMatch(out.stdout + out.stderr, /(?<!OpenRouter )\/(ask|models|spend)\b/, "OpenRouter's /models endpoint is no command");
});

test('Slack and the shell keep their words, and refuse unknown options with the same short usage', async () => {
  const noServices = (): Services => {
    throw new Error('bad usage needs no services');
  };
  const local = { id: 'test', local: true };
  for (const adapter of ['slack', 'shell'] as const) {
    const ask = await dispatch('ask', '--bogus hi', noServices, local, undefined, { adapter });
    assert.equal(ask.kind, 'usage');
    assert.equal(ask.summary, 'unknown option "--bogus"; /ask takes --model ALIAS, --ops');
    assert.match(ask.sections?.[0]?.text ?? '', /^\/ask \[--model ALIAS\] \[--ops\] QUESTION\n--model picks a model alias \(see \/models\)/);
    const models = await dispatch('models', '--bogus', noServices, local, undefined, { adapter });
    assert.equal(models.summary, 'unknown option "--bogus"; /models takes no options');
    const help = await dispatch('spend', '--help', noServices, local, undefined, { adapter });
    assert.equal(help.kind, 'usage');
    assert.match(help.sections?.[0]?.text ?? '', /^\/spend \[PERIOD\] \[by provider\|model\|user\|key\|route\] \[csv\]\n/);
  }
});

test('routeops help and bare routeops list --version, COMMAND --help and each command\'s --json, each usage once', async () => {
  const help = await run('help');
  assert.equal(help.code, 0);
  const bare = await run();
  assert.equal(bare.code, 2);
  for (const text of [help.stdout, bare.stdout]) {
    assert.match(text, /routeops --version/);
    assert.match(text, /routeops COMMAND --help/);
    assert.match(text, /routeops models \[TEXT\] \[--json\]/);
    assert.match(text, /routeops routecheck TARGET \[--long\] \[--json\]/);
    assert.match(text, /routeops spend \[PERIOD\] \[by provider\|model\|user\|key\|route\] \[csv\] \[--json\|--csv\]/);
    assert.equal(text.match(/JSONL/g)?.length, 1, 'the import formats are said once');
  }
  const extra = await run('--version', '--bogus');
  assert.equal(extra.code, 2);
  assert.equal(extra.stderr, '--version takes no arguments (got "--bogus").\n');
});

const root = fileURLToPath(new URL('../../../', import.meta.url)); // dist/test/cli -> repository root

test('routeops start exits 2 on an unknown argument and 0 on --help, without starting the bot', () => {
  const { NODE_TEST_CONTEXT: _ignored, ...parentEnv } = process.env;
  const start = (arg: string) => spawnSync(process.execPath, [join(root, 'bin/routeops.js'), 'start', arg], { env: { ...parentEnv, ...env }, encoding: 'utf8', timeout: 20_000 });
  const bogus = start('--bogus');
  assert.equal(bogus.status, 2, bogus.stderr);
  assert.match(bogus.stderr, /^unknown argument "--bogus"\nUsage: routeops start/);
  const help = start('--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Start the bot from the built files \(npm start also builds first when a source changed\)\.\nUsage: routeops start/);
});

test('spend refuses --json together with CSV, as the word or as --csv: exit 2, nothing on stdout', async () => {
  for (const [argv, said] of [[['spend', 'week', 'csv', '--json'], 'csv'], [['spend', 'week', '--csv', '--json'], '--csv'], [['spend', '--json', 'CSV'], 'csv']] as const) {
    const out = await run(...argv);
    assert.equal(out.code, 2, argv.join(' '));
    assert.equal(out.stderr, `Choose one of --json and ${said}.\n`);
    assert.equal(out.stdout, '');
  }
});

test('ledger import counts in words: "1 row imported"', async () => {
  const file = join(tmp.dir, 'one.jsonl');
  writeFileSync(file, '{"ts":"2026-11-23T01:00:00Z","provider":"deepseek","model":"deepseek-v4-flash","request_id":"one-1"}\n');
  const out = await run('ledger', 'import', file);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, `${file}: 1 row imported, 0 already in the ledger (skipped).\n`);
});
