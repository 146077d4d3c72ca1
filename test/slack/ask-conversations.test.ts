// /ask conversations end to end: the real Bolt app over HTTP with signed requests, a real SQLite
// file, the fake Slack Web API, and the provider simulator behind the real openai SDK.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/open.js';
import { peekDb } from '../support/db.js';
import { startTestApp, SIGNING_SECRET, type TestApp } from '../support/app.js';
import { postSigned, slashCommandBody, eventBody, postEvent } from '../support/slack-request.js';
import { startSim, type Simulator } from '../support/sim.js';
import type { RecordedRequest } from '../../tools/sim/server.js';
import { simConfig, SIM_KEYS } from '../support/sim-config.js';
import type { RecordedCall, StoredMessage } from '../support/fake-slack.js';

let sim: Simulator;
let t: TestApp;

before(async () => {
  sim = await startSim();
  t = await startTestApp({ config: simConfig(sim, { budgets: { per_user_daily: 5 } }), env: SIM_KEYS });
});
after(async () => {
  await t.close();
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  t.slack.failMethod('chat.startStream', null);
});

type Turn = { role: string; content: string };
const turnsOf = (r: RecordedRequest) => (r.body as { messages: Turn[] }).messages;
const completions = (from: number) => sim.requests.slice(from).filter((r) => r.path.endsWith('/chat/completions'));
const botMessages = (channel: string) => t.slack.messages.filter((m) => m.channel === channel && m.bot_id);
const events = (body: string) => postEvent(`${t.url}/slack/events`, SIGNING_SECRET, body);

/** The final rendering ends with the footer context block. */
function hasFooter(blocks: unknown): boolean {
  const list = (blocks as Array<{ type: string; elements?: Array<{ text?: string }> }>) ?? [];
  const last = list.at(-1);
  return last?.type === 'context' && /deepseek-v4-flash · deepseek\//.test(last.elements?.[0]?.text ?? '');
}

/** Mentions the bot in a new channel message; resolves once its streamed answer is stopped. */
async function mention(channel: string, text: string, user = 'U0CONV'): Promise<{ root: string; answer: StoredMessage }> {
  const root = t.slack.addUserMessage({ channel, user, text: `<@U0BOT> ${text}` });
  const res = await events(eventBody({ type: 'app_mention', user, text: `<@U0BOT> ${text}`, ts: root, channel, team: 'T0TEST' }));
  assert.equal(res.status, 200);
  await t.slack.waitFor('chat.stopStream', (c) => c.body.channel === channel);
  return { root, answer: botMessages(channel).find((m) => m.thread_ts === root)! };
}

/** Adds a user's reply in a thread and sends its message event; returns its ts. */
async function threadReply(channel: string, threadTs: string, text: string, opts: { subtype?: string; user?: string } = {}): Promise<string> {
  const user = opts.user ?? 'U0CONV';
  const ts = t.slack.addUserMessage({ channel, user, text, thread_ts: threadTs });
  const res = await events(eventBody({ type: 'message', ...(opts.subtype ? { subtype: opts.subtype } : {}), channel_type: 'channel', user, text, ts, thread_ts: threadTs, channel }));
  assert.equal(res.status, 200);
  return ts;
}

test('a mention is answered while another process holds the database write lock', async () => {
  const importer = openDatabase(join(t.dir, 'routeops.db'));
  let locked = false;
  try {
    importer.prepare('BEGIN IMMEDIATE').run();
    locked = true;
    const channel = 'C0LOCKED';
    const { answer } = await mention(channel, 'are you there during the import?');
    const stop = await t.slack.waitFor('chat.stopStream', (c) => c.body.channel === channel);
    assert.match(answer.text, /Simulated deepseek answer to: are you there during the import\?/);
    assert.ok(hasFooter(stop.body.blocks), 'the streamed answer ends with its footer');
    assert.ok(hasFooter(answer.blocks));
    assert.ok(
      t.slack.calls.every((c) => !JSON.stringify(c.body).includes('Something went wrong')),
      'the answer was not replaced by an error line',
    );
    // Writes that wait for the lock: the usage row (meter) at least.
    assert.ok(t.app.services.usage.pending > 0, 'the usage row waits in memory for the lock');
  } finally {
    if (locked) importer.prepare('COMMIT').run();
    importer.close();
  }
  assert.equal(await t.app.services.usage.flush(), true, 'written once the lock is released');
  // The Slack bookkeeping that waited is written too (drain flushes the store).
  await t.app.slack!.drain();
  assert.equal(peekDb(join(t.dir, 'routeops.db'), (db) => db.prepare("SELECT count(*) FROM ask_threads WHERE channel = 'C0LOCKED'").pluck().get()), 1, 'the answered thread is remembered');
});

