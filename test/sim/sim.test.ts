// The simulator's wire shapes over plain HTTP (docs/PROVIDERS.md §1), independent of the client.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { PROFILE_NAMES, type ProfileName } from '../../tools/sim/server.js';
import { startSim, type Simulator } from '../support/sim.js';
import { describeSim } from '../../tools/sim/main.js';
import { readCommandLine } from '../../src/app/cli.js';

let sim: Simulator;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const AUTH = { authorization: 'Bearer sk-test', 'content-type': 'application/json' };

async function post(url: string, body: unknown, headers: Record<string, string> = AUTH) {
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  return { res, text: await res.text() };
}

/** The data: payloads of an SSE body (comments kept apart). */
function sse(text: string) {
  const events = text.split('\n\n').filter((b) => b.trim());
  const comments = events.filter((e) => e.startsWith(':'));
  const data = events.filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
  const json = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as Record<string, unknown>);
  return { comments, data, json };
}

const chat = (p: ProfileName) => `${sim.baseUrl(p)}/chat/completions`;
const user = (content: string) => [{ role: 'user', content }];

test('base paths mirror the real ones; DeepSeek also under /v1; GLM /v1 is a 404', async () => {
  assert.equal(sim.baseUrl('deepseek'), `${sim.url}/deepseek`);
  assert.equal(sim.baseUrl('qwen'), `${sim.url}/qwen/compatible-mode/v1`);
  assert.equal(sim.baseUrl('kimi'), `${sim.url}/kimi/v1`);
  assert.equal(sim.baseUrl('glm'), `${sim.url}/glm/api/paas/v4`);
  assert.equal(sim.baseUrl('openrouter'), `${sim.url}/openrouter/api/v1`);
  assert.equal((await post(`${sim.url}/deepseek/v1/chat/completions`, { model: 'deepseek-chat', messages: user('x') })).res.status, 200);
  assert.equal((await post(`${sim.url}/glm/v1/chat/completions`, { model: 'glm-4.7', messages: user('x') })).res.status, 404);
  assert.equal((await post(`${sim.url}/nope/v1/chat/completions`, {})).res.status, 404);
});

test('GET /models lists each profile\'s ids', async () => {
  const res = await fetch(`${sim.baseUrl('openrouter')}/models`, { headers: AUTH });
  const body = (await res.json()) as { data: Array<{ id: string }> };
  assert.deepEqual(body.data.map((m) => m.id), ['deepseek/deepseek-v4-flash', 'deepseek/deepseek-v4-pro', 'qwen/qwen-plus', 'moonshotai/kimi-k2.5', 'z-ai/glm-4.7']);
});

test('401 in each provider\'s error body shape; the request is recorded without the key', async () => {
  const shapes: Record<ProfileName, (b: Record<string, unknown>) => boolean> = {
    deepseek: (b) => 'param' in (b['error'] as object) && 'code' in (b['error'] as object),
    qwen: (b) => typeof b['request_id'] === 'string',
    kimi: (b) => Object.keys(b['error'] as object).sort().join() === 'message,type',
    glm: (b) => typeof (b['error'] as { code: unknown }).code === 'string',
    openrouter: (b) => typeof (b['error'] as { code: unknown }).code === 'number',
  };
  for (const p of PROFILE_NAMES) {
    const { res, text } = await post(chat(p), { model: 'x', messages: user('x') }, { authorization: 'Bearer bad-key' });
    assert.equal(res.status, 401, p);
    assert.ok(shapes[p](JSON.parse(text) as Record<string, unknown>), `${p} error shape: ${text}`);
    const none = await post(chat(p), { model: 'x', messages: user('x') }, {});
    assert.equal(none.res.status, 401);
  }
  const rec = sim.requests.at(-1)!;
  assert.equal(rec.hasBearer, false);
  assert.equal(sim.requests.at(-2)!.hasBearer, true);
  assert.equal(JSON.stringify(sim.requests).includes('bad-key'), false);
});

