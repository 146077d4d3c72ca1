// /ask end to end: the real Bolt app over HTTP, the fake Slack Web API, and the provider
// simulator behind the real openai SDK.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/open.js';
import { peekDb } from '../support/db.js';
import { ask as askEngine } from '../../src/features/ask/engine.js';
import { startTestApp, SIGNING_SECRET, type TestApp } from '../support/app.js';
import { postSigned, slashCommandBody, eventBody, postEvent } from '../support/slack-request.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, SIM_KEYS } from '../support/sim-config.js';
import type { StoredMessage } from '../support/fake-slack.js';

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
beforeEach(() => sim.reset());

/** Sends /ask and resolves with the channel message once its final update (with footer) landed. */
async function slashAsk(text: string, user = 'U0ENG1', channel = 'C0ENG'): Promise<StoredMessage> {
  const before = t.slack.messages.length;
  const res = await postSigned(`${t.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/ask', text, user_id: user, channel_id: channel, response_url: `${t.slack.baseUrl}/respond/${randomUUID()}` }));
  assert.equal(res.status, 200);
  await t.slack.waitFor('chat.update', (c) => {
    const m = t.slack.messages.slice(before).find((x) => x.channel === channel && !x.thread_ts);
    return !!m && c.body.ts === m.ts && isFinal(c.body.blocks);
  });
  return t.slack.messages.slice(before).find((x) => x.channel === channel && !x.thread_ts)!;
}

/** The final rendering ends with the footer context block (or carries an error line). */
function isFinal(blocks: unknown): boolean {
  const list = (blocks as Array<{ type: string; text?: { text: string } }>) ?? [];
  return list.at(-1)?.type === 'context' || list.some((b) => /No answer|budget|not a routeops|Something went wrong/.test(b.text?.text ?? ''));
}

const blockText = (m: StoredMessage) => JSON.stringify(m.blocks);
const ledgerRows = () => t.app.services.ledger.recentRows(1000);

const profiles: Array<{ alias: string; profile: string; provider: string; priced: boolean }> = [
  { alias: 'deepseek-v4-flash', profile: 'deepseek', provider: 'deepseek', priced: true },
  { alias: 'qwen-plus', profile: 'qwen', provider: 'qwen-intl', priced: true },
  { alias: 'kimi-k2.5', profile: 'kimi', provider: 'moonshot', priced: true },
  { alias: 'glm-4.7', profile: 'glm', provider: 'zai', priced: true },
  { alias: 'or-qwen', profile: 'openrouter', provider: 'openrouter', priced: false },
];

for (const p of profiles) {
  test(`/ask --model ${p.alias} streams the ${p.profile} answer into Slack with its footer and meters it`, async () => {
    const question = `what is a route? (${p.profile})`;
    const msg = await slashAsk(`--model ${p.alias} ${question}`);
    const text = blockText(msg);
    assert.match(text, new RegExp(`Simulated ${p.profile} answer to: what is a route\\? \\(${p.profile}\\)`));
    assert.match(text, /<@U0ENG1> asked: what is a route/, 'the question is shown above the answer');
    assert.match(text, new RegExp(`${p.alias} · ${p.provider}/`));
    assert.match(text, /tokens in \d+ \/ cached \d+ \/ out \d+ \/ reasoning \d+/);
    const rows = (await ledgerRows()).filter((r) => r.source === 'ask' && r.route === p.alias && r.provider === p.provider);
    assert.ok(rows.length >= 1, 'one ledger row per upstream call');
    const row = rows[0]!;
    assert.equal(row.status, 'ok');
    assert.equal(row.user, 'U0ENG1');
    assert.equal(row.channel, 'C0ENG');
    assert.ok(row.input_tokens > 0 && row.output_tokens > 0, 'usage recorded');
    if (p.priced) assert.ok(row.cost_nusd !== null && row.cost_nusd > 0, 'priced from the catalog');
    else assert.ok(row.provider_cost_nusd !== null && row.provider_cost_nusd > 0, 'OpenRouter reported its cost');
    assert.doesNotMatch(text, /not priced/);
  });
}

const fallbackCases: Array<{ name: string; faults: Record<string, unknown>; status: string }> = [
  { name: '429', faults: { status: 429, retryAfterSeconds: 1 }, status: 'rate_limited' },
  { name: '503', faults: { status: 503 }, status: 'overloaded' },
  { name: 'a timeout', faults: { hang: true }, status: 'timeout' },
  { name: 'a stream cut mid-way', faults: { cutAfterChunks: 2 }, status: 'connection' },
];
for (const c of fallbackCases) {
  test(`falls back to the next route on ${c.name}, and meters both attempts`, async () => {
    sim.setFaults('qwen', c.faults);
    const msg = await slashAsk(`--model qwen-plus fallback on ${c.name}`);
    const text = blockText(msg);
    assert.match(text, /Simulated openrouter answer to: fallback on/);
    assert.match(text, /qwen-plus · openrouter\/qwen\/qwen-plus/);
    assert.match(text, /fallback after qwen-intl\/qwen-plus/);
    const rows = (await ledgerRows()).filter((r) => r.route === 'qwen-plus' && r.source === 'ask');
    const failed = rows.find((r) => r.provider === 'qwen-intl' && r.status === c.status);
    assert.ok(failed, `a ledger row for the failed attempt (${c.status})`);
    assert.ok(rows.some((r) => r.provider === 'openrouter' && r.status === 'ok'));
  });
}

test('a retry made by the client is an upstream call too: it gets its own ledger row', async () => {
  sim.setFaults('deepseek', { status: 429, retryAfterSeconds: 0, times: 1 });
  const before = sim.requests.length;
  const msg = await slashAsk('--model retrying retry me once');
  assert.match(blockText(msg), /Simulated deepseek answer to: retry me once/);
  assert.equal(sim.requests.slice(before).filter((r) => r.profile === 'deepseek').length, 2);
  const rows = (await ledgerRows()).filter((r) => r.route === 'retrying');
  assert.deepEqual(rows.map((r) => r.status).sort(), ['ok', 'retried']);
});

test('falls back when a route has no API key, without calling it', async () => {
  const before = sim.requests.length;
  const msg = await slashAsk('--model qwen-nokey hello without a key');
  assert.match(blockText(msg), /Simulated openrouter answer to: hello without a key/);
  assert.match(blockText(msg), /qwen-nokey\/qwen-plus has no API key: ROUTEOPS_TEST_UNSET_KEY is not set/);
  assert.equal(sim.requests.slice(before).filter((r) => r.profile === 'qwen').length, 0);
  assert.ok((await ledgerRows()).some((r) => r.provider === 'qwen-nokey' && r.status === 'missing_key'));
});

test('does not fall back on a bad request caused by the input', async () => {
  sim.setFaults('qwen', { status: 400 });
  const before = sim.requests.length;
  const msg = await slashAsk('--model qwen-plus a request the provider rejects');
  assert.match(blockText(msg), /No answer from qwen-plus: qwen-intl\/qwen-plus rejected the request \(400\)/);
  assert.equal(sim.requests.slice(before).filter((r) => r.profile === 'openrouter').length, 0);
});

test('a retired model is not called: its replacement answers and the footer says so', async () => {
  const before = sim.requests.length;
  const msg = await slashAsk('--model legacy-chat hello old friend');
  assert.match(blockText(msg), /deepseek-chat retired 2026-07-24, answered by deepseek-v4-flash/);
  const models = sim.requests.slice(before).map((r) => (r.body as { model?: string }).model);
  assert.deepEqual(models, ['deepseek-v4-flash']);
});

test('model and user text is escaped: no <!channel>, <@U…> or link markup reaches Slack', async () => {
  const msg = await slashAsk('say <!channel> and <@U0CEO> and <https://evil.example|click>');
  const raw = JSON.stringify({ text: msg.text, blocks: msg.blocks });
  assert.doesNotMatch(raw, /<!channel>/);
  assert.doesNotMatch(raw, /<@U0CEO>/);
  assert.doesNotMatch(raw, /<https:\/\/evil/);
  assert.match(raw, /&lt;!channel&gt;/);
  assert.match(raw, /<@U0ENG1> asked/, 'the bot still writes its own mention of the asker');
});

test('a mention is answered in a thread with the streaming API; a reply in that thread carries the history', async () => {
  const channel = 'C0THREAD';
  const ts = t.slack.addUserMessage({ channel, user: 'U0ENG2', text: '<@U0BOT> what is a fallback?' });
  const res = await postEvent(`${t.url}/slack/events`, SIGNING_SECRET, eventBody({ type: 'app_mention', user: 'U0ENG2', text: '<@U0BOT> what is a fallback?', ts, channel, team: 'T0TEST' }));
  assert.equal(res.status, 200);
  await t.slack.waitFor('chat.stopStream', (c) => c.body.channel === channel);
  const first = t.slack.messages.find((m) => m.channel === channel && m.thread_ts === ts && m.bot_id)!;
  assert.match(first.text, /Simulated deepseek answer to: what is a fallback\?/);
  const start = await t.slack.waitFor('chat.startStream', (c) => c.body.channel === channel);
  assert.equal(start.body.recipient_user_id, 'U0ENG2');
  assert.equal(start.body.recipient_team_id, 'T0TEST');

  const before = sim.requests.length;
  const replyTs = t.slack.addUserMessage({ channel, user: 'U0ENG2', text: 'and when does it happen?', thread_ts: ts });
  await postEvent(`${t.url}/slack/events`, SIGNING_SECRET, eventBody({ type: 'message', channel_type: 'channel', user: 'U0ENG2', text: 'and when does it happen?', ts: replyTs, thread_ts: ts, channel }));
  await t.slack.waitFor('chat.stopStream', (c) => c.body.channel === channel && t.slack.messages.filter((m) => m.channel === channel && m.bot_id).length === 2);
  const sent = sim.requests.slice(before).find((r) => r.path.endsWith('/chat/completions'))!;
  const messages = (sent.body as { messages: Array<{ role: string; content: string }> }).messages;
  assert.deepEqual(
    messages.filter((m) => m.role !== 'system').map((m) => [m.role, m.content.slice(0, 40)]),
    [
      ['user', 'what is a fallback?'],
      ['assistant', first.text.slice(0, 40)],
      ['user', 'and when does it happen?'],
    ],
  );
});

test('a duplicate event delivery (Slack retry) is answered once', async () => {
  const channel = 'C0DUP';
  const ts = t.slack.addUserMessage({ channel, user: 'U0ENG2', text: '<@U0BOT> once please' });
  const body = eventBody({ type: 'app_mention', user: 'U0ENG2', text: '<@U0BOT> once please', ts, channel, team: 'T0TEST' }, 'Ev0DUPLICATE');
  assert.equal((await postEvent(`${t.url}/slack/events`, SIGNING_SECRET, body)).status, 200);
  assert.equal((await postEvent(`${t.url}/slack/events`, SIGNING_SECRET, body, 1)).status, 200);
  await t.slack.waitFor('chat.stopStream', (c) => c.body.channel === channel);
  await t.app.slack!.drain();
  assert.equal(t.slack.calls.filter((c) => c.method === 'chat.startStream' && c.body.channel === channel).length, 1);
  assert.equal((await ledgerRows()).filter((r) => r.channel === channel).length, 1);
});

test('two deliveries of one event arriving at once are answered once, and the id is kept in SQLite', async () => {
  const channel = 'C0DUP2';
  const ts = t.slack.addUserMessage({ channel, user: 'U0ENG2', text: '<@U0BOT> just once' });
  const body = eventBody({ type: 'app_mention', user: 'U0ENG2', text: '<@U0BOT> just once', ts, channel, team: 'T0TEST' }, 'Ev0CONCURRENT');
  const statuses = await Promise.all([postEvent(`${t.url}/slack/events`, SIGNING_SECRET, body), postEvent(`${t.url}/slack/events`, SIGNING_SECRET, body, 1)]);
  assert.deepEqual(statuses.map((r) => r.status), [200, 200]);
  await t.slack.waitFor('chat.stopStream', (c) => c.body.channel === channel);
  await t.app.slack!.drain();
  assert.equal(t.slack.calls.filter((c) => c.method === 'chat.startStream' && c.body.channel === channel).length, 1);
  // The id is in SQLite: a late retry meets it whatever the process remembers.
  assert.equal(peekDb(join(t.dir, 'routeops.db'), (db) => db.prepare('SELECT COUNT(*) FROM slack_events WHERE event_id = ?').pluck().get('Ev0CONCURRENT')), 1);
});

test('/ask --model with an alias that does not exist is told to the asker alone, with the known aliases', async () => {
  const posted = t.slack.messages.length;
  const calls = sim.requests.length;
  const respondPath = `/respond/${randomUUID()}`;
  await postSigned(`${t.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/ask', text: '--model gpt-9 hello', user_id: 'U0ENG1', channel_id: 'C0ENG', response_url: `${t.slack.baseUrl}${respondPath}` }));
  const reply = await t.slack.waitFor('response_url', (c) => c.path === respondPath);
  assert.equal(reply.body.response_type, 'ephemeral');
  assert.match(String(reply.body.text), /unknown model alias "gpt-9"; known: deepseek-flash, .*qwen-plus/);
  assert.equal(t.slack.messages.length, posted, 'nothing posted in the channel');
  assert.equal(sim.requests.length, calls, 'no provider called');
});

test('a DM is answered in the DM', async () => {
  const channel = 'D0DM';
  const ts = t.slack.addUserMessage({ channel, user: 'U0ENG3', text: 'hello from a DM' });
  await postEvent(`${t.url}/slack/events`, SIGNING_SECRET, eventBody({ type: 'message', channel_type: 'im', user: 'U0ENG3', text: 'hello from a DM', ts, channel }));
  await t.slack.waitFor('chat.update', (c) => c.body.channel === channel && isFinal(c.body.blocks));
  const answer = t.slack.messages.find((m) => m.channel === channel && m.bot_id)!;
  assert.match(answer.text, /Simulated deepseek answer to: hello from a DM/);
});

test('ops questions are answered from real ledger data through tool calls', async () => {
  // A row of its own, so the figure is this test's (not what earlier tests happened to meter).
  await t.app.services.ledger.record([{ ts: '2026-11-22T08:00:00Z', provider: 'ops-test-provider', model: 'm', input_tokens: 1, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, request_id: 'ops-test-1', cost_usd: 1.25 }], 'import');
  // No script: the simulator's tool rule (tools/sim/tool-rule.ts) calls get_spend for the question.
  const msg = await slashAsk('what did we spend this week?');
  const text = blockText(msg);
  // The simulator answers with the tool result it was given: our ledger's numbers.
  assert.match(text, /Based on the data from get_spend:/);
  assert.match(text, /group_by: provider/);
  assert.match(text, /key: ops-test-provider; total_usd: 1\.25;/);
  const toolRound = sim.requests.filter((r) => r.profile === 'deepseek').at(-1)!;
  const roles = (toolRound.body as { messages: Array<{ role: string }> }).messages.map((m) => m.role);
  assert.deepEqual(roles.slice(-2), ['assistant', 'tool']);
});

test('the per-user daily budget refuses politely once spent', async () => {
  const t2 = await startTestApp({ config: simConfig(sim, { budgets: { per_user_daily: 0.000001 } }), env: SIM_KEYS });
  try {
    const before = t2.slack.messages.length;
    await postSigned(`${t2.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/ask', text: 'first question', user_id: 'U0SPENDY', channel_id: 'C0ENG', response_url: `${t2.slack.baseUrl}/respond/${randomUUID()}` }));
    await t2.slack.waitFor('chat.update', (c) => t2.slack.messages.slice(before).some((m) => m.ts === c.body.ts) && isFinal(c.body.blocks));
    assert.match(JSON.stringify(t2.slack.messages.slice(before)[0]!.blocks), /Simulated deepseek answer/);
    // Spent: the refusal goes to the asker alone (response_url, ephemeral); nothing is posted in the channel.
    const posted = t2.slack.messages.length;
    const respondPath = `/respond/${randomUUID()}`;
    await postSigned(`${t2.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/ask', text: 'second question', user_id: 'U0SPENDY', channel_id: 'C0ENG', response_url: `${t2.slack.baseUrl}${respondPath}` }));
    const refusal = await t2.slack.waitFor('response_url', (c) => c.path === respondPath);
    assert.equal(refusal.body.response_type, 'ephemeral');
    assert.match(String(refusal.body.text), /You have used your daily \/ask budget/);
    assert.equal(t2.slack.messages.length, posted);
    assert.equal(sim.requests.filter((r) => JSON.stringify(r.body).includes('second question')).length, 0);
    // Two questions at once from a user with budget left (both start in the same turn of the event
    // loop, before either is metered): they take turns, so the second is checked against what the
    // first cost and refused.
    const services = t2.app.services;
    const both = await Promise.all(['third question', 'fourth question'].map((question) => askEngine(services, { question, user: 'U0THRIFTY', channel: 'C0ENG' })));
    assert.deepEqual(both.map((o) => o.ok), [true, false]);
    assert.match(both[1]!.text, /You have used your daily \/ask budget/);
    assert.equal(services.userTurns.users, 0);
    // While a long import elsewhere holds the database, the rows of a user's answer wait in
    // memory (meter.ts): the budget still counts them.
    const importer = openDatabase(join(t2.dir, 'routeops.db'));
    try {
      importer.prepare('BEGIN IMMEDIATE').run();
      const first = await askEngine(services, { question: 'during the import', user: 'U0PATIENT', channel: 'C0ENG' });
      assert.equal(first.ok, true);
      assert.ok(services.usage.pending > 0, 'the rows wait for the database');
      const second = await askEngine(services, { question: 'again during the import', user: 'U0PATIENT', channel: 'C0ENG' });
      assert.equal(second.ok, false);
      assert.match(second.text, /You have used your daily \/ask budget/);
      importer.prepare('COMMIT').run();
      assert.equal(await services.usage.flush(), true);
    } finally {
      importer.close();
    }
  } finally {
    await t2.close();
  }
});

test('/ask with an option it does not take, or --help, gets the usage to the asker alone: nothing is sent to a model', async () => {
  const posted = t.slack.messages.length;
  const calls = sim.requests.length;
  for (const [text, expected] of [
    ['--bogus hello', /^unknown option "--bogus"; \/ask takes --model ALIAS, --ops\.\nUsage: \/ask \[--model ALIAS\] \[--ops\] QUESTION\n/],
    ['--model= hello', /^--model needs an alias, like --model qwen-plus\.\nUsage: \/ask /],
    ['--help', /^Answer with a routed model, metered in the ledger\.\nUsage: \/ask \[--model ALIAS\] \[--ops\] QUESTION\n--model picks a model alias \(see \/models\)/],
  ] as const) {
    const respondPath = `/respond/${randomUUID()}`;
    await postSigned(`${t.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/ask', text, user_id: 'U0ENG1', channel_id: 'C0ENG', response_url: `${t.slack.baseUrl}${respondPath}` }));
    const reply = await t.slack.waitFor('response_url', (c) => c.path === respondPath);
    assert.equal(reply.body.response_type, 'ephemeral');
    assert.match(String(reply.body.text), expected);
  }
  assert.equal(t.slack.messages.length, posted, 'nothing posted in the channel');
  assert.equal(sim.requests.length, calls, 'no provider called');
});

test('a question with dashes after its first word is a question: only leading words are options', async () => {
  for (const question of ['what does -- mean', 'explain the --ops flag']) {
    const msg = await slashAsk(question);
    assert.match(blockText(msg), new RegExp(`answer to: ${question}`));
  }
});
