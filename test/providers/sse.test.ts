import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseDecoder, type SseEvent } from '../../src/upstream/providers/sse.js';
import { prng } from '../support/ledger-fixtures.js';

function decodeAll(pieces: string[]): SseEvent[] {
  const d = new SseDecoder();
  const out: SseEvent[] = [];
  for (const p of pieces) d.push(p, out);
  d.end();
  return out;
}

const STREAM =
  ': keep-alive\n\n' +
  'data: {"a":1}\n\n' +
  'event: error\r\ndata: {"error":{"message":"x"}}\r\n\r\n' +
  'data: line one\rdata:line two\r\r' +
  'data: 日本🚀\n' +
  'id: 7\nretry: 10\n\n' +
  'data: [DONE]\n\n' +
  'data: {"cut":true}\n';

const EXPECTED: SseEvent[] = [
  { event: null, data: '{"a":1}' },
  { event: 'error', data: '{"error":{"message":"x"}}' },
  { event: null, data: 'line one\nline two' },
  { event: null, data: '日本🚀' },
  { event: null, data: '[DONE]' },
];

test('SSE: comments skipped, CRLF/CR/LF lines, multi-line data, one space dropped, unknown fields ignored, a cut-off event dropped', () => {
  assert.deepEqual(decodeAll([STREAM]), EXPECTED);
});

test('SSE: the same events however the text is cut into pieces (CR and LF of one line end in different pieces too)', () => {
  const rnd = prng(11);
  for (let round = 0; round < 200; round++) {
    const pieces: string[] = [];
    for (let at = 0; at < STREAM.length; ) {
      const n = 1 + Math.floor(rnd() * 12);
      pieces.push(STREAM.slice(at, at + n));
      at += n;
    }
    assert.deepEqual(decodeAll(pieces), EXPECTED, JSON.stringify(pieces));
  }
  // Every split point, including right between \r and \n.
  for (let i = 0; i <= STREAM.length; i++) assert.deepEqual(decodeAll([STREAM.slice(0, i), '', STREAM.slice(i)]), EXPECTED, `split at ${i}`);
});

test('SSE: a blank line with nothing pending dispatches nothing; "data" alone is an empty data line', () => {
  assert.deepEqual(decodeAll(['\n\n\n', 'event:\n\n', 'event: \n\n']), [], 'an empty event name alone is nothing (as in the SDK)');
  assert.deepEqual(decodeAll(['data\n\n', 'data:\ndata:\n\n']), [{ event: null, data: '' }, { event: null, data: '\n' }]);
});