test('Qwen: usage only with include_usage, in a separate choices:[] chunk', async () => {
  const withUsage = sse((await post(chat('qwen'), { model: 'qwen-plus', stream: true, stream_options: { include_usage: true }, messages: user('hi') })).text);
  const last = withUsage.json.at(-1)!;
  assert.deepEqual(last['choices'], []);
  assert.ok(last['usage']);
  const without = sse((await post(chat('qwen'), { model: 'qwen-plus', stream: true, messages: user('hi') })).text);
  assert.ok(without.json.every((c) => !c['usage']));
});

test('DeepSeek: usage on the finish chunk, null on others; Kimi: in choices[0].usage; GLM: no object field', async () => {
  const ds = sse((await post(chat('deepseek'), { model: 'deepseek-v4-flash', stream: true, stream_options: { include_usage: true }, messages: user('hi') })).text);
  const fin = ds.json.at(-1)!;
  assert.equal((fin['choices'] as Array<{ finish_reason: string }>)[0]!.finish_reason, 'stop');
  assert.ok((fin['usage'] as Record<string, unknown>)['prompt_cache_miss_tokens'] !== undefined);
  assert.ok(ds.json.slice(0, -1).every((c) => c['usage'] === null));
  assert.equal(ds.data.at(-1), '[DONE]');

  const km = sse((await post(chat('kimi'), { model: 'kimi-k2.5', stream: true, messages: user('hi') })).text);
  const kfin = (km.json.at(-1)!['choices'] as Array<Record<string, unknown>>)[0]!;
  assert.ok(kfin['usage'] && 'cached_tokens' in (kfin['usage'] as object));

  const glm = sse((await post(chat('glm'), { model: 'glm-5', stream: true, messages: user('hi') })).text);
  assert.ok(glm.json.every((c) => !('object' in c)));
  assert.match(String(glm.json[0]!['id']), /^\d{14}[0-9a-f]{16}$/);
  assert.ok(glm.json.at(-1)!['usage']);
});

test('OpenRouter: processing comment, usage with cost even without include_usage', async () => {
  const or = sse((await post(chat('openrouter'), { model: 'qwen/qwen-plus', stream: true, messages: user('hi') })).text);
  assert.deepEqual(or.comments, [': OPENROUTER PROCESSING']);
  const usage = or.json.at(-1)!['usage'] as Record<string, unknown>;
  assert.equal(typeof usage['cost'], 'number');
});

