// The gateway end to end (docs/ARCHITECTURE.md §3.3 gateway): the official openai SDK against
// the real routeops, routed to the simulator's profiles; every upstream attempt one ledger row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APIError } from 'openai';
import { simProviders, SIM_KEYS } from '../support/sim-config.js';
import { rowsOnce, startGateway } from './support.js';

const ask = [{ role: 'user' as const, content: 'hello gateway' }];

test('plain calls on every profile: the reply as the provider sent it, headers saying what happened, one ledger row each', async (t) => {
  const rig = await startGateway(t);
  const key = await rig.newKey('billing-svc');
  const client = rig.client(key);
  const aliases = ['deepseek-v4-flash', 'qwen-plus', 'kimi-k2.5', 'glm-4.7', 'or-qwen'];
  for (const alias of aliases) {
    const { data, response } = await client.chat.completions.create({ model: alias, messages: ask }).withResponse();
    assert.match(data.choices[0]!.message.content ?? '', /hello gateway/, alias);
    assert.ok(data.usage && data.usage.prompt_tokens > 0, alias);
    assert.equal(response.headers.get('x-routeops-attempts'), '1');
    assert.match(response.headers.get('x-routeops-cost-usd') ?? '', /^\d+\.\d+$/, `${alias} is priced`);
    assert.ok(response.headers.get('x-routeops-route'));
  }
  const rows = await rowsOnce(rig, aliases.length);
  assert.deepEqual(rows.map((r) => [r['source'], r['user'], r['route'], r['status']]), aliases.map((a) => ['gateway', 'billing-svc', a, 'ok']));
  // The x-request-id is the row's call_id; what the simulator served is what the ledger holds.
  const served = rig.sim.requests.filter((r) => r.path.endsWith('/chat/completions'));
  assert.equal(served.length, rows.length);
  assert.deepEqual(served.map((r) => r.headers['x-client-request-id']), rows.map((r) => r['call_id']));
});

test('streamed: chunks pass through as they come, the usage chunk only when asked for, tool-call deltas intact', async (t) => {
  const rig = await startGateway(t);
  const client = rig.client(await rig.newKey('stream-svc'));
  let text = '';
  let usage: unknown = null;
  for await (const chunk of await client.chat.completions.create({ model: 'deepseek-v4-flash', messages: ask, stream: true })) {
    text += chunk.choices[0]?.delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.match(text, /hello gateway/);
  assert.equal(usage, null, 'no usage chunk unless stream_options.include_usage');
  let asked: { prompt_tokens: number } | null = null;
  for await (const chunk of await client.chat.completions.create({ model: 'qwen-plus', messages: ask, stream: true, stream_options: { include_usage: true } })) {
    if (chunk.usage) asked = chunk.usage;
  }
  assert.ok(asked && asked.prompt_tokens > 0);
  rig.sim.setScript('kimi', { toolCall: { name: 'get_weather', arguments: '{"city":"Paris","days":3}' } });
  const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const stream = client.chat.completions.stream({ model: 'kimi-k2.5', messages: [{ role: 'user', content: 'weather?' }], tools });
  const final = await stream.finalChatCompletion();
  const call = final.choices[0]!.message.tool_calls![0]!;
  assert.equal(call.type === 'function' && call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.type === 'function' ? call.function.arguments : '{}'), { city: 'Paris', days: 3 });
  const rows = await rowsOnce(rig, 3);
  assert.ok(rows.every((r) => Number(r['input_tokens']) > 0 && r['usage_status'] === 'ok'), 'routeops asked for usage on every stream');
});

