import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog, CatalogError } from '../../src/domain/catalog/catalog.js';
import { BUILTIN_CATALOG } from '../../src/domain/catalog/builtin.js';
import type { PricingEntry } from '../../src/config/schema.js';

const at = (iso: string) => Date.parse(iso);
const builtin = new Catalog(BUILTIN_CATALOG);

void test('built-in prices are converted to exact integer rates', () => {
  const flash = builtin.priceAt('deepseek', 'deepseek-v4-flash', at('2026-05-01T00:00:00Z'));
  assert.ok(flash);
  assert.equal(flash.id, 'deepseek/deepseek-v4-flash@2026-04-26T00:00:00.000Z');
  assert.equal(flash.effective, '2026-04-26T00:00:00.000Z');
  assert.deepEqual(flash.base, { input: 140000, cached_input: 2800, cache_write: 140000, output: 280000, reasoning_output: null, thinking_output: null });
  assert.match(flash.source, /confirmed 2026-07-05/);

  const pro = builtin.priceAt('deepseek', 'deepseek-v4-pro', at('2026-05-01T00:00:00Z'));
  assert.deepEqual(pro?.base, { input: 435000, cached_input: 3625, cache_write: 435000, output: 870000, reasoning_output: null, thinking_output: null });

  // models.dev lists no cache price for qwen-plus: cache hits are billed as input. Its "reasoning"
  // price is the thinking-mode output price (tools/catalog/reviewed.yml thinking_mode_output).
  const qwen = builtin.priceAt('qwen-intl', 'qwen-plus', at('2026-01-01T00:00:00Z'));
  assert.deepEqual(qwen?.base, { input: 400000, cached_input: 400000, cache_write: 400000, output: 1200000, reasoning_output: null, thinking_output: 4000000 });
  assert.deepEqual(qwen?.tiers, []);
  assert.deepEqual(builtin.priceAt('moonshot', 'kimi-k2.6', at('2026-05-01T00:00:00Z'))?.base, {
    input: 950000,
    cached_input: 160000,
    cache_write: 950000,
    output: 4000000,
    reasoning_output: null,
    thinking_output: null,
  });
  assert.equal(builtin.priceAt('zai', 'glm-5', at('2026-03-01T00:00:00Z'))?.base.output, 3200000);
});

void test('DeepSeek 2026-08-16 versions: off-peak base, peak windows at the listed price', () => {
  const v = builtin.priceAt('deepseek', 'deepseek-v4-flash', at('2026-08-16T16:00:00Z'));
  assert.ok(v);
  assert.equal(v.effective, '2026-08-16T16:00:00.000Z');
  assert.deepEqual(v.base, { input: 220000, cached_input: 7000, cache_write: 220000, output: 660000, reasoning_output: null, thinking_output: null });
  assert.deepEqual(
    v.windows.map((w) => [w.spec, w.fromMinute, w.toMinute, w.rates.input, w.rates.cached_input, w.rates.output]),
    [
      ['01:00-04:00', 60, 240, 440000, 14000, 1320000],
      ['06:00-10:00', 360, 600, 440000, 14000, 1320000],
    ],
  );
  const pro = builtin.priceAt('deepseek', 'deepseek-v4-pro', at('2026-09-01T00:00:00Z'));
  assert.deepEqual(pro?.base, { input: 660000, cached_input: 22000, cache_write: 660000, output: 1980000, reasoning_output: null, thinking_output: null });
  assert.equal(pro?.windows[1]?.rates.output, 3960000);
});

void test('deepseek-chat and deepseek-reasoner are priced as V4 Flash from 2026-04-24', () => {
  for (const model of ['deepseek-chat', 'deepseek-reasoner']) {
    assert.equal(builtin.priceAt('deepseek', model, at('2026-04-23T23:59:59Z')), null);
    assert.equal(builtin.priceAt('deepseek', model, at('2026-04-24T00:00:00Z'))?.base.cached_input, 28000);
    assert.equal(builtin.priceAt('deepseek', model, at('2026-05-01T00:00:00Z'))?.base.cached_input, 2800);
    assert.equal(builtin.versions('deepseek', model).length, 2);
  }
});

