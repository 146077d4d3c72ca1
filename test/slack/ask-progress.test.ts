// While an answer waits for a hung provider, Slack shows what it waits for (config
// `ask.progress_interval_ms`, src/features/ask/progress.ts) and says when a route is given up
// for the next: in the /ask placeholder (chat.update), and for a streamed thread reply in a
// status line of its own that is deleted once the answer begins. The real app against the
// simulator's `hang` fault, with short deadlines and ticks; the tests wait for what Slack
// received, never for a time.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestApp, SIGNING_SECRET, type TestApp } from '../support/app.js';
import { postSigned, slashCommandBody, eventBody, postEvent } from '../support/slack-request.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, simProviders, SIM_KEYS } from '../support/sim-config.js';
import type { RecordedCall } from '../support/fake-slack.js';

let sim: Simulator;
let t: TestApp;

before(async () => {
  sim = await startSim();
  // The providers' own silence timeout is far off: only the first-token deadline ends a hung route.
  t = await startTestApp({
    config: simConfig(sim, { providers: simProviders(sim, { timeout_ms: 60_000 }), ask: { first_token_timeout_ms: 1000, progress_interval_ms: 20 } }),
    env: SIM_KEYS,
  });
});
after(async () => {
  await t.close();
  await sim.close();
});
beforeEach(() => sim.reset());

const callText = (c: RecordedCall) => JSON.stringify({ text: c.body.text, blocks: c.body.blocks });
const FALLBACK_NOTICE = /deepseek\/deepseek-v4-flash timed out: no first token within 1 s — trying openrouter\/deepseek\/deepseek-v4-flash/;

test('/ask shows what it waits for in its placeholder, then the fallback it takes, then the answer', async () => {
  sim.setFaults('deepseek', { hang: true });
  const channel = 'C0WAIT';
  const res = await postSigned(`${t.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/ask', text: 'are you there?', user_id: 'U0WAIT', channel_id: channel, response_url: `${t.slack.baseUrl}/respond/${randomUUID()}` }));
  assert.equal(res.status, 200);
  const final = await t.slack.waitFor('chat.update', (c) => c.body.channel === channel && /Simulated openrouter answer/.test(callText(c)));
  const updates = t.slack.calls.filter((c) => c.method === 'chat.update' && c.body.channel === channel && c.body.ts === final.body.ts);
  const interim = updates.slice(0, -1).map(callText);
  assert.ok(interim.some((u) => /_waiting for deepseek… \d+ s_/.test(u)), `a tick in the placeholder: ${interim.join('\n')}`);
  assert.ok(interim.some((u) => FALLBACK_NOTICE.test(u)), `the fallback notice in the placeholder: ${interim.join('\n')}`);
  // The ticks are in the blocks only: the message text stays the placeholder (thread history skips it).
  assert.ok(updates.filter((c) => /waiting for|— trying/.test(callText(c))).every((c) => c.body.text === 'Thinking…'));
  // The final rendering is the answer and its footer: no status left in it.
  const last = callText(updates.at(-1)!);
  assert.doesNotMatch(last, /waiting for|— trying/);
  assert.match(last, /fallback after deepseek\/deepseek-v4-flash timed out: no first token within 1 s/);
});

test('a streamed thread reply says what it waits for in a status line of its own, deleted once the answer begins', async () => {
  sim.setFaults('deepseek', { hang: true });
  const channel = 'C0WAITTHREAD';
  const ts = t.slack.addUserMessage({ channel, user: 'U0WAIT', text: '<@U0BOT> anyone home?' });
  await postEvent(`${t.url}/slack/events`, SIGNING_SECRET, eventBody({ type: 'app_mention', user: 'U0WAIT', text: '<@U0BOT> anyone home?', ts, channel, team: 'T0TEST' }));
  await t.slack.waitFor('chat.stopStream', (c) => c.body.channel === channel);
  await t.app.slack!.drain();
  const posted = t.slack.calls.find((c) => c.method === 'chat.postMessage' && c.body.channel === channel);
  assert.ok(posted, 'a status line was posted in the thread');
  assert.equal(posted.body.thread_ts, ts);
  assert.deepEqual(posted.body.metadata, { event_type: 'routeops_status', event_payload: {} });
  assert.match(String(posted.body.text), /_waiting for deepseek… \d+ s_/);
  const statusTexts = t.slack.calls.filter((c) => (c.method === 'chat.update' || c.method === 'chat.postMessage') && c.body.channel === channel).map((c) => String(c.body.text));
  assert.ok(statusTexts.some((s) => FALLBACK_NOTICE.test(s)), `the fallback notice in the status line: ${statusTexts.join('\n')}`);
  // Deleted: the thread holds the question and the streamed answer only.
  assert.equal(t.slack.calls.filter((c) => c.method === 'chat.delete' && c.body.channel === channel).length, 1);
  const thread = t.slack.messages.filter((m) => m.channel === channel);
  assert.equal(thread.length, 2);
  assert.match(thread[1]!.text, /Simulated openrouter answer to: anyone home\?/);
});
