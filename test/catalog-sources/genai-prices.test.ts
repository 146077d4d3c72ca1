// pydantic genai-prices data through its normaliser: the real v1 (2026-05-28, 2026-07-25) and v2
// (2026-08-21) snapshots (test/fixtures/catalog/FORMATS.md §2), and hand-written documents for
// what those files do not carry (tiered values, per-request fees, dated prices, deprecations).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { diffSnapshots } from '../../src/features/catalog/diff.js';
import { normalizeGenaiPrices } from '../../src/features/catalog/sources/normalize.js';
import { CatalogSourceError, type SourceEntry, type SourceRates } from '../../src/features/catalog/sources/types.js';
import { GENAI_DIR, readGzJson } from './helpers.js';

const load = (file: string, at: string) => normalizeGenaiPrices(readGzJson(join(GENAI_DIR, file)), { fetched_at: at });
const V1_MAY = () => load('v1-2026-05-28.json.gz', '2026-05-28T00:00:00.000Z');
const V1_JULY = () => load('v1-2026-07-25.json.gz', '2026-07-25T00:00:00.000Z');
const V2_AUG = () => load('v2-2026-08-21.json.gz', '2026-08-21T00:00:00.000Z');
const find = (entries: SourceEntry[], provider: string, model: string) => entries.find((e) => e.provider === provider && e.model === model);
const rates = (input: number | null, cached: number | null, output: number | null, more: Partial<SourceRates> = {}): SourceRates => ({
  input,
  cached_input: cached,
  cache_write: null,
  output,
  reasoning_output: null,
  ...more,
});

/** The rates an entry bills at a UTC minute of the day: the window holding it, else the base. */
function ratesAt(e: SourceEntry, minute: number): SourceRates {
  return e.windows.find((w) => w.from_minute <= minute && minute < w.to_minute)?.rates ?? e.rates;
}

/** One-provider document: deepseek with one model whose `prices` is given. */
const oneModel = (prices: unknown, extra: Record<string, unknown> = {}) => [{ id: 'deepseek', name: 'DeepSeek', api_pattern: 'x', models: [{ id: 'deepseek-chat', match: { equals: 'deepseek-chat' }, prices, ...extra }] }];

void test('genai deepseek-chat (v2 08-21): off-peak is the unconstrained price, standard a 00:30-16:30 UTC window', () => {
  const chat = find(V2_AUG(), 'deepseek', 'deepseek-chat')!;
  assert.deepEqual(chat.rates, rates(135_000, 35_000, 550_000), 'off-peak: 0.135 / 0.035 / 0.55');
  assert.deepEqual(
    chat.windows.map((w) => [w.utc, w.from_minute, w.to_minute, w.rates]),
    [['00:30-16:30', 30, 990, rates(270_000, 70_000, 1_100_000)]],
  );
  assert.equal(chat.context, 64_000);
  assert.deepEqual([chat.source_key, chat.mapped, chat.checked_at, chat.effective_from, chat.upcoming], ['deepseek/deepseek-chat', true, null, null, []]);
});

void test('genai off-peak written as DeepSeek states it (16:30-00:30 UTC) is split in two windows and bills the same at every minute', () => {
  const standard = { input_mtok: 0.27, cache_read_mtok: 0.07, output_mtok: 1.1 };
  const offPeak = { input_mtok: 0.135, cache_read_mtok: 0.035, output_mtok: 0.55 };
  const [wrapped] = normalizeGenaiPrices(oneModel([{ prices: standard }, { constraint: { start_time: '16:30:00Z', end_time: '00:30:00Z' }, prices: offPeak }]), { fetched_at: '2026-08-21T00:00:00.000Z' });
  assert.deepEqual(wrapped!.rates, rates(270_000, 70_000, 1_100_000));
  assert.deepEqual(
    wrapped!.windows.map((w) => [w.utc, w.from_minute, w.to_minute, w.rates.input]),
    [
      ['00:00-00:30', 0, 30, 135_000],
      ['16:30-24:00', 990, 1440, 135_000],
    ],
  );
  const fixture = find(V2_AUG(), 'deepseek', 'deepseek-chat')!;
  for (let minute = 0; minute < 1440; minute++) assert.deepEqual(ratesAt(wrapped!, minute), ratesAt(fixture, minute), `minute ${minute}`);
  // The same window given with an offset: 00:30+08:00 is 16:30 UTC.
  const [shifted] = normalizeGenaiPrices(oneModel([{ prices: standard }, { constraint: { start_time: '00:30:00+08:00', end_time: '08:30+08:00' }, prices: offPeak }]), { fetched_at: '2026-08-21T00:00:00.000Z' });
  assert.deepEqual(shifted!.windows.map((w) => w.utc), ['00:00-00:30', '16:30-24:00']);
});

