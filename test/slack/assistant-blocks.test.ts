// The assistant surfaces' Block Kit and API payloads within Slack's limits (docs/PROVIDERS.md §5,
// Slack's feedback buttons element and context actions block references): 50 blocks a message,
// 3,000 characters a section, ~13k of block text a message; a feedback button's text at most 75
// characters and its value 2,000; an action_id 255; at most 4 suggested prompts; the
// acknowledgement line keeps a full message within the limits too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { types } from '@slack/bolt';
import { answerMessages } from '../../src/adapters/slack/answer.js';
import { acknowledgedBlocks, FEEDBACK_ACK_BLOCK, parseFeedbackValue } from '../../src/adapters/slack/answer-feedback.js';
import { statusText, SUGGESTED_PROMPTS, SUGGESTED_PROMPTS_TITLE, threadTitle } from '../../src/adapters/slack/assistant.js';

type Block = types.KnownBlock;
const CALL_ID = '5b0e4a52-8f0e-4c39-9a43-3f1f0d1b6d2e';
const heading: Block = { type: 'context', elements: [{ type: 'mrkdwn', text: `<@U0ASKER> asked: ${'q'.repeat(2900)}` }] };

function blockText(b: Block): number {
  if (b.type === 'section') return b.text?.text.length ?? 0;
  if (b.type === 'context') return b.elements.reduce((n, e) => n + ('text' in e ? e.text.length : 0), 0);
  return 0;
}

function assertWithinLimits(blocks: Block[]) {
  assert.ok(blocks.length <= 50, `${blocks.length} blocks`);
  for (const b of blocks) if (b.type === 'section') assert.ok(b.text!.text.length <= 3000);
  assert.ok(blocks.reduce((n, b) => n + blockText(b), 0) <= 13_000);
  for (const b of blocks.filter((x) => x.type === 'context_actions')) {
    for (const e of (b as types.ContextActionsBlock).elements) {
      assert.equal(e.type, 'feedback_buttons');
      if (e.type !== 'feedback_buttons') continue;
      assert.ok((e.action_id ?? '').length <= 255);
      for (const button of [e.positive_button, e.negative_button]) {
        assert.ok(button.text.text.length <= 75 && button.value.length <= 2000);
        assert.ok((button.accessibility_label ?? '').length <= 75);
      }
    }
  }
}

test('a long answer with feedback: every message within the limits, the buttons once, on the last message above its footer', () => {
  const body = Array.from({ length: 400 }, (_, i) => `Paragraph ${i}: ${'words & <markup> '.repeat(12)}`).join('\n\n');
  const reply = { kind: 'result' as const, title: '', body, footer: 'deepseek-flash · deepseek/deepseek-flash · tokens in 1 / cached 0 / out 2 / reasoning 0 · $0.000001 · 0.1 s', data: { call_id: CALL_ID } };
  const messages = answerMessages(reply, heading, { feedback: true });
  assert.ok(messages.length > 1, 'the answer spans messages');
  for (const m of messages) assertWithinLimits(m.blocks);
  const withButtons = messages.filter((m) => m.blocks.some((b) => b.type === 'context_actions'));
  assert.equal(withButtons.length, 1);
  const last = messages.at(-1)!.blocks;
  assert.deepEqual(last.slice(-2).map((b) => b.type), ['context_actions', 'context']);
  // Acknowledged: one more context line under the buttons, still within the limits.
  const acked = acknowledgedBlocks(last, { up: 12_345, down: 678 })!;
  assertWithinLimits(acked as Block[]);
  assert.equal(acked.length, last.length + 1);
  assert.equal(acked[acked.length - 2]!.block_id, FEEDBACK_ACK_BLOCK);
  // Acknowledged again: rewritten, not added.
  assert.equal(acknowledgedBlocks(acked, { up: 1, down: 0 })!.length, acked.length);
});

test('no feedback buttons on an error line, on an answer without its ledger row, or without asking for them', () => {
  const has = (m: ReturnType<typeof answerMessages>) => m.some((x) => x.blocks.some((b) => b.type === 'context_actions'));
  assert.equal(has(answerMessages({ kind: 'error', title: '', summary: 'No answer from x', data: { call_id: CALL_ID } }, undefined, { feedback: true })), false);
  assert.equal(has(answerMessages({ kind: 'result', title: '', body: 'hi', data: { call_id: null } }, undefined, { feedback: true })), false);
  assert.equal(has(answerMessages({ kind: 'result', title: '', body: 'hi', data: { call_id: CALL_ID } })), false);
  assert.equal(acknowledgedBlocks([{ type: 'section', text: { type: 'mrkdwn', text: 'no buttons here' } }], { up: 1, down: 0 }), null);
});

test('feedback values: only up/down and a call id of ours', () => {
  assert.deepEqual(parseFeedbackValue(`up:${CALL_ID}`), { vote: 'up', callId: CALL_ID });
  assert.deepEqual(parseFeedbackValue(`down:${CALL_ID}`), { vote: 'down', callId: CALL_ID });
  for (const bad of ['', 'up:', 'sideways:abc', `up:${'a'.repeat(200)}`, 'up:<!channel>', 'up: spaced']) assert.equal(parseFeedbackValue(bad), null, bad);
});

test('suggested prompts, their title, statuses and titles fit what the assistant.threads methods take', () => {
  assert.ok(SUGGESTED_PROMPTS.length >= 1 && SUGGESTED_PROMPTS.length <= 4);
  assert.deepEqual(SUGGESTED_PROMPTS.map((p) => p.message), ['What did we spend this week?', 'Which routes failed today?', 'What retires this month?']);
  assert.ok(SUGGESTED_PROMPTS_TITLE.length <= 150);
  assert.ok(statusText({ kind: 'fallback', text: 'x'.repeat(1000) }).length <= 150);
  assert.equal(statusText({ kind: 'waiting', text: 'waiting for deepseek… 5 s' }), 'is waiting for deepseek… 5 s');
  assert.equal(statusText({ kind: 'waiting', text: 'deepseek is thinking… 5 s' }), 'is waiting: deepseek is thinking… 5 s');
  assert.ok(threadTitle('x'.repeat(5000)).length <= 60);
});
