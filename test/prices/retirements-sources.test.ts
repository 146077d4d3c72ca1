// Retirement proposals from the sources' own marks, through the real prices job, real services
// and SQLite, from the real snapshots in test/fixtures/catalog/: LiteLLM's deprecation_date
// (the 2026-07-18 subset carries 18, Moonshot's among them), OpenRouter's expiration_date (no
// stored OpenRouter snapshot carries one, so a real listing gets one on two models, as OpenRouter
// writes it) and models.dev's status "deprecated" (likewise). Only the models routeops cares
// about (routed, priced in the config file, or used) get one, at the source's date, once.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pricesJob } from '../../src/features/alerts/jobs/prices.js';
import type { Services } from '../../src/features/services.js';
import type { ConfigObject } from '../support/config.js';
import { makeServices } from '../support/services.js';
import { LITELLM_SUBSET, MODELS_DEV_DIR, OPENROUTER_DIR } from '../catalog-sources/helpers.js';

function env(t: TestContext, config: ConfigObject, now: string) {
  const fx = makeServices({ timezone: 'UTC', slack: { alerts_channel: 'C0ALERTS' }, ...config }, { owner: t, now });
  return {
    fx,
    s: fx.services,
    run: async (at: string) => (await pricesJob.run(fx.services, new Date(at)))[0] ?? null,
    file: (name: string) => join(fx.tmp.dir, name),
  };
}

/** The retirement proposals: [model, effective, replacement, source]. */
async function retirements(s: Services) {
  return (await s.store.proposals.list())
    .filter((p) => p.kind === 'retirement')
    .map((p) => [`${p.provider}/${p.model}`, p.effective, (p.version as { replacement: string | null }).replacement, p.source])
    .sort();
}

const gunzipJson = (path: string) => JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as Record<string, unknown>;

void test('LiteLLM deprecation_date: a retirement proposal at that date for each watched Moonshot model, none for the rest, once', async (t) => {
  const e = env(t, { models: { 'kimi-thinking': { routes: [{ provider: 'moonshot', model: 'kimi-k2-thinking' }] } } }, '2026-07-18T00:00:00Z');
  e.s.config.catalog.sources.litellm = LITELLM_SUBSET;
  // kimi-latest is watched by its traffic (in the last 30 days), kimi-k2-thinking by the alias.
  await e.s.ledger.record([{ ts: '2026-07-15T12:00:00Z', provider: 'moonshot', model: 'kimi-latest', input_tokens: 1000, cached_input_tokens: 0, output_tokens: 100, reasoning_tokens: 0, request_id: 'k' }], 'import');
  const alert = await e.run('2026-07-18T00:00:00Z');
  // The subset also dates kimi-k2-0711-preview, kimi-k2-turbo-preview, kimi-latest-8k, moonshot-v1-8k-0430, …
  // (nobody's) and cerebras / sambanova entries (not a routeops provider's): none of those.
  assert.deepEqual(await retirements(e.s), [
    ['moonshot/kimi-k2-thinking', '2026-05-25T00:00:00.000Z', null, 'litellm'],
    ['moonshot/kimi-latest', '2026-01-28T00:00:00.000Z', null, 'litellm'],
  ]);
  assert.match(alert?.text ?? '', /moonshot\/kimi-k2-thinking retirement from litellm, at 2026-05-25 00:00 UTC \(litellm gives it an end date\): no replacement named/);
  assert.match(alert?.text ?? '', /moonshot\/kimi-latest retirement from litellm[^\n]*\n {2}aliases still on it: none\n {2}last 7 days \(2026-07-12\.\.2026-07-18\): 1 call, /);
  const [p] = (await e.s.store.proposals.list()).filter((x) => x.model === 'kimi-k2-thinking' && x.kind === 'retirement');
  assert.match(String((p!.version as { source: string }).source), /^litellm \(moonshot\/kimi-k2-thinking\) deprecation_date 2026-05-25, fetched 2026-07-18T00:00:00.000Z$/);
  // The same file again, and again: nothing new.
  await e.run('2026-07-18T06:00:00Z');
  await e.run('2026-07-18T12:00:00Z');
  assert.equal((await retirements(e.s)).length, 2);
});

