// /models says where each price in force came from, when it was checked and how old that is, and
// what each catalog source says when they disagree (docs/ARCHITECTURE.md §3.1 `models`). The
// prices are the test config's own (the built-in catalog is generated and moves); the sources'
// entries get into the store the real way: `routeops alerts run` reads a LiteLLM map and a
// models.dev api.json from files, and their first fetch is what each source last accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { runCommandLine } from '../../src/app/cli.js';
import { dispatch } from '../../commands/dispatch.js';
import { renderText } from '../../src/adapters/shell/text.js';
import { renderBlocks } from '../../src/adapters/slack/blocks.js';
import type { Services } from '../../src/features/services.js';
import { makeServices } from '../support/services.js';
import { tempDir } from '../support/temp.js';
import type { ConfigObject } from '../support/config.js';

const NOW = '2026-12-05T12:00:00Z';

interface SourceDoc {
  source: string;
  per_million: { input: number | null; cached_input: number | null; cache_write: number | null; output: number | null; reasoning_output: number | null } | null;
  checked_at: string | null;
  fetched_at: string;
}
interface ModelDoc {
  provider: string;
  model: string;
  source: string | null;
  checked_at: string | null;
  sources: SourceDoc[];
  price: { source: string } | null;
}

const version = (per_million: { input: number; cached_input: number; output: number }, extra: { source?: string; checked?: string } = {}) => ({
  effective: '2026-09-10T00:00:00Z',
  per_million,
  ...extra,
});

function setup(t: test.TestContext) {
  const dir = tempDir('routeops-provenance-', t);
  const litellm = dir.file('litellm.json');
  const modelsDev = dir.file('api.json');
  // LiteLLM still has test-flash at an older price; models.dev agrees with our prices.
  writeFileSync(
    litellm,
    JSON.stringify({ 'deepseek/test-flash': { litellm_provider: 'deepseek', mode: 'chat', input_cost_per_token: 2.8e-7, cache_read_input_token_cost: 2.8e-8, output_cost_per_token: 4.2e-7 } }),
  );
  writeFileSync(
    modelsDev,
    JSON.stringify({
      deepseek: {
        id: 'deepseek',
        models: {
          'test-flash': { id: 'test-flash', cost: { input: 0.15, cache_read: 0.003, output: 0.6 }, last_updated: '2026-11-15', limit: { context: 131072, output: 8192 } },
          'test-pro': { id: 'test-pro', cost: { input: 0.5, cache_read: 0.05, output: 1.5 }, last_updated: '2026-07-01', limit: { context: 131072, output: 8192 } },
        },
      },
    }),
  );
  const config: ConfigObject = {
    slack: { alerts_channel: 'C0ALERTS' },
    catalog: { sources: { litellm, models_dev: modelsDev } },
    pricing: [
      { provider: 'deepseek', model: 'test-flash', versions: [version({ input: 0.15, cached_input: 0.003, output: 0.6 }, { source: 'DeepSeek pricing page (test)', checked: '2026-11-15' })] },
      { provider: 'deepseek', model: 'test-pro', versions: [version({ input: 0.5, cached_input: 0.05, output: 1.5 }, { source: 'a person (test)', checked: '2026-07' })] },
      { provider: 'deepseek', model: 'test-undated', versions: [version({ input: 1, cached_input: 0.1, output: 2 })] },
      { provider: 'deepseek', model: 'test-older', versions: [version({ input: 1, cached_input: 0.1, output: 2 }, { checked: '2026-10-01' })] },
    ],
  };
  const env = makeServices(config, { now: NOW, owner: t });
  return env;
}

async function cli(services: Services, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCommandLine(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, { services: () => services, alertPost: () => Promise.resolve(null) });
  assert.equal(code, 0, stderr);
  return stdout;
}

async function withSourcesRead(t: test.TestContext) {
  const env = setup(t);
  const run = JSON.parse(await cli(env.services, 'alerts', 'run', '--json')) as { jobs: Array<{ name: string; status: string; reason?: string }> };
  assert.deepEqual(run.jobs.find((j) => j.name === 'prices'), { name: 'prices', status: 'ok', alerts: 0 }, 'both sources read');
  return env;
}

