// What providers bill beyond flat per-token prices: weekday schedules with holidays (DeepSeek,
// docs/PROVIDERS.md §2), cache writes, per-request fees, inclusive tier boundaries and thinking
// prices per tier. Costs are hand-computed in the comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog, CatalogError } from '../../src/domain/catalog/catalog.js';
import { BUILTIN_CATALOG } from '../../src/domain/catalog/builtin.js';
import { costOf, priceUsage, type UsageForCost } from '../../src/domain/money/cost.js';
import { ConfigError, parseConfigText } from '../../src/config/load.js';
import { buildCatalog } from '../../src/app/ledger.js';
import type { PriceVersionInput } from '../../src/config/schema.js';

const builtin = new Catalog(BUILTIN_CATALOG);

function usage(iso: string, u: Partial<Omit<UsageForCost, 'tsMs'>>): UsageForCost {
  return { tsMs: Date.parse(iso), input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, thinking: false, ...u };
}

// 1,000,000 prompt tokens of which 200,000 cached, 100,000 out.
// Peak:     800,000 x $0.30/M + 200,000 x $0.006/M + 100,000 x $1.20/M = 0.24 + 0.0012 + 0.12 = $0.3612
// Off-peak: exactly half, $0.1806.
const CALL = { input_tokens: 1_000_000, cached_input_tokens: 200_000, output_tokens: 100_000 };
const PEAK = 361_200_000;
const OFF_PEAK = 180_600_000;
const flash = (iso: string, model = 'deepseek-flash') => priceUsage(builtin, 'deepseek', model, usage(iso, CALL));

void test('DeepSeek Flash: peak on weekday mornings UTC, off-peak at other hours', () => {
  // 2026-11-16 is a Monday.
  assert.equal(flash('2026-11-16T01:00:00Z').cost_nusd, PEAK);
  assert.equal(flash('2026-11-16T03:59:59.999Z').cost_nusd, PEAK);
  assert.equal(flash('2026-11-16T04:00:00Z').cost_nusd, OFF_PEAK);
  assert.equal(flash('2026-11-16T05:30:00Z').cost_nusd, OFF_PEAK);
  assert.equal(flash('2026-11-16T06:00:00Z').cost_nusd, PEAK);
  assert.equal(flash('2026-11-16T09:59:59Z').cost_nusd, PEAK);
  assert.equal(flash('2026-11-16T10:00:00Z').cost_nusd, OFF_PEAK);
  assert.equal(flash('2026-11-16T00:59:59Z').cost_nusd, OFF_PEAK);
  // Friday peak, then Saturday and Sunday off-peak all day, Monday peak again.
  assert.equal(flash('2026-11-20T02:00:00Z').cost_nusd, PEAK);
  assert.equal(flash('2026-11-21T02:00:00Z').cost_nusd, OFF_PEAK);
  assert.equal(flash('2026-11-22T07:00:00Z').cost_nusd, OFF_PEAK);
  assert.equal(flash('2026-11-23T07:00:00Z').cost_nusd, PEAK);
});

void test('DeepSeek Flash: Chinese public holidays are off-peak all day, the working day after is not', () => {
  // National Day 2026-10-01..07: Thursday 10-01 and Wednesday 10-07 are holidays; Thursday 10-08 is not.
  assert.equal(flash('2026-10-01T02:00:00Z').cost_nusd, OFF_PEAK);
  assert.equal(flash('2026-10-07T08:00:00Z').cost_nusd, OFF_PEAK);
  assert.equal(flash('2026-10-08T02:00:00Z').cost_nusd, PEAK);
  // Mid-Autumn 2026-09-25 (Friday) is a holiday; Thursday 09-24 is not.
  assert.equal(flash('2026-09-25T02:00:00Z').cost_nusd, OFF_PEAK);
  assert.equal(flash('2026-09-24T02:00:00Z').cost_nusd, PEAK);
});

void test('deepseek-v4-flash is billed at Flash prices since 2026-09-10; deepseek-flash did not exist before', () => {
  const legacy = flash('2026-11-16T02:00:00Z', 'deepseek-v4-flash');
  assert.deepEqual(legacy, { cost_nusd: PEAK, price_version: 'deepseek/deepseek-v4-flash@2026-09-10T00:00:00.000Z' });
  // The day before, the August table: peak 800,000 x 0.44 + 200,000 x 0.014 + 100,000 x 1.32 = 0.352 + 0.0028 + 0.132 = $0.4868.
  assert.equal(flash('2026-09-09T02:00:00Z', 'deepseek-v4-flash').cost_nusd, 486_800_000);
  assert.deepEqual(flash('2026-09-09T02:00:00Z'), { cost_nusd: null, price_version: null });
});

