// Long answers are split within Slack's limits, escaped, with the footer on the last message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerMessages } from '../../src/adapters/slack/answer.js';

test('a 30,000-character answer becomes several messages within Slack limits', () => {
  const paragraph = 'Routes fall back in order when a provider fails. <!channel> & friends. '.repeat(40);
  const body = Array.from({ length: 11 }, () => paragraph).join('\n\n');
  assert.ok(body.length > 30_000);
  const messages = answerMessages({ kind: 'result', title: '', body, footer: 'qwen-plus · qwen-intl/qwen-plus' });
  assert.ok(messages.length >= 3);
  for (const [i, m] of messages.entries()) {
    assert.ok(m.blocks.length <= 50);
    const sections = m.blocks.filter((b) => b.type === 'section') as Array<{ text: { text: string } }>;
    assert.ok(sections.every((s) => s.text.text.length <= 3000), 'section text within 3000 chars');
    assert.ok(sections.reduce((n, s) => n + s.text.text.length, 0) <= 12_000, 'block text per message within ~12k');
    assert.equal(m.blocks.at(-1)?.type === 'context', i === messages.length - 1, 'the footer is on the last message only');
    assert.doesNotMatch(JSON.stringify(m.blocks), /<!channel>/);
  }
  // Nothing is lost: the pieces put back together are the escaped answer (whitespace at the cuts aside).
  const joined = messages.flatMap((m) => (m.blocks.filter((b) => b.type === 'section') as Array<{ text: { text: string } }>).map((s) => s.text.text)).join('');
  assert.equal(joined.replace(/\s+/g, ''), body.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\s+/g, ''));
});
