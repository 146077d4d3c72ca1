// What a hostile or careless model writes reaches Slack safe, end to end: the real Bolt app over
// HTTP, the fake Slack Web API, and the simulator (scripted to answer with the text under test)
// behind the real openai SDK. Streamed answers (Markdown) carry no link the bot did not write,
// at any moment of the stream; long answers (mrkdwn) are cut between characters, and lone
// surrogates arrive as U+FFFD.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestApp, SIGNING_SECRET, type TestApp } from '../support/app.js';
import { postSigned, slashCommandBody, eventBody, postEvent } from '../support/slack-request.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, SIM_KEYS } from '../support/sim-config.js';
import { codeTexts, liveMarkup, renderedText } from '../support/markdown-oracle.js';

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
beforeEach(() => sim.reset());

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const count = (s: string, part: string) => s.split(part).length - 1;

/** Every string anywhere in a recorded request body. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

const hostileSection = (n: number) =>
  [
    `Here is how to reset it (${n}): \`[Reset your SSO](https://evil.example/${n}/a)`,
    `Then run \`\`\`[Open the console](https://evil.example/${n}/b)`,
    '',
    '```bash',
    'curl "$URL" | jq .items[0](x)',
    '```',
    '1. Step one:',
    '   ```',
    `npm i [x](https://evil.example/${n}/c)`,
    '   ```',
    `[Docs][${n}] and <https://evil.example/${n}/d> and <https://evil.example/${n}/e|click> <!channel> <@U0CEO>`,
    '',
    `[${n}]: https://evil.example/${n}/f`,
    'Half an emoji: \ud83d, a whole one: 👩‍💻.',
    '',
  ].join('\n');

test('a streamed answer full of hostile Markdown shows no live link at any moment of the stream, and its code stays readable', async () => {
  const answer = [1, 2, 3].map(hostileSection).join('\n');
  sim.setScript('deepseek', { content: answer });
  const channel = 'C0HOSTILE';
  const ts = t.slack.addUserMessage({ channel, user: 'U0ENG2', text: '<@U0BOT> how do I reset SSO?' });
  await postEvent(`${t.url}/slack/events`, SIGNING_SECRET, eventBody({ type: 'app_mention', user: 'U0ENG2', text: '<@U0BOT> how do I reset SSO?', ts, channel, team: 'T0TEST' }));
  await t.slack.waitFor('chat.stopStream', (c) => c.body.channel === channel);

  // Slack renders the message after every streaming call: each of those renderings is checked.
  const calls = t.slack.calls.filter((c) => c.body.channel === channel && /^chat\.(start|append|stop)Stream$/.test(c.method));
  assert.ok(calls.length >= 2, 'the answer went out in several calls');
  let sent = '';
  for (const [i, c] of calls.entries()) {
    // The streamer sends its buffer as markdown_text or as markdown_text chunks.
    sent += typeof c.body.markdown_text === 'string' ? c.body.markdown_text : '';
    sent += ((c.body.chunks as Array<{ type: string; text?: string }> | undefined) ?? []).map((ch) => ch.text ?? '').join('');
    assert.deepEqual(liveMarkup(sent), [], `after call ${i + 1} (${c.method})\n${sent}`);
  }
  const message = t.slack.messages.find((m) => m.channel === channel && m.thread_ts === ts && m.bot_id)!;
  assert.equal(message.text, sent);
  assert.deepEqual(liveMarkup(message.text), []);
  const shown = renderedText(message.text);
  for (const n of [1, 2, 3]) {
    assert.ok(shown.includes(`[Reset your SSO](https://evil.example/${n}/a)`), 'the link text and its target are shown as text');
  }
  assert.equal(codeTexts(message.text).filter((code) => code === 'curl "$URL" | jq .items[0](x)\n').length, 3, 'the code block is as the model wrote it');
  assert.equal(count(message.text, '\ufffd'), 3, 'each lone surrogate arrives as U+FFFD');
  assert.equal(count(message.text, '👩‍💻'), 3);
  assert.doesNotMatch(message.text, LONE);
});

/** Sends /ask and resolves with the answer's first message once its last message (with the footer) landed. */
async function slashAsk(text: string, channel: string): Promise<string> {
  const before = t.slack.messages.length;
  const res = await postSigned(`${t.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/ask', text, user_id: 'U0ENG1', channel_id: channel, response_url: `${t.slack.baseUrl}/respond/${randomUUID()}` }));
  assert.equal(res.status, 200);
  const hasFooter = (blocks: unknown) => {
    const last = (blocks as Array<{ type: string; elements?: Array<{ text?: string }> }> | undefined)?.at(-1);
    return last?.type === 'context' && /tokens in/.test(last.elements?.[0]?.text ?? '');
  };
  await t.slack.waitFor('chat.postMessage', (c) => c.body.channel === channel && hasFooter(c.body.blocks));
  return t.slack.messages.slice(before).find((m) => m.channel === channel && !m.thread_ts)!.ts;
}

test('/ask: a long answer of emoji, flags and ZWJ sequences is cut into Slack messages between characters; a lone surrogate arrives as U+FFFD', async () => {
  // No space or line break to cut at: every cut of the 3,000 / 12,000 limits lands among
  // multi-unit characters, and a model's lone surrogate sits in the middle.
  const unit = '👩‍💻🇫🇷😀👍🏽é';
  const half = unit.repeat(Math.ceil(6_500 / unit.length));
  const answer = `${half}\ud83d${half}`;
  sim.setScript('deepseek', { content: answer });
  const channel = 'C0EMOJI';
  const before = t.slack.calls.length;
  const ts = await slashAsk('long emoji answer please', channel);
  const messages = t.slack.messages.filter((m) => m.channel === channel && (m.ts === ts || m.thread_ts === ts));
  assert.ok(messages.length >= 2, 'the answer took more than one message');

  // Nothing sent to Slack on the way (interim updates, the final update, continuations) holds a lone surrogate.
  for (const c of t.slack.calls.slice(before).filter((x) => x.body.channel === channel)) {
    for (const s of strings(c.body)) assert.ok(!LONE.test(s), `${c.method} sent a lone surrogate`);
  }
  // The sections put back together are the answer, every character whole, the lone half replaced
  // (compared without printing: a failure would otherwise print 26,000 characters).
  const sections = messages.flatMap((m) => (m.blocks as Array<{ type: string; text?: { text: string } }>).filter((b) => b.type === 'section').map((b) => b.text!.text));
  const expected = `${half}\ufffd${half}`;
  assert.ok(sections.join('') === expected, 'the sections joined are the answer with U+FFFD for the lone surrogate');
  assert.ok(sections.every((s) => s.length <= 3000));
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const graphemeCount = (s: string) => Array.from(segmenter.segment(s)).length;
  assert.equal(sections.reduce((n, s) => n + graphemeCount(s), 0), graphemeCount(expected), 'no grapheme cut in two');
});