void test('OpenRouter expiration_date: proposed at that date for the watched model once it held two fetches; none for an unwatched one', async (t) => {
  const e = env(t, { models: { 'qwen-dated': { routes: [{ provider: 'openrouter', model: 'qwen/qwen-plus-2025-07-28' }] } } }, '2026-01-12T00:00:00Z');
  const doc = gunzipJson(join(OPENROUTER_DIR, '2026-01-11T18-03Z.json.gz')) as { data: Array<Record<string, unknown>> };
  const file = e.file('openrouter.json');
  e.s.config.catalog.sources.openrouter = file;
  writeFileSync(file, JSON.stringify(doc));
  await e.run('2026-01-11T18:03:00Z');
  // OpenRouter dates the two: the watched one and one nobody routes or uses.
  const dated = { ...doc, data: doc.data.map((m) => (m.id === 'qwen/qwen-plus-2025-07-28' || m.id === 'moonshotai/kimi-k2-0905' ? { ...m, expiration_date: '2026-02-15' } : m)) };
  writeFileSync(file, JSON.stringify(dated));
  await e.run('2026-01-12T00:00:00Z');
  assert.deepEqual(await retirements(e.s), [], 'a date seen in one fetch is not yet a change');
  const alert = await e.run('2026-01-12T06:00:00Z');
  assert.deepEqual(await retirements(e.s), [['openrouter/qwen/qwen-plus-2025-07-28', '2026-02-15T00:00:00.000Z', null, 'openrouter']]);
  assert.match(alert?.text ?? '', /aliases still on it: qwen-dated \(route 1 of 1\)/);
  const [p] = (await e.s.store.proposals.list()).filter((x) => x.kind === 'retirement');
  assert.match(String((p!.version as { source: string }).source), /^openrouter \(qwen\/qwen-plus-2025-07-28\) expiration_date 2026-02-15/);
  // The date moved: a new proposal, and the one it replaces expires.
  const moved = { ...doc, data: dated.data.map((m) => (m.id === 'qwen/qwen-plus-2025-07-28' ? { ...m, expiration_date: '2026-03-01' } : m)) };
  writeFileSync(file, JSON.stringify(moved));
  await e.run('2026-01-12T12:00:00Z');
  await e.run('2026-01-12T18:00:00Z');
  const states = async () => (await e.s.store.proposals.list()).filter((x) => x.kind === 'retirement').map((x) => [x.effective, x.status]);
  assert.deepEqual(await states(), [
    ['2026-03-01T00:00:00.000Z', 'proposed'],
    ['2026-02-15T00:00:00.000Z', 'expired'],
  ]);
  // A price change of the same model is a price proposal of its own: the retirement stays open.
  const repriced = { ...moved, data: moved.data.map((m) => (m.id === 'qwen/qwen-plus-2025-07-28' ? { ...m, pricing: { ...(m.pricing as object), prompt: '0.0000005' } } : m)) };
  writeFileSync(file, JSON.stringify(repriced));
  const before = (await e.s.store.proposals.list()).length;
  await e.run('2026-01-13T00:00:00Z');
  await e.run('2026-01-13T06:00:00Z');
  assert.equal((await e.s.store.proposals.list()).length, before + 1, 'one price proposal');
  assert.deepEqual(await states(), [
    ['2026-03-01T00:00:00.000Z', 'proposed'],
    ['2026-02-15T00:00:00.000Z', 'expired'],
  ]);
});

void test('models.dev status deprecated (no date): proposed from when it was first seen, for a routed model', async (t) => {
  const e = env(t, {}, '2026-07-02T12:00:00Z');
  const doc = gunzipJson(join(MODELS_DEV_DIR, '2026-07-02.json.gz')) as Record<string, { models: Record<string, Record<string, unknown>> }>;
  // glm-4.7 is routed by the built-in alias; glm-4.5-air is priced by the built-in catalog (it
  // carries whole provider listings) but nobody routes or uses it.
  for (const id of ['glm-4.7', 'glm-4.5-air']) if (doc.zai?.models[id]) doc.zai.models[id] = { ...doc.zai.models[id], status: 'deprecated' };
  assert.ok(doc.zai?.models['glm-4.7'], 'the snapshot lists zai/glm-4.7');
  const file = e.file('api.json');
  writeFileSync(file, JSON.stringify(doc));
  e.s.config.catalog.sources.models_dev = file;
  await e.run('2026-07-02T12:00:00Z');
  assert.deepEqual(await retirements(e.s), [['zai/glm-4.7', '2026-07-02T12:00:00.000Z', null, 'models_dev']]);
});