void test('priceAt picks the latest version in force, exactly at the boundary', () => {
  const t = at('2026-04-26T00:00:00Z');
  assert.equal(builtin.priceAt('deepseek', 'deepseek-v4-flash', t - 1)?.effective, '2026-04-24T00:00:00.000Z');
  assert.equal(builtin.priceAt('deepseek', 'deepseek-v4-flash', t)?.effective, '2026-04-26T00:00:00.000Z');
  assert.equal(builtin.priceAt('deepseek', 'deepseek-v4-flash', at('2026-09-09T23:59:59.999Z'))?.effective, '2026-08-16T16:00:00.000Z');
  assert.equal(builtin.priceAt('deepseek', 'deepseek-v4-flash', at('2030-01-01T00:00:00Z'))?.effective, '2026-09-10T00:00:00.000Z');
  assert.equal(builtin.priceAt('deepseek', 'deepseek-v4-pro', at('2026-04-25T00:00:00Z')), null);
  assert.equal(builtin.priceAt('openrouter', 'deepseek/deepseek-v4-flash', t), null);
  assert.equal(builtin.priceAt('deepseek', 'deepseek-v4-flash', Number.NaN), null);
});

void test('entries() lists every priced (provider, model), sorted; OpenRouter is unpriced', () => {
  const keys = builtin.entries().map((e) => `${e.provider}/${e.model}`);
  assert.deepEqual(keys, [...keys].sort((a, b) => a.localeCompare(b)), 'sorted by provider, then model');
  for (const k of ['deepseek/deepseek-flash', 'deepseek/deepseek-v4-flash', 'deepseek/deepseek-v4-pro', 'moonshot/kimi-k2.5', 'moonshot/kimi-k2.6', 'qwen-intl/qwen-plus', 'zai/glm-4.7', 'zai/glm-5']) {
    assert.ok(keys.includes(k), `${k} is priced`);
  }
  assert.deepEqual([...new Set(keys.map((k) => k.split('/')[0]))], ['deepseek', 'moonshot', 'qwen-intl', 'zai'], 'the four direct providers, no gateway');
  for (const e of builtin.entries()) {
    assert.ok(e.versions.length > 0);
    for (let i = 1; i < e.versions.length; i++) assert.ok(e.versions[i - 1]!.effectiveMs < e.versions[i]!.effectiveMs);
    for (const v of e.versions) assert.ok(v.source.length > 0, `${v.id} has a source`);
  }
  assert.deepEqual(builtin.versions('openrouter', 'x'), []);
});

void test('config versions merge with built-in ones; same instant replaces', () => {
  const pricing: PricingEntry[] = [
    {
      provider: 'deepseek',
      model: 'deepseek-v4-flash',
      versions: [
        { effective: '2026-04-26T00:00:00.000Z', per_million: { input: 0.1, output: 0.2 }, source: 'contract' },
        { effective: '2026-10-01T00:00:00.000Z', per_million: { input: 0.2, output: 0.4 } },
      ],
    },
    { provider: 'openrouter', model: 'qwen/qwen-plus', versions: [{ effective: '2026-01-01T00:00:00.000Z', per_million: { input: 0.4, output: 1.2 } }] },
  ];
  const cat = new Catalog(BUILTIN_CATALOG, pricing);
  const versions = cat.versions('deepseek', 'deepseek-v4-flash');
  assert.deepEqual(
    versions.map((v) => [v.effective, v.source]),
    [
      ['2026-04-24T00:00:00.000Z', 'DeepSeek pricing page at the V4 launch, 2026-04-24'],
      ['2026-04-26T00:00:00.000Z', 'contract'],
      ['2026-08-16T16:00:00.000Z', versions[2]!.source],
      ['2026-09-10T00:00:00.000Z', versions[3]!.source],
      ['2026-10-01T00:00:00.000Z', 'config file'],
    ],
  );
  // No cached_input given: cache hits cost full input.
  assert.equal(versions[1]!.base.cached_input, 100000);
  assert.equal(cat.priceAt('openrouter', 'qwen/qwen-plus', at('2026-02-01T00:00:00Z'))?.base.output, 1200000);
  // The built-in catalog object itself is untouched.
  assert.equal(builtin.versions('deepseek', 'deepseek-v4-flash').length, 4);
});