void test('genai deepseek-v4-pro: 1.74 / 3.48 / 0.0145 (v1 05-28) -> 0.435 / 0.87 / 0.003625 (v1 07-25)', () => {
  const before = find(V1_MAY(), 'deepseek', 'deepseek-v4-pro')!;
  const after = find(V1_JULY(), 'deepseek', 'deepseek-v4-pro')!;
  assert.deepEqual(before.rates, rates(1_740_000, 14_500, 3_480_000));
  assert.deepEqual(after.rates, rates(435_000, 3_625, 870_000));
  assert.deepEqual(
    diffSnapshots([before], [after]).map((c) => (c.kind === 'price' ? [c.component, c.pct] : c.kind)),
    [
      ['input', -75],
      ['cached_input', -75],
      ['output', -75],
    ],
  );
});

void test('genai providers: zai (v2) mapped with lower-case ids; zhipuai (CNY converted) kept apart; no prices_checked in these files', () => {
  const aug = V2_AUG();
  assert.deepEqual(find(aug, 'zai', 'glm-5.2')?.rates, rates(1_400_000, 260_000, 4_400_000));
  assert.equal(find(aug, 'zai', 'glm-5.2')?.source_key, 'zai/GLM-5.2');
  assert.ok(find(aug, 'zai', 'glm-5.3'));
  assert.equal(find(V1_JULY(), 'zai', 'glm-5.2'), undefined, 'zai came with v2');
  const zhipu = aug.filter((e) => e.provider === 'zhipuai');
  assert.equal(zhipu.length, 13);
  assert.ok(zhipu.every((e) => !e.mapped));
  assert.equal(find(aug, 'moonshot', 'kimi-k2.6')?.rates.output, 4_000_000);
  assert.equal(find(aug, 'openrouter', 'moonshotai/kimi-k2.6:free')?.priced, true, 'prices:{} is free');
  assert.deepEqual(find(aug, 'openrouter', 'moonshotai/kimi-k2.6:free')?.rates, rates(0, null, 0));
  assert.ok(aug.every((e) => e.checked_at === null), 'prices_checked is YAML-only: none in the JSON');
  // v1 07-25 -> v2 08-21: cache_read dropped from two qwen thinking-2507 models.
  const dropped = diffSnapshots(V1_JULY(), aug).filter((c) => c.kind === 'price');
  assert.deepEqual(
    dropped.map((c) => (c.kind === 'price' ? [c.model, c.component, c.new] : [])),
    [
      ['qwen/qwen3-235b-a22b-thinking-2507', 'cached_input', null],
      ['qwen/qwen3-30b-a3b-thinking-2507', 'cached_input', null],
    ],
  );
});

void test('genai requests_kcount: USD per thousand requests -> exact nano-USD per request', () => {
  const [e] = normalizeGenaiPrices(oneModel({ input_mtok: 1, output_mtok: 2, requests_kcount: 2.5 }), { fetched_at: '2026-08-21T00:00:00.000Z' });
  assert.equal(e!.per_request_nusd, 2_500_000, '$2.50 per 1,000 requests = $0.0025 = 2,500,000 nano-USD each');
  const [odd] = normalizeGenaiPrices(oneModel({ input_mtok: 1, output_mtok: 2, requests_kcount: 0.007 }), { fetched_at: '2026-08-21T00:00:00.000Z' });
  assert.equal(odd!.per_request_nusd, 7_000);
  const [none] = normalizeGenaiPrices(oneModel({ input_mtok: 1, output_mtok: 2 }), { fetched_at: '2026-08-21T00:00:00.000Z' });
  assert.equal(none!.per_request_nusd, null, 'not given: null, not 0');
});

