import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../src/domain/catalog/catalog.js';
import { BUILTIN_CATALOG } from '../../src/domain/catalog/builtin.js';
import type { PriceVersion, Rates } from '../../src/domain/catalog/types.js';
import { costOf, priceUsage, utcMinuteOfDay, type UsageForCost } from '../../src/domain/money/cost.js';

const builtin = new Catalog(BUILTIN_CATALOG);
const at = (iso: string) => Date.parse(iso);

function usage(iso: string, u: Partial<Omit<UsageForCost, 'tsMs'>>): UsageForCost {
  return { tsMs: at(iso), input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, thinking: false, ...u };
}

void test('cache hit vs miss (DeepSeek V4 Flash, 2026-05-01)', () => {
  // 400,000 miss x $0.14/M = $0.056; 600,000 hit x $0.0028/M = $0.00168; 200,000 out x $0.28/M = $0.056
  // total $0.11368 = 113,680,000 nusd
  const u = usage('2026-05-01T12:00:00Z', { input_tokens: 1_000_000, cached_input_tokens: 600_000, output_tokens: 200_000 });
  assert.deepEqual(priceUsage(builtin, 'deepseek', 'deepseek-v4-flash', u), {
    cost_nusd: 113_680_000,
    price_version: 'deepseek/deepseek-v4-flash@2026-04-26T00:00:00.000Z',
  });
  // All miss: 1,000,000 x $0.14/M + 200,000 x $0.28/M = $0.14 + $0.056 = $0.196
  const miss = { ...u, cached_input_tokens: 0 };
  assert.equal(priceUsage(builtin, 'deepseek', 'deepseek-v4-flash', miss).cost_nusd, 196_000_000);
});

void test('the price version changes at 2026-04-26T00:00Z', () => {
  // 1,000,000 cache-hit tokens: launch price $0.028/M -> $0.028; from 04-26 $0.0028/M -> $0.0028
  const u = { input_tokens: 1_000_000, cached_input_tokens: 1_000_000 };
  const before = priceUsage(builtin, 'deepseek', 'deepseek-v4-flash', usage('2026-04-25T23:59:59Z', u));
  const after = priceUsage(builtin, 'deepseek', 'deepseek-v4-flash', usage('2026-04-26T00:00:00Z', u));
  assert.deepEqual(before, { cost_nusd: 28_000_000, price_version: 'deepseek/deepseek-v4-flash@2026-04-24T00:00:00.000Z' });
  assert.deepEqual(after, { cost_nusd: 2_800_000, price_version: 'deepseek/deepseek-v4-flash@2026-04-26T00:00:00.000Z' });
  // Before launch there is no price at all.
  assert.deepEqual(priceUsage(builtin, 'deepseek', 'deepseek-v4-flash', usage('2026-04-23T23:59:59Z', u)), { cost_nusd: null, price_version: null });
});

// Mainland-style qwen-plus terms (docs/PROVIDERS.md §2): a tier above 128K and a thinking price.
const qwenTiered = new Catalog(BUILTIN_CATALOG, [
  {
    provider: 'qwen-intl',
    model: 'qwen-plus',
    versions: [
      {
        effective: '2026-01-01T00:00:00.000Z',
        per_million: { input: 0.4, cached_input: 0.08, output: 1.2, thinking_output: 4.0 },
        tiers: [{ above: 131072, input: 1.2, cached_input: 0.24, output: 3.6, thinking_output: 12.0 }],
      },
    ],
  },
]);

void test('tiers: the whole request is billed at the tier its prompt falls in (qwen-plus)', () => {
  const v = qwenTiered.priceAt('qwen-intl', 'qwen-plus', at('2026-03-01T12:00:00Z'));
  assert.ok(v);
  // 131,072 prompt tokens is not above 131072: base. 131,072 x $0.40/M + 1,000 x $1.20/M
  // = $0.0524288 + $0.0012 = $0.0536288
  const atLimit = costOf(usage('2026-03-01T12:00:00Z', { input_tokens: 131_072, output_tokens: 1_000 }), v);
  assert.deepEqual(atLimit, { nusd: 53_628_800, tier: null, window: null });
  // 131,073: all of it at the tier. 131,073 x $1.20/M + 1,000 x $3.60/M = $0.1572876 + $0.0036 = $0.1608876
  const above = costOf(usage('2026-03-01T12:00:00Z', { input_tokens: 131_073, output_tokens: 1_000 }), v);
  assert.deepEqual(above, { nusd: 160_887_600, tier: 131072, window: null });
});

