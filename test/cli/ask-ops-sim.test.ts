// The ops questions on the no-account path: `routeops ask` against the provider simulator, with
// usage in the ledger. The simulator calls the ops tool the question names (tools/sim/tool-rule.ts),
// routeops runs it on its real ledger, and the answer carries the ledger's own figure, which only
// the tool could have given. First through the CLI in process (a fixed clock, every wire
// profile), then as a newcomer runs it: `routeops sim` and `routeops ask` as processes, the
// config made from the providers block the simulator prints, and a fault set by provider name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { cli } from '../../src/app/cli.js';
import { writeConfig } from '../support/config.js';
import { runCli, spawnCli } from '../support/bot-process.js';
import { startSim } from '../support/sim.js';
import { simConfig, SIM_KEYS } from '../support/sim-config.js';
import { tempDir } from '../support/temp.js';

/** Usage rows: two providers the day before `day`, one on `day` (not "yesterday"'s). */
function usageRows(yesterday: string, today: string): string {
  return [
    { ts: `${yesterday}T10:00:00Z`, provider: 'qwen-intl', model: 'qwen-plus', input_tokens: 1_000_000, output_tokens: 200_000, request_id: 'ops-q1' },
    { ts: `${yesterday}T11:00:00Z`, provider: 'deepseek', model: 'deepseek-v4-flash', input_tokens: 3_000_000, output_tokens: 0, request_id: 'ops-d1' },
    { ts: `${today}T01:00:00Z`, provider: 'qwen-intl', model: 'qwen-plus', input_tokens: 5_000_000, output_tokens: 0, request_id: 'ops-q2' },
  ]
    .map((r) => JSON.stringify(r))
    .join('\n');
}

type SpendJson = { from: string; total_usd: number; groups: Array<{ key: string; total_usd: number }> };

test('routeops ask: ops questions answered from the real ledger through the simulator\'s tool calls, on every wire profile', async (t) => {
  const tmp = tempDir('routeops-ask-ops-', t);
  const sim = await startSim(t);
  const now = new Date('2026-07-20T12:00:00Z');
  const env = { ...SIM_KEYS, ROUTEOPS_CONFIG: writeConfig(tmp.file('routeops.yml'), simConfig(sim)), ROUTEOPS_DB: tmp.dbPath, LOG_LEVEL: 'silent' };
  const run = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await cli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, clock: () => now });
    return { code, stdout, stderr };
  };
  writeFileSync(tmp.file('usage.jsonl'), usageRows('2026-07-19', '2026-07-20'));
  assert.equal((await run('ledger', 'import', tmp.file('usage.jsonl'))).code, 0);
  const spend = JSON.parse((await run('spend', 'yesterday', '--json')).stdout) as SpendJson;
  const qwen = spend.groups.find((g) => g.key === 'qwen-intl')!;
  assert.ok(qwen.total_usd > 0 && spend.total_usd > qwen.total_usd, 'set-up: both providers priced');

  for (const alias of ['deepseek-v4-flash', 'qwen-plus', 'kimi-k2.5', 'glm-4.7', 'or-qwen']) {
    const out = await run('ask', '--model', alias, 'what did we spend on qwen yesterday?');
    assert.equal(out.code, 0, `${alias}: ${out.stderr}`);
    // The question names qwen: the tool answers for qwen-intl first (provider_total_usd), the whole period beside it.
    assert.match(out.stdout, new RegExp(`^Based on the data from get_spend: provider: qwen; provider_total_usd: ${qwen.total_usd}; from: 2026-07-19; to: 2026-07-19; group_by: provider; timezone: UTC; total_usd: ${spend.total_usd};`), alias);
    assert.ok(!out.stdout.includes('{key: deepseek;'), `${alias}: only qwen's group\n${out.stdout}`);
    assert.ok(out.stdout.includes(`{key: qwen-intl; total_usd: ${qwen.total_usd};`), `${alias}: the qwen figure from the ledger\n${out.stdout}`);
  }
  const routes = await run('ask', 'which routes serve kimi?');
  assert.match(routes.stdout, /^Based on the data from list_routes: aliases \(1\) \{alias: kimi-k2\.5; default: false; routes \(2\) \{provider: moonshot; model: kimi-k2\.5;.*\} \| \{provider: openrouter; model: moonshotai\/kimi-k2\.5;/);
  // The built-in catalog retires deepseek-chat on 2026-07-24; the config's legacy-chat alias still points at it.
  const retires = await run('ask', 'what retires this month?');
  assert.match(retires.stdout, /^Based on the data from list_retirements: now: 2026-07-20T12:00:00\.000Z; retirements \(\d+\) \{provider: deepseek; model: deepseek-chat; at: 2026-07-24T15:59:00\.000Z; already_retired: false; replacement: deepseek-v4-flash; aliases_still_pointing \(1\) legacy-chat\}/);
  // Not an ops question of ours: the plain simulated answer.
  assert.match((await run('ask', 'what is a fallback route?')).stdout, /^Simulated deepseek answer to: what is a fallback route\?/);
});

