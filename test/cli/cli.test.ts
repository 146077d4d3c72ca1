// The CLI over a real SQLite file: import, then spend as text, JSON and CSV; exit codes.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cli } from '../../src/app/cli.js';
import { ALIAS_BOMB_YAML, writeConfig } from '../support/config.js';
import { startSim } from '../support/sim.js';
import { simConfig, SIM_KEYS } from '../support/sim-config.js';
import { tempDir, type TempDir } from '../support/temp.js';
import { openDatabase } from '../../src/store/open.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const now = new Date('2026-11-23T12:00:00Z');

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await cli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, clock: () => now });
  return { code, stdout, stderr };
}

// Each test has its own folder, config and ledger: none sees another's imports.
let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir('routeops-cli-');
  dir = tmp.dir;
  env = { ROUTEOPS_CONFIG: writeConfig(join(dir, 'routeops.yml'), { timezone: 'UTC' }), ROUTEOPS_DB: join(dir, 'ledger.db'), LOG_LEVEL: 'silent' };
});
afterEach(() => tmp.cleanup());

const csv = [
  'ts,provider,model,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,user,request_id,route',
  // deepseek-v4-pro off-peak after 2026-08-16T16:00Z: half of 1.32 in = 0.66/M, half of 3.96 out = 1.98/M,
  // half of 0.044 cached = 0.022/M: 500k uncached*0.66 + 500k cached*0.022 + 100k out*1.98 = 0.33+0.011+0.198 = $0.539
  '2026-11-22T12:00:00Z,deepseek,deepseek-v4-pro,1000000,500000,100000,0,"U0ENG,1",c1,deepseek-v4-pro',
  '2026-11-23T12:00:00Z,zai,glm-4.7,1000000,0,1000000,0,U0ENG2,c2,glm-4.7',
].join('\n');

/** Set-up: `csv` in this test's ledger, as `routeops ledger import` puts it there. */
async function importUsage(): Promise<void> {
  const file = join(dir, 'usage.csv');
  writeFileSync(file, csv);
  const imported = await run('ledger', 'import', file);
  if (imported.code !== 0) throw new Error(`set-up import failed: ${imported.stderr}`);
}

test('ledger import then spend as text, JSON and CSV', async () => {
  const file = join(dir, 'usage.csv');
  writeFileSync(file, csv);
  const imported = await run('ledger', 'import', file);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /2 rows imported, 0 already in the ledger/);
  const again = await run('ledger', 'import', file);
  assert.match(again.stdout, /0 rows imported, 2 already in the ledger/);

  const json = await run('spend', 'week', '--json');
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as { from: string; to: string; group_by: string; total_usd: number; unpriced_rows: number; groups: Array<{ key: string; total_usd: number; share: number; days: Array<{ date: string; usd: number }> }> };
  assert.equal(doc.from, '2026-11-17');
  assert.equal(doc.to, '2026-11-23');
  assert.equal(doc.group_by, 'provider');
  // glm-4.7: 0.60 + 2.20 = $2.80
  assert.equal(doc.total_usd, 3.339);
  assert.equal(doc.unpriced_rows, 0);
  assert.deepEqual(doc.groups.map((g) => [g.key, g.total_usd]), [['zai', 2.8], ['deepseek', 0.539]]);
  assert.equal(doc.groups[1]!.days.find((d) => d.date === '2026-11-22')?.usd, 0.539);
  assert.equal(doc.groups[0]!.days.length, 7);

  const text = await run('spend', 'week', 'by', 'model');
  assert.equal(text.code, 0);
  assert.match(text.stdout, /deepseek\/deepseek-v4-pro/);
  assert.match(text.stdout, /Total\s+\$2\.80\s+\$0\.54\s+\$3\.34/);

  const out = await run('spend', 'week', 'by', 'user', '--csv');
  assert.equal(out.code, 0);
  assert.equal(out.stdout.split('\r\n')[0], 'date,user,usd,unpriced_rows');
  assert.match(out.stdout, /2026-11-22,"U0ENG,1",0\.539,0\r\n/);
});