void test('time windows: DeepSeek peak hours after 2026-08-16T16:00Z', () => {
  // 1,000,000 in + 1,000,000 out. Peak (listed): $0.44 + $1.32 = $1.76. Off-peak (half): $0.22 + $0.66 = $0.88.
  const u = { input_tokens: 1_000_000, output_tokens: 1_000_000 };
  const cost = (iso: string) => {
    const v = builtin.priceAt('deepseek', 'deepseek-v4-flash', at(iso));
    assert.ok(v);
    return costOf(usage(iso, u), v);
  };
  assert.deepEqual(cost('2026-08-17T03:59:59Z'), { nusd: 1_760_000_000, tier: null, window: '01:00-04:00' });
  assert.deepEqual(cost('2026-08-17T04:00:00Z'), { nusd: 880_000_000, tier: null, window: null });
  assert.deepEqual(cost('2026-08-17T00:59:59Z'), { nusd: 880_000_000, tier: null, window: null });
  assert.deepEqual(cost('2026-08-17T01:00:00Z'), { nusd: 1_760_000_000, tier: null, window: '01:00-04:00' });
  assert.deepEqual(cost('2026-08-17T09:59:59Z'), { nusd: 1_760_000_000, tier: null, window: '06:00-10:00' });
  assert.deepEqual(cost('2026-08-17T10:00:00Z'), { nusd: 880_000_000, tier: null, window: null });
  // The change itself: just before, the 04-26 price ($0.14 + $0.28 = $0.42); at 16:00 (off-peak) $0.88.
  assert.equal(cost('2026-08-16T15:59:59Z').nusd, 420_000_000);
  assert.equal(cost('2026-08-16T16:00:00Z').nusd, 880_000_000);
  // Pro, peak: $1.32 + $3.96 = $5.28
  const pro = builtin.priceAt('deepseek', 'deepseek-v4-pro', at('2026-08-18T02:00:00Z'));
  assert.ok(pro);
  assert.equal(costOf(usage('2026-08-18T02:00:00Z', u), pro).nusd, 5_280_000_000);
});

void test('inside a window tiers do not apply', () => {
  const cat = new Catalog(BUILTIN_CATALOG, [
    {
      provider: 'qwen-intl',
      model: 'qwen-plus',
      versions: [
        {
          effective: '2026-01-01T00:00:00.000Z',
          per_million: { input: 0.4, cached_input: 0.08, output: 1.2, thinking_output: 4.0 },
          tiers: [{ above: 131072, input: 1.2, cached_input: 0.24, output: 3.6, thinking_output: 12.0 }],
          windows: [{ utc: '01:00-04:00', per_million: { input: 0.28, cached_input: 0.028, output: 0.56, thinking_output: 2.0 } }],
        },
      ],
    },
  ]);
  // 200,000 prompt tokens at 02:00: window price $0.28/M -> $0.056, although above the tier.
  const inWindow = usage('2026-03-01T02:00:00Z', { input_tokens: 200_000 });
  const v = cat.priceAt('qwen-intl', 'qwen-plus', inWindow.tsMs);
  assert.ok(v);
  assert.deepEqual(costOf(inWindow, v), { nusd: 56_000_000, tier: null, window: '01:00-04:00' });
  // Outside: tier price $1.20/M -> $0.24
  assert.deepEqual(costOf({ ...inWindow, tsMs: at('2026-03-01T05:00:00Z') }, v), { nusd: 240_000_000, tier: 131072, window: null });
});

