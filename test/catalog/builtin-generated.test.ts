// The built-in catalog is generated (tools/catalog/generate.ts) from the snapshots in
// test/fixtures/catalog/ and tools/catalog/reviewed.yml: the committed file is exactly what they
// give, and what they give is right for the four providers (docs/PROVIDERS.md §2).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { Catalog } from '../../src/domain/catalog/catalog.js';
import { BUILTIN_CATALOG } from '../../src/domain/catalog/builtin.js';
import { priceUsage } from '../../src/domain/money/cost.js';
import { buildCatalog, type Evidence } from '../../tools/catalog/build.js';
import { generate, OUTPUT, render } from '../../tools/catalog/generate.js';
import { FIXTURES, sourceEntry } from '../catalog-sources/helpers.js';

const root = join(FIXTURES, '..', '..', '..');
const catalog = new Catalog(BUILTIN_CATALOG);
const nusd = (provider: string, model: string, at: string, u: { input_tokens?: number; cached_input_tokens?: number; output_tokens?: number; reasoning_tokens?: number; thinking?: boolean }) =>
  priceUsage(catalog, provider, model, { tsMs: Date.parse(at), input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, thinking: false, ...u }).cost_nusd;

void test('the committed built-in catalog is exactly what the snapshots and the reviewed file give', () => {
  const committed = readFileSync(join(root, OUTPUT), 'utf8');
  assert.equal(committed, render(generate(root)), `${OUTPUT} differs from the evidence: run npm run catalog:generate`);
});

void test('every generated version names its source and the day it was last confirmed', () => {
  for (const p of BUILTIN_CATALOG.pricing) {
    for (const v of p.versions) {
      assert.ok(v.source && v.source.length > 10, `${p.provider}/${p.model}@${v.effective} has no source`);
      assert.match(v.checked ?? '', /^\d{4}-\d{2}(-\d{2})?$/, `${p.provider}/${p.model}@${v.effective} has no checked date`);
    }
  }
});

void test('DeepSeek Flash is priced under its current name and the legacy one, as DeepSeek bills it', () => {
  const m = { input_tokens: 1_000_000, output_tokens: 1_000_000 };
  // Thursday 2026-12-03 02:00 UTC: weekday peak; 05:00 off-peak; Saturday 02:00 off-peak.
  for (const model of ['deepseek-flash', 'deepseek-v4-flash']) {
    assert.equal(nusd('deepseek', model, '2026-12-03T02:00:00Z', m), 1_500_000_000, `${model} weekday peak: 0.30 + 1.20`);
    assert.equal(nusd('deepseek', model, '2026-12-03T05:00:00Z', m), 750_000_000, `${model} weekday off-peak: 0.15 + 0.60`);
    assert.equal(nusd('deepseek', model, '2026-12-05T02:00:00Z', m), 750_000_000, `${model} Saturday: off-peak all day`);
    // 2026-10-01 (Thursday) is China's National Day: off-peak at peak hours.
    assert.equal(nusd('deepseek', model, '2026-10-01T02:00:00Z', m), 750_000_000, `${model} Chinese public holiday`);
  }
  assert.equal(catalog.priceAt('deepseek', 'deepseek-flash', Date.parse('2026-09-09T23:59:59Z')), null, 'deepseek-flash did not exist before 2026-09-10');
});

void test('Qwen, Kimi and GLM prices come from the newest snapshots, with their source named', () => {
  const at = Date.parse('2026-12-01T00:00:00Z');
  const qwen = catalog.priceAt('qwen-intl', 'qwen-plus', at)!;
  assert.match(qwen.source, /^models\.dev \(alibaba\/qwen-plus\)/);
  assert.deepEqual([qwen.base.input, qwen.base.output, qwen.base.thinking_output], [400_000, 1_200_000, 4_000_000], 'qwen-plus 0.40 / 1.20, thinking output 4.00 per million');
  const kimi = catalog.priceAt('moonshot', 'kimi-k2.6', at)!;
  assert.deepEqual([kimi.base.input, kimi.base.cached_input, kimi.base.output], [950_000, 160_000, 4_000_000]);
  const glm = catalog.priceAt('zai', 'glm-5', at)!;
  assert.deepEqual([glm.base.input, glm.base.cached_input, glm.base.output], [1_000_000, 200_000, 3_200_000]);
  assert.equal(glm.checked, '2026-07-18', 'the newest snapshot showing the same price (LiteLLM 2026-07-18)');
  // models.dev 2026-05-02 -> 2026-07-02: qwen3.6-plus changed and gained a tier above 256K.
  const q36 = catalog.versions('qwen-intl', 'qwen3.6-plus');
  assert.deepEqual(q36.map((v) => [v.effective.slice(0, 10), v.base.input]), [['2026-04-02', 276_000], ['2026-07-02', 500_000]]);
  assert.equal(q36[1]!.tiers[0]!.above, 256_000);
});

void test('a price change between two snapshots of the chosen source is a new version from the day it was first seen', () => {
  const ev = (date: string, input: number): Evidence => ({
    source: 'models_dev',
    date,
    file: `models-dev/${date}.json.gz`,
    entries: [sourceEntry('glm-x', { source: 'models_dev', provider: 'zai', source_key: 'zai/glm-x', rates: { input, cached_input: null, cache_write: null, output: 2_000_000, reasoning_output: null } })],
  });
  const built = buildCatalog([ev('2026-05-02', 1_000_000), ev('2026-06-01', 1_000_000), ev('2026-07-02', 1_500_000)], { pricing: [], retirements: [] });
  const versions = built.pricing[0]!.versions;
  assert.deepEqual(versions.map((v) => [v.effective, v.per_million.input, v.checked]), [
    ['2026-05-02T00:00:00.000Z', 1, '2026-06-01'],
    ['2026-07-02T00:00:00.000Z', 1.5, '2026-07-02'],
  ]);
  assert.match(versions[0]!.source!, /models\.dev \(zai\/glm-x\), snapshots 2026-05-02 … 2026-06-01/);
});

void test('a reviewed model keeps its reviewed versions; a source that disagrees is listed, not applied', () => {
  const built = generate(root);
  const pro = built.pricing.find((p) => p.provider === 'deepseek' && p.model === 'deepseek-v4-pro')!;
  assert.deepEqual(pro.versions.map((v) => v.effective.slice(0, 10)), ['2026-04-26', '2026-08-16', '2026-11-15']);
  // models.dev on 2026-05-02 still showed the launch price of V4 Pro.
  assert.ok(built.disagreements.some((d) => d.model === 'deepseek-v4-pro' && d.source === 'models_dev' && d.date === '2026-05-02' && d.says.input === 1.74));
  assert.ok(!built.pricing.some((p) => p.provider === 'openrouter'), 'OpenRouter routes are priced by the cost OpenRouter reports');
});
