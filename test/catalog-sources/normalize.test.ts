import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  detectFormat,
  normalizeLiteLLM,
  normalizeOpenRouter,
  normalizeProviderModels,
  parseExpiry,
  parseTokenPrice,
} from '../../src/features/catalog/sources/normalize.js';
import { CatalogSourceError } from '../../src/features/catalog/sources/types.js';
import { OPENROUTER_FULL, readGzJson } from './helpers.js';

void test('parseTokenPrice: USD-per-token strings and numbers -> exact integer rates; unusable -> null', () => {
  assert.equal(parseTokenPrice('0.00000014'), 140000);
  assert.equal(parseTokenPrice('0.0000011'), 1100000);
  assert.equal(parseTokenPrice(6e-7), 600000);
  assert.equal(parseTokenPrice(2.8e-8), 28000);
  assert.equal(parseTokenPrice('0'), 0);
  assert.equal(parseTokenPrice(0), 0);
  for (const bad of ['-1', '', '  ', 'abc', '1e', null, undefined, {}, NaN, Infinity, -0.5]) assert.equal(parseTokenPrice(bad), null, String(bad));
});

void test('parseExpiry: a bare date is the start of that day UTC', () => {
  assert.equal(parseExpiry('2026-07-24'), '2026-07-24T00:00:00.000Z');
  assert.equal(parseExpiry('2026-07-24T15:59:00Z'), '2026-07-24T15:59:00.000Z');
  assert.equal(parseExpiry('soon'), null);
  assert.equal(parseExpiry(null), null);
});

void test('OpenRouter: prices as strings per token, missing / "-1" / junk -> not priced, "0" -> free', () => {
  const entries = normalizeOpenRouter({
    data: [
      {
        id: 'qwen/qwen-plus',
        context_length: 131072,
        pricing: { prompt: '0.0000004', completion: '0.0000012', input_cache_read: '0.00000008', internal_reasoning: '0', request: '0' },
        expiration_date: '2026-03-01',
      },
      { id: 'openrouter/auto', context_length: 2000000, pricing: { prompt: '-1', completion: '-1' } },
      { id: 'a/no-output', pricing: { prompt: '0.000001' }, top_provider: { context_length: 8192 } },
      { id: 'a/junk', pricing: { prompt: 'n/a', completion: '0.000001' } },
      { id: 'a/free:free', context_length: 4096, pricing: { prompt: '0', completion: '0' } },
      { id: 'perplexity/sonar-deep-research', pricing: { prompt: '0.000002', completion: '0.000008', internal_reasoning: '0.000003' } },
      { name: 'no id' },
      'junk',
    ],
  }, { fetched_at: '2026-01-11T18:03:00.000Z' });
  assert.deepEqual(
    entries.map((e) => e.model),
    ['a/free:free', 'a/junk', 'a/no-output', 'openrouter/auto', 'perplexity/sonar-deep-research', 'qwen/qwen-plus'],
  );
  const by = new Map(entries.map((e) => [e.model, e]));
  assert.deepEqual(by.get('qwen/qwen-plus'), {
    source: 'openrouter',
    provider: 'openrouter',
    model: 'qwen/qwen-plus',
    source_key: 'qwen/qwen-plus',
    mapped: true,
    context: 131072,
    rates: { input: 400000, cached_input: 80000, cache_write: null, output: 1200000, reasoning_output: null },
    priced: true,
    tiers: [],
    per_request_nusd: 0,
    windows: [],
    effective_from: null,
    upcoming: [],
    expires_at: '2026-03-01T00:00:00.000Z',
    deprecated: false,
    fetched_at: '2026-01-11T18:03:00.000Z',
    checked_at: null,
  });
  assert.deepEqual(by.get('openrouter/auto')?.rates, { input: null, cached_input: null, cache_write: null, output: null, reasoning_output: null });
  assert.equal(by.get('openrouter/auto')?.priced, false);
  assert.equal(by.get('a/no-output')?.priced, false);
  assert.equal(by.get('a/no-output')?.rates.input, 1000000);
  assert.equal(by.get('a/no-output')?.rates.output, null);
  assert.equal(by.get('a/no-output')?.context, 8192, 'falls back to top_provider.context_length');
  assert.equal(by.get('a/junk')?.priced, false);
  assert.equal(by.get('a/junk')?.rates.input, null);
  assert.deepEqual(by.get('a/free:free')?.rates, { input: 0, cached_input: null, cache_write: null, output: 0, reasoning_output: null });
  assert.equal(by.get('a/free:free')?.priced, true, 'a source saying "0" is free, and priced');
  assert.equal(by.get('perplexity/sonar-deep-research')?.rates.reasoning_output, 3000000);
  assert.equal(by.get('perplexity/sonar-deep-research')?.context, null);
});

