// Routing and the provider edge: which failures fall back, route plans (context windows,
// retirements and their thinking mode), the meter's rows, and provider behaviours checked
// against the simulator (and, where docs/PROVIDERS.md documents no simulator behaviour, a bare local server).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderError, kindOf } from '../../src/upstream/providers/errors.js';
import { createProviderClient } from '../../src/upstream/providers/client.js';
import { executePlan, shouldFallBack, attemptToUsage, type AttemptRecord } from '../../src/features/routing/execute.js';
import { planRoutes, estimateTokens, smallestWindow } from '../../src/features/routing/plan.js';
import { Catalog } from '../../src/domain/catalog/catalog.js';
import { BUILTIN_CATALOG } from '../../src/domain/catalog/builtin.js';
import { ERROR_KINDS, type ChatResult } from '../../src/upstream/providers/types.js';
import { chatRequests, simClient, simProviderConfig, startSim, type Simulator } from '../support/sim.js';
import { testConfig } from '../support/config.js';

let sim: Simulator;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const AFTER_RETIREMENT = Date.parse('2026-11-23T12:00:00Z');

test('fallback: every kind but a user-caused bad request and a stopped call tries the next route', () => {
  for (const kind of ERROR_KINDS) {
    const expected = kind !== 'bad_request' && kind !== 'aborted';
    assert.equal(shouldFallBack({ kind, status: 400 }), expected, kind);
  }
  // A 404 that names no model is a route's wrong base_url: config, not input.
  assert.equal(shouldFallBack({ kind: 'bad_request', status: 404 }), true);
  assert.equal(shouldFallBack({ kind: 'bad_request', status: 422 }), false);
});

test('a prompt over the context window is its own kind, from each provider\'s words', () => {
  const cases: Array<[number, Record<string, unknown>]> = [
    [400, { message: "This model's maximum context length is 131072 tokens. However, you requested 140000 tokens.", type: 'invalid_request_error', code: 'invalid_request_error' }],
    [400, { message: 'Range of input length should be [1, 129024]', type: 'invalid_request_error', code: 'invalid_parameter_error' }],
    [400, { message: 'Invalid request: Your request exceeded model token limit: 262144', type: 'invalid_request_error' }],
    [400, { code: '1261', message: 'Prompt exceeds max length' }],
    [400, { code: 400, message: 'This endpoint\'s maximum context length is 32768 tokens.' }],
  ];
  for (const [status, inner] of cases) assert.equal(kindOf(status, inner), 'context_length', String(inner['message']));
  // Other bad requests stay bad requests (no fallback).
  assert.equal(kindOf(400, { message: 'temperature must be 0.6 for this model', type: 'invalid_request_error' }), 'bad_request');
  assert.equal(kindOf(400, { message: 'The number of tools exceeds the maximum of 128', type: 'invalid_request_error' }), 'bad_request');
});

test('token estimate: ~4 ASCII characters a token, one a CJK character', () => {
  assert.equal(estimateTokens('abcdefgh'), 2);
  assert.equal(estimateTokens('你好世界'), 4);
  assert.equal(estimateTokens('Привет'), 3);
  // 96k Chinese characters are ~96k tokens, not 24k.
  assert.ok(estimateTokens('测'.repeat(96_000)) >= 96_000);
});

const config = testConfig({
  timezone: 'UTC',
  default_model: 'small',
  providers: {
    deepseek: { base_url: 'http://127.0.0.1:9/', api_key_env: 'DEEPSEEK_API_KEY' },
    openrouter: { base_url: 'http://127.0.0.1:9/', api_key_env: 'OPENROUTER_API_KEY', gateway: true },
  },
  models: {
    small: {
      routes: [
        { provider: 'deepseek', model: 'deepseek-v4-flash', context_window: 8192 },
        { provider: 'openrouter', model: 'deepseek/deepseek-v4-flash', context_window: 131072 },
      ],
    },
    'both-modes': {
      routes: [
        { provider: 'deepseek', model: 'deepseek-chat' },
        { provider: 'deepseek', model: 'deepseek-reasoner' },
      ],
    },
    chained: { routes: [{ provider: 'deepseek', model: 'deepseek-old' }] },
    looping: { routes: [{ provider: 'deepseek', model: 'loop-a' }] },
  },
  retirements: [
    { provider: 'deepseek', model: 'deepseek-old', at: '2026-01-01T00:00:00Z', replacement: 'deepseek-chat' },
    { provider: 'deepseek', model: 'loop-a', at: '2026-01-01T00:00:00Z', replacement: 'loop-b' },
    { provider: 'deepseek', model: 'loop-b', at: '2026-01-01T00:00:00Z', replacement: 'loop-a' },
  ],
});
const catalog = new Catalog(BUILTIN_CATALOG, config.pricing, config.retirements);