test('DeepSeek keep-alive comments while slow (stream) and blank lines before a non-stream body', async () => {
  sim.setFaults('deepseek', { slowFirstTokenMs: 50 });
  const s = sse((await post(chat('deepseek'), { model: 'deepseek-chat', stream: true, messages: user('hi') })).text);
  assert.ok(s.comments.length >= 1);
  assert.ok(s.comments.every((c) => c === ': keep-alive'));
  const n = await post(chat('deepseek'), { model: 'deepseek-chat', messages: user('hi') });
  assert.match(n.text, /^\n+\{/);
});

test('tool-call continuation deltas: DeepSeek omits id/name, Qwen and GLM send ""', async () => {
  const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
  for (const p of ['deepseek', 'qwen', 'glm'] as const) {
    sim.setScript(p, { toolCall: { name: 'f', arguments: '{"a":"0123456789012345678901234"}' } });
    const model = { deepseek: 'deepseek-v4-flash', qwen: 'qwen-plus', glm: 'glm-4.7' }[p];
    const { json } = sse((await post(chat(p), { model, stream: true, tools, messages: user('call f') })).text);
    const tc = json.flatMap((c) => ((c['choices'] as Array<{ delta?: { tool_calls?: Array<Record<string, unknown>> } }>)[0]?.delta?.tool_calls ?? []));
    assert.ok(tc.length >= 3, p);
    assert.equal(tc[0]!['id'] !== '' && tc[0]!['id'] !== undefined, true);
    for (const cont of tc.slice(1)) {
      if (p === 'deepseek') assert.ok(!('id' in cont) && !('name' in (cont['function'] as object)), 'omitted');
      else assert.ok(cont['id'] === '' && (cont['function'] as { name: string }).name === '', 'empty strings');
    }
  }
});

test('rules that give 400: GLM tool_choice other than auto, Kimi temperature, Qwen JSON mode without "json"', async () => {
  const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
  assert.equal((await post(chat('glm'), { model: 'glm-4.7', tools, tool_choice: 'required', messages: user('x') })).res.status, 400);
  assert.equal((await post(chat('kimi'), { model: 'kimi-k2.5', temperature: 0.7, messages: user('x') })).res.status, 400);
  assert.equal((await post(chat('kimi'), { model: 'kimi-k2.5', temperature: 1.0, messages: user('x') })).res.status, 200);
  assert.equal((await post(chat('kimi'), { model: 'kimi-k2.5', temperature: 0.6, thinking: { type: 'disabled' }, messages: user('x') })).res.status, 200);
  assert.equal((await post(chat('qwen'), { model: 'qwen-plus', response_format: { type: 'json_object' }, messages: user('x') })).res.status, 400);
  assert.equal((await post(chat('qwen'), { model: 'Qwen-Plus', messages: user('x') })).res.status, 404);
});

test('faults: times limits how many requests fail; status faults carry Retry-After', async () => {
  sim.setFaults('kimi', { status: 429, retryAfterSeconds: 2, times: 1 });
  const first = await post(chat('kimi'), { model: 'kimi-k2.5', messages: user('x') });
  assert.equal(first.res.status, 429);
  assert.equal(first.res.headers.get('retry-after'), '2');
  assert.equal((await post(chat('kimi'), { model: 'kimi-k2.5', messages: user('x') })).res.status, 200);
});

test('balance per provider', async () => {
  const expected: Record<ProfileName, number> = { deepseek: 402, qwen: 400, kimi: 403, glm: 429, openrouter: 402 };
  for (const p of PROFILE_NAMES) {
    sim.setFaults(p, { balanceExhausted: true });
    assert.equal((await post(chat(p), { model: 'x', messages: user('x') })).res.status, expected[p], p);
  }
});

test('answers are deterministic and keep the user text verbatim', async () => {
  const hostile = '<!here> <@U0> <https://x|y> "\\ \u2028 💥';
  const a = await post(chat('glm'), { model: 'glm-4.7', messages: user(hostile), thinking: { type: 'disabled' } });
  const body = JSON.parse(a.text) as { choices: Array<{ message: { content: string; reasoning_content?: string } }>; usage: { prompt_tokens: number } };
  assert.equal(body.choices[0]!.message.content, `Simulated glm answer to: ${hostile}`);
  assert.equal(body.choices[0]!.message.reasoning_content, undefined);
  assert.equal(body.usage.prompt_tokens, Math.ceil(hostile.length / 4));
});

test('faults a 200 hides: usage patched, an HTML page, a body ended part-way, a byte order mark', async () => {
  sim.setFaults('deepseek', { usagePatch: { prompt_tokens: 1e300, completion_tokens: -5, total_tokens: 'NaN' } });
  const streamed = sse((await post(chat('deepseek'), { model: 'deepseek-chat', stream: true, messages: user('x') })).text);
  const plain = JSON.parse((await post(chat('deepseek'), { model: 'deepseek-chat', messages: user('x') })).text) as { usage: Record<string, unknown> };
  for (const usage of [streamed.json.at(-1)!['usage'] as Record<string, unknown>, plain.usage]) {
    assert.equal(usage['prompt_tokens'], 1e300);
    assert.equal(usage['completion_tokens'], -5);
    assert.equal(usage['total_tokens'], 'NaN');
    assert.equal(typeof usage['prompt_cache_hit_tokens'], 'number', 'the other fields stay');
  }
  sim.setFaults('qwen', { htmlBody: true });
  for (const stream of [true, false]) {
    const { res, text } = await post(chat('qwen'), { model: 'qwen-plus', stream, messages: user('x') });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(text, /^<!DOCTYPE html>/);
  }
  sim.setFaults('glm', { truncatedBody: true });
  const cut = await post(chat('glm'), { model: 'glm-4.7', stream: true, messages: user('x') });
  assert.equal(cut.res.status, 200);
  assert.ok(!cut.text.includes('[DONE]') && !cut.text.endsWith('\n\n'), 'no [DONE], the last event unfinished');
  const whole = sse(cut.text.slice(0, cut.text.lastIndexOf('\n\n') + 2)).json;
  assert.ok(whole.length > 0);
  assert.ok(whole.every((c) => (c['choices'] as Array<{ finish_reason: unknown }>)[0]!.finish_reason === null));
  const half = await post(chat('glm'), { model: 'glm-4.7', messages: user('x') });
  assert.equal(half.res.status, 200);
  assert.throws(() => JSON.parse(half.text));
  sim.setFaults('kimi', { bom: true });
  for (const stream of [true, false]) {
    const res = await fetch(chat('kimi'), { method: 'POST', headers: AUTH, body: JSON.stringify({ model: 'kimi-k2.5', stream, messages: user('x') }) });
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 4)], [0xef, 0xbb, 0xbf, stream ? 0x64 /* d */ : 0x7b /* { */]);
  }
});