test('bad usage exits 2 with a message; a bad import line exits 1 and writes nothing', async () => {
  await importUsage(); // the earlier, good import
  const bad = await run('spend', 'fortnight');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /"fortnight" is not a period/);
  assert.equal((await run('spend', 'week', 'by', 'planet')).code, 2);
  assert.equal((await run('frobnicate')).code, 2);
  assert.equal((await run('ledger', 'import')).code, 2);
  assert.equal((await run('ledger', 'import', join(dir, 'missing.csv'))).code, 2);

  const file = join(dir, 'bad.jsonl');
  writeFileSync(file, '{"ts":"2026-11-23T01:00:00Z","provider":"deepseek","model":"deepseek-v4-flash","request_id":"n1"}\n{"ts":"yesterday","provider":"deepseek","model":"m"}\n');
  const result = await run('ledger', 'import', file);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /line 2: ts/);
  const json = JSON.parse((await run('spend', 'today', '--json')).stdout) as { requests: number };
  assert.equal(json.requests, 1, 'only the earlier, good import is in the ledger');
});

const root = fileURLToPath(new URL('../../../', import.meta.url)); // dist/test/cli -> repository root

/** Runs `script` (relative to the repository root) as its own process with `configText` as ROUTEOPS_CONFIG. */
function runProcess(script: string, args: string[], configText: string) {
  const cfg = join(dir, 'routeops.yml');
  writeFileSync(cfg, configText);
  // Without NODE_TEST_CONTEXT, which would make the child report to this test runner.
  const { NODE_TEST_CONTEXT: _ignored, ...parentEnv } = process.env;
  const child = spawnSync(process.execPath, [join(root, script), ...args], {
    env: { ...parentEnv, ROUTEOPS_CONFIG: cfg, ROUTEOPS_DB: join(dir, 'never.db'), SLACK_BOT_TOKEN: '', SLACK_APP_TOKEN: '', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { ...child, cfg };
}
const startWith = (configText: string) => runProcess('dist/src/app/main.js', [], configText);

test('a broken config file stops start-up with exit 2 and names the bad key', () => {
  const child = startWith('models:\n  qwen-plus:\n    routes:\n      - { provider: qwen, model: qwen-plus }\n');
  assert.equal(child.status, 2, child.stderr);
  assert.match(child.stderr, /models\.qwen-plus\.routes\[0\]\.provider: unknown provider "qwen"/);
  assert.doesNotMatch(child.stderr, /\n\s+at /, 'no stack trace');
});

test('a misspelt access rule stops start-up with exit 2, naming the key and the accepted ones', () => {
  const child = startWith('access: { spnd: [U0CFO] }\n');
  assert.equal(child.status, 2, child.stderr);
  assert.match(child.stderr, /access\.spnd: unknown key \(accepted: spend, routecheck, prices, keys\)/);
});

test('a retirement replacement no model is known by, and a catalog source that is no URL or path, exit 2', () => {
  const retirement = startWith('retirements:\n  - { provider: deepseek, model: deepseek-chat, at: 2026-07-24T15:59:00Z, replacement: deepseek-v5 }\n');
  assert.equal(retirement.status, 2, retirement.stderr);
  assert.match(retirement.stderr, /retirements\[0\]\.replacement: unknown model "deepseek-v5" for provider deepseek \(known: /);
  const source = runProcess('bin/routeops.js', ['models'], 'catalog: { openrouter: "ftp://mirror.example/models.json" }\n');
  assert.equal(source.status, 2, source.stderr);
  assert.match(source.stderr, /catalog\.openrouter: unsupported URL scheme "ftp:"/);
});

test('a YAML alias bomb exits 2 with "config too complex" and the file, from start and from the CLI', () => {
  for (const child of [startWith(ALIAS_BOMB_YAML), runProcess('bin/routeops.js', ['spend'], ALIAS_BOMB_YAML)]) {
    assert.equal(child.status, 2, child.stderr);
    assert.ok(child.stderr.includes(`${child.cfg}: invalid configuration\n  config too complex`), child.stderr);
    assert.doesNotMatch(child.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('models --json lists prices in force, aliases and retirements', async () => {
  const out = await run('models', 'deepseek', '--json');
  assert.equal(out.code, 0, out.stderr);
  const { models } = JSON.parse(out.stdout) as { models: Array<{ provider: string; model: string; aliases: string[]; per_million: { input: number; cached_input: number; output: number } | null; retires_at: string | null; replacement: string | null }> };
  const find = (p: string, m: string) => models.find((x) => x.provider === p && x.model === m);
  // 2026-11-23: billed as deepseek-flash since 2026-09-10, base (off-peak) prices.
  assert.deepEqual(find('deepseek', 'deepseek-v4-flash')?.per_million, { input: 0.15, cached_input: 0.003, cache_write: 0.15, output: 0.6, reasoning_output: null, thinking_output: null });
  assert.deepEqual(find('deepseek', 'deepseek-v4-flash')?.aliases, [], 'the built-in alias is the current name');
  assert.deepEqual(find('deepseek', 'deepseek-flash')?.per_million, find('deepseek', 'deepseek-v4-flash')?.per_million);
  assert.deepEqual(find('deepseek', 'deepseek-flash')?.aliases, ['deepseek-flash']);
  assert.equal(find('deepseek', 'deepseek-chat')?.retires_at, '2026-07-24T15:59:00.000Z');
  assert.equal(find('deepseek', 'deepseek-chat')?.replacement, 'deepseek-v4-flash');
  assert.equal(find('openrouter', 'deepseek/deepseek-v4-flash')?.per_million, null, 'gateway routes are not priced, never $0');
  assert.ok(models.every((m) => `${m.provider}/${m.model} ${m.aliases.join(' ')}`.includes('deepseek')));

  const text = await run('models', 'glm');
  assert.match(text.stdout, /zai\/glm-4\.7\s+glm-4\.7\s+\$0\.60\s+\$0\.11\s+\$2\.20/);
  assert.match((await run('models', 'no-such-thing')).stdout, /No model matches "no-such-thing"/);
});

test('ask streams an answer from a routed model and meters it', async () => {
  const sim = await startSim();
  const savedEnv = env;
  try {
    const cfg = join(dir, 'sim.yml');
    writeConfig(cfg, simConfig(sim));
    env = { ...env, ...SIM_KEYS, ROUTEOPS_CONFIG: cfg, ROUTEOPS_DB: join(dir, 'ask.db') };
    const out = await run('ask', '--model', 'glm-4.7', 'why', 'is', 'the', 'sky', 'blue?');
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /Simulated glm answer to: why is the sky blue\?/);
    assert.match(out.stdout, /glm-4\.7 · zai\/glm-4\.7 · tokens in \d+/);
    // An alias that does not exist is bad usage: exit 2, what is known on stderr, no upstream call.
    const calls = sim.requests.length;
    const bad = await run('ask', '--model', 'nope', 'hi', '--json');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown model alias "nope"; known: deepseek-flash/);
    assert.equal(bad.stdout, '');
    assert.equal(sim.requests.length, calls);
    const spend = JSON.parse((await run('spend', 'today', 'by', 'route', '--json')).stdout) as { requests: number; groups: Array<{ key: string }> };
    assert.equal(spend.requests, 1, 'the CLI answer is in the ledger');
    assert.equal(spend.groups[0]?.key, 'glm-4.7');
  } finally {
    env = savedEnv;
    await sim.close();
  }
});

test('a group with only unpriced rows says "not priced", never $0.00', async () => {
  const file = join(dir, 'unpriced.jsonl');
  writeFileSync(file, '{"ts":"2026-11-21T10:00:00Z","provider":"openrouter","model":"mystery/model","input_tokens":100,"output_tokens":100,"request_id":"u1"}\n');
  assert.equal((await run('ledger', 'import', file)).code, 0);
  const text = await run('spend', '2026-11-21..2026-11-21');
  assert.match(text.stdout, /2026-11-21\s+not priced\s+not priced/);
  const json = JSON.parse((await run('spend', '2026-11-21..2026-11-21', '--json')).stdout) as { groups: Array<{ key: string; unpriced_rows: number; days: Array<{ unpriced_rows?: number }> }> };
  const g = json.groups.find((x) => x.key === 'openrouter')!;
  assert.equal(g.unpriced_rows, 1);
  assert.equal(g.days[0]!.unpriced_rows, 1);
});

test('a Slack bot token without an app token or signing secret stops start-up with exit 2, naming both', () => {
  const cfg = join(dir, 'routeops.yml');
  writeFileSync(cfg, 'timezone: UTC\n');
  const { NODE_TEST_CONTEXT: _ignored, ...parentEnv } = process.env;
  const child = spawnSync(process.execPath, [join(root, 'dist/src/app/main.js')], {
    env: { ...parentEnv, ROUTEOPS_CONFIG: cfg, ROUTEOPS_DB: join(dir, 'slack-missing.db'), SLACK_BOT_TOKEN: 'xoxb-secret-token', SLACK_APP_TOKEN: '', SLACK_SIGNING_SECRET: '', PORT: '0', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(child.status, 2, child.stderr);
  assert.match(child.stderr, /environment: invalid configuration\n {2}SLACK_BOT_TOKEN is set: Slack also needs SLACK_APP_TOKEN \(Socket Mode\) or SLACK_SIGNING_SECRET \(HTTP mode\)/);
  assert.doesNotMatch(child.stderr, /xoxb-secret-token/);
});

test('Slack unreachable at start names the URL it tried (exit 1), never the token', async () => {
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const cfg = join(dir, 'routeops.yml');
  writeFileSync(cfg, 'timezone: UTC\n');
  const { NODE_TEST_CONTEXT: _ignored, ...parentEnv } = process.env;
  const apiUrl = `http://127.0.0.1:${port}/api/`;
  const child = spawnSync(process.execPath, [join(root, 'dist/src/app/main.js')], {
    env: { ...parentEnv, ROUTEOPS_CONFIG: cfg, ROUTEOPS_DB: join(dir, 'slack-down.db'), SLACK_BOT_TOKEN: 'xoxb-secret-token', SLACK_SIGNING_SECRET: 'sign', SLACK_APP_TOKEN: '', SLACK_API_URL: apiUrl, PORT: '0', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(child.status, 1, child.stderr);
  assert.match(child.stderr, new RegExp(`routeops could not start: Slack unreachable at ${apiUrl.replace(/[.]/g, '\\.')}`));
  assert.doesNotMatch(child.stderr, /xoxb-secret-token|\n\s+at /);
});

test('control characters in arguments and in imported rows never reach the terminal raw', async () => {
  // An argument with an escape sequence is echoed in the error, made visible, not executed.
  const child = runProcess('bin/routeops.js', ['spend', 'week\u001b[31m\u0007'], 'timezone: UTC\n');
  assert.equal(child.status, 2, child.stderr);
  assert.match(child.stderr, /week\uFFFD\[31m\uFFFD/);
  assert.doesNotMatch(child.stderr + child.stdout, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);

  // A name with a control character is refused with the reason; an error text keeps its words.
  const file = join(dir, 'ctl.jsonl');
  writeFileSync(file, `${JSON.stringify({ ts: '2026-11-20T12:00:00Z', provider: 'deepseek', model: 'x\u001b[31m', input_tokens: 1 })}\n`);
  const bad = await run('ledger', 'import', file);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, /line 1: model: contains a control character \(U\+001B\); names are printable text/);
  writeFileSync(file, `${JSON.stringify({ ts: '2026-11-20T12:00:00Z', provider: 'deepseek', model: 'm', input_tokens: 1, request_id: 'c1', error: 'boom\u0007\u001b[2J' })}\n`);
  assert.equal((await run('ledger', 'import', file)).code, 0);
  const db = openDatabase(env.ROUTEOPS_DB!);
  try {
    assert.equal(db.prepare(`SELECT error FROM usage WHERE request_id = 'c1'`).pluck().get(), 'boom\uFFFD\uFFFD[2J');
  } finally {
    db.close();
  }
});

test('a bare or misspelt prices subcommand lists the subcommands (exit 2)', async () => {
  for (const argv of [['prices'], ['prices', 'nope']]) {
    const out = await run(...argv);
    assert.equal(out.code, 2, argv.join(' '));
    assert.match(out.stderr, /prices (needs a subcommand|subcommand "nope"): list, apply, ignore, history \(routeops prices SUBCOMMAND --help\)/);
  }
});
