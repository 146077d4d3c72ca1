// The forwarded body per provider (src/upstream/providers/forward-body.ts) and the gateway's body
// check (src/features/gateway/request.ts): what each provider is sent, what a client is told.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shapeForwardBody } from '../../src/upstream/providers/forward-body.js';
import { chatBody, knownFields, parseChatBody, plainChat } from '../../src/features/gateway/request.js';

const toolTurn = { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] };

test('forwarded body: the route\'s model, extras only where the provider takes them, usage always asked for on a stream', () => {
  const given = { model: 'my-alias', messages: [{ role: 'user', content: 'hi' }], stream: true, enable_thinking: false, thinking: { type: 'disabled' }, seed: 7 };
  const ds = shapeForwardBody('deepseek', 'deepseek-v4-flash', given, true);
  assert.deepEqual(ds.body, { model: 'deepseek-v4-flash', messages: given.messages, stream: true, stream_options: { include_usage: true }, thinking: { type: 'disabled' }, seed: 7 });
  assert.deepEqual(ds.notes, ['"enable_thinking" not sent: not a field this provider takes']);
  const qwen = shapeForwardBody('qwen', 'qwen-plus', { ...given, stream_options: { include_usage: false } }, false);
  assert.equal(qwen.body['enable_thinking'], false);
  assert.equal(qwen.body['thinking'], undefined);
  assert.equal(qwen.body['stream'], undefined, 'a plain call is sent without stream fields');
  assert.equal(qwen.body['stream_options'], undefined);
  assert.equal(given.model, 'my-alias', 'the client\'s body is not changed');
  // A config allowlist adds a field for one provider.
  assert.equal(shapeForwardBody('generic', 'm', { model: 'x', messages: [], top_k: 3 }, false, ['top_k']).body['top_k'], 3);
});

test('forwarded body: reasoning_content back on DeepSeek and Kimi tool turns, Kimi\'s fixed temperature, GLM\'s tool_choice', () => {
  const messages = [{ role: 'user', content: 'q' }, toolTurn, { role: 'tool', tool_call_id: 'c1', content: '1' }];
  for (const dialect of ['deepseek', 'kimi'] as const) {
    const out = shapeForwardBody(dialect, 'm', { model: 'a', messages }, false).body['messages'] as Array<Record<string, unknown>>;
    assert.equal(out[1]!['reasoning_content'], '', dialect);
  }
  assert.equal((shapeForwardBody('qwen', 'm', { model: 'a', messages }, false).body['messages'] as Array<Record<string, unknown>>)[1]!['reasoning_content'], undefined);
  const kimi = shapeForwardBody('kimi', 'kimi-k2.5', { model: 'a', messages, temperature: 0.2 }, false);
  assert.equal(kimi.body['temperature'], 1);
  assert.match(kimi.notes[0]!, /temperature 0\.2 is not allowed by Kimi here; sent 1/);
  assert.equal(shapeForwardBody('kimi', 'kimi-k2.5', { model: 'a', messages, temperature: 0.2, thinking: { type: 'disabled' } }, false).body['temperature'], 0.6);
  const tools = [{ type: 'function', function: { name: 'f' } }];
  const forced = shapeForwardBody('glm', 'glm-4.7', { model: 'a', messages, tools, tool_choice: { type: 'function', function: { name: 'f' } } }, false);
  assert.equal(forced.body['tool_choice'], 'auto');
  const none = shapeForwardBody('glm', 'glm-4.7', { model: 'a', messages, tools, tool_choice: 'none' }, false);
  assert.equal(none.body['tools'], undefined);
  assert.equal(none.body['tool_choice'], undefined);
  // A retired model's thinking mode, in each provider's own switch.
  assert.deepEqual(shapeForwardBody('deepseek', 'deepseek-v4-flash', { model: 'a', messages }, false, [], false).body['thinking'], { type: 'disabled' });
  assert.equal(shapeForwardBody('qwen', 'qwen3.5-plus', { model: 'a', messages }, false, [], true).body['enable_thinking'], true);
});

