// The answer sinks and the Slack store with real parts: a real SQLite file, a real WebClient and
// the chat API over HTTP against the fake Slack Web API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webApi, type types } from '@slack/bolt';
import pino from 'pino';
import { openDatabase } from '../../src/store/open.js';
import { createSlackStore } from '../../src/store/slack-threads.js';
import { answerMessages, CONTINUATION_EVENT, PLACEHOLDER_TEXT } from '../../src/adapters/slack/answer.js';
import { startStreamingReply } from '../../src/adapters/slack/answer-streaming.js';
import { startUpdatingMessage } from '../../src/adapters/slack/answer-updating.js';
import { createChatApi } from '../../src/adapters/slack/chat-api.js';
import { createMarkdownEscaper, escapeMarkdown } from '../../src/adapters/slack/markdown-escape.js';
import { fetchThreadHistory, threadToHistory } from '../../src/adapters/slack/conversation.js';
import { createNodeFetch } from '../../src/upstream/http/node-fetch.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { tempDb } from '../support/store.js';
import type { CleanupOwner } from '../support/temp.js';

const log = pino({ level: 'silent' });
const NOW = '2026-11-23T12:00:00.000Z';

test('slack store: while another connection holds the write lock, claims and threads are answered from memory, then written', async (t) => {
  const { db, path } = tempDb(t);
  const importer = openDatabase(path);
  importer.prepare('BEGIN IMMEDIATE').run();
  let committed = false;
  t.after(() => {
    if (!committed) importer.prepare('ROLLBACK').run();
    importer.close();
  });

  // A store waiting the connection's normal 5 s on the lock would still claim; the 1 ms wait
  // and the queue are what keep this call (synchronous inside) from stalling (nothing is timed here).
  const store = createSlackStore(db, log, { busyWaitMs: 1 });
  assert.equal(await store.claimEvent('Ev0LOCKED1', NOW), true, 'a new event is claimed while the database is locked');
  assert.equal(await store.claimEvent('Ev0LOCKED1', NOW), false, "Slack's retry of it is refused from memory");
  assert.equal(await store.claimEvent('Ev0LOCKED2', NOW), true, 'another new event is still claimed');
  assert.equal(await store.isBotThread('C0LOCK', '1700000000.000100'), false);
  store.rememberThread('C0LOCK', '1700000000.000100', NOW);
  assert.equal(await store.isBotThread('C0LOCK', '1700000000.000100'), true, 'a thread remembered while locked counts at once');
  assert.equal(await store.isBotThread('C0LOCK', '1700000000.000200'), false);

  // Nothing went in yet: the importer still holds the lock.
  const events = () => (db.prepare('SELECT event_id FROM slack_events ORDER BY event_id').pluck().all() as string[]);
  assert.deepEqual(events(), []);

  importer.prepare('COMMIT').run();
  committed = true;
  store.close();
  assert.deepEqual(events(), ['Ev0LOCKED1', 'Ev0LOCKED2']);
  assert.deepEqual(db.prepare('SELECT channel, thread_ts, created_at FROM ask_threads').all(), [{ channel: 'C0LOCK', thread_ts: '1700000000.000100', created_at: NOW }]);
});

test('slack store: a claimed event and a remembered thread survive a restart', async (t) => {
  const { db, path } = tempDb(t);
  const first = createSlackStore(db, log, { busyWaitMs: 1 });
  assert.equal(await first.claimEvent('Ev0DURABLE', NOW), true);
  first.rememberThread('C0DUR', '1700000001.000100', NOW);
  first.close();
  db.close();

  const reopened = openDatabase(path);
  t.after(() => reopened.close());
  const second = createSlackStore(reopened, log, { busyWaitMs: 1 });
  assert.equal(await second.claimEvent('Ev0DURABLE', NOW), false, 'an event handled before the restart is a retry');
  assert.equal(await second.claimEvent('Ev0FRESH', NOW), true);
  assert.equal(await second.isBotThread('C0DUR', '1700000001.000100'), true);
  second.close();
});

interface Clients {
  fake: FakeSlack;
  client: webApi.WebClient;
  chat: ReturnType<typeof createChatApi>;
}

async function clients(t: CleanupOwner): Promise<Clients> {
  const fake = await startFakeSlack(t);
  const fetch = createNodeFetch();
  return {
    fake,
    client: new webApi.WebClient('xoxb-test-token', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } }),
    chat: createChatApi({ token: 'xoxb-test-token', apiUrl: fake.apiUrl, fetch }),
  };
}

