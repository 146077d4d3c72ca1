// The provider client on the real openai SDK against the provider simulator on 127.0.0.1, for
// each of the five wire profiles (docs/PROVIDERS.md §1). No sleeps, no timing assertions.
import { test, before, after, beforeEach, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ProviderError } from '../../src/upstream/providers/errors.js';
import { createProviderClients } from '../../src/upstream/providers/client.js';
import type { ChatMessage, ChatRequest, StreamDelta, ToolDefinition } from '../../src/upstream/providers/types.js';
import { SIM_PROFILES, SIM_TEST_KEY, chatRequests, simClient, simProviderConfig, startSim, type Simulator } from '../support/sim.js';

let sim: Simulator;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const WEATHER: ToolDefinition = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

async function expectError(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

for (const P of SIM_PROFILES) {
  describe(`${P.profile} (${P.provider})`, () => {
    const ask = (text: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
      model: P.model,
      messages: [
        { role: 'system', content: `You are terse. (${P.profile} ${text})` },
        { role: 'user', content: text },
      ],
      ...extra,
    });

    test('streams the answer, with reasoning, usage, request id and counters', async () => {
      const question = `What is <!channel> & "quoted" ${P.profile}? 🚀`;
      const deltas: StreamDelta[] = [];
      const client = simClient(sim, P.profile, { opts: { now: () => 1000 } });
      const r = await client.chatStream(ask(question), (d) => deltas.push(d));
      assert.equal(r.content, `Simulated ${P.profile} answer to: ${question}`);
      assert.equal(deltas.filter((d) => d.type === 'content').map((d) => (d as { text: string }).text).join(''), r.content);
      assert.equal(r.reasoning.length > 0, P.thinks);
      assert.equal(r.finishReason, 'stop');
      assert.equal(r.model, P.model);
      assert.ok(r.chunks > 2);
      assert.equal(r.ttftMs, 0, 'the injected clock is used');
      assert.ok(r.latencyMs >= 0);
      assert.equal(r.attempts, 1);
      const u = r.usage;
      assert.ok(u, 'usage arrived');
      assert.ok(u.input_tokens > 0);
      assert.equal(u.cached_input_tokens, 0, 'nothing cached on the first call');
      assert.ok(u.output_tokens > 0);
      if (P.thinks && P.reasoningDetail) {
        assert.ok(u.reasoning_tokens > 0);
        assert.ok(u.reasoning_tokens < u.output_tokens, 'reasoning is part of the completion tokens');
      } else assert.equal(u.reasoning_tokens, 0);
      if (P.profile === 'openrouter') assert.match(u.provider_cost_usd ?? '', /^0\.\d+$/);
      else assert.equal(u.provider_cost_usd, null);
      if (P.requestIdHeader) assert.match(r.requestId ?? '', new RegExp(`^sim-${P.profile}-\\d+$`));
      else if (P.profile === 'glm') assert.match(r.requestId ?? '', /^\d{14}[0-9a-f]{16}$/);
      else assert.match(r.requestId ?? '', /^gen-/);

      const sent = chatRequests(sim, P.profile).at(-1)!;
      assert.equal(sent.hasBearer, true);
      assert.equal(sent.headers['authorization'], undefined);
      assert.deepEqual((sent.body as { stream_options?: unknown }).stream_options, { include_usage: true });
    });

    test('reports cached prompt tokens when the same prefix comes again', async () => {
      const client = simClient(sim, P.profile);
      const req = ask('cache me please');
      const first = await client.chatStream(req, () => {});
      const second = await client.chatStream(req, () => {});
      assert.equal(first.usage?.cached_input_tokens, 0);
      assert.ok((second.usage?.cached_input_tokens ?? 0) > 0, 'second call has cached tokens');
      assert.ok((second.usage?.cached_input_tokens ?? 0) < (second.usage?.input_tokens ?? 0));
    });

    test('non-streaming chat gives the same answer and usage shape', async () => {
      const r = await simClient(sim, P.profile).chat(ask('non-stream please'));
      assert.equal(r.content, `Simulated ${P.profile} answer to: non-stream please`);
      assert.equal(r.reasoning.length > 0, P.thinks);
      assert.equal(r.chunks, 0);
      assert.equal(r.ttftMs, null);
      assert.ok(r.usage && r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
      if (P.profile === 'openrouter') assert.ok(r.usage.provider_cost_usd !== null);
      assert.ok(r.requestId);
    });

    test('assembles a streamed tool call, then real tool data flows into the answer', async () => {
      sim.setScript(P.profile, { toolCall: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } });
      const client = simClient(sim, P.profile);
      const deltas: StreamDelta[] = [];
      const first = await client.chatStream(ask('weather in Paris?', { tools: [WEATHER] }), (d) => deltas.push(d));
      assert.equal(first.finishReason, 'tool_calls');
      assert.equal(first.toolCalls.length, 1);
      const call = first.toolCalls[0]!;
      assert.equal(call.name, 'get_weather', 'name kept from the first delta');
      assert.ok(call.id.length > 0, 'id kept from the first delta');
      assert.equal(call.arguments, '{"city":"Paris","unit":"celsius"}');
      assert.deepEqual(deltas.filter((d) => d.type === 'tool_call'), [{ type: 'tool_call', index: 0 }]);

      const messages: ChatMessage[] = [
        ...ask('weather in Paris?').messages,
        { role: 'assistant', content: '', tool_calls: first.toolCalls, reasoning_content: first.reasoning },
        { role: 'tool', tool_call_id: call.id, content: 'Paris: 21C, sunny <@U123>' },
      ];
      const second = await client.chatStream({ model: P.model, messages, tools: [WEATHER] }, () => {});
      assert.match(second.content, /Based on the data: Paris: 21C, sunny <@U123>/);
      const sent = chatRequests(sim, P.profile).at(-1)!.body as { messages: Array<Record<string, unknown>> };
      const assistant = sent.messages.find((m) => m['role'] === 'assistant')!;
      // docs/PROVIDERS.md §1: DeepSeek and Kimi need reasoning_content echoed on tool-call turns.
      assert.equal('reasoning_content' in assistant, P.profile === 'deepseek' || P.profile === 'kimi');
    });

    test('401 with a bad key is auth', async () => {
      const e = await expectError(simClient(sim, P.profile, { key: 'bad-key' }).chatStream(ask('hi'), () => {}));
      assert.equal(e.kind, 'auth');
      assert.equal(e.status, 401);
      assert.equal(e.provider, P.provider);
      assert.ok(!e.message.includes('bad-key'));
    });

    test(`out of balance is balance (HTTP ${P.balanceStatus})`, async () => {
      sim.setFaults(P.profile, { balanceExhausted: true });
      const e = await expectError(simClient(sim, P.profile).chatStream(ask('hi'), () => {}));
      assert.equal(e.kind, 'balance');
      assert.equal(e.status, P.balanceStatus);
      if (P.profile === 'qwen') assert.match(e.requestId ?? '', /^sim-qwen-/);
    });

    test(`an unknown model is model_not_found (HTTP ${P.notFoundStatus})`, async () => {
      const e = await expectError(simClient(sim, P.profile).chat(ask('hi', { model: P.model.toUpperCase() })));
      assert.equal(e.kind, 'model_not_found');
      assert.equal(e.status, P.notFoundStatus);
      const s = await expectError(simClient(sim, P.profile).chatStream(ask('hi', { model: 'no-such-model' }), () => {}));
      assert.equal(s.kind, 'model_not_found');
    });

    test('a not-found sent with another status is still model_not_found', async () => {
      sim.setFaults(P.profile, { unknownModelStatus: P.notFoundStatus === 404 ? 400 : 404 });
      const e = await expectError(simClient(sim, P.profile).chat(ask('hi', { model: 'no-such-model' })));
      assert.equal(e.kind, 'model_not_found');
    });

    test('429 with Retry-After is retried by the SDK, then succeeds', async () => {
      sim.setFaults(P.profile, { status: 429, retryAfterSeconds: 0, times: 1 });
      const from = sim.requests.length;
      const r = await simClient(sim, P.profile, { config: { max_retries: 2 } }).chatStream(ask('retry me'), () => {});
      assert.equal(r.content, `Simulated ${P.profile} answer to: retry me`);
      assert.equal(r.attempts, 2);
      assert.equal(chatRequests(sim, P.profile, from).length, 2);
    });

    test('retries are bounded: a persistent 429 stops after max_retries', async () => {
      sim.setFaults(P.profile, { status: 429, retryAfterSeconds: 0 });
      const from = sim.requests.length;
      const e = await expectError(simClient(sim, P.profile, { config: { max_retries: 2 } }).chat(ask('retry forever')));
      assert.equal(e.kind, 'rate_limited');
      assert.equal(e.retryAfterMs, 0);
      assert.equal(e.attempts, 3);
      assert.equal(chatRequests(sim, P.profile, from).length, 3);
    });

    test('a Retry-After beyond the cap is not waited for', async () => {
      sim.setFaults(P.profile, { status: 429, retryAfterSeconds: 3600 });
      const from = sim.requests.length;
      const e = await expectError(simClient(sim, P.profile, { config: { max_retries: 2 } }).chat(ask('later')));
      assert.equal(e.kind, 'rate_limited');
      assert.equal(e.retryAfterMs, 3_600_000);
      assert.equal(chatRequests(sim, P.profile, from).length, 1);
    });

    test('503 is overloaded, 500/502 are server errors', async () => {
      for (const [status, kind] of [[503, 'overloaded'], [500, 'server'], [502, 'server']] as const) {
        sim.setFaults(P.profile, { status });
        const e = await expectError(simClient(sim, P.profile).chatStream(ask('hi'), () => {}));
        assert.equal(e.kind, kind, `HTTP ${status}`);
        assert.equal(e.status, status);
      }
    });

    test('a stream that goes quiet after the headers times out (stream and non-stream)', async () => {
      sim.setFaults(P.profile, { hang: true });
      const client = simClient(sim, P.profile, { config: { timeout_ms: 200 } });
      const e = await expectError(client.chatStream(ask('hang'), () => {}));
      assert.equal(e.kind, 'timeout');
      const n = await expectError(client.chat(ask('hang')));
      assert.equal(n.kind, 'timeout');
    });

    test('keep-alive comments forever (no [DONE]) time out with the partial answer', async () => {
      sim.setFaults(P.profile, { neverEnd: true });
      const e = await expectError(simClient(sim, P.profile, { config: { timeout_ms: 200 } }).chatStream(ask('never ends'), () => {}));
      assert.equal(e.kind, 'timeout');
      assert.equal(e.partial?.content, `Simulated ${P.profile} answer to: never ends`);
    });

    test('a stream cut mid-way is a connection error with the partial result', async () => {
      sim.setFaults(P.profile, { cutAfterChunks: 3 });
      const e = await expectError(simClient(sim, P.profile).chatStream(ask('cut me'), () => {}));
      assert.equal(e.kind, 'connection');
      assert.ok(e.partial, 'partial result kept');
      assert.equal(e.partial.chunks, 3);
      assert.ok(e.requestId, 'request id from header or chunk');
    });

    test('a non-JSON data line is malformed', async () => {
      sim.setFaults(P.profile, { malformedChunk: true });
      const e = await expectError(simClient(sim, P.profile).chatStream(ask('garbled'), () => {}));
      assert.equal(e.kind, 'malformed');
      assert.equal(e.partial?.chunks, 1);
      const n = await expectError(simClient(sim, P.profile).chat(ask('garbled')));
      assert.equal(n.kind, 'malformed');
    });

    test('no usage sent gives usage null', async () => {
      sim.setFaults(P.profile, { omitUsage: true });
      const r = await simClient(sim, P.profile).chatStream(ask('no usage'), () => {});
      assert.equal(r.usage, null);
      assert.equal(r.content, `Simulated ${P.profile} answer to: no usage`);
    });

    test('a missing key fails without a request', async () => {
      const from = sim.requests.length;
      const client = simClient(sim, P.profile, { key: null });
      assert.equal(client.hasKey, false);
      for (const call of [client.chat(ask('x')), client.chatStream(ask('x'), () => {}), client.listModels()]) {
        const e = await expectError(call);
        assert.equal(e.kind, 'missing_key');
        assert.match(e.message, new RegExp(P.keyEnv));
      }
      assert.equal(sim.requests.length, from);
    });

    test('lists models', async () => {
      const ids = await simClient(sim, P.profile).listModels();
      assert.ok(ids.includes(P.model));
    });
  });
}