test('gateway body check: a short message with the field\'s path; unknown fields are refused; provider extras are accepted', () => {
  const known = knownFields();
  const bad = (raw: unknown) => {
    const r = parseChatBody(raw, known);
    assert.equal(r.ok, false);
    return (r as { error: { status: number; message: string; param: string | null } }).error;
  };
  assert.equal(bad([]).message, 'the body must be a JSON object with "model" and "messages"');
  assert.deepEqual([bad({ messages: [{ role: 'user', content: 'x' }] }).param, bad({ model: 'a', messages: [] }).param], ['model', 'messages']);
  const role = bad({ model: 'a', messages: [{ role: 'robot', content: 'x' }] });
  assert.equal(role.param, 'messages.0.role');
  assert.match(role.message, /^messages\.0\.role: .*"system".*"tool"/);
  assert.match(bad({ model: 'a', messages: [{ role: 'user', content: 'x' }], temperature: 9 }).message, /^temperature: /);
  const unknown = bad({ model: 'a', messages: [{ role: 'user', content: 'x' }], tempreature: 1 });
  assert.equal(unknown.status, 400);
  assert.match(unknown.message, /^unknown field "tempreature"/);
  const ok = parseChatBody({ model: 'a', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }], name: 'n' }], stream: true, stream_options: { include_usage: true }, enable_thinking: true, max_tokens: 9 }, known);
  assert.ok(ok.ok);
  assert.deepEqual(ok.ok && [ok.call.stream, ok.call.wantsUsage, ok.call.maxTokens], [true, true, 9]);
});

test('gateway body check: the fast path takes only bodies the full check accepts, and the common ones', () => {
  const m = [{ role: 'user', content: 'x' }];
  const bodies: Array<Record<string, unknown>> = [
    { model: 'a', messages: m },
    { model: 'a', messages: m, stream: true, stream_options: { include_usage: true }, temperature: 0.7, top_p: 1, max_tokens: 9, seed: -3, n: 8, presence_penalty: 0.5 },
    { model: 'a', messages: [{ role: 'assistant', content: null }, { role: 'tool', tool_call_id: 'c' }], stream: null, temperature: null, max_completion_tokens: null },
    { model: '', messages: m },
    { model: 1, messages: m },
    { model: 'a', messages: [] },
    { model: 'a', messages: [null] },
    { model: 'a', messages: [['user']] },
    { model: 'a', messages: [{ role: 'robot', content: 'x' }] },
    { model: 'a', messages: [{ role: 'user', content: 5 }] },
    { model: 'a', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] },
    { model: 'a', messages: m, stream: 'yes' },
    { model: 'a', messages: m, stream_options: { include_usage: null } },
    { model: 'a', messages: m, stream_options: [] },
    { model: 'a', messages: m, temperature: 2.01 },
    { model: 'a', messages: m, temperature: -0.1 },
    { model: 'a', messages: m, top_p: 1.5 },
    { model: 'a', messages: m, max_tokens: 0 },
    { model: 'a', messages: m, max_tokens: 1.5 },
    { model: 'a', messages: m, max_completion_tokens: '9' },
    { model: 'a', messages: m, seed: 0.5 },
    { model: 'a', messages: m, seed: 2 ** 60 },
    { model: 'a', messages: m, n: 9 },
    { model: 'a', messages: m, n: 0 },
    { model: 'a', messages: m, stop: 'x' },
    { model: 'a', messages: m, tools: [] },
  ];
  for (const b of bodies) {
    if (plainChat(b)) assert.ok(chatBody.safeParse(b).success, `the fast path took a body the full check refuses: ${JSON.stringify(b)}`);
  }
  assert.deepEqual(bodies.slice(0, 3).map(plainChat), [true, true, true], 'the common bodies take the fast path');
  assert.equal(bodies.slice(3).filter(plainChat).length, 0, 'the rest go to the full check (its message is the refusal)');
});