test('as a newcomer runs it: routeops sim, its providers block as routeops.yml, ledger import, routeops ask; a fault set by provider name', async (t) => {
  const tmp = tempDir('routeops-newcomer-', t);
  const simProcess = spawnCli(['sim', '--port', '0'], {});
  t.after(async () => {
    if (simProcess.exitCode === null && simProcess.signalCode === null) {
      simProcess.kill('SIGTERM');
      await once(simProcess, 'close');
    }
  });
  let banner = '';
  simProcess.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    simProcess.stdout!.on('data', (c: string) => {
      banner += c;
      if (banner.includes('Ctrl-C stops it.')) resolve();
    });
    simProcess.once('close', (code) => reject(new Error(`routeops sim exited (${code}) before its banner: ${banner}`)));
  });
  const simUrl = /listening on (http:\/\/\S+)/.exec(banner)![1]!;
  const providersBlock = /^providers:\n(?: {2}.*\n)+/m.exec(banner)![0];
  const env = {
    ROUTEOPS_CONFIG: tmp.file('routeops.yml'),
    ROUTEOPS_DB: tmp.dbPath,
    DEEPSEEK_API_KEY: 'sim',
    DASHSCOPE_API_KEY: 'sim',
    MOONSHOT_API_KEY: 'sim',
    ZAI_API_KEY: 'sim',
    OPENROUTER_API_KEY: 'sim',
  };
  writeFileSync(env.ROUTEOPS_CONFIG, `timezone: UTC\n${providersBlock}`);

  // Rows on the day before the test's day and on the day itself; "yesterday" is read back from
  // the answer, so an answer given just after midnight is checked against its own day.
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const days = [day(-2), day(-1), day(0)];
  writeFileSync(tmp.file('usage.jsonl'), `${usageRows(days[0]!, days[1]!)}\n${usageRows(days[1]!, days[2]!).replace(/ops-/g, 'ops2-')}`);
  // The import and the spend report run in process (the same CLI code, fewer processes to wait for).
  const inProcess = async (...argv: string[]) => {
    let stdout = '';
    const code = await cli(argv, { stdout: (s) => (stdout += s), stderr: () => {}, env: { ...env, LOG_LEVEL: 'silent' } });
    return { code, stdout };
  };
  assert.equal((await inProcess('ledger', 'import', tmp.file('usage.jsonl'))).code, 0);

  const asked = await runCli(['ask', 'what did we spend on qwen yesterday?'], env);
  assert.equal(asked.code, 0, asked.stderr);
  const from = /^Based on the data from get_spend: provider: qwen; provider_total_usd: [\d.]+; from: (\d{4}-\d{2}-\d{2});/.exec(asked.stdout)?.[1];
  assert.ok(from === days[0] || from === days[1], `yesterday's spend: ${asked.stdout}`);
  const spend = await inProcess('spend', `${from}..${from}`, '--json');
  const qwen = (JSON.parse(spend.stdout) as SpendJson).groups.find((g) => g.key === 'qwen-intl')!;
  assert.ok(qwen.total_usd > 0);
  assert.ok(asked.stdout.includes(`provider_total_usd: ${qwen.total_usd};`) && asked.stdout.includes(`{key: qwen-intl; total_usd: ${qwen.total_usd};`), `the ledger's qwen figure in the answer:\n${asked.stdout}`);

  // qwen-intl is the name routeops.yml uses for the simulator's qwen profile.
  const fault = await fetch(`${simUrl}/_sim/faults/qwen-intl`, { method: 'POST', body: '{"balanceExhausted":true}' });
  assert.equal(fault.status, 200, await fault.clone().text());
  assert.equal(((await fault.json()) as { profile: string }).profile, 'qwen');
  const fellBack = await runCli(['ask', '--model', 'qwen-plus', 'hello there'], env);
  assert.equal(fellBack.code, 0, fellBack.stderr);
  assert.match(fellBack.stdout, /^Simulated openrouter answer to: hello there/, 'qwen is out of balance: the OpenRouter route answers');
});