void test('OpenRouter: wrong shapes are a CatalogSourceError', () => {
  for (const bad of [null, [], {}, { data: {} }, 'x']) assert.throws(() => normalizeOpenRouter(bad), CatalogSourceError);
});

void test('OpenRouter: the full 2026-01-11 response', () => {
  const entries = normalizeOpenRouter(readGzJson(OPENROUTER_FULL));
  assert.equal(entries.length, 349);
  const auto = entries.find((e) => e.model === 'openrouter/auto');
  assert.equal(auto?.priced, false);
  const qwen = entries.find((e) => e.model === 'qwen/qwen3-next-80b-a3b-instruct');
  assert.deepEqual(qwen?.rates, { input: 90000, cached_input: null, cache_write: null, output: 1100000, reasoning_output: null });
  assert.equal(entries.filter((e) => !e.priced).length, 2);
});

void test('LiteLLM: provider mapping, prefix stripping, prefixed key wins a collision', () => {
  const doc = {
    sample_spec: { input_cost_per_token: 0, litellm_provider: 'one of …' },
    'deepseek-chat': { litellm_provider: 'deepseek', input_cost_per_token: 6e-7, output_cost_per_token: 0.0000017, cache_read_input_token_cost: 6e-8 },
    'deepseek/deepseek-chat': {
      litellm_provider: 'deepseek',
      input_cost_per_token: 2.7e-7,
      output_cost_per_token: 0.0000011,
      input_cost_per_token_cache_hit: 7e-8,
      max_input_tokens: 65536,
    },
    'dashscope/qwen-plus': {
      litellm_provider: 'dashscope',
      input_cost_per_token: 4e-7,
      output_cost_per_token: 0.0000012,
      output_cost_per_reasoning_token: 0.000004,
      max_input_tokens: 129024,
    },
    'moonshot/kimi-k2-thinking': { litellm_provider: 'moonshot', input_cost_per_token: 6e-7, output_cost_per_token: 0.0000025 },
    'zai/glm-4.5-flash': { litellm_provider: 'zai', input_cost_per_token: 0, output_cost_per_token: 0 },
    'openrouter/qwen/qwen-plus': { litellm_provider: 'openrouter', input_cost_per_token: 4e-7, output_cost_per_token: 0.0000012 },
    'gpt-4o': { litellm_provider: 'openai', input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001, deprecation_date: '2026-06-30' },
    'azure/gpt-35-turbo-instruct': { litellm_provider: 'azure_text', input_cost_per_token: 0.0000015, output_cost_per_token: 0.000002 },
    'dall-e-3': { litellm_provider: 'openai', mode: 'image_generation', output_cost_per_image: 0.04 },
    'gemini/gemini-2.5-pro': {
      litellm_provider: 'gemini',
      input_cost_per_token: 0.00000125,
      output_cost_per_token: 0.00001,
      input_cost_per_token_above_200k_tokens: 0.0000025,
      output_cost_per_token_above_200k_tokens: 0.000015,
      cache_read_input_token_cost_above_200k_tokens: 2.5e-7,
    },
    'dashscope/qwen-flash': {
      litellm_provider: 'dashscope',
      max_input_tokens: 997952,
      tiered_pricing: [
        { input_cost_per_token: 5e-8, output_cost_per_token: 4e-7, range: [0, 256000] },
        { input_cost_per_token: 2.5e-7, output_cost_per_token: 0.000002, range: [256000, 1000000] },
      ],
    },
  };
  // The collision is resolved the same way whichever key comes first.
  const reversed = Object.fromEntries(Object.entries(doc).reverse());
  for (const d of [doc, reversed]) {
    const entries = normalizeLiteLLM(d);
    const by = new Map(entries.map((e) => [`${e.provider}/${e.model}`, e]));
    assert.equal(by.size, entries.length);
    assert.equal(by.has('openai/sample_spec'), false);
    assert.deepEqual(by.get('deepseek/deepseek-chat')?.rates, { input: 270000, cached_input: 70000, cache_write: null, output: 1100000, reasoning_output: null });
    assert.equal(by.get('deepseek/deepseek-chat')?.context, 65536);
    assert.deepEqual(by.get('qwen-intl/qwen-plus')?.rates, { input: 400000, cached_input: null, cache_write: null, output: 1200000, reasoning_output: 4000000 });
    assert.ok(by.has('moonshot/kimi-k2-thinking'));
    assert.deepEqual(by.get('zai/glm-4.5-flash')?.rates, { input: 0, cached_input: null, cache_write: null, output: 0, reasoning_output: null });
    assert.equal(by.get('zai/glm-4.5-flash')?.priced, true);
    assert.ok(by.has('openrouter/qwen/qwen-plus'), 'LiteLLM openrouter/<id> keys match OpenRouter ids');
    assert.equal(by.get('openai/gpt-4o')?.expires_at, '2026-06-30T00:00:00.000Z');
    assert.ok(by.has('azure_text/azure/gpt-35-turbo-instruct'), 'other providers keep their own name; the key stays whole when its prefix differs');
    assert.equal(by.get('openai/dall-e-3')?.priced, false);
    assert.deepEqual(by.get('gemini/gemini-2.5-pro')?.tiers, [{ above: 200000, inclusive: false, input: 2500000, cached_input: 250000, cache_write: null, output: 15000000, reasoning_output: null }]);
    const flash = by.get('qwen-intl/qwen-flash');
    assert.deepEqual(flash?.rates, { input: 50000, cached_input: null, cache_write: null, output: 400000, reasoning_output: null }, 'base from the range starting at 0');
    assert.deepEqual(flash?.tiers, [{ above: 256000, inclusive: false, input: 250000, cached_input: null, cache_write: null, output: 2000000, reasoning_output: null }]);
    assert.equal(flash?.priced, true);
  }
  assert.throws(() => normalizeLiteLLM([]), CatalogSourceError);
});

void test('provider /models: presence only', () => {
  const entries = normalizeProviderModels('deepseek', ['deepseek-v4-flash', 'deepseek-chat', 'deepseek-chat', '']);
  assert.deepEqual(
    entries.map((e) => [e.provider, e.model, e.priced, e.rates.input]),
    [
      ['deepseek', 'deepseek-chat', false, null],
      ['deepseek', 'deepseek-v4-flash', false, null],
    ],
  );
});

void test('detectFormat', () => {
  assert.equal(detectFormat({ data: [] }), 'openrouter');
  assert.equal(detectFormat({ 'gpt-4o': { litellm_provider: 'openai' } }), 'litellm');
  assert.equal(detectFormat({ deepseek: { id: 'deepseek', models: {} }, zai: { id: 'zai', models: { 'glm-5': {} } } }), 'models_dev');
  assert.equal(detectFormat([{ id: 'deepseek', models: [] }]), 'genai_prices');
  assert.equal(detectFormat([{ id: 'deepseek' }]), null);
  assert.equal(detectFormat({ a: 1, b: 2 }), null);
  assert.equal(detectFormat([1, 2]), null);
  assert.equal(detectFormat({}), null);
});
