// models.dev's api.json through its normaliser: the real snapshots of 2026-05-02 and 2026-07-02
// (test/fixtures/catalog/FORMATS.md §1), figures checked by hand against the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { diffSnapshots } from '../../src/features/catalog/diff.js';
import { normalizeModelsDev } from '../../src/features/catalog/sources/normalize.js';
import { CatalogSourceError, type SourceEntry } from '../../src/features/catalog/sources/types.js';
import { MODELS_DEV_DIR, readGzJson } from './helpers.js';

const MAY = '2026-05-02T00:00:00.000Z';
const JULY = '2026-07-02T00:00:00.000Z';
const may = () => normalizeModelsDev(readGzJson(join(MODELS_DEV_DIR, '2026-05-02.json.gz')), { fetched_at: MAY });
const july = () => normalizeModelsDev(readGzJson(join(MODELS_DEV_DIR, '2026-07-02.json.gz')), { fetched_at: JULY });
const find = (entries: SourceEntry[], provider: string, model: string) => entries.find((e) => e.provider === provider && e.model === model);

void test('models.dev deepseek-v4-pro: 1.74 / 3.48 / 0.145 on 05-02, 0.435 / 0.87 / 0.003625 on 07-02, exact integer rates', () => {
  const before = find(may(), 'deepseek', 'deepseek-v4-pro')!;
  const after = find(july(), 'deepseek', 'deepseek-v4-pro')!;
  assert.deepEqual(before.rates, { input: 1_740_000, cached_input: 145_000, cache_write: null, output: 3_480_000, reasoning_output: null });
  assert.deepEqual(after.rates, { input: 435_000, cached_input: 3_625, cache_write: null, output: 870_000, reasoning_output: null });
  assert.equal(after.context, 1_000_000);
  assert.equal(after.source_key, 'deepseek/deepseek-v4-pro');
  assert.deepEqual([after.source, after.mapped, after.fetched_at, after.checked_at], ['models_dev', true, JULY, '2026-04-24'], 'provenance: the fetch and models.dev last_updated');
  // As a diff between the two fetches: three price components, each down 75%; the cache read 97.5%.
  const changes = diffSnapshots([before], [after]);
  assert.deepEqual(
    changes.map((c) => (c.kind === 'price' ? [c.component, c.old, c.new, c.pct] : c.kind)),
    [
      ['input', 1_740_000, 435_000, -75],
      ['cached_input', 145_000, 3_625, -97.5],
      ['output', 3_480_000, 870_000, -75],
    ],
  );
});

void test('models.dev alibaba qwen3.6-plus: cache write, and on 07-02 a tier above 256k prompt tokens (exclusive)', () => {
  const before = find(may(), 'qwen-intl', 'qwen3.6-plus')!;
  assert.deepEqual(before.rates, { input: 276_000, cached_input: 28_000, cache_write: 344_000, output: 1_651_000, reasoning_output: null });
  assert.deepEqual(before.tiers, []);
  const after = find(july(), 'qwen-intl', 'qwen3.6-plus')!;
  assert.deepEqual(after.rates, { input: 500_000, cached_input: 50_000, cache_write: 625_000, output: 3_000_000, reasoning_output: null });
  // models.dev also writes context_over_200k for this tier; the tier's own size (256k) is what counts.
  assert.deepEqual(after.tiers, [{ above: 256_000, inclusive: false, input: 2_000_000, cached_input: 200_000, cache_write: 2_500_000, output: 6_000_000, reasoning_output: null }]);
  const terms = diffSnapshots([before], [after]).filter((c) => c.kind === 'terms');
  assert.deepEqual(
    terms.map((c) => (c.kind === 'terms' ? [c.what, c.old, c.new] : [])),
    [['tiers', 'none', '> 256,000 tokens: in $2.00 / cached $0.20 / write $2.50 / out $6.00 per 1M']],
  );
});