/** The fake's streamed message in `channel` (one per test). */
function streamed(fake: FakeSlack, channel: string) {
  const m = fake.messages.filter((x) => x.channel === channel && x.bot_id);
  assert.equal(m.length, 1, 'one streamed message');
  return m[0]!;
}

test('streaming: text with trailing whitespace is not sent again by the final answer', async (t) => {
  const { fake, client, chat } = await clients(t);
  const sink = startStreamingReply(client, chat, { channel: 'C0WS1', threadTs: '1700000000.000001', teamId: 'T0TEST', userId: 'U0ASKER' }, log);
  sink.progress.update('Hello');
  sink.progress.update('Hello world.\n');
  await sink.finish({ kind: 'result', title: '', body: 'Hello world.', footer: 'f' });
  const m = streamed(fake, 'C0WS1');
  assert.equal(m.text, 'Hello world.\n');
  assert.equal(m.streaming, false, 'the stream was stopped');
  assert.deepEqual(m.blocks, [{ type: 'context', elements: [{ type: 'mrkdwn', text: 'f' }] }]);
});

test('streaming: text with leading whitespace is not sent again by the (trimmed) final answer', async (t) => {
  const { fake, client, chat } = await clients(t);
  const sink = startStreamingReply(client, chat, { channel: 'C0WS2', threadTs: '1700000000.000002', teamId: 'T0TEST', userId: 'U0ASKER' }, log);
  sink.progress.update('\n\nHello');
  sink.progress.update('\n\nHello there');
  await sink.finish({ kind: 'result', title: '', body: 'Hello there', footer: 'f' });
  assert.equal(streamed(fake, 'C0WS2').text, '\n\nHello there');

  // The final text longer than what was streamed: only the rest is sent.
  const sink2 = startStreamingReply(client, chat, { channel: 'C0WS3', threadTs: '1700000000.000003', teamId: 'T0TEST', userId: 'U0ASKER' }, log);
  sink2.progress.update('\n\nHello');
  await sink2.finish({ kind: 'result', title: '', body: 'Hello there', footer: 'f' });
  assert.equal(streamed(fake, 'C0WS3').text, '\n\nHello there');
});

test('streaming: a Markdown link split across two updates reaches Slack inert', async (t) => {
  const { fake, client, chat } = await clients(t);
  // Short text: the streamer buffers it all and sends it at stop.
  const sink = startStreamingReply(client, chat, { channel: 'C0LINK1', threadTs: '1700000000.000004', teamId: 'T0TEST', userId: 'U0ASKER' }, log);
  sink.progress.update('[Reset your SSO]');
  sink.progress.update('[Reset your SSO](https://evil.example)');
  await sink.finish({ kind: 'result', title: '', body: '[Reset your SSO](https://evil.example)', footer: 'f' });
  const short = streamed(fake, 'C0LINK1').text;
  assert.doesNotMatch(short, /\]\(/);
  assert.match(short, /Reset your SSO/);
  assert.match(short, /https:\/\/evil\.example/);

  // Long enough that the first part goes out on its own call (chat.startStream) before the second arrives.
  const prefix = `${'Follow the steps below carefully. '.repeat(10)}`;
  const sink2 = startStreamingReply(client, chat, { channel: 'C0LINK2', threadTs: '1700000000.000005', teamId: 'T0TEST', userId: 'U0ASKER' }, log);
  sink2.progress.update(`${prefix}[Reset your SSO]`);
  await fake.waitFor('chat.startStream', (c) => c.body.channel === 'C0LINK2');
  sink2.progress.update(`${prefix}[Reset your SSO](https://evil.example)`);
  await sink2.finish({ kind: 'result', title: '', body: `${prefix}[Reset your SSO](https://evil.example)`, footer: 'f' });
  const calls = fake.calls.filter((c) => c.body.channel === 'C0LINK2' && /^chat\.(start|append|stop)Stream$/.test(c.method));
  assert.ok(calls.length >= 2, 'the text went out in more than one call');
  const long = streamed(fake, 'C0LINK2').text;
  assert.doesNotMatch(long, /\]\(/);
  assert.ok(long.startsWith(prefix.trimEnd()));
  assert.match(long, /https:\/\/evil\.example/);
});

