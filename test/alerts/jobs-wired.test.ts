// The price and scheduled-routecheck jobs over real parts: a catalog source file that changes
// between runs, and the provider simulator behind the real openai SDK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runCommandLine } from '../../src/app/cli.js';
import type { Services } from '../../src/features/services.js';
import { startSim } from '../support/sim.js';
import { simConfig, simProviders, SIM_KEYS } from '../support/sim-config.js';
import { makeServices } from '../support/services.js';
import { tempDir } from '../support/temp.js';
import { alertEnv, row, ALERTS_CHANNEL } from '../support/alerts.js';
import { MODELS_DEV_DIR } from '../catalog-sources/helpers.js';

function openrouterListing(promptPerToken: string): string {
  return JSON.stringify({ data: [{ id: 'qwen/qwen-plus', context_length: 131072, pricing: { prompt: promptPerToken, completion: '0.0000012' } }] });
}

async function runAt(services: Services, argv: string[]) {
  let stdout = '';
  const code = await runCommandLine(['alerts', 'run', '--json', ...argv], { stdout: (s) => (stdout += s), stderr: () => {} }, { services: () => services, alertPost: () => Promise.resolve(null) });
  return {
    code,
    doc: JSON.parse(stdout) as { alerts: Array<{ key: string; kind: string; channel: string; text: string }>; jobs: Array<{ name: string; status: string; reason?: string }> },
  };
}

test('a price change on a watched route is announced once, after it held for two fetches', async (t) => {
  const listing = tempDir('routeops-prices-', t).file('openrouter.json');
  const env = alertEnv({ slack: { alerts_channel: ALERTS_CHANNEL }, catalog: { openrouter: listing } }, '2026-11-20T00:00:00Z');
  try {
    // 10M input tokens on the route in the last 30 days: the impact of 0.40 -> 0.50 per M is +$1.00.
    await env.services.ledger.record([row('2026-11-19T10:00:00Z', 'openrouter', 'qwen/qwen-plus', { input_tokens: 10_000_000, output_tokens: 0, cost_usd: '4' })], 'ingest');
    const steps: Array<[string, string, number]> = [
      ['2026-11-20T00:00:00Z', '0.0000004', 0], // first fetch: the baseline
      ['2026-11-20T06:00:00Z', '0.0000005', 0], // seen once: pending
      ['2026-11-20T12:00:00Z', '0.0000005', 1], // held: announced
      ['2026-11-20T18:00:00Z', '0.0000005', 0], // nothing new
    ];
    const alerts = [];
    for (const [at, price, expected] of steps) {
      env.clock.now = new Date(at);
      writeFileSync(listing, openrouterListing(price));
      const { code, doc } = await runAt(env.services, ['--now', at]);
      assert.equal(code, 0);
      const price_alerts = doc.alerts.filter((a) => a.kind === 'price');
      assert.equal(price_alerts.length, expected, at);
      alerts.push(...price_alerts);
    }
    assert.equal(alerts[0]!.channel, ALERTS_CHANNEL);
    assert.match(alerts[0]!.text, /qwen\/qwen-plus/);
    assert.match(alerts[0]!.text, /\+25(\.0)?%/);
  } finally {
    env.cleanup();
  }
});

test('scheduled route checks post only regressions and recoveries', async () => {
  const sim = await startSim();
  const config = simConfig(sim, {
    // Every built-in alias is checked too; no fault here hangs, so a generous timeout only keeps
    // a slow answer on a loaded machine from counting as a failed (then recovered) route.
    providers: simProviders(sim, { timeout_ms: 20_000 }),
    default_model: 'qwen-plus',
    models: { 'qwen-plus': { routes: [{ provider: 'qwen-intl', model: 'qwen-plus' }] } },
    slack: { alerts_channel: ALERTS_CHANNEL },
    schedules: { routecheck: '0 * * * *' },
  });
  const { services, cleanup } = makeServices(config, { now: '2026-11-23T12:00:00Z', secrets: SIM_KEYS });
  try {
    assert.deepEqual((await runAt(services, [])).doc.alerts.filter((a) => a.kind === 'routecheck'), [], 'the first run is the baseline');
    sim.setFaults('qwen', { jsonModeProse: true });
    const broken = (await runAt(services, [])).doc.alerts.filter((a) => a.kind === 'routecheck');
    assert.equal(broken.length, 1);
    assert.match(broken[0]!.text, /1 regression, 0 recoveries/);
    assert.deepEqual((await runAt(services, [])).doc.alerts.filter((a) => a.kind === 'routecheck'), [], 'still failing: nothing new');
    sim.reset();
    const fixed = (await runAt(services, [])).doc.alerts.filter((a) => a.kind === 'routecheck');
    assert.equal(fixed.length, 1);
    assert.match(fixed[0]!.text, /0 regressions, 1 recovery/);
  } finally {
    cleanup();
    await sim.close();
  }
});

