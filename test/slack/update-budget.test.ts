// The workspace-wide budget of interim chat.update calls (Tier 3): a token bucket on an
// injected clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUpdateBudget } from '../../src/adapters/slack/update-budget.js';

test('update budget: a burst, then about one interim update a second, never more than the burst after a quiet spell', () => {
  let now = 0;
  const budget = createUpdateBudget({ perSecond: 1, burst: 5, now: () => now });
  const takes = (n: number) => Array.from({ length: n }, () => budget.take()).filter(Boolean).length;
  assert.equal(takes(10), 5, 'the burst');
  now += 500;
  assert.equal(takes(3), 0, 'half a second earns no whole update');
  now += 500;
  assert.equal(takes(3), 1);
  now += 10_000;
  assert.equal(takes(10), 5, 'a quiet spell refills only up to the burst');
  now += 3_000;
  assert.equal(takes(10), 3);
});