test('escapeMarkdown makes links inert and leaves code brackets alone', () => {
  assert.doesNotMatch(escapeMarkdown('[a](b)'), /\]\(/);
  assert.equal(escapeMarkdown('[a](b)'), '[a]\\(b)');
  assert.equal(escapeMarkdown('![img](http://x/y.png)'), '![img]\\(http://x/y.png)');
  assert.doesNotMatch(escapeMarkdown('[r]: u'), /\]:/);
  assert.equal(escapeMarkdown('[r]: https://evil.example'), '[r]\\: https://evil.example');
  assert.equal(escapeMarkdown('use a[0] and `xs[i]`'), 'use a[0] and `xs[i]`');
  assert.equal(escapeMarkdown('<!here> & <@U1>'), '&lt;!here&gt; &amp; &lt;@U1&gt;');
  // Inside code spans and fences links are not parsed: no backslash is added that would show.
  assert.equal(escapeMarkdown('call `handlers[name](event)` then [x](y)'), 'call `handlers[name](event)` then [x]\\(y)');
  assert.equal(escapeMarkdown('```py\nif a[0]:\n    f[1](2)\n```\n[x](y)'), '```py\nif a[0]:\n    f[1](2)\n```\n[x]\\(y)');
  assert.equal(escapeMarkdown('``a ` [b](c)`` [d](e)'), '``a ` [b](c)`` [d]\\(e)');
});