void test('a cache write is billed at its own price, or at the input price when none is given', () => {
  const written = usage('2026-11-16T12:00:00Z', { input_tokens: 1_000_000, cached_input_tokens: 100_000, cache_write_tokens: 300_000, output_tokens: 0 });
  const cat = new Catalog({ pricing: [], retirements: [] }, [
    { provider: 'openrouter', model: 'a', versions: [{ effective: '2026-01-01T00:00:00Z', per_million: { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 } }] },
    { provider: 'openrouter', model: 'b', versions: [{ effective: '2026-01-01T00:00:00Z', per_million: { input: 3, cached_input: 0.3, output: 15 } }] },
  ]);
  // a: 600,000 x 3 + 100,000 x 0.3 + 300,000 x 3.75 = 1.8 + 0.03 + 1.125 = $2.955
  assert.equal(priceUsage(cat, 'openrouter', 'a', written).cost_nusd, 2_955_000_000);
  // b: 900,000 x 3 + 100,000 x 0.3 = 2.7 + 0.03 = $2.73
  assert.equal(priceUsage(cat, 'openrouter', 'b', written).cost_nusd, 2_730_000_000);
  // More written than the uncached prompt: clamped to it (900,000 x 3.75 + 100,000 x 0.3 = $3.405).
  assert.equal(priceUsage(cat, 'openrouter', 'a', { ...written, cache_write_tokens: 5_000_000 }).cost_nusd, 3_405_000_000);
});

void test('a per-request fee is added once to a call that used tokens, never to one that did not', () => {
  const cat = new Catalog({ pricing: [], retirements: [] }, [
    { provider: 'openrouter', model: 'f', versions: [{ effective: '2026-01-01T00:00:00Z', per_million: { input: 1, output: 2 }, per_request: 0.0005 }] },
  ]);
  // 1,000 x $1/M + 500 x $2/M + $0.0005 = 0.001 + 0.001 + 0.0005 = $0.0025
  assert.equal(priceUsage(cat, 'openrouter', 'f', usage('2026-11-16T12:00:00Z', { input_tokens: 1_000, output_tokens: 500 })).cost_nusd, 2_500_000);
  assert.equal(priceUsage(cat, 'openrouter', 'f', usage('2026-11-16T12:00:00Z', {})).cost_nusd, 0);
});

function version(v: Partial<PriceVersionInput>): PriceVersionInput {
  return { effective: '2026-01-01T00:00:00Z', per_million: { input: 1, output: 2 }, ...v };
}

void test('a tier boundary is exclusive with "above" and inclusive with "at_least"', () => {
  const cat = new Catalog({ pricing: [], retirements: [] }, [
    { provider: 'qwen-intl', model: 'above', versions: [version({ tiers: [{ above: 131_072, input: 3, output: 6 }] })] },
    { provider: 'qwen-intl', model: 'at-least', versions: [version({ tiers: [{ at_least: 131_072, input: 3, output: 6 }] })] },
  ]);
  const at = (n: number) => usage('2026-11-16T12:00:00Z', { input_tokens: n });
  // Exactly 131,072 prompt tokens: base ($1/M) under "above", tier ($3/M) under "at_least".
  assert.equal(priceUsage(cat, 'qwen-intl', 'above', at(131_072)).cost_nusd, 131_072_000);
  assert.equal(priceUsage(cat, 'qwen-intl', 'at-least', at(131_072)).cost_nusd, 393_216_000);
  assert.equal(priceUsage(cat, 'qwen-intl', 'above', at(131_073)).cost_nusd, 393_219_000);
  assert.equal(priceUsage(cat, 'qwen-intl', 'at-least', at(131_071)).cost_nusd, 131_071_000);
});

void test('thinking is billed at the price of the tier the prompt falls in', () => {
  const cat = new Catalog({ pricing: [], retirements: [] }, [
    { provider: 'qwen-intl', model: 'qwen-plus', versions: [version({ per_million: { input: 0.4, output: 1.2, thinking_output: 4 }, tiers: [{ above: 131_072, input: 1.2, output: 3.6, thinking_output: 12 }] })] },
  ]);
  const v = cat.priceAt('qwen-intl', 'qwen-plus', Date.parse('2026-11-16T00:00:00Z'))!;
  // 200,000 prompt tokens (tier above 131,072): 200,000 x 1.2 + 10,000 thinking out x 12.00 = 0.24 + 0.12 = $0.36
  assert.equal(costOf(usage('2026-11-16T00:00:00Z', { input_tokens: 200_000, output_tokens: 10_000, thinking: true }), v).nusd, 360_000_000);
});

function catalogProblems(pricing: Array<{ provider: string; model: string; versions: PriceVersionInput[] }>): string {
  try {
    new Catalog({ pricing: [], retirements: [] }, pricing);
  } catch (err) {
    assert.ok(err instanceof CatalogError);
    return err.problems.join('\n');
  }
  assert.fail('expected a CatalogError');
}