test('/models MODEL: the price in force, where it came from, checked when and how long ago, and each source where they disagree', async (t) => {
  const { services } = await withSourcesRead(t);
  const text = await cli(services, 'models', 'test-flash');
  assert.match(text, /^deepseek\/test-flash:$/m);
  assert.match(text, /^ {2}Price in force since 2026-09-10 00:00 UTC, from DeepSeek pricing page \(test\); checked 2026-11-15, 20 days ago\.$/m);
  assert.match(text, /^ {2}Catalog sources disagree:$/m);
  assert.match(text, /^ {4}litellm: in \$0\.28, cached \$0\.028, out \$0\.42 per 1M \(no date of its own; read 2026-12-05 12:00 UTC\)$/m);
  assert.match(text, /^ {4}models_dev: in \$0\.15, cached \$0\.003, out \$0\.60 per 1M \(its date 2026-11-15; read 2026-12-05 12:00 UTC\)$/m);
  // The table is still there, and the age note under it.
  assert.match(text, /^deepseek\/test-flash\s+\$0\.15\s+\$0\.003\s+\$0\.60/m);
  assert.match(text, /Prices checked 2026-11-15 \(20 days ago\)\./);

  // Sources that agree are named, not listed; a month-only date counts in months.
  const pro = await cli(services, 'models', 'test-pro');
  assert.match(pro, /from a person \(test\); checked 2026-07, 5 months ago\./);
  assert.match(pro, /Catalog sources agree: models_dev\.$/m);
  assert.doesNotMatch(pro, /disagree/);
  // No date given: said so; no source lists it: nothing about sources.
  const undated = await cli(services, 'models', 'test-undated');
  assert.match(undated, /from config file; checked: not known\./);
  assert.doesNotMatch(undated, /Catalog sources/);
  assert.match(undated, /No price in force says when it was checked\./);

  // The shell and Slack show the same: one Reply for every adapter.
  const local = { id: 'test', local: true };
  const shell = await dispatch('models', 'test-flash', services, local, undefined, { adapter: 'shell' });
  assert.match(renderText(shell), /litellm: in \$0\.28, cached \$0\.028, out \$0\.42 per 1M/);
  const slack = renderBlocks(await dispatch('models', 'test-flash', services, { id: 'U0ANY', local: false }, undefined, { adapter: 'slack' }));
  assert.match(JSON.stringify(slack.blocks), /checked 2026-11-15, 20 days ago/);
  assert.match(JSON.stringify(slack.blocks), /models_dev: in \$0\.15, cached \$0\.003, out \$0\.60 per 1M/);
});

test('models --json: source, checked_at and what each source says; [] where no source lists the model; the other fields unchanged', async (t) => {
  const { services } = await withSourcesRead(t);
  const docs = (JSON.parse(await cli(services, 'models', 'test-', '--json')) as { models: ModelDoc[] }).models;
  assert.deepEqual(docs.map((m) => m.model), ['test-flash', 'test-older', 'test-pro', 'test-undated']);
  const flash = docs[0]!;
  assert.equal(flash.source, 'DeepSeek pricing page (test)');
  assert.equal(flash.price!.source, flash.source, 'price.source stays');
  assert.equal(flash.checked_at, '2026-11-15');
  assert.deepEqual(flash.sources, [
    { source: 'litellm', per_million: { input: 0.28, cached_input: 0.028, cache_write: null, output: 0.42, reasoning_output: null }, checked_at: null, fetched_at: '2026-12-05T12:00:00.000Z' },
    { source: 'models_dev', per_million: { input: 0.15, cached_input: 0.003, cache_write: null, output: 0.6, reasoning_output: null }, checked_at: '2026-11-15', fetched_at: '2026-12-05T12:00:00.000Z' },
  ]);
  assert.equal(docs[2]!.checked_at, '2026-07');
  assert.deepEqual(docs[2]!.sources.map((s) => s.source), ['models_dev']);
  const undated = docs[3]!;
  assert.equal(undated.source, 'config file');
  assert.equal(undated.checked_at, null);
  assert.deepEqual(undated.sources, []);
  // The contract's earlier fields are all still there.
  for (const m of docs) for (const k of ['provider', 'model', 'aliases', 'per_million', 'price', 'retires_at', 'replacement']) assert.ok(k in m, k);

  // Listed, not detailed: the age of the prices as one note.
  const list = await cli(services, 'models', 'test-');
  assert.doesNotMatch(list, /Price in force since/);
  assert.match(list, /Prices checked 2026-07 \(5 months ago\) … 2026-11-15 \(20 days ago\); 1 without a date\./);
  assert.match(list, /routeops models MODEL says where a price came from/);
});

test('models --json before any catalog source was read: sources [] and no source lines', async (t) => {
  const env = setup(t);
  const docs = (JSON.parse(await cli(env.services, 'models', 'test-flash', '--json')) as { models: ModelDoc[] }).models;
  assert.deepEqual(docs.map((m) => [m.model, m.source, m.checked_at, m.sources]), [['test-flash', 'DeepSeek pricing page (test)', '2026-11-15', []]]);
  const text = await cli(env.services, 'models', 'test-flash');
  assert.doesNotMatch(text, /Catalog sources/);
  // A model nobody prices: source and checked_at null.
  const gateway = (JSON.parse(await cli(env.services, 'models', 'openrouter/', '--json')) as { models: ModelDoc[] }).models.find((m) => m.price === null)!;
  assert.deepEqual([gateway.source, gateway.checked_at, gateway.sources], [null, null, []]);
});
