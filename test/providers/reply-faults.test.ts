// Replies that are broken in ways a 200 does not show, through the real openai SDK against the
// provider simulator: usage beyond any real request, usage that cannot be used, an HTML page or a
// body that ends part-way instead of the reply, a byte order mark, a provider that only sends
// keep-alives. No sleeps, no timing assertions.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ProviderError } from '../../src/upstream/providers/errors.js';
import type { ChatRequest, ChatResult } from '../../src/upstream/providers/types.js';
import { simClient, startSim, type Simulator } from '../support/sim.js';

let sim: Simulator;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const ask = (text: string, model = 'deepseek-v4-flash'): ChatRequest => ({ model, messages: [{ role: 'user', content: text }] });

async function expectError(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

/** The same question streamed and not streamed. */
async function both(profile: 'deepseek' | 'openrouter', text: string, model?: string): Promise<ChatResult[]> {
  const client = simClient(sim, profile);
  return [await client.chatStream(ask(text, model), () => {}), await client.chat(ask(text, model))];
}

test('usage beyond any real request (1e300, 2^53+10) is flagged invalid, and the answer still arrives', async () => {
  for (const huge of [1e300, 2 ** 53 + 10]) {
    sim.setFaults('deepseek', { usagePatch: { prompt_tokens: huge } });
    for (const r of await both('deepseek', 'huge usage')) {
      assert.equal(r.content, 'Simulated deepseek answer to: huge usage');
      assert.equal(r.usage, null, `no usage kept for prompt_tokens ${huge}`);
      assert.match(r.usageInvalid ?? '', /prompt_tokens/);
    }
  }
  // A provider cost beyond any real request is as suspect as the counts.
  sim.setFaults('openrouter', { usagePatch: { cost: 1e300 } });
  for (const r of await both('openrouter', 'huge cost', 'qwen/qwen-plus')) {
    assert.equal(r.usage, null);
    assert.match(r.usageInvalid ?? '', /cost/);
  }
});

test('negative, NaN or non-numeric usage counts give no usage (missing), never zeros', async () => {
  const patches: Array<Record<string, number | string | null>> = [
    { completion_tokens: -5, total_tokens: 'NaN' },
    { prompt_tokens: 'NaN', prompt_cache_hit_tokens: null, prompt_cache_miss_tokens: -1, total_tokens: null },
  ];
  for (const usagePatch of patches) {
    sim.setFaults('deepseek', { usagePatch });
    for (const r of await both('deepseek', 'bad usage')) {
      assert.equal(r.content, 'Simulated deepseek answer to: bad usage');
      assert.equal(r.usage, null, JSON.stringify(usagePatch));
      assert.equal(r.usageInvalid, undefined, 'missing, not invalid');
    }
  }
  // Other valid counts that give the full picture are used: DeepSeek's cache hit + miss are the prompt.
  sim.setFaults('deepseek', { usagePatch: { prompt_tokens: -1 } });
  for (const r of await both('deepseek', 'hit and miss')) {
    assert.ok(r.usage && r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
  }
});

test('a 200 carrying an HTML page (a captive proxy) is a malformed reply, streamed or not', async () => {
  sim.setFaults('deepseek', { htmlBody: true });
  const client = simClient(sim, 'deepseek');
  const s = await expectError(client.chatStream(ask('behind a proxy'), () => {}));
  assert.equal(s.kind, 'malformed');
  assert.match(s.message, /text\/html/);
  const n = await expectError(client.chat(ask('behind a proxy')));
  assert.equal(n.kind, 'malformed');
  assert.match(n.message, /text\/html/);
});

test('a 200 whose body ends part-way is a malformed reply, streamed or not', async () => {
  sim.setFaults('deepseek', { truncatedBody: true });
  const client = simClient(sim, 'deepseek');
  const s = await expectError(client.chatStream(ask('cut short'), () => {}));
  assert.equal(s.kind, 'malformed');
  assert.ok(s.partial && s.partial.chunks > 0, 'what arrived is kept');
  const n = await expectError(client.chat(ask('cut short')));
  assert.equal(n.kind, 'malformed');
});

test('a byte order mark at the start of the body is skipped, streamed or not', async () => {
  const plain = await both('deepseek', 'with a bom');
  sim.setFaults('deepseek', { bom: true });
  const [stream, whole] = await both('deepseek', 'with a bom');
  assert.equal(stream!.content, 'Simulated deepseek answer to: with a bom');
  assert.equal(stream!.chunks, plain[0]!.chunks, 'the first event is not lost');
  assert.ok(stream!.usage);
  assert.equal(whole!.content, 'Simulated deepseek answer to: with a bom');
  assert.ok(whole!.usage);
});

test('keep-alive comments do not hold off a request\'s first-token deadline', async () => {
  sim.setFaults('deepseek', { hangWithKeepAlives: true });
  // The silence timeout (timeout_ms) is far off: only the first-token deadline can end this.
  const client = simClient(sim, 'deepseek', { config: { timeout_ms: 60_000 } });
  const e = await expectError(client.chatStream({ ...ask('busy'), firstTokenTimeoutMs: 200 }, () => {}));
  assert.equal(e.kind, 'timeout');
  assert.deepEqual(e.timedOut, { phase: 'first_token', ms: 200 });
  assert.match(e.message, /no first token within 200 ms/);
});

test('a request\'s time limit ends the call as a timeout of its own phase, streamed or not', async () => {
  sim.setFaults('deepseek', { hangWithKeepAlives: true });
  const client = simClient(sim, 'deepseek', { config: { timeout_ms: 60_000 } });
  const s = await expectError(client.chatStream({ ...ask('busy'), timeoutMs: 200 }, () => {}));
  assert.equal(s.kind, 'timeout');
  assert.equal(s.timedOut?.phase, 'deadline');
  const n = await expectError(client.chat({ ...ask('busy'), timeoutMs: 200 }));
  assert.equal(n.kind, 'timeout');
  assert.equal(n.timedOut?.phase, 'deadline');
});