void test('a tier or window without its own thinking price, when the base has one, is refused', () => {
  const problems = catalogProblems([
    {
      provider: 'qwen-intl',
      model: 'q',
      versions: [version({ per_million: { input: 1, output: 2, thinking_output: 8 }, tiers: [{ above: 1000, input: 2, output: 4 }], windows: [{ utc: '01:00-02:00', per_million: { input: 1, output: 1 } }] })],
    },
  ]);
  assert.match(problems, /tier from 1001 prompt tokens needs its own thinking_output/);
  assert.match(problems, /"01:00-02:00" needs its own thinking_output/);
});

void test('schedule windows may share hours on different days, never on the same day', () => {
  const peak = { input: 2, output: 4 };
  assert.doesNotThrow(() =>
    new Catalog({ pricing: [], retirements: [] }, [
      {
        provider: 'deepseek',
        model: 'd',
        versions: [version({ schedule: { windows: [{ days: ['mon', 'tue'], utc: '01:00-04:00', per_million: peak }, { days: ['sat'], utc: '01:00-04:00', per_million: { input: 3, output: 3 } }] } })],
      },
    ]),
  );
  const problems = catalogProblems([
    { provider: 'deepseek', model: 'd', versions: [version({ windows: [{ utc: '02:00-03:00', per_million: peak }], schedule: { windows: [{ days: ['fri'], utc: '01:00-04:00', per_million: peak }] } })] },
  ]);
  assert.match(problems, /"01:00-04:00" and "02:00-03:00" overlap/);
});

function configProblems(yaml: string): string {
  try {
    buildCatalog(parseConfigText(yaml, 'routeops.yml'));
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.join('\n');
  }
  assert.fail('expected a ConfigError');
}

void test('config: schedules, holidays and tiers with bad values name the path and what is accepted', () => {
  const head = 'pricing:\n  - provider: deepseek\n    model: d\n    versions:\n      - effective: 2026-01-01T00:00:00Z\n        per_million: { input: 1, output: 2 }\n';
  assert.match(configProblems(`${head}        schedule: { windows: [{ days: [monday], utc: "01:00-04:00", per_million: { input: 2, output: 4 } }] }\n`), /schedule\.windows\[0\]\.days\[0\]: .*"mon"/);
  assert.match(configProblems(`${head}        schedule: { windows: [{ days: [mon], utc: "01:00-04:00", per_million: { input: 2, output: 4 } }], holidays: ["2026-02-30"] }\n`), /schedule\.holidays: no such date "2026-02-30"/);
  assert.match(configProblems(`${head}        schedule: { windows: [{ days: [mon], utc: "01:00-04:00", per_million: { input: 2, output: 4 } }], holidays: [christmas] }\n`), /expected a date "YYYY-MM-DD" \(UTC\) or "china"/);
  assert.match(configProblems(`${head}        tiers: [{ above: 10, at_least: 10, input: 2, output: 4 }]\n`), /exactly one of "above".*or "at_least"/);
  assert.match(configProblems(`${head}        schedule: { windows: [{ days: [mon], utc: "04:00-01:00", per_million: { input: 2, output: 4 } }] }\n`), /schedule\.windows\[0\]\.utc: start must be before end/);
});

void test('config: a schedule with the built-in Chinese holidays and extra dates prices as written', () => {
  const config = parseConfigText(
    `pricing:
  - provider: deepseek
    model: deepseek-flash
    versions:
      - effective: 2026-12-01T00:00:00Z
        per_million: { input: 0.15, cached_input: 0.003, output: 0.6 }
        schedule:
          windows:
            - { days: [mon, tue, wed, thu, fri], utc: "01:00-04:00", per_million: { input: 0.3, cached_input: 0.006, output: 1.2 } }
          holidays: [china, "2026-12-24"]
        source: "negotiated"
`,
    'routeops.yml',
  );
  const cat = buildCatalog(config);
  const v = cat.priceAt('deepseek', 'deepseek-flash', Date.parse('2026-12-24T02:00:00Z'))!;
  assert.equal(v.source, 'negotiated');
  assert.ok(v.holidays.includes('2026-10-01') && v.holidays.includes('2026-12-24'));
  // Thursday 2026-12-24 is an extra holiday: off-peak; Wednesday 12-23 peak.
  assert.equal(priceUsage(cat, 'deepseek', 'deepseek-flash', usage('2026-12-24T02:00:00Z', CALL)).cost_nusd, OFF_PEAK);
  assert.equal(priceUsage(cat, 'deepseek', 'deepseek-flash', usage('2026-12-23T02:00:00Z', CALL)).cost_nusd, PEAK);
});
