// dialectOf and request shaping per provider (docs/PROVIDERS.md §1 "Other wire quirks").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialectOf, shapeRequest, thinksByDefault } from '../../src/upstream/providers/dialect.js';
import { DEFAULT_PROVIDERS } from '../../src/config/defaults.js';

test('dialectOf: real base URLs', () => {
  const got = Object.fromEntries(Object.entries(DEFAULT_PROVIDERS).map(([n, p]) => [n, dialectOf(n, p.base_url)]));
  assert.deepEqual(got, { deepseek: 'deepseek', 'qwen-intl': 'qwen', moonshot: 'kimi', zai: 'glm', openrouter: 'openrouter' });
  assert.equal(dialectOf('cn', 'https://open.bigmodel.cn/api/paas/v4'), 'glm');
  assert.equal(dialectOf('x', 'https://dashscope.aliyuncs.com/compatible-mode/v1'), 'qwen');
  assert.equal(dialectOf('x', 'https://ws-1.cn-beijing.maas.aliyuncs.com/compatible-mode/v1'), 'qwen');
  assert.equal(dialectOf('x', 'https://api.moonshot.cn/v1'), 'kimi');
  assert.equal(dialectOf('x', 'https://api.deepseek.com/v1'), 'deepseek');
});

test('dialectOf: the URL host wins over the name; simulator paths name the profile', () => {
  assert.equal(dialectOf('deepseek-via-gateway', 'https://openrouter.ai/api/v1'), 'openrouter');
  assert.equal(dialectOf('anything', 'http://127.0.0.1:4010/kimi/v1'), 'kimi');
  assert.equal(dialectOf('anything', 'http://127.0.0.1:4010/glm/api/paas/v4'), 'glm');
  assert.equal(dialectOf('anything', 'http://localhost:4010/qwen/compatible-mode/v1'), 'qwen');
  assert.equal(dialectOf('moonshot', 'http://127.0.0.1:4010/v1'), 'kimi');
  assert.equal(dialectOf('flatkey', 'https://router.flatkey.ai/v1'), 'generic');
});

test('thinksByDefault', () => {
  assert.equal(thinksByDefault('deepseek', 'deepseek-v4-flash'), true);
  assert.equal(thinksByDefault('deepseek', 'deepseek-chat'), false);
  assert.equal(thinksByDefault('qwen', 'qwen-plus'), false);
  assert.equal(thinksByDefault('qwen', 'qwen3.5-plus'), true);
  assert.equal(thinksByDefault('kimi', 'kimi-k2.5'), true);
  assert.equal(thinksByDefault('kimi', 'moonshot-v1-8k'), false);
  assert.equal(thinksByDefault('glm', 'glm-4.7'), true);
});

const base = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };

test('thinking switch per dialect', () => {
  assert.deepEqual(shapeRequest('deepseek', { ...base, thinking: false }).body['thinking'], { type: 'disabled' });
  assert.deepEqual(shapeRequest('kimi', { ...base, thinking: true }).body['thinking'], { type: 'enabled' });
  assert.deepEqual(shapeRequest('glm', { ...base, thinking: false }).body['thinking'], { type: 'disabled' });
  assert.equal(shapeRequest('qwen', { ...base, thinking: true }).body['enable_thinking'], true);
  assert.deepEqual(shapeRequest('openrouter', { ...base, thinking: false }).body['reasoning'], { enabled: false });
  assert.equal('thinking' in shapeRequest('deepseek', base).body, false, 'provider default when undefined');
});

test('Kimi temperature: not sent unless asked; the allowed value when asked', () => {
  assert.equal('temperature' in shapeRequest('kimi', { ...base, model: 'kimi-k2.5' }).body, false);
  const t = shapeRequest('kimi', { ...base, model: 'kimi-k2.5', temperature: 0.2 });
  assert.equal(t.body['temperature'], 1);
  assert.equal(t.notes.length, 1);
  const off = shapeRequest('kimi', { ...base, model: 'kimi-k2.5', temperature: 0.6, thinking: false });
  assert.equal(off.body['temperature'], 0.6);
  assert.equal(off.notes.length, 0);
  assert.equal(shapeRequest('deepseek', { ...base, temperature: 0.2 }).body['temperature'], 0.2);
});

test('tool_choice: GLM only auto, others as asked', () => {
  const tools = [{ name: 'f', description: 'd', parameters: { type: 'object' } }];
  const glm = shapeRequest('glm', { ...base, tools, toolChoice: { name: 'f' } });
  assert.equal(glm.body['tool_choice'], 'auto');
  assert.match(glm.notes[0] ?? '', /GLM/);
  const glmNone = shapeRequest('glm', { ...base, tools, toolChoice: 'none' });
  assert.equal('tools' in glmNone.body, false);
  assert.deepEqual(shapeRequest('qwen', { ...base, tools, toolChoice: { name: 'f' } }).body['tool_choice'], { type: 'function', function: { name: 'f' } });
  assert.equal(shapeRequest('deepseek', { ...base, tools }).body['tool_choice'], 'auto');
});

test('reasoning_content echoed on assistant tool-call turns only for DeepSeek and Kimi', () => {
  const messages = [
    { role: 'user' as const, content: 'hi' },
    { role: 'assistant' as const, content: '', tool_calls: [{ id: 'c', name: 'f', arguments: '{}' }], reasoning_content: 'because' },
    { role: 'tool' as const, content: 'r', tool_call_id: 'c' },
  ];
  const get = (d: Parameters<typeof shapeRequest>[0]) => (shapeRequest(d, { model: 'm', messages }).body['messages'] as Array<Record<string, unknown>>)[1]!;
  assert.equal(get('deepseek')['reasoning_content'], 'because');
  assert.equal(get('kimi')['reasoning_content'], 'because');
  assert.equal('reasoning_content' in get('qwen'), false);
  assert.equal('reasoning_content' in get('glm'), false);
  assert.deepEqual(get('qwen')['tool_calls'], [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }]);
  const noReasoning = shapeRequest('deepseek', { model: 'm', messages: [messages[0]!, { ...messages[1]!, reasoning_content: undefined }] });
  assert.equal((noReasoning.body['messages'] as Array<Record<string, unknown>>)[1]!['reasoning_content'], '');
});

test('JSON mode: response_format sent; a note when DeepSeek/Qwen prompts lack the word json', () => {
  const r = shapeRequest('qwen', { ...base, responseFormat: 'json_object' });
  assert.deepEqual(r.body['response_format'], { type: 'json_object' });
  assert.equal(r.notes.length, 1);
  assert.equal(shapeRequest('qwen', { ...base, messages: [{ role: 'user', content: 'reply in JSON' }], responseFormat: 'json_object' }).notes.length, 0);
  assert.equal(shapeRequest('kimi', { ...base, responseFormat: 'json_object' }).notes.length, 0);
});
