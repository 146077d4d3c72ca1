// Slack takes at most 50 blocks in a message: a price alert with many proposals keeps its footer
// and as many Apply / Ignore pairs as fit, and says how many more there are, rather than losing
// buttons (or the footer) to a silent cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderBlocks } from '../../src/adapters/slack/blocks.js';
import type { ReplyDecision } from '../../src/domain/reply.js';

const decision = (id: number): ReplyDecision => ({
  id: `price_proposal:${id}`,
  text: `Proposal ${id}: deepseek/model-${id}`,
  choices: [
    { action: 'price.apply', label: 'Apply', value: String(id), style: 'primary' },
    { action: 'price.ignore', label: 'Ignore', value: String(id) },
  ],
});

void test('decisions beyond the 50-block limit are counted in a note; the footer and whole pairs stay', () => {
  const decisions = Array.from({ length: 30 }, (_, i) => decision(i + 1));
  const { blocks } = renderBlocks({ kind: 'result', title: 'Price changes', body: 'Proposals …', decisions, footer: 'routeops prices list' });
  assert.equal(blocks.length, 50);
  const actions = blocks.filter((b) => b.type === 'actions');
  // title + body = 2 blocks; 50 - 2 - footer - note = 46 -> 23 pairs.
  assert.equal(actions.length, 23);
  assert.ok(actions.every((a) => 'elements' in a && a.elements.length === 2), 'never half a pair');
  const texts = blocks.filter((b) => b.type === 'context').map((b) => JSON.stringify(b));
  assert.match(texts[0]!, /7 more decisions without buttons here/);
  assert.match(texts[1]!, /routeops prices list/, 'the footer is last');
});

void test('decisions that fit are all shown, with no note', () => {
  const { blocks } = renderBlocks({ kind: 'result', title: 'Price changes', body: 'x', decisions: [decision(1), decision(2)] });
  assert.equal(blocks.filter((b) => b.type === 'actions').length, 2);
  assert.ok(!JSON.stringify(blocks).includes('more decision'));
});
