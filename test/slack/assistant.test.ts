// Slack's assistant surfaces end to end (docs/ARCHITECTURE.md §3.6): the real Bolt app over signed
// HTTP, the fake Slack Web API, and the provider simulator behind the real openai SDK. A thread
// opened in the assistant view gets the suggested prompts; a question in it gets a status while
// the answer is prepared (then cleared), a title from the first question, and an answer with
// 👍/👎 that went through the one /ask path (a ledger row with its call_id).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, SIGNING_SECRET, type TestApp } from '../support/app.js';
import { eventBody, postEvent } from '../support/slack-request.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, simProviders, SIM_KEYS } from '../support/sim-config.js';
import type { StoredMessage } from '../support/fake-slack.js';
import { threadTitle } from '../../src/adapters/slack/assistant.js';

let sim: Simulator;
let t: TestApp;
const DM = 'D0ASSIST';
const USER = 'U0ASKER';

before(async () => {
  sim = await startSim();
  // Ticks every 20 ms, so a slow first token shows in the status (src/features/ask/progress.ts).
  t = await startTestApp({ config: simConfig(sim, { providers: simProviders(sim, { timeout_ms: 60_000 }), ask: { progress_interval_ms: 20 } }), env: SIM_KEYS });
});
after(async () => {
  await t.close();
  await sim.close();
});
beforeEach(() => sim.reset());

let threads = 0;
/** The user opens a thread in the assistant view: Slack sends assistant_thread_started. */
async function startThread(): Promise<string> {
  const threadTs = `1784000000.${String(++threads).padStart(6, '0')}`;
  const res = await postEvent(
    `${t.url}/slack/events`,
    SIGNING_SECRET,
    eventBody({ type: 'assistant_thread_started', assistant_thread: { user_id: USER, context: { channel_id: 'C0VIEWED', team_id: 'T0TEST' }, channel_id: DM, thread_ts: threadTs }, event_ts: threadTs }),
  );
  assert.equal(res.status, 200);
  await t.slack.waitFor('assistant.threads.setSuggestedPrompts', (c) => c.body.thread_ts === threadTs);
  return threadTs;
}

/**
 * The user writes in the thread (message.im); resolves with the answer as the fake Slack holds it
 * once the answer is shown and the thread's status cleared (the last thing an answer does).
 */
async function askInThread(threadTs: string, text: string): Promise<StoredMessage> {
  const callsBefore = t.slack.calls.length;
  const ts = t.slack.addUserMessage({ channel: DM, user: USER, text, thread_ts: threadTs });
  const res = await postEvent(`${t.url}/slack/events`, SIGNING_SECRET, eventBody({ type: 'message', channel_type: 'im', channel: DM, user: USER, text, ts, thread_ts: threadTs }));
  assert.equal(res.status, 200);
  await t.slack.waitFor('assistant.threads.setStatus', (c) => c.body.thread_ts === threadTs && c.body.status === '' && t.slack.calls.indexOf(c) >= callsBefore);
  return t.slack.messages.filter((m) => m.thread_ts === threadTs && m.bot_id).at(-1)!;
}

const threadMessage = (threadTs: string, ts: string) => t.slack.messages.some((m) => m.ts === ts && m.thread_ts === threadTs);
const callsIn = (method: string, threadTs: string) => t.slack.calls.filter((c) => c.method === method && c.body.thread_ts === threadTs);

test('assistant_thread_started offers the three suggested prompts, titles and messages', async () => {
  const threadTs = await startThread();
  const [call] = callsIn('assistant.threads.setSuggestedPrompts', threadTs);
  assert.equal(call!.body.channel_id, DM);
  assert.deepEqual(call!.body.prompts, [
    { title: 'Spend this week', message: 'What did we spend this week?' },
    { title: 'Failed routes', message: 'Which routes failed today?' },
    { title: 'Retirements', message: 'What retires this month?' },
  ]);
  assert.equal(typeof call!.body.title, 'string');
  // No greeting message: the prompts' title greets, and the thread's history stays the user's.
  assert.equal(t.slack.messages.filter((m) => m.thread_ts === threadTs).length, 0);
});