/** Sends a DM (optionally in a thread) and resolves with the bot message answering it, once final. */
async function dm(channel: string, text: string, threadTs?: string): Promise<{ ts: string; answer: StoredMessage; request: RecordedRequest }> {
  const before = sim.requests.length;
  const known = new Set(botMessages(channel).map((m) => m.ts));
  const ts = t.slack.addUserMessage({ channel, user: 'U0DMUSER', text, ...(threadTs ? { thread_ts: threadTs } : {}) });
  await events(eventBody({ type: 'message', channel_type: 'im', user: 'U0DMUSER', text, ts, channel, ...(threadTs ? { thread_ts: threadTs } : {}) }));
  const final = await t.slack.waitFor('chat.update', (c) => c.body.channel === channel && !known.has(String(c.body.ts)) && hasFooter(c.body.blocks));
  const sent = completions(before);
  assert.equal(sent.length, 1);
  return { ts, answer: botMessages(channel).find((m) => m.ts === final.body.ts)!, request: sent[0]! };
}

test('DM follow-ups in a thread under an answer: history has neither the placeholder nor the question twice', async () => {
  const channel = 'D0DMTHREAD';
  const first = await dm(channel, 'what is a route?');
  assert.equal(first.answer.thread_ts, undefined, 'the first answer is in the DM itself');
  assert.match(first.answer.text, /Simulated deepseek answer to: what is a route\?/);

  const second = await dm(channel, 'and what is a fallback?', first.answer.ts);
  assert.equal(second.answer.thread_ts, first.answer.ts, 'answered in the thread');
  // The placeholder of this answer was in the thread when the history was read.
  const third = await dm(channel, 'and when does it happen?', first.answer.ts);
  assert.equal(third.answer.thread_ts, first.answer.ts);

  for (const { request, q } of [{ request: second.request, q: 'and what is a fallback?' }, { request: third.request, q: 'and when does it happen?' }]) {
    const turns = turnsOf(request).filter((m) => m.role !== 'system');
    assert.ok(turns.every((m) => !m.content.includes('Thinking…')), 'the placeholder is not history');
    assert.equal(turns.filter((m) => m.content === q).length, 1, 'the question once');
    assert.deepEqual(turns.at(-1), { role: 'user', content: q });
  }
  // The second follow-up sees the whole thread so far: the root answer with its question (from the
  // answer's metadata), the first follow-up and its answer; placeholders left out.
  assert.deepEqual(
    turnsOf(third.request).filter((m) => m.role !== 'system'),
    [
      { role: 'user', content: 'what is a route?' },
      { role: 'assistant', content: first.answer.text },
      { role: 'user', content: 'and what is a fallback?' },
      { role: 'assistant', content: second.answer.text },
      { role: 'user', content: 'and when does it happen?' },
    ],
  );
});

test('a DM reply in a thread under an answer carries that answer as history', async () => {
  const channel = 'D0DMCONTEXT';
  const first = await dm(channel, 'what is a route?');
  const followUp = await dm(channel, 'say more about that', first.answer.ts);
  const turns = turnsOf(followUp.request).filter((m) => m.role !== 'system');
  // The thread's root is the earlier answer: without it the follow-up has no context at all.
  assert.ok(
    turns.some((m) => m.role === 'assistant' && m.content === first.answer.text),
    `the answer the user replied under is in the history (sent: ${JSON.stringify(turns)})`,
  );
});

test('a thread longer than one conversations.replies page: the history reaches its newest messages', async () => {
  const channel = 'C0LONGTHREAD';
  const { root } = await mention(channel, 'start a long thread');
  for (let i = 0; i < 250; i++) t.slack.addUserMessage({ channel, user: i % 2 ? 'U0CHAT1' : 'U0CHAT2', text: `chatter number ${i}`, thread_ts: root });
  const before = sim.requests.length;
  const callsBefore = t.slack.calls.length;
  await threadReply(channel, root, 'what did the last person say?');
  await t.slack.waitFor('chat.stopStream', (c) => c.body.channel === channel && botMessages(channel).length === 2);

  const pages = t.slack.calls.slice(callsBefore).filter((c) => c.method === 'conversations.replies' && c.body.channel === channel);
  assert.ok(pages.length >= 2, 'more than one page read');
  assert.ok(pages.some((c) => typeof c.body.cursor === 'string' && c.body.cursor !== ''), 'the next page asked for by cursor');
  const turns = turnsOf(completions(before)[0]!);
  const contents = turns.map((m) => m.content);
  assert.ok(contents.includes('chatter number 249'), 'the newest added message is in the history');
  assert.ok(contents.includes('chatter number 200'), 'so is the first message of the second page');
  assert.equal(turns.at(-1)!.content, 'what did the last person say?');
  assert.equal(contents.filter((c) => c === 'what did the last person say?').length, 1);
});

