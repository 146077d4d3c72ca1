// normalizeUsage over every usage shape in docs/PROVIDERS.md §1 (captured-style JSON).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeUsage, toDecimalString } from '../../src/upstream/providers/usage.js';

test('DeepSeek: top-level hit/miss plus prompt_tokens_details, reasoning detail', () => {
  const raw = JSON.parse(
    '{"prompt_tokens":1200,"completion_tokens":350,"total_tokens":1550,"prompt_tokens_details":{"cached_tokens":1024},"prompt_cache_hit_tokens":1024,"prompt_cache_miss_tokens":176,"completion_tokens_details":{"reasoning_tokens":200}}',
  );
  assert.deepEqual(normalizeUsage(raw), { input_tokens: 1200, cached_input_tokens: 1024, output_tokens: 350, reasoning_tokens: 200, provider_cost_usd: null });
});

test('DeepSeek (older): only hit/miss, no prompt_tokens_details', () => {
  const raw = { prompt_tokens: 64, completion_tokens: 10, total_tokens: 74, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 64 };
  assert.deepEqual(normalizeUsage(raw), { input_tokens: 64, cached_input_tokens: 0, output_tokens: 10, reasoning_tokens: 0, provider_cost_usd: null });
});

test('hit/miss without prompt_tokens gives their sum', () => {
  assert.equal(normalizeUsage({ prompt_cache_hit_tokens: 10, prompt_cache_miss_tokens: 5, completion_tokens: 1 })?.input_tokens, 15);
});

test('Qwen: prompt_tokens_details.cached_tokens', () => {
  const raw = JSON.parse('{"prompt_tokens":3019,"completion_tokens":104,"total_tokens":3123,"prompt_tokens_details":{"cached_tokens":2048}}');
  assert.deepEqual(normalizeUsage(raw), { input_tokens: 3019, cached_input_tokens: 2048, output_tokens: 104, reasoning_tokens: 0, provider_cost_usd: null });
});

test('Kimi: top-level cached_tokens', () => {
  const raw = JSON.parse('{"prompt_tokens":8,"completion_tokens":12,"total_tokens":20,"cached_tokens":6}');
  assert.deepEqual(normalizeUsage(raw), { input_tokens: 8, cached_input_tokens: 6, output_tokens: 12, reasoning_tokens: 0, provider_cost_usd: null });
});

test('GLM: no details, reasoning inside completion_tokens', () => {
  const raw = JSON.parse('{"prompt_tokens":15,"completion_tokens":420,"total_tokens":435}');
  assert.deepEqual(normalizeUsage(raw), { input_tokens: 15, cached_input_tokens: 0, output_tokens: 420, reasoning_tokens: 0, provider_cost_usd: null });
});

test('OpenRouter: cost, cached and reasoning tokens', () => {
  const raw = JSON.parse(
    '{"prompt_tokens":194,"completion_tokens":2,"total_tokens":196,"cost":0.000095,"is_byok":false,"prompt_tokens_details":{"cached_tokens":128,"cache_write_tokens":0},"completion_tokens_details":{"reasoning_tokens":1}}',
  );
  assert.deepEqual(normalizeUsage(raw), { input_tokens: 194, cached_input_tokens: 128, output_tokens: 2, reasoning_tokens: 1, provider_cost_usd: '0.000095' });
});

test('OpenRouter: a tiny cost is a plain decimal, a zero cost is "0"', () => {
  assert.equal(normalizeUsage({ prompt_tokens: 1, completion_tokens: 1, cost: 1.5e-7 })?.provider_cost_usd, '0.00000015');
  assert.equal(normalizeUsage({ prompt_tokens: 1, completion_tokens: 1, cost: 0 })?.provider_cost_usd, '0');
  assert.equal(normalizeUsage({ prompt_tokens: 1, completion_tokens: 1, cost: '0.0012' })?.provider_cost_usd, '0.0012');
});

test('reasoning_tokens at the top level is read too', () => {
  assert.equal(normalizeUsage({ prompt_tokens: 1, completion_tokens: 9, reasoning_tokens: 4 })?.reasoning_tokens, 4);
});

test('null details, missing counts, junk', () => {
  assert.deepEqual(normalizeUsage({ prompt_tokens: 5, completion_tokens: 2, prompt_tokens_details: null, completion_tokens_details: null }), {
    input_tokens: 5,
    cached_input_tokens: 0,
    output_tokens: 2,
    reasoning_tokens: 0,
    provider_cost_usd: null,
  });
  assert.equal(normalizeUsage(null), null);
  assert.equal(normalizeUsage(undefined), null);
  assert.equal(normalizeUsage('usage'), null);
  assert.equal(normalizeUsage({}), null);
  assert.equal(normalizeUsage({ total_tokens: 9, prompt_tokens: 4 })?.output_tokens, 5);
});

test('toDecimalString', () => {
  assert.equal(toDecimalString(1e-7), '0.0000001');
  assert.equal(toDecimalString(1.234e-9), '0.000000001234');
  assert.equal(toDecimalString(2.5e21), '2500000000000000000000');
  assert.equal(toDecimalString(0.5), '0.5');
  assert.equal(toDecimalString(Number.NaN), null);
  assert.equal(toDecimalString('abc'), null);
});
