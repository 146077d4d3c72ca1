// Group DMs (mpim: several people and the bot) end to end: the real Bolt app over HTTP with signed
// requests, the fake Slack Web API, and the provider simulator. A group DM is a shared surface, so
// the bot answers there as in a channel (a mention, then replies in its thread), not every message
// as in a one-to-one DM (docs/ARCHITECTURE.md §3.6).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, SIGNING_SECRET, type TestApp } from '../support/app.js';
import { eventBody, postEvent } from '../support/slack-request.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, SIM_KEYS } from '../support/sim-config.js';

let sim: Simulator;
let t: TestApp;

before(async () => {
  sim = await startSim();
  t = await startTestApp({ config: simConfig(sim), env: SIM_KEYS });
});
after(async () => {
  await t.close();
  await sim.close();
});

type Turn = { role: string; content: string };
const completions = (from: number) => sim.requests.slice(from).filter((r) => r.path.endsWith('/chat/completions'));
const botMessages = (channel: string) => t.slack.messages.filter((m) => m.channel === channel && m.bot_id);
const events = async (body: string) => assert.equal((await postEvent(`${t.url}/slack/events`, SIGNING_SECRET, body)).status, 200);
/** A group DM message event, as Slack sends it for the `message.mpim` subscription. */
const mpimMessage = (fields: { user: string; text: string; ts: string; channel: string; thread_ts?: string }) => eventBody({ type: 'message', channel_type: 'mpim', ...fields });

test('a mention in a group DM is answered once in a thread under it, though Slack sends it both as app_mention and as message.mpim', async () => {
  const channel = 'C0GROUPDM1';
  const before = sim.requests.length;
  const text = '<@U0BOT> what is a fallback route?';
  const root = t.slack.addUserMessage({ channel, user: 'U0ALICE', text });
  await events(mpimMessage({ user: 'U0ALICE', text, ts: root, channel }));
  await events(eventBody({ type: 'app_mention', user: 'U0ALICE', text, ts: root, channel, team: 'T0TEST' }));
  await t.slack.waitFor('chat.stopStream', (c) => c.body.channel === channel);
  // Everything both events started has finished: one answer, or a second one would be here too.
  await t.app.slack!.drain();

  assert.equal(completions(before).length, 1, 'one provider call');
  const answers = botMessages(channel);
  assert.equal(answers.length, 1, 'one answer');
  assert.equal(answers[0]!.thread_ts, root, 'in the thread of the mention');
  assert.match(answers[0]!.text, /Simulated deepseek answer to: what is a fallback route\?/);
});

test('a reply in a group DM thread the bot answered continues the conversation, with the thread as history', async () => {
  const channel = 'C0GROUPDM2';
  const text = '<@U0BOT> what is a route?';
  const root = t.slack.addUserMessage({ channel, user: 'U0ALICE', text });
  await events(eventBody({ type: 'app_mention', user: 'U0ALICE', text, ts: root, channel, team: 'T0TEST' }));
  await t.slack.waitFor('chat.stopStream', (c) => c.body.channel === channel);
  await t.app.slack!.drain();
  const first = botMessages(channel)[0]!;

  // Another person in the group DM replies in the thread, without mentioning the bot.
  const before = sim.requests.length;
  const reply = t.slack.addUserMessage({ channel, user: 'U0BOB', text: 'and when is one used?', thread_ts: root });
  await events(mpimMessage({ user: 'U0BOB', text: 'and when is one used?', ts: reply, channel, thread_ts: root }));
  await t.app.slack!.drain();

  const answers = botMessages(channel);
  assert.equal(answers.length, 2, 'the reply is answered');
  const second = answers.find((m) => m.ts !== first.ts)!;
  assert.equal(second.thread_ts, root, 'in the same thread');
  assert.match(second.text, /Simulated deepseek answer to: and when is one used\?/);
  const sent = completions(before);
  assert.equal(sent.length, 1);
  const turns = (sent[0]!.body as { messages: Turn[] }).messages.filter((m) => m.role !== 'system');
  assert.deepEqual(turns, [
    { role: 'user', content: 'what is a route?' },
    { role: 'assistant', content: first.text },
    { role: 'user', content: 'and when is one used?' },
  ]);
});

test('group DM talk not addressed to the bot is left alone: no answer, no provider call', async () => {
  const channel = 'C0GROUPDM3';
  const before = sim.requests.length;
  const root = t.slack.addUserMessage({ channel, user: 'U0ALICE', text: 'lunch at noon?' });
  await events(mpimMessage({ user: 'U0ALICE', text: 'lunch at noon?', ts: root, channel }));
  // A reply in a thread the bot never answered is talk among people too.
  const reply = t.slack.addUserMessage({ channel, user: 'U0BOB', text: 'sure', thread_ts: root });
  await events(mpimMessage({ user: 'U0BOB', text: 'sure', ts: reply, channel, thread_ts: root }));
  await t.app.slack!.drain();

  assert.equal(completions(before).length, 0);
  assert.equal(botMessages(channel).length, 0);
});
