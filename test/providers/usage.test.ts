// normalizeUsage / readUsage over every usage shape in docs/PROVIDERS.md §1 (captured-style JSON),
// and over usage no real reply carries (counts beyond belief, negative or not numbers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeUsage, readUsage, toDecimalString } from '../../src/upstream/providers/usage.js';

test('DeepSeek: top-level hit/miss plus prompt_tokens_details, reasoning detail', () => {
  const raw = JSON.parse(
    '{"prompt_tokens":1200,"completion_tokens":350,"total_tokens":1550,"prompt_tokens_details":{"cached_tokens":1024},"prompt_cache_hit_tokens":1024,"prompt_cache_miss_tokens":176,"completion_tokens_details":{"reasoning_tokens":200}}',
  );
  assert.deepEqual(normalizeUsage(raw), { input_tokens: 1200, cached_input_tokens: 1024, cache_write_tokens: 0, output_tokens: 350, reasoning_tokens: 200, provider_cost_usd: null });
});

test('DeepSeek (older): only hit/miss, no prompt_tokens_details', () => {
  const raw = { prompt_tokens: 64, completion_tokens: 10, total_tokens: 74, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 64 };
  assert.deepEqual(normalizeUsage(raw), { input_tokens: 64, cached_input_tokens: 0, cache_write_tokens: 0, output_tokens: 10, reasoning_tokens: 0, provider_cost_usd: null });
});

test('hit/miss without prompt_tokens gives their sum', () => {
  assert.equal(normalizeUsage({ prompt_cache_hit_tokens: 10, prompt_cache_miss_tokens: 5, completion_tokens: 1 })?.input_tokens, 15);
});

test('Qwen: prompt_tokens_details.cached_tokens', () => {
  const raw = JSON.parse('{"prompt_tokens":3019,"completion_tokens":104,"total_tokens":3123,"prompt_tokens_details":{"cached_tokens":2048}}');
  assert.deepEqual(normalizeUsage(raw), { input_tokens: 3019, cached_input_tokens: 2048, cache_write_tokens: 0, output_tokens: 104, reasoning_tokens: 0, provider_cost_usd: null });
});

test('Kimi: top-level cached_tokens', () => {
  const raw = JSON.parse('{"prompt_tokens":8,"completion_tokens":12,"total_tokens":20,"cached_tokens":6}');
  assert.deepEqual(normalizeUsage(raw), { input_tokens: 8, cached_input_tokens: 6, cache_write_tokens: 0, output_tokens: 12, reasoning_tokens: 0, provider_cost_usd: null });
});

test('GLM: no details, reasoning inside completion_tokens', () => {
  const raw = JSON.parse('{"prompt_tokens":15,"completion_tokens":420,"total_tokens":435}');
  assert.deepEqual(normalizeUsage(raw), { input_tokens: 15, cached_input_tokens: 0, cache_write_tokens: 0, output_tokens: 420, reasoning_tokens: 0, provider_cost_usd: null });
});

test('OpenRouter: cost, cached and reasoning tokens', () => {
  const raw = JSON.parse(
    '{"prompt_tokens":194,"completion_tokens":2,"total_tokens":196,"cost":0.000095,"is_byok":false,"prompt_tokens_details":{"cached_tokens":128,"cache_write_tokens":0},"completion_tokens_details":{"reasoning_tokens":1}}',
  );
  assert.deepEqual(normalizeUsage(raw), { input_tokens: 194, cached_input_tokens: 128, cache_write_tokens: 0, output_tokens: 2, reasoning_tokens: 1, provider_cost_usd: '0.000095' });
});