test('markdown escaper, fed piece by piece: the same text as escaping it whole, however it is cut', () => {
  const text = 'See [docs](https://x.example) and `m[k](v)`:\n```\nxs[0](1)\n```\n[ref]: https://evil.example & <!here>';
  const whole = escapeMarkdown(text);
  for (let size = 1; size <= 7; size++) {
    const e = createMarkdownEscaper();
    let out = '';
    for (let i = 0; i < text.length; i += size) out += e.push(text.slice(i, i + size));
    out += e.end();
    assert.equal(out, whole, `pieces of ${size}`);
  }
  assert.doesNotMatch(whole.replace(/`[^`]*`|```[\s\S]*?```/g, ''), /\]\(|\]:/);
});

test('updating message: one chat.update in flight; the latest text follows it, then the final one', async (t) => {
  const { fake, chat } = await clients(t);
  const sink = await startUpdatingMessage(chat, { channel: 'C0HOLD' }, log);
  const updatesOf = (channel: string, ts: string | undefined) => fake.calls.filter((c) => c.method === 'chat.update' && c.body.channel === channel && c.body.ts === ts);

  const release = fake.holdNext('chat.update');
  sink.progress.update('one');
  await fake.waitFor('chat.update', (c) => c.body.ts === sink.ts);
  sink.progress.update('one two');
  sink.progress.update('one two three');
  sink.progress.update('one two three <four>');

  // A witness on the same clock: a second message updated twice more, an interval apart each
  // time, is proof that the held message's own interval has passed (twice) meanwhile.
  const witness = await startUpdatingMessage(chat, { channel: 'C0WITNESS' }, log);
  witness.progress.update('w1');
  await fake.waitFor('chat.update', (c) => c.body.ts === witness.ts && c.body.text === 'w1');
  witness.progress.update('w2');
  await fake.waitFor('chat.update', (c) => c.body.ts === witness.ts && c.body.text === 'w2');
  witness.progress.update('w3');
  await fake.waitFor('chat.update', (c) => c.body.ts === witness.ts && c.body.text === 'w3');
  assert.equal(updatesOf('C0HOLD', sink.ts).length, 1, 'no second chat.update while the first is unanswered');

  release();
  const second = await fake.waitFor('chat.update', (c) => c.body.ts === sink.ts && c.body.text !== 'one');
  assert.equal(second.body.text, 'one two three &lt;four&gt;', 'the latest text, escaped');
  await sink.finish({ kind: 'result', title: '', body: 'one two three <four> five', footer: 'f' });
  await witness.finish({ kind: 'result', title: '', body: 'w3', footer: 'f' });
  const texts = updatesOf('C0HOLD', sink.ts).map((c) => c.body.text);
  assert.deepEqual(texts, ['one', 'one two three &lt;four&gt;', 'one two three &lt;four&gt; five'], 'exactly one interim update after the held one, then the final');
  const m = fake.messages.find((x) => x.ts === sink.ts)!;
  assert.equal((m.blocks as Array<{ type: string }>).at(-1)?.type, 'context', 'the final rendering carries the footer');
});

/** Sum of a message's section and context texts. */
function blockTextOf(blocks: types.KnownBlock[]): number {
  let n = 0;
  for (const b of blocks) {
    if (b.type === 'section') n += b.text?.text.length ?? 0;
    if (b.type === 'context') n += b.elements.reduce((s, e) => s + ('text' in e ? e.text.length : 0), 0);
  }
  return n;
}

test('a long answer with a long heading and footer: every message within 12,000 chars of block text; continuations marked', () => {
  const heading: types.KnownBlock = { type: 'context', elements: [{ type: 'mrkdwn', text: `<@U0ASKER> asked: ${'q'.repeat(2982)}` }] };
  assert.equal(blockTextOf([heading]), 3000);
  const paragraph = 'Routes fall back in order & the ledger keeps every call. '.repeat(20);
  const body = Array.from({ length: 40 }, () => paragraph).join('\n\n').slice(0, 40_000);
  assert.equal(body.length, 40_000);
  const footer = `deepseek-v4-flash · deepseek/deepseek-v4-flash · ${'fallback after qwen-intl/qwen-plus rate limited; '.repeat(100)}`;
  const messages = answerMessages({ kind: 'result', title: '', body, footer }, heading);
  assert.ok(messages.length >= 4);
  for (const [i, m] of messages.entries()) {
    assert.ok(blockTextOf(m.blocks) <= 12_000, `message ${i}: ${blockTextOf(m.blocks)} chars of block text`);
    assert.ok(m.blocks.length <= 50);
    if (i === 0) {
      assert.deepEqual(m.blocks[0], heading);
      assert.equal(m.metadata, undefined, 'the first message is the answer itself');
    } else {
      assert.equal(m.metadata?.event_type, CONTINUATION_EVENT);
      assert.equal(m.metadata?.event_type, 'routeops_continuation');
    }
    assert.equal(m.blocks.at(-1)?.type === 'context', i === messages.length - 1, 'the footer is on the last message only');
  }
});

test('thread history skips continuations of long answers and answers still in progress', () => {
  const bot = { userId: 'U0BOT', botId: 'B0BOT' };
  const history = threadToHistory(
    [
      { ts: '1.1', user: 'U0ASKER', text: '<@U0BOT> what is a route?' },
      { ts: '1.2', user: 'U0BOT', bot_id: 'B0BOT', text: 'A route is &lt;an ordered list&gt;.' },
      { ts: '1.3', user: 'U0BOT', bot_id: 'B0BOT', text: 'second half of the answer', metadata: { event_type: CONTINUATION_EVENT, event_payload: {} } },
      { ts: '1.4', user: 'U0ASKER', text: 'and a fallback?' },
      { ts: '1.5', user: 'U0BOT', bot_id: 'B0BOT', text: PLACEHOLDER_TEXT },
      { ts: '1.6', user: 'U0ASKER', text: 'the question being answered' },
    ],
    bot,
    ['1.6'],
  );
  assert.equal(PLACEHOLDER_TEXT, 'Thinking…');
  assert.deepEqual(history, [
    { role: 'user', content: 'what is a route?' },
    { role: 'assistant', content: 'A route is <an ordered list>.' },
    { role: 'user', content: 'and a fallback?' },
  ]);
  // A user's message that happens to read "Thinking…" is still the user's.
  assert.deepEqual(threadToHistory([{ ts: '2.1', user: 'U0ASKER', text: PLACEHOLDER_TEXT }], bot), [{ role: 'user', content: PLACEHOLDER_TEXT }]);
});

test('a long answer posted into Slack reads back as one assistant turn', async (t) => {
  const { fake, client, chat } = await clients(t);
  const root = fake.addUserMessage({ channel: 'C0LONGANS', user: 'U0ASKER', text: 'explain everything' });
  const sink = await startUpdatingMessage(chat, { channel: 'C0LONGANS', threadTs: root }, log);
  const body = Array.from({ length: 30 }, (_, i) => `Paragraph ${i}: ${'the ledger keeps every call. '.repeat(40)}`).join('\n\n');
  assert.ok(body.length > 30_000);
  await sink.finish({ kind: 'result', title: '', body, footer: 'f' });
  const posted = fake.messages.filter((m) => m.channel === 'C0LONGANS' && m.bot_id);
  assert.ok(posted.length >= 3, 'split into several messages');
  assert.ok(posted.slice(1).every((m) => (m.metadata as { event_type?: string }).event_type === CONTINUATION_EVENT));
  const history = await fetchThreadHistory(client, 'C0LONGANS', root, { userId: 'U0BOT', botId: 'B0BOT' });
  assert.deepEqual(history.map((h) => h.role), ['user', 'assistant']);
  assert.ok(history[1]!.content.startsWith('Paragraph 0:'));
  assert.equal(history.filter((h) => h.content.includes('Paragraph 29:')).length, 1, 'the end of the answer is counted once');
});