test('a provider hung with keep-alives sends only them: SSE comments, or blank lines when not streamed', async () => {
  sim.setFaults('deepseek', { hangWithKeepAlives: true });
  sim.setFaults('glm', { hangWithKeepAlives: true });
  for (const [profile, model, stream, expected] of [
    ['deepseek', 'deepseek-chat', true, ': keep-alive\n\n: keep-alive\n\n'],
    ['glm', 'glm-4.7', true, ': keep-alive\n\n: keep-alive\n\n'],
    ['deepseek', 'deepseek-chat', false, '\n\n'],
  ] as const) {
    const ac = new AbortController();
    const res = await fetch(chat(profile), { method: 'POST', headers: AUTH, body: JSON.stringify({ model, stream, messages: user('x') }), signal: ac.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (text.length < expected.length) text += decoder.decode((await reader.read()).value, { stream: true });
    ac.abort();
    assert.equal(text.slice(0, expected.length), expected, `${profile} stream=${stream}`);
  }
});

test('close() ends hanging streams and returns', async () => {
  const s2 = await startSim();
  s2.setFaults('deepseek', { hang: true });
  const got = new Promise<string>((resolve) => {
    const req = http.request(`${s2.baseUrl('deepseek')}/chat/completions`, { method: 'POST', headers: AUTH }, (res) => {
      res.on('data', () => {});
      res.on('close', () => resolve('closed'));
      res.on('error', () => resolve('closed'));
    });
    req.on('error', () => resolve('closed'));
    req.end(JSON.stringify({ model: 'deepseek-v4-flash', stream: true, messages: user('x') }));
  });
  while (s2.requests.length === 0) await new Promise((r) => setImmediate(r));
  await s2.close();
  assert.equal(await got, 'closed');
});

/** `routeops sim ARGS` as the CLI reads it: the sim command's arguments, or a thrown usage error. */
function parseSimArgs(argv: string[]): unknown {
  const line = readCommandLine(['sim', ...argv]);
  return line.command.parse(line.input, 'cli');
}

test('runSim arguments and banner', () => {
  assert.deepEqual(parseSimArgs([]), { port: 4010, host: '127.0.0.1' });
  assert.deepEqual(parseSimArgs(['--port', '0', '--host=0.0.0.0']), { port: 0, host: '0.0.0.0' });
  assert.throws(() => parseSimArgs(['--port', 'x']), /--port/);
  assert.throws(() => parseSimArgs(['--nope']), /unknown argument/);
  const text = describeSim(sim);
  for (const p of PROFILE_NAMES) assert.ok(text.includes(sim.baseUrl(p)));
  assert.match(text, /qwen-intl: \{ base_url: ".*\/qwen\/compatible-mode\/v1", api_key_env: DASHSCOPE_API_KEY \}/);
  // The balance endpoints are read with the block as printed (a local URL infers no balance kind).
  assert.match(text, /deepseek: \{ base_url: ".*\/deepseek", api_key_env: DEEPSEEK_API_KEY, balance: \{ kind: deepseek \} \}/);
});