test('plan: a route whose window the prompt does not fit is skipped, with the reason', () => {
  const r = planRoutes(config, catalog, 'small', AFTER_RETIREMENT, 6000, 4096);
  assert.ok(r.ok);
  assert.deepEqual(r.plan.routes.map((x) => x.provider), ['openrouter']);
  assert.match(r.plan.skipped[0]!.reason, /does not fit its 8192-token window/);
  const none = planRoutes(config, catalog, 'small', AFTER_RETIREMENT, 200_000, 4096);
  assert.equal(none.ok, false);
  const all = planRoutes(config, catalog, 'small', AFTER_RETIREMENT, 10, 10);
  assert.ok(all.ok);
  assert.equal(smallestWindow(all.plan.routes), 8192);
  // Only routes that can take the request count: a question too long for the small one leaves 131072.
  assert.equal(smallestWindow(r.plan.routes), 131072);
  const modes = planRoutes(config, catalog, 'both-modes', AFTER_RETIREMENT, 10, 10);
  assert.ok(modes.ok);
  assert.equal(smallestWindow(modes.plan.routes), undefined);
  // Inherited object keys are no aliases.
  assert.equal(planRoutes(config, catalog, 'constructor', AFTER_RETIREMENT, 10, 10).ok, false);
  assert.equal(planRoutes(config, catalog, '__proto__', AFTER_RETIREMENT, 10, 10).ok, false);
});

test('plan: retired deepseek-chat / -reasoner are answered by v4-flash in their own thinking mode; a retired replacement is followed', () => {
  const r = planRoutes(config, catalog, 'both-modes', AFTER_RETIREMENT, 10, 10);
  assert.ok(r.ok);
  assert.deepEqual(
    r.plan.routes.map((x) => [x.model, x.thinking, x.replaces?.model]),
    [
      ['deepseek-v4-flash', false, 'deepseek-chat'],
      ['deepseek-v4-flash', true, 'deepseek-reasoner'],
    ],
  );
  const before = planRoutes(config, catalog, 'both-modes', Date.parse('2026-07-24T15:58:00Z'), 10, 10);
  assert.ok(before.ok);
  assert.deepEqual(before.plan.routes.map((x) => x.model), ['deepseek-chat', 'deepseek-reasoner']);
  const chained = planRoutes(config, catalog, 'chained', AFTER_RETIREMENT, 10, 10);
  assert.ok(chained.ok);
  assert.deepEqual(chained.plan.routes, [{ provider: 'deepseek', model: 'deepseek-v4-flash', replaces: { model: 'deepseek-old', retiredAt: '2026-01-01T00:00:00.000Z' }, thinking: false }]);
  const looping = planRoutes(config, catalog, 'looping', AFTER_RETIREMENT, 10, 10);
  assert.equal(looping.ok, false);
  assert.match(looping.ok ? '' : looping.error, /replacements loop back to loop-a/);
});

test('the replacement of deepseek-chat is called with thinking disabled on the wire', async () => {
  const client = simClient(sim, 'deepseek');
  const plan = planRoutes(config, catalog, 'both-modes', AFTER_RETIREMENT, 10, 10);
  assert.ok(plan.ok);
  const from = sim.requests.length;
  const out = await executePlan({
    plan: { ...plan.plan, routes: plan.plan.routes.slice(0, 1) },
    stream: true,
    now: Date.now,
    clientFor: () => client,
    request: (route) => ({ model: route.model, messages: [{ role: 'user', content: 'hi' }], ...(route.thinking !== undefined ? { thinking: route.thinking } : {}) }),
    hooks: { onAttempt: () => {} },
  });
  assert.ok(out.ok);
  const sent = chatRequests(sim, 'deepseek', from)[0]!.body as { model: string; thinking?: { type: string } };
  assert.equal(sent.model, 'deepseek-v4-flash');
  assert.deepEqual(sent.thinking, { type: 'disabled' });
  assert.equal(out.result.reasoning, '', 'no reasoning comes back in non-thinking mode');
});