void test('thinking mode has its own output price', () => {
  const v = qwenTiered.priceAt('qwen-intl', 'qwen-plus', at('2026-03-01T12:00:00Z'));
  assert.ok(v);
  const u = usage('2026-03-01T12:00:00Z', { input_tokens: 1_000, output_tokens: 10_000, reasoning_tokens: 6_000, thinking: true });
  // 1,000 x $0.40/M + 10,000 (all output) x $4.00/M = $0.0004 + $0.04 = $0.0404
  assert.equal(costOf(u, v).nusd, 40_400_000);
  // Not thinking: reasoning has no price of its own -> all output at $1.20/M: $0.0004 + $0.012 = $0.0124
  assert.equal(costOf({ ...u, thinking: false }, v).nusd, 12_400_000);
  // Thinking above the tier: 200,000 x $1.20/M + 10,000 x $12.00/M = $0.24 + $0.12 = $0.36
  assert.equal(costOf({ ...u, input_tokens: 200_000 }, v).nusd, 360_000_000);
  // No thinking price (DeepSeek): thinking output costs as output. 1,000 x $0.14/M + 10,000 x $0.28/M = $0.00294
  const flash = builtin.priceAt('deepseek', 'deepseek-v4-flash', at('2026-05-01T00:00:00Z'));
  assert.ok(flash);
  assert.equal(costOf({ ...u, tsMs: at('2026-05-01T00:00:00Z') }, flash).nusd, 2_940_000);
});

void test('reasoning tokens priced apart by a config version', () => {
  const cat = new Catalog(BUILTIN_CATALOG, [
    {
      provider: 'zai',
      model: 'glm-4.7',
      versions: [{ effective: '2026-06-01T00:00:00.000Z', per_million: { input: 0.6, cached_input: 0.11, output: 2.2, reasoning_output: 1.1 } }],
    },
  ]);
  const u = usage('2026-06-02T00:00:00Z', { input_tokens: 10_000, cached_input_tokens: 4_000, output_tokens: 5_000, reasoning_tokens: 3_000 });
  // 6,000 x $0.60/M = $0.0036; 4,000 x $0.11/M = $0.00044; 3,000 reasoning x $1.10/M = $0.0033;
  // 2,000 other output x $2.20/M = $0.0044; total $0.01174
  assert.deepEqual(priceUsage(cat, 'zai', 'glm-4.7', u), { cost_nusd: 11_740_000, price_version: 'zai/glm-4.7@2026-06-01T00:00:00.000Z' });
  // The same row under the built-in version (no reasoning price): $0.0036 + $0.00044 + 5,000 x $2.20/M ($0.011) = $0.01504
  assert.deepEqual(priceUsage(cat, 'zai', 'glm-4.7', { ...u, tsMs: at('2026-05-31T23:59:59Z') }), {
    cost_nusd: 15_040_000,
    price_version: 'zai/glm-4.7@2025-12-22T00:00:00.000Z',
  });
  // thinking without a thinking price still uses the reasoning price
  assert.equal(priceUsage(cat, 'zai', 'glm-4.7', { ...u, thinking: true }).cost_nusd, 11_740_000);
});

void test('a config version at the same instant replaces the built-in one', () => {
  const cat = new Catalog(BUILTIN_CATALOG, [
    {
      provider: 'deepseek',
      model: 'deepseek-v4-flash',
      versions: [{ effective: '2026-04-26T00:00:00Z', per_million: { input: 0.1, cached_input: 0.001, output: 0.2 }, source: 'negotiated' }],
    },
  ]);
  assert.equal(cat.versions('deepseek', 'deepseek-v4-flash').length, 4);
  // 400,000 x $0.10/M + 600,000 x $0.001/M + 200,000 x $0.20/M = $0.04 + $0.0006 + $0.04 = $0.0806
  const u = usage('2026-05-01T12:00:00Z', { input_tokens: 1_000_000, cached_input_tokens: 600_000, output_tokens: 200_000 });
  assert.deepEqual(priceUsage(cat, 'deepseek', 'deepseek-v4-flash', u), {
    cost_nusd: 80_600_000,
    price_version: 'deepseek/deepseek-v4-flash@2026-04-26T00:00:00.000Z',
  });
  assert.equal(cat.priceAt('deepseek', 'deepseek-v4-flash', u.tsMs)?.source, 'negotiated');
});

