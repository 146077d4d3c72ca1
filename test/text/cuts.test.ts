// Text cut to a limit is cut between characters (grapheme clusters), never inside an emoji, a
// flag or a ZWJ sequence, and lone surrogates become U+FFFD before they reach Slack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { cutIndex, cutText, truncateForMessage, wellFormed } from '../../src/domain/text.js';
import { clip, escapeMrkdwn } from '../../src/adapters/slack/escape.js';
import { splitText } from '../../src/adapters/slack/blocks.js';
import { answerMessages, progressBlocks } from '../../src/adapters/slack/answer.js';
import { startUpdatingMessage } from '../../src/adapters/slack/answer-updating.js';
import { createChatApi } from '../../src/adapters/slack/chat-api.js';
import { createNodeFetch } from '../../src/upstream/http/node-fetch.js';
import { startFakeSlack } from '../support/fake-slack.js';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemes = (s: string) => Array.from(segmenter.segment(s), (g) => g.segment);
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Characters of several UTF-16 units, one grapheme each. */
const CLUSTERS = ['😀', '👩‍💻', '👨‍👩‍👧‍👦', '🇫🇷', '👍🏽', 'é', 'e\u0301', '🏳️‍🌈', '1️⃣'];

/** `piece` is a run of whole graphemes of `text` starting at `from` (in units); returns where it ends. */
function assertWholeGraphemes(text: string, from: number, piece: string, what: string): number {
  assert.doesNotMatch(piece, LONE, `${what}: no lone surrogate`);
  const all = graphemes(text);
  let at = 0;
  let i = 0;
  for (; at < from; i++) at += all[i]!.length;
  assert.equal(at, from, `${what}: starts on a grapheme boundary`);
  const mine = graphemes(piece);
  assert.deepEqual(mine, all.slice(i, i + mine.length), `${what}: whole graphemes only`);
  return from + piece.length;
}

test('cutting at every position around an emoji, a ZWJ sequence, a flag or a combining mark keeps every character whole', () => {
  for (const c of CLUSTERS) {
    const text = `ab${c}${c}cd`;
    for (let at = 0; at <= text.length + 1; at++) {
      const cut = cutText(text, at);
      assert.ok(cut.length <= at, `${JSON.stringify(text)} cut at ${at} fits`);
      assertWholeGraphemes(text, 0, cut, `${JSON.stringify(text)} cut at ${at}`);
      // The longest such cut: the next whole grapheme would not fit.
      const next = graphemes(text.slice(cut.length))[0];
      assert.ok(next === undefined || cut.length + next.length > at, `${JSON.stringify(text)} cut at ${at} is the longest`);
    }
  }
  // One cluster longer than the limit is cut between code points, never between the halves of one.
  const huge = `😀${'\u0301'.repeat(50)}`;
  assert.equal(cutIndex(huge, 1), 0);
  assert.equal(cutIndex(huge, 10), 10);
});

test('truncated messages and clipped fields end on a whole character and never split an escape', () => {
  const echoed = `${'x'.repeat(39)}👩‍💻 and more`;
  assert.equal(truncateForMessage(echoed), `${'x'.repeat(39)}…`);
  assert.equal(truncateForMessage(`${'x'.repeat(35)}👩‍💻 and more`), `${'x'.repeat(35)}👩‍💻…`);
  for (let max = 2; max < 30; max++) {
    const clipped = clip(`${'🇫🇷'.repeat(5)}a &amp; b`, max);
    assert.ok(clipped.length <= max);
    assert.doesNotMatch(clipped, LONE);
    assert.doesNotMatch(clipped, /&[a-z]*…$/, `no half escape at ${max}`);
  }
});

test('lone surrogates become U+FFFD; pairs are kept', () => {
  assert.equal(wellFormed('a\ud83d'), 'a\ufffd');
  assert.equal(wellFormed('\ude00a'), '\ufffda');
  assert.equal(wellFormed('\ude00\ud83d'), '\ufffd\ufffd', 'a pair the wrong way round is two lone halves');
  assert.equal(wellFormed('ok 😀 \ud83d\ude00'), 'ok 😀 😀');
  assert.equal(escapeMrkdwn('<\ud83d>'), '&lt;\ufffd&gt;');
});

/** An answer with no break to cut at: every hard cut lands among multi-unit characters. */
const dense = (units: number) => {
  let s = '';
  for (let i = 0; s.length < units; i++) s += CLUSTERS[i % CLUSTERS.length];
  return s;
};

test('splitText cuts between characters at every limit, and the pieces join back to the text', () => {
  const text = dense(400);
  // From the longest cluster's length up (a limit below it cannot hold the cluster whole).
  for (let max = 11; max <= 60; max++) {
    const pieces = splitText(text, max);
    let at = 0;
    for (const [i, p] of pieces.entries()) {
      assert.ok(p.length <= max, `piece ${i} within ${max}`);
      at = assertWholeGraphemes(text, at, p, `max ${max}, piece ${i}`);
    }
    assert.equal(pieces.join(''), text);
  }
});

test('a long answer of emoji is split into messages and sections without a broken character; the interim view too', () => {
  for (const pad of [0, 1, 2, 3, 5, 7]) {
    const answer = `${'a'.repeat(pad)}${dense(26_000)}`;
    const messages = answerMessages({ kind: 'result', title: '', body: answer, footer: 'deepseek-v4-flash · deepseek/deepseek-v4-flash' });
    assert.ok(messages.length >= 3);
    let at = 0;
    for (const [i, m] of messages.entries()) {
      assert.doesNotMatch(m.text, LONE, `message ${i} text`);
      for (const b of m.blocks) {
        if (b.type !== 'section') continue;
        at = assertWholeGraphemes(answer, at, b.text!.text, `pad ${pad}, message ${i}`);
      }
    }
    assert.equal(at, answer.length, 'nothing lost');
    const interim = progressBlocks(escapeMrkdwn(answer)) as Array<{ text: { text: string } }>;
    let shown = 0;
    for (const b of interim) shown = assertWholeGraphemes(answer, shown, b.text.text.replace(/…$/, ''), `pad ${pad}, interim`);
  }
});

test('an interim update that ends in half an emoji leaves the half out until the other half arrives', async (t) => {
  const fake = await startFakeSlack(t);
  const chat = createChatApi({ token: 'xoxb-test-token', apiUrl: fake.apiUrl, fetch: createNodeFetch() });
  const sink = await startUpdatingMessage(chat, { channel: 'C0HALF' }, pino({ level: 'silent' }));
  sink.progress.update('smile \ud83d');
  const interim = await fake.waitFor('chat.update', (c) => c.body.channel === 'C0HALF');
  assert.equal(interim.body.text, 'smile ');
  await sink.finish({ kind: 'result', title: '', body: 'smile 😀 \ud83d', footer: 'f' });
  const final = await fake.waitFor('chat.update', (c) => c.body.channel === 'C0HALF' && c.body.text !== 'smile ');
  assert.equal(final.body.text, 'smile 😀 \ufffd', 'the final text: the pair whole, the lone half replaced');
});