test('cache writes: OpenRouter cache_write_tokens, Qwen cache_creation_input_tokens, never more than the uncached prompt', () => {
  const or = JSON.parse('{"prompt_tokens":3000,"completion_tokens":5,"cost":0.01,"prompt_tokens_details":{"cached_tokens":1000,"cache_write_tokens":1800}}');
  assert.equal(normalizeUsage(or)?.cache_write_tokens, 1800);
  const qwen = JSON.parse('{"prompt_tokens":2500,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":0,"cache_creation_input_tokens":2048,"cache_type":"ephemeral"}}');
  assert.equal(normalizeUsage(qwen)?.cache_write_tokens, 2048);
  assert.equal(normalizeUsage({ prompt_tokens: 100, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 90, cache_write_tokens: 50 } })?.cache_write_tokens, 10);
  assert.equal(normalizeUsage({ prompt_tokens: 100, completion_tokens: 1, prompt_tokens_details: { cache_write_tokens: -3 } })?.cache_write_tokens, 0);
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
    cache_write_tokens: 0,
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

test('counts or a cost beyond any real request make the usage invalid, with the reason (as ingest caps them)', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ prompt_tokens: 1e300, completion_tokens: 2 }, /prompt_tokens 1e\+300 is over 1,000,000,000/],
    [{ prompt_tokens: 2 ** 53 + 10, completion_tokens: 2 }, /prompt_tokens 9007199254741002/],
    [{ prompt_tokens: 5, completion_tokens: '99999999999999999999' }, /completion_tokens "99999999999999999999"/],
    [{ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, prompt_tokens_details: { cached_tokens: 1e12 } }, /cached_tokens/],
    [{ prompt_cache_hit_tokens: 900_000_000, prompt_cache_miss_tokens: 900_000_000, completion_tokens: 1 }, /prompt tokens 1800000000/],
    [{ prompt_tokens: 5, completion_tokens: 2, cost: 1e300 }, /cost 1e\+300 is over 1,000,000 USD/],
    // Tokens come whole: a fraction is not what was billed (it was rounded and priced before).
    [{ prompt_tokens: 1.5, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 61 } }, /prompt_tokens 1.5 is not a whole number/],
    // 1e400 parses to Infinity.
    [JSON.parse('{"prompt_tokens":1e400,"completion_tokens":2}') as Record<string, unknown>, /prompt_tokens Infinity/],
  ];
  for (const [raw, why] of cases) {
    const r = readUsage(raw);
    assert.equal(r.usage, null, JSON.stringify(raw));
    assert.match(r.invalid ?? '', why);
  }
  // The bound itself is believable.
  assert.equal(readUsage({ prompt_tokens: 1_000_000_000, completion_tokens: 0 }).usage?.input_tokens, 1_000_000_000);
});

test('negative, NaN or non-numeric counts are not used: usage is missing unless other counts give the whole of it', () => {
  const missing: Array<Record<string, unknown>> = [
    { prompt_tokens: -5, completion_tokens: 2 },
    { prompt_tokens: 'NaN', completion_tokens: 2 },
    { prompt_tokens: 5, completion_tokens: 'NaN', total_tokens: 'NaN' },
    { prompt_tokens: 5, completion_tokens: -1 },
    { prompt_tokens: 5 },
    { prompt_tokens: 'five', completion_tokens: 'two' },
    { prompt_cache_hit_tokens: 10, completion_tokens: 1 },
  ];
  for (const raw of missing) assert.deepEqual(readUsage(raw), { usage: null }, JSON.stringify(raw));
  // The whole picture from other counts: total minus the other, or DeepSeek's cache hit + miss.
  assert.deepEqual(normalizeUsage({ prompt_tokens: -5, completion_tokens: 2, total_tokens: 9 }), { input_tokens: 7, cached_input_tokens: 0, cache_write_tokens: 0, output_tokens: 2, reasoning_tokens: 0, provider_cost_usd: null });
  assert.equal(normalizeUsage({ prompt_tokens: 'NaN', prompt_cache_hit_tokens: 3, prompt_cache_miss_tokens: 4, completion_tokens: 2 })?.input_tokens, 7);
  // A bad detail or cost is as if it was not sent.
  assert.deepEqual(normalizeUsage({ prompt_tokens: 5, completion_tokens: 2, cached_tokens: -3, reasoning_tokens: 'NaN', cost: -0.5 }), { input_tokens: 5, cached_input_tokens: 0, cache_write_tokens: 0, output_tokens: 2, reasoning_tokens: 0, provider_cost_usd: null });
});