test('fallback before the first byte (429, 503, timeout), none after a stream started: the client sees the error event', async (t) => {
  const rig = await startGateway(t, (sim) => ({ providers: simProviders(sim, { timeout_ms: 1000 }) }));
  const client = rig.client(await rig.newKey('fallback-svc'));
  for (const fault of [{ status: 429 }, { status: 503 }, { slowFirstTokenMs: 5000 }]) {
    rig.sim.setFaults('deepseek', { ...fault, times: 1 });
    const { data, response } = await client.chat.completions.create({ model: 'deepseek-v4-flash', messages: ask }).withResponse();
    assert.match(data.choices[0]!.message.content ?? '', /hello gateway/);
    assert.equal(response.headers.get('x-routeops-route'), 'openrouter/deepseek/deepseek-v4-flash', JSON.stringify(fault));
    assert.equal(response.headers.get('x-routeops-attempts'), '2');
  }
  // A stream falls back too while nothing was sent: the client sees one clean stream.
  rig.sim.setFaults('deepseek', { status: 503, times: 1 });
  const streamed = await client.chat.completions.create({ model: 'deepseek-v4-flash', messages: ask, stream: true }).withResponse();
  let text = '';
  for await (const chunk of streamed.data) text += chunk.choices[0]?.delta.content ?? '';
  assert.match(text, /hello gateway/);
  assert.equal(streamed.response.headers.get('x-routeops-route'), 'openrouter/deepseek/deepseek-v4-flash');
  assert.equal(streamed.response.headers.get('x-routeops-attempts'), '2');
  rig.sim.setFaults('deepseek', { midStreamError: true, times: 1 });
  let chunks = 0;
  await assert.rejects(
    async () => {
      for await (const _chunk of await client.chat.completions.create({ model: 'deepseek-v4-flash', messages: ask, stream: true })) chunks++;
    },
    (e: unknown) => e instanceof APIError,
  );
  assert.ok(chunks > 0, 'chunks arrived before the error: no other route may answer then');
  const rows = await rowsOnce(rig, 9);
  assert.deepEqual(rows.map((r) => [r['provider'], r['status']]), [
    ['deepseek', 'rate_limited'], ['openrouter', 'ok'],
    ['deepseek', 'overloaded'], ['openrouter', 'ok'],
    ['deepseek', 'timeout'], ['openrouter', 'ok'],
    ['deepseek', 'overloaded'], ['openrouter', 'ok'],
    ['deepseek', 'server'],
  ]);
});

test('a retired model is swapped for its replacement; JSON mode passes through', async (t) => {
  const rig = await startGateway(t);
  const client = rig.client(await rig.newKey('legacy-svc'));
  // deepseek-chat retired on 2026-07-24 (the built-in catalog); the app's clock is 2026-11-23.
  const { response } = await client.chat.completions.create({ model: 'legacy-chat', messages: ask }).withResponse();
  assert.equal(response.headers.get('x-routeops-route'), 'deepseek/deepseek-v4-flash');
  const json = await client.chat.completions.create({ model: 'qwen-plus', messages: [{ role: 'user', content: 'answer in json' }], response_format: { type: 'json_object' } });
  assert.doesNotThrow(() => JSON.parse(json.choices[0]!.message.content ?? ''));
  const sent = rig.sim.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body as Record<string, unknown>);
  assert.equal(sent[0]!['model'], 'deepseek-v4-flash');
  assert.deepEqual(sent[1]!['response_format'], { type: 'json_object' });
  const rows = await rowsOnce(rig, 2);
  assert.deepEqual(rows.map((r) => r['model']), ['deepseek-v4-flash', 'qwen-plus']);
});