function attempt(result: Partial<ChatResult> | null, extra: Partial<AttemptRecord> = {}): AttemptRecord {
  const full: ChatResult | null = result
    ? ({ content: 'x', reasoning: '', toolCalls: [], finishReason: 'stop', model: 'qwen3.6-plus', usage: { input_tokens: 10, cached_input_tokens: 0, output_tokens: 50, reasoning_tokens: 0, provider_cost_usd: null }, requestId: 'r1', latencyMs: 900, ttftMs: 100, attempts: 1, chunks: 3, notes: [], ...result } as ChatResult)
    : null;
  return { callId: 'call-1', route: { provider: 'qwen-intl', model: 'qwen3.6-plus' }, startedAtMs: AFTER_RETIREMENT, endedAtMs: AFTER_RETIREMENT + 900, ok: true, result: full, error: null, ...extra };
}

test('meter: a call that streamed reasoning is priced as thinking even when no reasoning count came back (Qwen, GLM)', () => {
  assert.equal(attemptToUsage(attempt({ reasoning: 'let me think' }), { source: 'ask', route: 'q' })[0]!.thinking, true);
  assert.equal(attemptToUsage(attempt({ reasoning: '' }), { source: 'ask', route: 'q' })[0]!.thinking, false);
  // A route asked not to think is not billed as thinking.
  assert.equal(attemptToUsage(attempt({ reasoning: '' }, { route: { provider: 'deepseek', model: 'deepseek-v4-flash', thinking: false } }), { source: 'ask', route: 'q' })[0]!.thinking, false);
});

test('meter: rows of client retries carry no latency of their own (it is the whole call\'s)', () => {
  const rows = attemptToUsage(attempt({ attempts: 3 }), { source: 'ask', route: 'q' });
  assert.deepEqual(rows.map((r) => r.status), ['retried', 'retried', 'ok']);
  assert.deepEqual(rows.map((r) => r.latency_ms), [undefined, undefined, 900]);
});

test('GLM out of balance (429 code 1113) is not retried by the client: one upstream call', async () => {
  sim.setFaults('glm', { balanceExhausted: true });
  const from = sim.requests.length;
  const client = simClient(sim, 'glm', { config: { max_retries: 2 } });
  await assert.rejects(client.chatStream({ model: 'glm-4.7', messages: [{ role: 'user', content: 'hi' }] }, () => {}), (e: unknown) => e instanceof ProviderError && e.kind === 'balance' && e.attempts === 1);
  assert.equal(chatRequests(sim, 'glm', from).length, 1);
  // A plain 429 is still retried (and then succeeds).
  sim.setFaults('glm', { status: 429, retryAfterSeconds: 0, times: 1 });
  const ok = await client.chatStream({ model: 'glm-4.7', messages: [{ role: 'user', content: 'hi' }] }, () => {});
  assert.equal(ok.attempts, 2);
});

/** A bare OpenAI-compatible server for behaviours docs/PROVIDERS.md documents for no simulated provider. */
async function bareServer(handler: http.RequestListener): Promise<{ base: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test('a prompt over one route\'s window (400 from the provider) falls back to the next route', async () => {
  const srv = await bareServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.", type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }));
    });
  });
  try {
    const small = createProviderClient('small', { base_url: srv.base, api_key_env: 'K', timeout_ms: 3000, max_retries: 0 }, { K: 'sk-test' });
    const big = simClient(sim, 'deepseek');
    const routes = [
      { provider: 'small', model: 'deepseek-v4-flash' },
      { provider: 'deepseek', model: 'deepseek-v4-flash' },
    ];
    const kinds: string[] = [];
    const out = await executePlan({
      plan: { alias: 'a', routes, skipped: [] },
      stream: true,
      now: Date.now,
      clientFor: (p) => (p === 'small' ? small : big),
      request: (route) => ({ model: route.model, messages: [{ role: 'user', content: 'long' }] }),
      hooks: { onAttempt: (a) => kinds.push(a.ok ? 'ok' : a.error!.kind) },
    });
    assert.ok(out.ok);
    assert.deepEqual(kinds, ['context_length', 'ok']);
  } finally {
    await srv.close();
  }
});