describe('provider-specific rules', () => {
  test('with another fetch (global fetch here) streams read through the WHATWG body the same way', async () => {
    const viaFetch = (profile: 'deepseek' | 'openrouter') => simClient(sim, profile, { opts: { fetch: globalThis.fetch } });
    const deltas: StreamDelta[] = [];
    const r = await viaFetch('deepseek').chatStream({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'hi' }] }, (d) => deltas.push(d));
    assert.equal(r.content, 'Simulated deepseek answer to: hi');
    assert.ok(r.usage && r.usage.output_tokens > 0);
    assert.equal(deltas.filter((d) => d.type === 'content').map((d) => (d as { text: string }).text).join(''), r.content);
    sim.setFaults('deepseek', { cutAfterChunks: 3 });
    const cut = await expectError(viaFetch('deepseek').chatStream({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'cut' }] }, () => {}));
    assert.equal(cut.kind, 'connection');
    assert.equal(cut.partial?.chunks, 3);
    sim.setFaults('openrouter', { midStreamError: true });
    const mid = await expectError(viaFetch('openrouter').chatStream({ model: 'qwen/qwen-plus', messages: [{ role: 'user', content: 'hi' }] }, () => {}));
    assert.equal(mid.kind, 'server');
    assert.match(mid.message, /Provider disconnected/);
  });

  test('OpenRouter mid-stream error event on HTTP 200', async () => {
    sim.setFaults('openrouter', { midStreamError: true });
    const e = await expectError(simClient(sim, 'openrouter').chatStream({ model: 'qwen/qwen-plus', messages: [{ role: 'user', content: 'hi' }] }, () => {}));
    assert.equal(e.kind, 'server');
    assert.equal(e.status, null);
    assert.match(e.message, /Provider disconnected/);
    assert.equal(e.partial?.chunks, 2);
    assert.match(e.requestId ?? '', /^gen-/);
  });

  test('JSON mode: Qwen needs the word json (400 otherwise); with it the answer is a JSON object', async () => {
    const client = simClient(sim, 'qwen');
    const e = await expectError(client.chat({ model: 'qwen-plus', messages: [{ role: 'user', content: 'give me data' }], responseFormat: 'json_object' }));
    assert.equal(e.kind, 'bad_request');
    assert.equal(e.status, 400);
    const r = await client.chatStream({ model: 'qwen-plus', messages: [{ role: 'user', content: 'answer in JSON' }], responseFormat: 'json_object' }, () => {});
    assert.equal(typeof JSON.parse(r.content), 'object');
  });

  test('JSON mode: DeepSeek without the word json answers whitespace only, and the client notes why', async () => {
    const r = await simClient(sim, 'deepseek').chat({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'give me data' }], responseFormat: 'json_object' });
    assert.equal(r.content.trim(), '');
    assert.ok(r.notes?.some((n) => /json/i.test(n)));
  });

  test('a prose answer in JSON mode passes through for the caller to validate', async () => {
    sim.setFaults('deepseek', { jsonModeProse: true });
    const r = await simClient(sim, 'deepseek').chat({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'json please' }], responseFormat: 'json_object' });
    assert.throws(() => JSON.parse(r.content));
  });

  test('GLM: a forced tool is sent as tool_choice "auto" with a note (no 400)', async () => {
    sim.setScript('glm', { toolCall: { name: 'get_weather', arguments: '{"city":"Oslo"}' } });
    const from = sim.requests.length;
    const r = await simClient(sim, 'glm').chatStream({ model: 'glm-4.7', messages: [{ role: 'user', content: 'weather?' }], tools: [WEATHER], toolChoice: { name: 'get_weather' } }, () => {});
    assert.equal(r.toolCalls[0]?.name, 'get_weather');
    assert.ok(r.notes?.some((n) => /GLM/.test(n)));
    assert.equal((chatRequests(sim, 'glm', from)[0]!.body as { tool_choice?: unknown }).tool_choice, 'auto');
  });

  test('a forced tool on DeepSeek is called without a script; invalid argument JSON is kept raw', async () => {
    sim.setFaults('deepseek', { toolArgsNotJson: true });
    const r = await simClient(sim, 'deepseek').chatStream({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'Paris' }], tools: [WEATHER], toolChoice: { name: 'get_weather' } }, () => {});
    assert.equal(r.toolCalls[0]?.name, 'get_weather');
    assert.throws(() => JSON.parse(r.toolCalls[0]!.arguments));
  });

  test('Kimi: a temperature is replaced by the allowed one, with a note (no 400)', async () => {
    const from = sim.requests.length;
    const r = await simClient(sim, 'kimi').chat({ model: 'kimi-k2.5', messages: [{ role: 'user', content: 'hi' }], temperature: 0.3 });
    assert.ok(r.notes?.some((n) => /temperature/.test(n)));
    assert.equal((chatRequests(sim, 'kimi', from)[0]!.body as { temperature?: unknown }).temperature, 1);
    const off = await simClient(sim, 'kimi').chat({ model: 'kimi-k2.5', messages: [{ role: 'user', content: 'hi' }], temperature: 0.3, thinking: false });
    assert.equal(off.reasoning, '');
    assert.equal((chatRequests(sim, 'kimi', from)[1]!.body as { temperature?: unknown }).temperature, 0.6);
  });

  test('thinking switches: DeepSeek off, Qwen on', async () => {
    const ds = await simClient(sim, 'deepseek').chat({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'hi' }], thinking: false });
    assert.equal(ds.reasoning, '');
    assert.equal(ds.usage?.reasoning_tokens, 0);
    const qw = await simClient(sim, 'qwen').chatStream({ model: 'qwen-plus', messages: [{ role: 'user', content: 'hi' }], thinking: true }, () => {});
    assert.ok(qw.reasoning.length > 0);
    const sent = sim.requests.filter((r) => r.profile === 'qwen').at(-1)!.body as Record<string, unknown>;
    assert.equal(sent['enable_thinking'], true);
  });

  test('a small max_tokens is spent on reasoning: empty content, finish_reason length', async () => {
    const r = await simClient(sim, 'deepseek').chatStream({ model: 'deepseek-v4-pro', messages: [{ role: 'user', content: 'think hard about this' }], maxTokens: 3 }, () => {});
    assert.equal(r.content, '');
    assert.equal(r.finishReason, 'length');
    assert.ok(r.reasoning.length > 0);
    assert.equal(r.usage?.output_tokens, 3);
  });

  test('DeepSeek answers 400 when reasoning_content is missing on a tool-call turn (raw SDK request shape)', async () => {
    // The client always echoes it; here the simulator's rule is checked with a hand-made body.
    const res = await fetch(`${sim.baseUrl('deepseek')}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SIM_TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'deepseek-v4-flash',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'c1', content: 'x' },
        ],
      }),
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /reasoning_content/);
  });

  test('a stream slow to start still completes (keep-alive comments are skipped)', async () => {
    sim.setFaults('deepseek', { slowFirstTokenMs: 60 });
    sim.setFaults('openrouter', { slowFirstTokenMs: 60 });
    const a = await simClient(sim, 'deepseek').chatStream({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'slow' }] }, () => {});
    const b = await simClient(sim, 'openrouter').chatStream({ model: 'qwen/qwen-plus', messages: [{ role: 'user', content: 'slow' }] }, () => {});
    const c = await simClient(sim, 'deepseek').chat({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'slow' }] });
    assert.equal(a.content, 'Simulated deepseek answer to: slow');
    assert.equal(b.content, 'Simulated openrouter answer to: slow');
    assert.equal(c.content, 'Simulated deepseek answer to: slow');
    assert.ok((a.ttftMs ?? -1) >= 0);
  });

  test('a first-token timeout fires while only keep-alives arrive', async () => {
    sim.setFaults('deepseek', { slowFirstTokenMs: 5000 });
    const client = simClient(sim, 'deepseek', { opts: { firstTokenTimeoutMs: 100 } });
    const e = await expectError(client.chatStream({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'slow' }] }, () => {}));
    assert.equal(e.kind, 'timeout');
    assert.match(e.message, /first token/);
  });

  test('a caller abort ends the call, as its own kind that no fallback follows', async () => {
    sim.setFaults('kimi', { hang: true });
    const ac = new AbortController();
    const p = simClient(sim, 'kimi').chatStream({ model: 'kimi-k2.5', messages: [{ role: 'user', content: 'x' }], signal: ac.signal }, () => {});
    setImmediate(() => ac.abort());
    const e = await expectError(p);
    assert.equal(e.kind, 'aborted');
  });

  test('/v1 on GLM is a 404 that names base_url, not a missing model', async () => {
    const client = simClient(sim, 'glm', { config: { base_url: `${sim.url}/glm/v1` } });
    const e = await expectError(client.chat({ model: 'glm-4.7', messages: [{ role: 'user', content: 'x' }] }));
    assert.equal(e.kind, 'bad_request');
    assert.equal(e.status, 404);
    assert.match(e.message, /base_url/);
  });

  test('createProviderClients builds one client per configured provider', () => {
    const clients = createProviderClients(
      { deepseek: simProviderConfig(sim, 'deepseek'), zai: simProviderConfig(sim, 'glm') },
      { DEEPSEEK_API_KEY: SIM_TEST_KEY },
    );
    assert.deepEqual([...clients.keys()], ['deepseek', 'zai']);
    assert.equal(clients.get('deepseek')?.hasKey, true);
    assert.equal(clients.get('zai')?.hasKey, false);
  });

  test('error messages never carry the API key', async () => {
    const key = 'sk-secret-abcdefgh12345678';
    sim.setFaults('deepseek', { status: 500 });
    const e = await expectError(simClient(sim, 'deepseek', { key }).chat({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: key }] }));
    assert.ok(!e.message.includes(key));
    assert.ok(!JSON.stringify(e).includes(key));
  });
});
