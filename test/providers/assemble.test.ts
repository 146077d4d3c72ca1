// StreamAssembler over captured-style chunks of each provider (docs/PROVIDERS.md §1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamAssembler } from '../../src/upstream/providers/assemble.js';
import type { StreamDelta } from '../../src/upstream/providers/types.js';

function run(lines: string[], clock = [10, 20, 30, 40, 50, 60, 70, 80]) {
  const a = new StreamAssembler();
  const deltas: StreamDelta[] = [];
  lines.forEach((l, i) => deltas.push(...a.push(JSON.parse(l), clock[i] ?? 99)));
  return { a, deltas, r: a.result({ requestId: null, startedAt: 0, endedAt: 100 }) };
}

test('DeepSeek: reasoning then content, usage on the finish chunk, usage:null elsewhere', () => {
  const { r, deltas } = run([
    '{"id":"ds-1","object":"chat.completion.chunk","model":"deepseek-v4-flash","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}',
    '{"id":"ds-1","object":"chat.completion.chunk","model":"deepseek-v4-flash","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"hmm"},"finish_reason":null}],"usage":null}',
    '{"id":"ds-1","object":"chat.completion.chunk","model":"deepseek-v4-flash","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"usage":null}',
    '{"id":"ds-1","object":"chat.completion.chunk","model":"deepseek-v4-flash","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"prompt_cache_hit_tokens":8,"prompt_cache_miss_tokens":2,"completion_tokens_details":{"reasoning_tokens":3}}}',
  ]);
  assert.equal(r.content, 'Hi');
  assert.equal(r.reasoning, 'hmm');
  assert.equal(r.finishReason, 'stop');
  assert.equal(r.ttftMs, 20);
  assert.equal(r.latencyMs, 100);
  assert.equal(r.chunks, 4);
  assert.equal(r.requestId, 'ds-1', 'chunk id when there is no header id');
  assert.deepEqual(r.usage, { input_tokens: 10, cached_input_tokens: 8, cache_write_tokens: 0, output_tokens: 5, reasoning_tokens: 3, provider_cost_usd: null });
  assert.deepEqual(deltas, [{ type: 'reasoning', text: 'hmm' }, { type: 'content', text: 'Hi' }]);
});

test('Qwen: usage in a separate last chunk with choices:[]; tool-call continuation with "" id/name', () => {
  const { r } = run([
    '{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}],"usage":null}',
    '{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"","type":"function","function":{"name":"","arguments":"{\\"city\\":"}}]},"finish_reason":null}],"usage":null}',
    '{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"","type":"function","function":{"name":"","arguments":"\\"Paris\\"}"}}]},"finish_reason":null}],"usage":null}',
    '{"id":"chatcmpl-1","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":null}',
    '{"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":20,"completion_tokens":7,"total_tokens":27,"prompt_tokens_details":{"cached_tokens":16}}}',
  ]);
  assert.deepEqual(r.toolCalls, [{ id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' }]);
  assert.equal(r.finishReason, 'tool_calls');
  assert.equal(r.usage?.cached_input_tokens, 16);
  assert.equal(r.ttftMs, null, 'tool calls alone are not a first token');
});

test('DeepSeek tool-call continuation omits id/name; two parallel calls by index', () => {
  const { r, deltas } = run([
    '{"id":"x","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c0","type":"function","function":{"name":"a","arguments":""}},{"index":1,"id":"c1","type":"function","function":{"name":"b","arguments":"{}"}}]}}]}',
    '{"id":"x","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"k\\":1}"}}]}}]}',
  ]);
  assert.deepEqual(r.toolCalls, [
    { id: 'c0', name: 'a', arguments: '{"k":1}' },
    { id: 'c1', name: 'b', arguments: '{}' },
  ]);
  assert.deepEqual(deltas, [{ type: 'tool_call', index: 0 }, { type: 'tool_call', index: 1 }]);
});

test('Kimi: usage inside choices[0].usage with top-level cached_tokens', () => {
  const { r } = run([
    '{"id":"k","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":null}]}',
    '{"id":"k","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop","usage":{"prompt_tokens":8,"completion_tokens":2,"total_tokens":10,"cached_tokens":4}}]}',
  ]);
  assert.equal(r.usage?.cached_input_tokens, 4);
  assert.equal(r.usage?.input_tokens, 8);
});

test('GLM: chunks without object, usage on the final chunk', () => {
  const { r } = run([
    '{"id":"202510181239034578873d49744455","created":1,"model":"glm-4.7","choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"r"}}]}',
    '{"id":"202510181239034578873d49744455","created":1,"model":"glm-4.7","choices":[{"index":0,"finish_reason":"stop","delta":{"role":"assistant","content":"done"}}],"usage":{"prompt_tokens":3,"completion_tokens":9,"total_tokens":12}}',
  ]);
  assert.equal(r.content, 'done');
  assert.equal(r.model, 'glm-4.7');
  assert.equal(r.requestId, '202510181239034578873d49744455');
  assert.deepEqual(r.usage, { input_tokens: 3, cached_input_tokens: 0, cache_write_tokens: 0, output_tokens: 9, reasoning_tokens: 0, provider_cost_usd: null });
});

test('OpenRouter: `reasoning` deltas, usage with cost in a final chunk', () => {
  const { r } = run([
    '{"id":"gen-1","choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"think"},"finish_reason":null}]}',
    '{"id":"gen-1","choices":[{"index":0,"delta":{"content":"A"},"finish_reason":"stop"}]}',
    '{"id":"gen-1","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8,"cost":0.00002,"completion_tokens_details":{"reasoning_tokens":2}}}',
  ]);
  assert.equal(r.reasoning, 'think');
  assert.equal(r.usage?.provider_cost_usd, '0.00002');
  assert.equal(r.usage?.reasoning_tokens, 2);
});