test('a route whose base_url answers 404 (no model named) falls back to the next route', async () => {
  const from = sim.requests.length;
  const wrongBase = createProviderClient('zai', { ...simProviderConfig(sim, 'glm'), base_url: sim.baseUrl('glm').replace('/api/paas/v4', '/v1') }, { ZAI_API_KEY: 'sk-test' });
  const kinds: string[] = [];
  const out = await executePlan({
    plan: { alias: 'glm', routes: [{ provider: 'zai', model: 'glm-4.7' }, { provider: 'openrouter', model: 'z-ai/glm-4.7' }], skipped: [] },
    stream: true,
    now: Date.now,
    clientFor: (p) => (p === 'zai' ? wrongBase : simClient(sim, 'openrouter')),
    request: (route) => ({ model: route.model, messages: [{ role: 'user', content: 'hi' }] }),
    hooks: { onAttempt: (a) => kinds.push(a.ok ? 'ok' : `${a.error!.kind} ${a.error!.status}`) },
  });
  assert.deepEqual(kinds, ['bad_request 404', 'ok']);
  assert.ok(out.ok);
  assert.equal(chatRequests(sim, 'openrouter', from).length, 1);
});

test('an answer is complete at [DONE] even if the server keeps the body open after it', async () => {
  let held: http.ServerResponse | undefined;
  const srv = await bareServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
      chunk({ id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'whole answer' }, finish_reason: null }] });
      chunk({ id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } });
      res.write('data: [DONE]\n\n');
      held = res; // never ended
    });
  });
  try {
    // A silence timeout shorter than the test: were the open body awaited, this would be a timeout.
    const client = createProviderClient('bare', { base_url: srv.base, api_key_env: 'K', timeout_ms: 1000, max_retries: 0 }, { K: 'sk-test' });
    const r = await client.chatStream({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, () => {});
    assert.equal(r.content, 'whole answer');
    assert.equal(r.usage?.output_tokens, 2);
  } finally {
    held?.end();
    await srv.close();
  }
});

test('simulator: OpenRouter sends Retry-After on 429 and 503 without being asked (docs/PROVIDERS.md §1)', async () => {
  for (const status of [429, 503]) {
    sim.setFaults('openrouter', { status, times: 1 });
    const res = await fetch(`${sim.baseUrl('openrouter')}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-x', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen/qwen-plus', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(res.status, status);
    assert.ok(res.headers.get('retry-after'), `Retry-After on ${status}`);
    await res.text();
  }
  sim.setFaults('deepseek', { status: 429, times: 1 });
  const ds = await fetch(`${sim.baseUrl('deepseek')}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-x', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'hi' }] }) });
  assert.equal(ds.headers.get('retry-after'), null);
  await ds.text();
});

test('simulator: faults on demand over HTTP for a simulator run by hand; bad faults say what is accepted', async () => {
  const control = (method: string, path: string, body?: unknown) => fetch(`${sim.url}/_sim/faults${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const set = await control('POST', '/kimi', { status: 503, times: 1 });
  assert.equal(set.status, 200);
  const e = await simClient(sim, 'kimi').chat({ model: 'kimi-k2.5', messages: [{ role: 'user', content: 'hi' }] }).catch((err: unknown) => err);
  assert.ok(e instanceof ProviderError && e.kind === 'overloaded');
  const bad = await control('POST', '/kimi', { status: 'soon', slowness: 3 });
  assert.equal(bad.status, 400);
  const why = (await bad.json()) as { error: string; accepted: string[] };
  assert.match(why.error, /status/);
  assert.ok(why.accepted.includes('hang'));
  assert.equal((await control('POST', '/nobody', {})).status, 404);
  await control('POST', '/kimi', { hang: true });
  assert.equal((await control('DELETE', '')).status, 200);
  const ok = await simClient(sim, 'kimi').chat({ model: 'kimi-k2.5', messages: [{ role: 'user', content: 'hi' }] });
  assert.match(ok.content, /Simulated kimi answer/);
});

test('simulator: request ids differ between runs, so a kept ledger does not skip new calls as repeats', async () => {
  const other = await startSim();
  try {
    const a = await simClient(sim, 'deepseek').chat({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'same' }] });
    const b = await simClient(other, 'deepseek').chat({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'same' }] });
    assert.ok(a.requestId && b.requestId);
    assert.notEqual(a.requestId, b.requestId);
  } finally {
    await other.close();
  }
});