test('a question in an assistant thread: status while routing, then cleared; the thread titled; the answer with 👍/👎 and its ledger row', async () => {
  const threadTs = await startThread();
  const answer = await askInThread(threadTs, 'what is a route?');
  const statuses = callsIn('assistant.threads.setStatus', threadTs).map((c) => c.body.status);
  assert.equal(statuses[0], 'is routing to deepseek-v4-flash…');
  assert.equal(statuses.at(-1), '', 'cleared when the answer is shown');
  assert.equal(statuses.filter((s) => s === '').length, 1, 'and only then');
  // Status first, then the answer: the first setStatus was made before any message was posted in the thread.
  const firstStatus = t.slack.calls.findIndex((c) => c.method === 'assistant.threads.setStatus' && c.body.thread_ts === threadTs);
  const firstPost = t.slack.calls.findIndex((c) => c.method === 'chat.postMessage' && c.body.thread_ts === threadTs);
  assert.ok(firstStatus >= 0 && firstStatus < firstPost);

  assert.deepEqual(
    callsIn('assistant.threads.setTitle', threadTs).map((c) => c.body.title),
    ['what is a route?'],
  );
  const blocks = answer.blocks as Array<{ type: string; elements?: Array<Record<string, unknown>> }>;
  assert.match(JSON.stringify(blocks), /Simulated deepseek answer to: what is a route\?/);
  const feedback = blocks.find((b) => b.type === 'context_actions')!.elements![0]!;
  assert.equal(feedback.type, 'feedback_buttons');
  assert.equal(feedback.action_id, 'answer.feedback');
  const callId = String((feedback.positive_button as { value: string }).value).replace(/^up:/, '');
  assert.equal((feedback.negative_button as { value: string }).value, `down:${callId}`);
  // The same /ask path: one ledger row per call, the answer's row carries the buttons' call_id.
  const row = (await t.app.services.ledger.recentRows(1000)).find((r) => r.call_id === callId)!;
  assert.ok(row, 'the answer\'s ledger row');
  assert.deepEqual([row.source, row.status, row.user, row.channel, row.route], ['ask', 'ok', USER, DM, 'deepseek-v4-flash']);
});

test('only the first question titles the thread; a follow-up has the thread as history', async () => {
  const threadTs = await startThread();
  await askInThread(threadTs, 'first question here');
  await askInThread(threadTs, 'and a second one');
  assert.deepEqual(callsIn('assistant.threads.setTitle', threadTs).map((c) => c.body.title), ['first question here']);
  const last = sim.requests.filter((r) => r.profile === 'deepseek').at(-1)!;
  const contents = (last.body as { messages: Array<{ role: string; content: string }> }).messages.map((m) => m.content);
  assert.ok(contents.includes('first question here'), 'the earlier question is history');
  assert.ok(contents.some((c) => /Simulated deepseek answer to: first question here/.test(c)), 'the earlier answer is history');
});

test('while the first token is slow, the status says what the answer waits for', async () => {
  sim.setFaults('deepseek', { slowFirstTokenMs: 300, times: 1 });
  const threadTs = await startThread();
  await askInThread(threadTs, 'slow one');
  const statuses = callsIn('assistant.threads.setStatus', threadTs).map((c) => String(c.body.status));
  assert.ok(statuses.some((s) => /^is waiting for deepseek… \d+ s$/.test(s)), statuses.join(' | '));
  assert.equal(statuses.at(-1), '');
});

test('an answer that fails still clears the status, and carries no feedback buttons', async () => {
  sim.setFaults('deepseek', { status: 400 });
  const threadTs = await startThread();
  const answer = await askInThread(threadTs, 'this fails');
  assert.match(JSON.stringify(answer.blocks), /No answer from deepseek-v4-flash/);
  assert.doesNotMatch(JSON.stringify(answer.blocks), /context_actions/);
  assert.equal(callsIn('assistant.threads.setStatus', threadTs).at(-1)!.body.status, '');
});

test('a DM thread not opened in the assistant view is answered as before: no status, no title', async () => {
  const root = t.slack.addUserMessage({ channel: DM, user: USER, text: 'plain DM' });
  const ts = t.slack.addUserMessage({ channel: DM, user: USER, text: 'plain thread reply', thread_ts: root });
  await postEvent(`${t.url}/slack/events`, SIGNING_SECRET, eventBody({ type: 'message', channel_type: 'im', channel: DM, user: USER, text: 'plain thread reply', ts, thread_ts: root }));
  await t.slack.waitFor('chat.update', (c) => c.body.channel === DM && threadMessage(root, String(c.body.ts)) && (c.body.blocks as Array<{ type: string }>).at(-1)?.type === 'context');
  assert.equal(callsIn('assistant.threads.setStatus', root).length, 0);
  assert.equal(callsIn('assistant.threads.setTitle', root).length, 0);
});

test('a thread title is the question on one line, cut between characters with an ellipsis', () => {
  assert.equal(threadTitle('  what did\nwe spend?  '), 'what did we spend?');
  const long = `${'a'.repeat(58)}👍🏽 and more`;
  const title = threadTitle(long);
  assert.ok(title.length <= 60);
  assert.equal(title, `${'a'.repeat(58)}…`, 'the emoji with its skin tone is not split');
  assert.doesNotMatch(title, /[\uD800-\uDFFF]/);
});