test('/ask text arrives HTML-escaped: the model gets it plain, the heading shows it escaped once', async () => {
  const channel = 'C0ESCAPED';
  const before = sim.requests.length;
  const postsBefore = t.slack.messages.length;
  const res = await postSigned(
    `${t.url}/slack/events`,
    SIGNING_SECRET,
    slashCommandBody({ command: '/ask', text: 'is 1 &lt; 2 &amp;&amp; 3 &gt; 2', user_id: 'U0MATH', channel_id: channel, response_url: `${t.slack.baseUrl}/respond/${randomUUID()}` }),
  );
  assert.equal(res.status, 200);
  const final = await t.slack.waitFor('chat.update', (c) => c.body.channel === channel && hasFooter(c.body.blocks));
  const turns = turnsOf(completions(before)[0]!);
  assert.equal(turns.at(-1)!.role, 'user');
  assert.equal(turns.at(-1)!.content, 'is 1 < 2 && 3 > 2');

  const posted = t.slack.messages.slice(postsBefore).find((m) => m.channel === channel)!;
  assert.equal(posted.ts, final.body.ts);
  const heading = (posted.blocks as Array<{ type: string; elements?: Array<{ text: string }> }>)[0]!;
  assert.equal(heading.type, 'context');
  assert.equal(heading.elements![0]!.text, '<@U0MATH> asked: is 1 &lt; 2 &amp;&amp; 3 &gt; 2');
  assert.doesNotMatch(JSON.stringify(posted.blocks), /&amp;lt;|&amp;gt;|&amp;amp;/, 'nothing escaped twice');
  assert.deepEqual(posted.metadata, { event_type: 'routeops_ask', event_payload: { question: 'is 1 < 2 && 3 > 2' } });
  assert.match(JSON.stringify(posted.blocks), /Simulated deepseek answer to: is 1 &lt; 2 &amp;&amp; 3 &gt; 2/);
});

test('a thread reply also sent to the channel (thread_broadcast) in a thread the bot answered is answered', async () => {
  const channel = 'C0BROADCAST';
  const { root, answer } = await mention(channel, 'what is a ledger?');
  const before = sim.requests.length;
  await threadReply(channel, root, 'and who reads it?', { subtype: 'thread_broadcast' });
  // Everything the event started has finished: answered by now, or ignored.
  await t.app.slack!.drain();
  assert.equal(botMessages(channel).length, 2, 'a second answer in the channel');
  const second = botMessages(channel).find((m) => m.ts !== answer.ts)!;
  assert.equal(second.thread_ts, root);
  assert.match(second.text, /Simulated deepseek answer to: and who reads it\?/);
  assert.ok(hasFooter(second.blocks));
  const turns = turnsOf(completions(before)[0]!).filter((m) => m.role !== 'system');
  assert.deepEqual(turns.map((m) => m.role), ['user', 'assistant', 'user'], 'the thread so far is the history');
});

test('a thread_broadcast in a thread the bot never answered is left alone', async () => {
  const channel = 'C0BROADCAST2';
  const root = t.slack.addUserMessage({ channel, user: 'U0CONV', text: 'a thread among people' });
  const before = sim.requests.length;
  await threadReply(channel, root, 'a reply for everyone', { subtype: 'thread_broadcast' });
  await t.app.slack!.drain();
  assert.equal(completions(before).length, 0);
  assert.equal(botMessages(channel).length, 0);
});

test('streaming refused by Slack: the mention is answered by a posted and updated thread reply, with its footer', async () => {
  t.slack.failMethod('chat.startStream', 'not_allowed');
  const channel = 'C0NOSTREAM';
  const root = t.slack.addUserMessage({ channel, user: 'U0CONV', text: '<@U0BOT> no streaming here' });
  await events(eventBody({ type: 'app_mention', user: 'U0CONV', text: '<@U0BOT> no streaming here', ts: root, channel, team: 'T0TEST' }));
  const final: RecordedCall = await t.slack.waitFor('chat.update', (c) => c.body.channel === channel && hasFooter(c.body.blocks));
  t.slack.failMethod('chat.startStream', null);

  assert.ok(t.slack.calls.some((c) => c.method === 'chat.startStream' && c.body.channel === channel), 'streaming was tried first');
  const posted = botMessages(channel);
  assert.equal(posted.length, 1, 'one answer message');
  assert.equal(posted[0]!.ts, final.body.ts);
  assert.equal(posted[0]!.thread_ts, root, 'in the thread of the mention');
  assert.equal(posted[0]!.streaming, undefined, 'posted, not streamed');
  assert.match(posted[0]!.text, /Simulated deepseek answer to: no streaming here/);
  assert.ok(hasFooter(posted[0]!.blocks));
  assert.ok(t.slack.calls.some((c) => c.method === 'chat.postMessage' && c.body.channel === channel && c.body.thread_ts === root));
});