test('a daily budget crossed just before midnight is still announced by the first run after it', async () => {
  const env = alertEnv({ slack: { alerts_channel: ALERTS_CHANNEL }, budgets: { daily: 10 } }, '2026-07-16T23:45:00Z');
  try {
    assert.deepEqual((await runAt(env.services, ['--now', '2026-07-16T23:45:00Z'])).doc.alerts.filter((a) => a.kind === 'budget'), []);
    await env.services.ledger.record([row('2026-07-16T23:50:00Z', 'openrouter', 'mystery/model', { cost_usd: '9' })], 'ingest');
    env.clock.now = new Date('2026-07-17T00:00:00Z');
    const after = (await runAt(env.services, ['--now', '2026-07-17T00:00:00Z'])).doc.alerts.filter((a) => a.kind === 'budget');
    assert.deepEqual(after.map((a) => a.key), ['budget:daily:2026-07-16:80']);
    // And only once.
    assert.deepEqual((await runAt(env.services, ['--now', '2026-07-17T00:15:00Z'])).doc.alerts.filter((a) => a.kind === 'budget'), []);
  } finally {
    env.cleanup();
  }
});

test('models.dev and genai-prices are watched like OpenRouter; a source that cannot be read is named in the run, the others go on', async (t) => {
  const dir = tempDir('routeops-prices-', t);
  const modelsDev = dir.file('api.json');
  const genai = dir.file('genai.json');
  writeFileSync(genai, '<html><body>rate limited</body></html>');
  const env = alertEnv({ slack: { alerts_channel: ALERTS_CHANNEL }, catalog: { sources: { models_dev: modelsDev, genai_prices: genai } } }, '2026-07-02T00:00:00Z');
  try {
    // qwen3.6-plus used in the last 30 days: watched.
    await env.services.ledger.record([row('2026-07-01T10:00:00Z', 'qwen-intl', 'qwen3.6-plus', { input_tokens: 2_000_000, output_tokens: 0, cost_usd: '1' })], 'ingest');
    const fixture = (date: string) => gunzipSync(readFileSync(join(MODELS_DEV_DIR, `${date}.json.gz`)));
    const steps: Array<[string, string, number]> = [
      ['2026-07-02T00:00:00Z', '2026-05-02', 0],
      ['2026-07-02T06:00:00Z', '2026-07-02', 0],
      ['2026-07-02T12:00:00Z', '2026-07-02', 1],
    ];
    const alerts = [];
    for (const [at, date, expected] of steps) {
      env.clock.now = new Date(at);
      writeFileSync(modelsDev, fixture(date));
      const { code, doc } = await runAt(env.services, ['--now', at]);
      assert.equal(code, 0);
      assert.equal(doc.alerts.filter((a) => a.kind === 'price').length, expected, at);
      alerts.push(...doc.alerts.filter((a) => a.kind === 'price'));
      const prices = doc.jobs.find((j) => j.name === 'prices')!;
      assert.equal(prices.status, 'ok');
      assert.match(prices.reason ?? '', /^genai_prices not read: .*genai\.json returned HTML, not JSON \(an error or login page\?\)$/);
    }
    // 2M input tokens: $0.276 -> $0.50 per 1M is $0.552 -> $1.00 a month.
    assert.match(alerts[0]!.text, /^qwen-intl\/qwen3\.6-plus \(models_dev\)\n {2}input \$0\.276 -> \$0\.50 per 1M \(\+81\.2%\)$/m);
    assert.match(alerts[0]!.text, /monthly at last 30 days' use: \$0\.55 -> \$1\.00 \(\+\$0\.45\)/);
  } finally {
    env.cleanup();
  }
});