test('errors are OpenAI-shaped and say what was wrong: 401, 403, 404, 400, 413, 502 naming each route and why; no secret in any', async (t) => {
  const rig = await startGateway(t, (sim) => ({ gateway: { enabled: true, body_max_bytes: 2048 }, providers: simProviders(sim) }));
  const key = await rig.newKey('narrow-svc', '--aliases', 'deepseek-v4-flash,qwen-plus');
  const auth = { authorization: `Bearer ${key}` };
  const body = { model: 'deepseek-v4-flash', messages: ask };
  const check = (r: { status: number; json: unknown; text: string }, status: number, code: string | RegExp, message: RegExp) => {
    assert.equal(r.status, status, r.text);
    const e = (r.json as { error: { message: string; type: string; code: string; param: unknown } }).error;
    assert.deepEqual(Object.keys(e).sort(), ['code', 'message', 'param', 'type']);
    if (typeof code === 'string') assert.equal(e.code, code);
    else assert.match(e.code, code);
    assert.match(e.message, message);
    for (const secret of [key, ...Object.values(SIM_KEYS)]) assert.ok(!r.text.includes(secret), 'no secret in the reply');
  };
  check(await rig.post('/v1/chat/completions', body), 401, 'missing_api_key', /./);
  check(await rig.post('/v1/chat/completions', body, { authorization: 'Bearer ro_notakey' }), 401, 'invalid_api_key', /./);
  check(await rig.post('/v1/chat/completions', { ...body, model: 'kimi-k2.5' }, auth), 403, 'model_not_allowed', /^alias "kimi-k2\.5" is not allowed for key "narrow-svc": use one of deepseek-v4-flash, qwen-plus$/);
  check(await rig.post('/v1/chat/completions', { ...body, model: 'gpt-9' }, auth), 404, 'model_not_found', /^unknown model "gpt-9": use one of deepseek-v4-flash, qwen-plus$/);
  check(await rig.post('/v1/chat/completions', { ...body, model: 'deepseek/deepseek-v4-flash' }, auth), 403, 'model_not_allowed', /may not call provider\/model ids/);
  check(await rig.post('/v1/chat/completions', '{"model":', auth), 400, 'invalid_json', /^the body is not JSON/);
  check(await rig.post('/v1/chat/completions', { ...body, messages: [{ role: 'robot', content: 'x' }] }, auth), 400, 'invalid_request', /^messages\.0\.role: /);
  check(await rig.post('/v1/chat/completions', { ...body, messages: [{ role: 'user', content: 'x'.repeat(4000) }] }, auth), 413, 'body_too_large', /over 2048 bytes/);
  rig.sim.setFaults('deepseek', { status: 500 });
  rig.sim.setFaults('openrouter', { status: 401 });
  check(await rig.post('/v1/chat/completions', body, auth), 502, 'upstream_failed', /^no route of "deepseek-v4-flash" answered: deepseek\/deepseek-v4-flash: .*HTTP 500.*; openrouter\/deepseek\/deepseek-v4-flash: .*HTTP 401/);
  const models = await fetch(`${rig.app.url}/v1/models`, { headers: auth });
  assert.deepEqual(((await models.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id), ['deepseek-v4-flash', 'qwen-plus']);
  // Only the attempts that reached a provider are rows.
  assert.deepEqual((await rowsOnce(rig, 2)).map((r) => r['status']), ['server', 'auth']);
});

test('keys: a revoked or rotated key stops at once in the running gateway; rate limit and budget answer 429 saying which and when', async (t) => {
  const rig = await startGateway(t);
  const old = await rig.newKey('rotating-svc');
  const client = rig.client(old);
  await client.chat.completions.create({ model: 'qwen-plus', messages: ask });
  const rotated = await rig.keys('rotate', 'rotating-svc', '--json');
  assert.equal(rotated.code, 0, rotated.stderr);
  const fresh = (JSON.parse(rotated.stdout) as { key: string }).key;
  await assert.rejects(client.chat.completions.create({ model: 'qwen-plus', messages: ask }), (e: unknown) => e instanceof APIError && e.status === 401);
  await rig.client(fresh).chat.completions.create({ model: 'qwen-plus', messages: ask });
  assert.equal((await rig.keys('revoke', 'rotating-svc')).code, 0);
  await assert.rejects(rig.client(fresh).chat.completions.create({ model: 'qwen-plus', messages: ask }), (e: unknown) => e instanceof APIError && e.status === 401);

  const limited = rig.client(await rig.newKey('rpm-svc', '--rpm', '2'));
  await limited.chat.completions.create({ model: 'qwen-plus', messages: ask });
  await limited.chat.completions.create({ model: 'qwen-plus', messages: ask });
  await assert.rejects(limited.chat.completions.create({ model: 'qwen-plus', messages: ask }), (e: unknown) => e instanceof APIError && e.status === 429 && /limited to 2 requests a minute/.test(e.message));

  // A budget of $0.000001 a day: the first call spends it, the next is refused until local midnight.
  const budgeted = rig.client(await rig.newKey('budget-svc', '--budget-daily', '0.000001'));
  await budgeted.chat.completions.create({ model: 'qwen-plus', messages: ask });
  await rowsOnce(rig, 5);
  const refused = await budgeted.chat.completions.create({ model: 'qwen-plus', messages: ask }).catch((e: unknown) => e);
  assert.ok(refused instanceof APIError && refused.status === 429, String(refused));
  assert.equal((refused.error as { type?: string }).type, 'insufficient_quota');
  assert.match(refused.message, /daily budget/);
  assert.match(refused.message, /2026-11-24/);
});

test('a client that goes away mid-stream stops the upstream call; its row is written with what was seen', async (t) => {
  // A stream that never ends: only the client's going away ends it (the provider timeout is a minute).
  const rig = await startGateway(t, (sim) => ({ providers: simProviders(sim, { timeout_ms: 60_000 }) }));
  const key = await rig.newKey('abort-svc');
  rig.sim.setFaults('deepseek', { neverEnd: true });
  const abort = new AbortController();
  const res = await fetch(`${rig.app.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'deepseek-v4-flash', messages: ask, stream: true }),
    signal: abort.signal,
  });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.match(new TextDecoder().decode(first.value), /^data: \{/);
  abort.abort();
  const [row] = await rowsOnce(rig, 1);
  assert.equal(row!['status'], 'aborted');
  assert.equal(row!['provider'], 'deepseek');
  assert.equal(row!['usage_status'], 'missing', 'output was streamed, no usage arrived: usage missing, never $0');
});

test('review fixes: deep bodies are 400 with no row; the SDK reads the 413; a revoked last key is 401; a made-up provider/model is 404', async (t) => {
  const rig = await startGateway(t, (sim) => ({ gateway: { body_max_bytes: 2048 }, providers: simProviders(sim) }));
  const key = await rig.newKey('only-svc', '--provider-models');
  const client = rig.client(key, { maxRetries: 2 });
  const deep = `${'['.repeat(400)}"x"${']'.repeat(400)}`;
  const nested = await rig.post('/v1/chat/completions', `{"model":"qwen-plus","messages":[{"role":"user","content":"hi","x":${deep}}]}`, { authorization: `Bearer ${key}` });
  assert.equal(nested.status, 400);
  assert.match((nested.json as { error: { message: string } }).error.message, /nests deeper than 64 levels/);
  const small = await rig.post('/v1/chat/completions', { model: 'qwen-plus', messages: [{ role: 'user', content: 'hi', x: JSON.parse(`${'['.repeat(80)}1${']'.repeat(80)}`) as unknown }] }, { authorization: `Bearer ${key}` });
  assert.equal(small.status, 400);
  assert.match((small.json as { error: { message: string } }).error.message, /nests deeper than 64 levels/);
  const big = await client.chat.completions.create({ model: 'qwen-plus', messages: [{ role: 'user', content: 'x'.repeat(100_000) }] }).catch((e: unknown) => e);
  assert.ok(big instanceof APIError && big.status === 413, `the SDK reads the 413, not a broken pipe: ${String(big)}`);
  const madeUp = await client.chat.completions.create({ model: 'deepseek/no-such-model', messages: ask }).catch((e: unknown) => e);
  assert.ok(madeUp instanceof APIError && madeUp.status === 404, String(madeUp));
  assert.match(madeUp.message, /knows its model/);
  // The only key revoked: it is told it was revoked (401), a stranger that the gateway is off (404).
  assert.equal((await rig.keys('revoke', 'only-svc')).code, 0);
  const revoked = await client.chat.completions.create({ model: 'qwen-plus', messages: ask }).catch((e: unknown) => e);
  assert.ok(revoked instanceof APIError && revoked.status === 401 && (revoked.error as { code?: string }).code === 'revoked_api_key', String(revoked));
  const stranger = await rig.post('/v1/chat/completions', { model: 'qwen-plus', messages: ask }, { authorization: `Bearer ro_${'a'.repeat(40)}` });
  assert.equal(stranger.status, 404);
  // Only the made-up model reached a provider.
  assert.deepEqual((await rowsOnce(rig, 1)).map((r) => r['status']), ['model_not_found']);
});

test('review fixes: a stream with no first token in time and a 429 with a long Retry-After fall back at once; Kimi\'s usage only when asked', async (t) => {
  const rig = await startGateway(t, (sim) => ({ ask: { first_token_timeout_ms: 300 }, providers: { ...simProviders(sim, { timeout_ms: 10_000 }), deepseek: { ...simProviders(sim).deepseek!, timeout_ms: 10_000, max_retries: 2 } } }));
  const client = rig.client(await rig.newKey('deadline-svc'));
  rig.sim.setFaults('deepseek', { slowFirstTokenMs: 5000, times: 1 });
  const slow = await client.chat.completions.create({ model: 'deepseek-v4-flash', messages: ask, stream: true }).withResponse();
  for await (const _c of slow.data) void _c;
  assert.equal(slow.response.headers.get('x-routeops-route'), 'openrouter/deepseek/deepseek-v4-flash');
  rig.sim.setFaults('deepseek', { status: 429, retryAfterSeconds: 20, times: 3 });
  const limited = await client.chat.completions.create({ model: 'deepseek-v4-flash', messages: ask }).withResponse();
  assert.equal(limited.response.headers.get('x-routeops-attempts'), '2', 'one call to DeepSeek, no retry slept, then the fallback');
  rig.sim.setFaults('deepseek', null);
  const kimiChunks = async (stream_options?: { include_usage: boolean }) => {
    const out: unknown[] = [];
    for await (const c of await client.chat.completions.create({ model: 'kimi-k2.5', messages: ask, stream: true, ...(stream_options ? { stream_options } : {}) })) out.push(c);
    return out as Array<{ usage?: unknown; choices: Array<{ usage?: unknown }> }>;
  };
  const unasked = await kimiChunks();
  assert.ok(unasked.every((c) => c.usage == null && c.choices.every((ch) => ch.usage === undefined)), 'no usage anywhere unless asked');
  const asked = await kimiChunks({ include_usage: true });
  assert.ok(asked.some((c) => c.usage != null), 'usage at the top level, where the SDK reads it');
  const rows = await rowsOnce(rig, 6);
  assert.deepEqual(rows.slice(0, 4).map((r) => [r['provider'], r['status']]), [['deepseek', 'timeout'], ['openrouter', 'ok'], ['deepseek', 'rate_limited'], ['openrouter', 'ok']]);
});

test('review fixes: concurrent calls of a budgeted key cannot all spend the same budget; a stop ends an endless stream after the drain', async (t) => {
  // A minute before the provider would give up on the stream: only the stop's drain (8 s) ends it.
  const rig = await startGateway(t, (sim) => ({ providers: simProviders(sim, { timeout_ms: 60_000 }) }));
  const client = rig.client(await rig.newKey('burst-svc', '--budget-daily', '0.000001'));
  const results = await Promise.all(Array.from({ length: 12 }, () => client.chat.completions.create({ model: 'qwen-plus', messages: ask }).then(() => 'ok', (e: unknown) => (e instanceof APIError ? e.status : String(e)))));
  const answered = results.filter((r) => r === 'ok').length;
  assert.ok(answered >= 1 && answered <= 4, `at most 4 in flight before a cost is known: ${results.join(',')}`);
  assert.ok(results.every((r) => r === 'ok' || r === 429));

  const key = await rig.newKey('endless-svc');
  rig.sim.setFaults('deepseek', { neverEnd: true });
  const res = await fetch(`${rig.app.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'deepseek-v4-flash', messages: ask, stream: true }) });
  const reader = res.body!.getReader();
  await reader.read();
  const stopped = rig.app.close();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  await stopped;
  assert.match(text, /data: \{"error":\{"message":"[^"]*","type":"api_error","param":null,"code":"aborted"\}\}/);
});