void test('retirements: built-in list, config adds and replaces', () => {
  assert.deepEqual(builtin.retirementOf('deepseek', 'deepseek-chat'), {
    provider: 'deepseek',
    model: 'deepseek-chat',
    at: '2026-07-24T15:59:00.000Z',
    atMs: Date.UTC(2026, 6, 24, 15, 59),
    replacement: 'deepseek-v4-flash',
    // deepseek-chat was v4-flash without thinking (docs/PROVIDERS.md §3): its callers keep that mode.
    replacementThinking: false,
    source: 'DeepSeek docs: retired after 2026-07-24 15:59 UTC, no grace period',
  });
  assert.equal(builtin.retirementOf('deepseek', 'deepseek-reasoner')?.replacement, 'deepseek-v4-flash');
  assert.equal(builtin.retirementOf('deepseek', 'deepseek-reasoner')?.replacementThinking, true);
  assert.equal(builtin.retirementOf('moonshot', 'moonshot-v1-8k')?.replacement, null);
  assert.equal(builtin.retirementOf('moonshot', 'moonshot-v1-128k')?.at, '2026-08-31T00:00:00.000Z');
  assert.equal(builtin.retirementOf('deepseek', 'deepseek-v4-flash'), null);
  assert.deepEqual(
    builtin.retirements().map((r) => r.model),
    ['deepseek-chat', 'deepseek-reasoner', 'moonshot-v1-128k', 'moonshot-v1-32k', 'moonshot-v1-8k'],
  );

  const cat = new Catalog(BUILTIN_CATALOG, [], [
    { provider: 'deepseek', model: 'deepseek-chat', at: '2026-07-25T00:00:00.000Z' },
    { provider: 'zai', model: 'glm-4.7', at: '2027-01-01T00:00:00.000Z', replacement: 'glm-5', source: 'Z.ai notice' },
  ]);
  assert.deepEqual(cat.retirementOf('deepseek', 'deepseek-chat'), {
    provider: 'deepseek',
    model: 'deepseek-chat',
    at: '2026-07-25T00:00:00.000Z',
    atMs: Date.UTC(2026, 6, 25),
    replacement: null,
    replacementThinking: null,
    source: 'config file',
  });
  assert.equal(cat.retirementOf('zai', 'glm-4.7')?.replacement, 'glm-5');
  assert.equal(cat.retirements().length, 6);
});

void test('unusable pricing is rejected with every problem and its path', () => {
  const bad: PricingEntry[] = [
    {
      provider: 'qwen-intl',
      model: 'qwen-plus',
      versions: [
        {
          effective: '2026-02-01T00:00:00.000Z',
          per_million: { input: 1, output: 1 },
          tiers: [
            { above: 1000, input: 1, output: 1 },
            { above: 1000, input: 2, output: 2 },
          ],
          windows: [
            { utc: '01:00-04:00', per_million: { input: 1, output: 1 } },
            { utc: '03:00-05:00', per_million: { input: 1, output: 1 } },
            { utc: '23:00-24:30', per_million: { input: 1, output: 1 } },
          ],
        },
        { effective: '2026-03-01T00:00:00Z', per_million: { input: 1, output: 1 } },
      ],
    },
    // The same instant twice in config (here across two entries) is ambiguous.
    { provider: 'qwen-intl', model: 'qwen-plus', versions: [{ effective: '2026-03-01T00:00:00.000Z', per_million: { input: 2, output: 2 } }] },
  ];
  let err: unknown;
  try {
    new Catalog(BUILTIN_CATALOG, bad, [
      { provider: 'zai', model: 'glm-5', at: '2027-01-01T00:00:00.000Z' },
      { provider: 'zai', model: 'glm-5', at: '2027-02-01T00:00:00.000Z' },
    ]);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof CatalogError);
  assert.deepEqual(err.problems, [
    'pricing[0].versions[0].tiers[1]: two tiers start at 1001 prompt tokens',
    'pricing[0].versions[0].windows[2].utc: not a time of day: "23:00-24:30" (end at most 24:00)',
    'pricing[0].versions[0].windows: "01:00-04:00" and "03:00-05:00" overlap',
    'pricing[1].versions[0].effective: qwen-intl/qwen-plus already has a version at 2026-03-01T00:00:00.000Z',
    'retirements[1]: zai/glm-5 is listed twice',
  ]);
});

void test('a window may end at 24:00', () => {
  const cat = new Catalog({ pricing: [], retirements: [] }, [
    { provider: 'p', model: 'm', versions: [{ effective: '2026-01-01T00:00:00.000Z', per_million: { input: 1, output: 1 }, windows: [{ utc: '22:00-24:00', per_million: { input: 0.5, output: 0.5 } }] }] },
  ]);
  const w = cat.versions('p', 'm')[0]?.windows[0];
  assert.deepEqual([w?.fromMinute, w?.toMinute], [1320, 1440]);
});

void test('catalog data is frozen', () => {
  const v = builtin.priceAt('deepseek', 'deepseek-v4-flash', at('2026-05-01T00:00:00Z'));
  assert.ok(v && Object.isFrozen(v) && Object.isFrozen(v.base));
  assert.throws(() => {
    (v.base as { input: number }).input = 1;
  }, TypeError);
});