void test('models.dev providers: alibaba is qwen-intl; alibaba-cn, moonshotai-cn and zhipuai keep their own names, unmapped', () => {
  const entries = july();
  const mapped = new Map<string, boolean>();
  for (const e of entries) mapped.set(e.provider, e.mapped);
  assert.deepEqual(Object.fromEntries([...mapped].sort()), {
    'alibaba-cn': false,
    deepseek: true,
    moonshot: true,
    'moonshotai-cn': false,
    openrouter: true,
    'qwen-intl': true,
    zai: true,
    zhipuai: false,
  });
  // The mainland listing prices qwen-plus otherwise (0.115 / 0.287 against 0.4 / 1.2): it must not pass for qwen-intl's.
  assert.deepEqual([find(entries, 'qwen-intl', 'qwen-plus')!.rates.input, find(entries, 'alibaba-cn', 'qwen-plus')!.rates.input], [400_000, 115_000]);
  // Its 128k tier stays with it.
  assert.deepEqual(find(entries, 'alibaba-cn', 'qwen3.7-plus')!.tiers.map((t) => t.above), [128_000]);
  assert.equal(find(entries, 'openrouter', 'deepseek/deepseek-v4-flash')?.rates.input, 98_000, 'OpenRouter ids under openrouter');
  assert.equal(find(entries, 'zai', 'glm-5.2')?.rates.output, 4_400_000);
  assert.equal(find(entries, 'qwen-intl', 'qwen-plus')?.rates.reasoning_output, 4_000_000, 'cost.reasoning kept');
  assert.ok(entries.every((e) => e.priced));
});

void test('models.dev: status deprecated, context_over_200k alone, a model without cost, unknown tier types', () => {
  const entries = normalizeModelsDev(
    {
      zai: {
        id: 'zai',
        models: {
          'glm-old': { id: 'glm-old', status: 'deprecated', last_updated: '2025-07', cost: { input: 0.6, output: 2.2 }, limit: { context: 128000, output: 4096 } },
          'glm-long': { id: 'glm-long', last_updated: '2026-13-01', cost: { input: 1, output: 3, context_over_200k: { input: 2, output: 6 } }, limit: { context: 1000000, input: 900000 } },
          'glm-free': { id: 'glm-free', cost: { input: 0, output: 0, cache_write: 0 } },
          'glm-nocost': { id: 'glm-nocost', limit: { context: 8192 } },
          'glm-odd': { id: 'glm-odd', cost: { input: 1, output: 2, tiers: [{ input: 3, output: 4, tier: { type: 'batch', size: 10 } }] } },
        },
      },
    },
    { fetched_at: JULY },
  );
  const by = new Map(entries.map((e) => [e.model, e]));
  assert.equal(by.get('glm-old')?.deprecated, true);
  assert.equal(by.get('glm-old')?.checked_at, '2025-07');
  assert.equal(by.get('glm-long')?.checked_at, null, 'not a real date');
  assert.equal(by.get('glm-long')?.context, 900_000, 'limit.input when given');
  assert.deepEqual(by.get('glm-long')?.tiers.map((t) => [t.above, t.inclusive, t.input, t.output]), [[200_000, false, 2_000_000, 6_000_000]]);
  assert.deepEqual([by.get('glm-free')?.priced, by.get('glm-free')?.rates.input, by.get('glm-free')?.rates.cache_write], [true, 0, 0], 'a source saying 0 is free');
  assert.deepEqual([by.get('glm-nocost')?.priced, by.get('glm-nocost')?.rates.input], [false, null], 'no cost: not priced, never $0');
  assert.deepEqual(by.get('glm-odd')?.tiers, []);
});

void test('models.dev: wrong shapes are a CatalogSourceError saying what was expected', () => {
  for (const bad of [null, [], 'x', { data: [] }, { deepseek: { id: 'deepseek' } }]) {
    assert.throws(() => normalizeModelsDev(bad), (err: unknown) => err instanceof CatalogSourceError && /^not a models\.dev api\.json/.test(err.message));
  }
});