void test('genai tiered values are cliffs: one exclusive tier per start, each price at its own highest start', () => {
  const [e] = normalizeGenaiPrices(
    oneModel({
      input_mtok: { base: 1, tiers: [{ start: 200_000, price: 2 }] },
      cache_read_mtok: 0.1,
      cache_write_5m_mtok: 1.25,
      output_mtok: { base: 4, tiers: [{ start: 500_000, price: 8 }, { start: 200_000, price: 6 }] },
      output_reasoning_mtok: 5,
    }),
    { fetched_at: '2026-08-21T00:00:00.000Z' },
  );
  assert.deepEqual(e!.rates, rates(1_000_000, 100_000, 4_000_000, { cache_write: 1_250_000, reasoning_output: 5_000_000 }));
  assert.deepEqual(e!.tiers, [
    { above: 200_000, inclusive: false, ...rates(2_000_000, 100_000, 6_000_000, { cache_write: 1_250_000, reasoning_output: 5_000_000 }) },
    { above: 500_000, inclusive: false, ...rates(2_000_000, 100_000, 8_000_000, { cache_write: 1_250_000, reasoning_output: 5_000_000 }) },
  ]);
});

void test('genai start_date: a later price is upcoming until its date, then in force with that date', () => {
  const prices = [
    { prices: { input_mtok: 0.27, output_mtok: 1.1 } },
    { constraint: { start_time: '00:30:00Z', end_time: '16:30:00Z' }, prices: { input_mtok: 0.54, output_mtok: 2.2 } },
    { constraint: { start_date: '2026-09-01' }, prices: { input_mtok: 0.28, output_mtok: 0.42 } },
  ];
  const [before] = normalizeGenaiPrices(oneModel(prices), { fetched_at: '2026-08-31T23:59:00.000Z' });
  assert.equal(before!.effective_from, null);
  assert.equal(before!.windows.length, 1);
  // From 09-01 the dated entry, last in the list, wins at every minute: no window is left.
  assert.deepEqual(
    before!.upcoming.map((p) => [p.effective_from, p.rates.input, p.windows.length]),
    [['2026-09-01T00:00:00.000Z', 280_000, 0]],
  );
  const [after] = normalizeGenaiPrices(oneModel(prices), { fetched_at: '2026-09-01T00:00:00.000Z' });
  assert.deepEqual([after!.effective_from, after!.rates.input, after!.windows.length, after!.upcoming.length], ['2026-09-01T00:00:00.000Z', 280_000, 0, 0]);
  // A time window listed after the dated price still applies on top of it.
  const [kept] = normalizeGenaiPrices(oneModel([prices[0], prices[2], prices[1]]), { fetched_at: '2026-09-02T00:00:00.000Z' });
  assert.deepEqual([kept!.rates.input, kept!.windows.map((w) => [w.utc, w.rates.input])], [280_000, [['00:30-16:30', 540_000]]]);
});

void test('genai: deprecated and prices_checked are kept; unreadable constraints or prices leave the model not priced', () => {
  const [dep] = normalizeGenaiPrices(oneModel({ input_mtok: 1, output_mtok: 2 }, { deprecated: true, prices_checked: '2025-07-12' }), { fetched_at: '2026-08-21T00:00:00.000Z' });
  assert.deepEqual([dep!.deprecated, dep!.checked_at], [true, '2025-07-12']);
  for (const prices of [
    [{ prices: { input_mtok: 1, output_mtok: 2 } }, { constraint: { weekday: 'sat' }, prices: { input_mtok: 0.5, output_mtok: 1 } }],
    [{ prices: { input_mtok: 1, output_mtok: 2 } }, { constraint: { start_time: '00:30:00', end_time: '16:30:00' }, prices: { input_mtok: 0.5, output_mtok: 1 } }],
    [{ prices: { input_mtok: 1, output_mtok: 2 } }, { constraint: { start_time: '00:30:15Z', end_time: '16:30:00Z' }, prices: { input_mtok: 0.5, output_mtok: 1 } }],
    [{ prices: { input_mtok: 1, output_mtok: 2 } }, { constraint: { start_date: '2026-02-30' }, prices: { input_mtok: 0.5, output_mtok: 1 } }],
    'free',
    [],
  ]) {
    const [e] = normalizeGenaiPrices(oneModel(prices), { fetched_at: '2026-08-21T00:00:00.000Z' });
    assert.deepEqual([e!.priced, e!.rates.input, e!.windows.length], [false, null, 0], JSON.stringify(prices));
  }
});

void test('genai: wrong shapes are a CatalogSourceError saying what was expected', () => {
  for (const bad of [null, {}, { providers: [] }, [], [1, 2], [{ id: 'deepseek' }]]) {
    assert.throws(() => normalizeGenaiPrices(bad), (err: unknown) => err instanceof CatalogSourceError && /^not a genai-prices data\.json/.test(err.message), JSON.stringify(bad));
  }
});