void test('an unpriced model is null, never $0', () => {
  const u = usage('2026-05-01T12:00:00Z', { input_tokens: 1_000, output_tokens: 1_000 });
  assert.deepEqual(priceUsage(builtin, 'openrouter', 'deepseek/deepseek-v4-flash', u), { cost_nusd: null, price_version: null });
  assert.deepEqual(priceUsage(builtin, 'deepseek', 'no-such-model', u), { cost_nusd: null, price_version: null });
  // A priced model with zero tokens does cost $0 (and is priced).
  assert.equal(priceUsage(builtin, 'deepseek', 'deepseek-v4-flash', usage('2026-05-01T12:00:00Z', {})).cost_nusd, 0);
});

function flat(rates: Partial<Rates>): PriceVersion {
  const base: Rates = { input: 0, cached_input: 0, cache_write: rates.input ?? 0, output: 0, reasoning_output: null, thinking_output: null, ...rates };
  return { id: 't/m@1970-01-01T00:00:00.000Z', provider: 't', model: 'm', effective: '1970-01-01T00:00:00.000Z', effectiveMs: 0, base, tiers: [], windows: [], holidays: [], holidayDays: [], perRequestNusd: 0, source: 'test', checked: null };
}

void test('pico-USD is rounded half-up to nano-USD once, after summing', () => {
  const one = (rate: number) => costOf(usage('2026-05-01T00:00:00Z', { input_tokens: 1 }), flat({ input: rate })).nusd;
  assert.equal(one(1500), 2); // 1.5 nusd -> 2
  assert.equal(one(1499), 1);
  assert.equal(one(500), 1); // 0.5 -> 1
  assert.equal(one(499), 0);
  // Two halves make a whole: 1 x 700 + 1 x 800 = 1500 pico -> 2 nusd (rounding each part would give 1 + 1).
  const v = flat({ input: 700, output: 800 });
  assert.equal(costOf(usage('2026-05-01T00:00:00Z', { input_tokens: 1, output_tokens: 1 }), v).nusd, 2);
  // Big exact products: 10^9 tokens x 3,960,000 pico = 3.96e15 pico = 3.96e12 nusd ($3,960)
  assert.equal(costOf(usage('2026-05-01T00:00:00Z', { output_tokens: 1_000_000_000 }), flat({ output: 3_960_000 })).nusd, 3_960_000_000_000);
});

void test('parts larger than their totals are clamped; bad counts throw', () => {
  const v = flat({ input: 100, cached_input: 10, output: 1000, reasoning_output: 2000 });
  // cached 50 > input 20: all 20 cached -> 200 pico; reasoning 9 > output 5: all 5 reasoning -> 10,000 pico
  assert.equal(costOf(usage('2026-05-01T00:00:00Z', { input_tokens: 20, cached_input_tokens: 50, output_tokens: 5, reasoning_tokens: 9 }), v).nusd, 10);
  // negative parts count as 0: 20 x 100 + 5 x 1000 = 7,000 pico -> 7 nusd
  assert.equal(costOf(usage('2026-05-01T00:00:00Z', { input_tokens: 20, cached_input_tokens: -1, output_tokens: 5, reasoning_tokens: -3 }), v).nusd, 7);
  assert.throws(() => costOf(usage('2026-05-01T00:00:00Z', { input_tokens: -1 }), v), RangeError);
  assert.throws(() => costOf(usage('2026-05-01T00:00:00Z', { output_tokens: 1.5 }), v), RangeError);
  assert.throws(() => costOf({ ...usage('2026-05-01T00:00:00Z', {}), tsMs: Number.NaN }, v), RangeError);
});

void test('utcMinuteOfDay', () => {
  assert.equal(utcMinuteOfDay(at('2026-08-17T03:59:59.999Z')), 239);
  assert.equal(utcMinuteOfDay(at('2026-08-17T04:00:00Z')), 240);
  assert.equal(utcMinuteOfDay(at('1969-12-31T23:59:00Z')), 1439);
});

test('a call with no tokens costs $0 even where no price is known; with tokens it stays not priced', () => {
  const cat = new Catalog(BUILTIN_CATALOG);
  const zero = { tsMs: Date.parse('2026-11-23T00:00:00Z'), input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, thinking: false };
  assert.deepEqual(priceUsage(cat, 'openrouter', 'some/model', zero), { cost_nusd: 0, price_version: null });
  assert.deepEqual(priceUsage(cat, 'openrouter', 'some/model', { ...zero, input_tokens: 5 }), { cost_nusd: null, price_version: null });
});
