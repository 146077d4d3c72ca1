// What the LiteLLM and OpenRouter normalisers keep beyond input/output: tiers with their range
// semantics, cache writes, reasoning prices, per-request fees, deprecation dates. Real files:
// LiteLLM's map of 2026-07-18 (subset) and OpenRouter's full /models of 2026-01-11.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeLiteLLM, normalizeOpenRouter } from '../../src/features/catalog/sources/normalize.js';
import type { SourceEntry } from '../../src/features/catalog/sources/types.js';
import { LITELLM_SUBSET, OPENROUTER_FULL, readGzJson } from './helpers.js';

const AT = '2026-07-18T00:00:00.000Z';
const litellm = () => normalizeLiteLLM(readGzJson(LITELLM_SUBSET), { fetched_at: AT });
const find = (entries: SourceEntry[], provider: string, model: string) => entries.find((e) => e.provider === provider && e.model === model);
const tierRow = (e: SourceEntry | undefined) => e?.tiers.map((t) => [t.above, t.inclusive, t.input, t.cached_input, t.output]);

void test('LiteLLM dashscope tiered_pricing: the range starting at 0 is the base, each other range an exclusive tier at its start', () => {
  const entries = litellm();
  // qwen3-coder-plus: ranges [0,32000] [32000,128000] [128000,256000] [256000,1000000]; billed where start < prompt <= end.
  const coder = find(entries, 'qwen-intl', 'qwen3-coder-plus');
  assert.deepEqual(coder?.rates, { input: 1_000_000, cached_input: 100_000, cache_write: null, output: 5_000_000, reasoning_output: null });
  assert.deepEqual(tierRow(coder), [
    [32_000, false, 1_800_000, 180_000, 9_000_000],
    [128_000, false, 3_000_000, 300_000, 15_000_000],
    [256_000, false, 6_000_000, 600_000, 60_000_000],
  ]);
  // qwen3-max's last range ends at 252,000: there is nothing above it to invent.
  assert.deepEqual(tierRow(find(entries, 'qwen-intl', 'qwen3-max')), [
    [32_000, false, 2_400_000, null, 12_000_000],
    [128_000, false, 3_000_000, null, 15_000_000],
  ]);
  assert.equal(find(entries, 'qwen-intl', 'qwen3-max')?.source_key, 'dashscope/qwen3-max');
});

void test('LiteLLM _above_256k_tokens keys: an exclusive tier above 256,000 prompt tokens', () => {
  const e = find(litellm(), 'openrouter', 'qwen/qwen3.5-plus-02-15');
  assert.deepEqual([e?.rates.input, e?.rates.output], [400_000, 2_400_000]);
  assert.deepEqual(tierRow(e), [[256_000, false, 500_000, null, 3_000_000]]);
});

void test('LiteLLM cache creation, reasoning and deprecation dates', () => {
  const entries = litellm();
  // cache_creation_input_token_cost 0 is what the source says (no charge for cache writes), kept as 0.
  assert.deepEqual(find(entries, 'zai', 'glm-5.1')?.rates, { input: 1_400_000, cached_input: 260_000, cache_write: 0, output: 4_400_000, reasoning_output: null });
  assert.equal(find(entries, 'deepseek', 'deepseek-v4-pro')?.rates.cached_input, 3_625);
  assert.equal(find(entries, 'qwen-intl', 'qwen-plus')?.rates.cache_write, null, 'not given: null');
  assert.equal(find(entries, 'qwen-intl', 'qwen-plus-2025-04-28')?.rates.reasoning_output, 4_000_000);
  assert.equal(find(entries, 'moonshot', 'kimi-k2-thinking')?.expires_at, '2026-05-25T00:00:00.000Z');
  assert.deepEqual([find(entries, 'sambanova', 'Qwen3-32B')?.expires_at, find(entries, 'sambanova', 'Qwen3-32B')?.mapped], ['2026-04-06T00:00:00.000Z', false]);
  assert.ok(entries.every((e) => e.fetched_at === AT && e.checked_at === null && e.source === 'litellm'));
});

void test('OpenRouter full /models: input_cache_write, request fees and the flat-price models', () => {
  const entries = normalizeOpenRouter(readGzJson(OPENROUTER_FULL), { fetched_at: '2026-01-11T18:03:00.000Z' });
  const sonnet = find(entries, 'openrouter', 'anthropic/claude-sonnet-4.5');
  assert.deepEqual(sonnet?.rates, { input: 3_000_000, cached_input: 300_000, cache_write: 3_750_000, output: 15_000_000, reasoning_output: null });
  assert.equal(sonnet?.per_request_nusd, 0, 'request "0": OpenRouter says no fee');
  // perplexity/sonar: "request": "0.005" USD per request = 5,000,000 nano-USD.
  assert.equal(find(entries, 'openrouter', 'perplexity/sonar')?.per_request_nusd, 5_000_000);
  assert.equal(find(entries, 'openrouter', 'qwen/qwen3-next-80b-a3b-instruct')?.rates.cache_write, null);
});
