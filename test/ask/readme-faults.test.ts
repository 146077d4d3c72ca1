// The README's fault examples, as a newcomer runs them: routeops pointed at the simulator with
// the providers block `routeops sim` prints (no max_retries: the client's default 2 retries),
// faults set over the simulator's HTTP control endpoint. A rate limit on one call is absorbed by
// the client's retry, and the footer says so; one that outlasts the retries falls back. The
// real Slack app for /ask, the CLI for `ask --json`.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { cli } from '../../src/app/cli.js';
import { startTestApp, SIGNING_SECRET, type TestApp } from '../support/app.js';
import { writeConfig, type ConfigObject } from '../support/config.js';
import { postSigned, slashCommandBody } from '../support/slack-request.js';
import { chatRequests, startSim, type Simulator } from '../support/sim.js';
import { SIM_KEYS } from '../support/sim-config.js';
import type { RecordedCall } from '../support/fake-slack.js';

let sim: Simulator;
let t: TestApp;
let config: ConfigObject;

before(async () => {
  sim = await startSim();
  // As `routeops sim` prints it (tools/sim/main.ts): base_url and api_key_env only.
  config = {
    timezone: 'UTC',
    providers: {
      deepseek: { base_url: sim.baseUrl('deepseek'), api_key_env: 'DEEPSEEK_API_KEY' },
      'qwen-intl': { base_url: sim.baseUrl('qwen'), api_key_env: 'DASHSCOPE_API_KEY' },
      moonshot: { base_url: sim.baseUrl('kimi'), api_key_env: 'MOONSHOT_API_KEY' },
      zai: { base_url: sim.baseUrl('glm'), api_key_env: 'ZAI_API_KEY' },
      openrouter: { base_url: sim.baseUrl('openrouter'), api_key_env: 'OPENROUTER_API_KEY', gateway: true },
    },
  };
  t = await startTestApp({ config, env: SIM_KEYS });
});
after(async () => {
  await t.close();
  await sim.close();
});
beforeEach(() => sim.reset());

/** `curl -X POST localhost:4010/_sim/faults/deepseek -d '…'`, as the README has it. */
async function setFault(profile: string, body: string): Promise<void> {
  const res = await fetch(`${sim.url}/_sim/faults/${profile}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  assert.equal(res.status, 200, await res.text());
}

/** /ask in Slack; resolves with the final rendering's text and blocks. */
async function slashAsk(text: string, channel: string): Promise<string> {
  await postSigned(`${t.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/ask', text, user_id: 'U0NEW', channel_id: channel, response_url: `${t.slack.baseUrl}/respond/${randomUUID()}` }));
  const final = await t.slack.waitFor('chat.update', (c: RecordedCall) => c.body.channel === channel && /tokens in|No answer/.test(JSON.stringify(c.body.blocks)));
  return JSON.stringify({ text: final.body.text, blocks: final.body.blocks });
}

test('README: {"status":429,"times":1} is absorbed by the client\'s retry, and the footer says "retried once after 429"', async () => {
  await setFault('deepseek', '{"status":429,"times":1}');
  const from = sim.requests.length;
  const shown = await slashAsk('what is a fallback route?', 'C0README1');
  assert.match(shown, /Simulated deepseek answer to: what is a fallback route\?/);
  assert.match(shown, /deepseek-flash · deepseek\/deepseek-flash · .* · retried once after 429/);
  assert.doesNotMatch(shown, /fallback after/);
  assert.equal(chatRequests(sim, 'deepseek', from).length, 2);
  const rows = (await t.app.services.ledger.recentRows(100)).filter((r) => r.channel === 'C0README1');
  assert.deepEqual(rows.map((r) => r.status).sort(), ['ok', 'retried']);
  assert.match(rows.find((r) => r.status === 'retried')!.error ?? '', /failed \(HTTP 429\) and retried by the client/);
});

test('README: {"status":429,"times":3} outlasts the 2 retries, so /ask falls back, and the footer says both', async () => {
  await setFault('deepseek', '{"status":429,"times":3}');
  const from = sim.requests.length;
  const shown = await slashAsk('what is a fallback route?', 'C0README3');
  assert.match(shown, /Simulated openrouter answer to: what is a fallback route\?/);
  assert.match(shown, /deepseek-flash · openrouter\/deepseek\/deepseek-v4-flash · .* · fallback after deepseek\/deepseek-flash was rate limited \(429\), retried 2× after 429/);
  assert.equal(chatRequests(sim, 'deepseek', from).length, 3);
  const rows = (await t.app.services.ledger.recentRows(100)).filter((r) => r.channel === 'C0README3');
  assert.deepEqual(rows.map((r) => `${r.provider} ${r.status}`).sort(), ['deepseek rate_limited', 'deepseek retried', 'deepseek retried', 'openrouter ok']);
});

test('routeops ask --json lists the client\'s retries with the status each retried', async () => {
  await setFault('deepseek', '{"status":503,"times":2}');
  let stdout = '';
  let stderr = '';
  const env = { ...SIM_KEYS, ROUTEOPS_CONFIG: writeConfig(join(t.dir, 'cli.yml'), config), ROUTEOPS_DB: join(t.dir, 'cli.db'), LOG_LEVEL: 'silent' };
  const code = await cli(['ask', 'hello', 'again', '--json'], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
  assert.equal(code, 0, stderr);
  const out = JSON.parse(stdout) as { ok: boolean; footer: string; retries: Array<{ provider: string; model: string; status: number | null }> };
  assert.equal(out.ok, true);
  assert.deepEqual(out.retries, [
    { provider: 'deepseek', model: 'deepseek-flash', status: 503 },
    { provider: 'deepseek', model: 'deepseek-flash', status: 503 },
  ]);
  assert.match(out.footer, / · retried 2× after 503$/);
});
