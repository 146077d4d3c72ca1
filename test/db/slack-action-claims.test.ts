// The once-per-message claims of alert buttons (migrations/021_slack_action_claims.sql) over a
// real SQLite file: a claim, a second one told who holds it, release and finish, and a stale
// claim taken over whose first holder can then neither release nor finish it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createActionAuditStore } from '../../src/store/slack-actions.js';
import { tempDb } from '../support/store.js';

const MIN = 60_000;
const T0 = Date.parse('2026-12-05T10:00:00Z');

test('an alert action is claimed once; released it can be claimed again; finished it stays done', async (t) => {
  const store = createActionAuditStore(tempDb(t).db);
  const first = await store.claim('budget.show_spend', 'C1', '1.1', 'U1', T0, 60 * MIN);
  assert.deepEqual(first, { claimed: true, atMs: T0 });
  assert.deepEqual(await store.claim('budget.show_spend', 'C1', '1.1', 'U2', T0 + MIN, 60 * MIN), { claimed: false, state: 'running', user: 'U1', atMs: T0 });
  assert.deepEqual(await store.claim('budget.show_spend', 'C1', '2.2', 'U2', T0 + MIN, 60 * MIN), { claimed: true, atMs: T0 + MIN }, 'another message is its own');
  await store.release({ action: 'budget.show_spend', channel: 'C1', messageTs: '1.1', user: 'U1', atMs: T0 });
  assert.deepEqual(await store.claim('budget.show_spend', 'C1', '1.1', 'U2', T0 + 2 * MIN, 60 * MIN), { claimed: true, atMs: T0 + 2 * MIN });
  await store.finish({ action: 'budget.show_spend', channel: 'C1', messageTs: '1.1', user: 'U2', atMs: T0 + 2 * MIN });
  // Done is for good: not even a year later, nor by a stale takeover.
  assert.deepEqual(await store.claim('budget.show_spend', 'C1', '1.1', 'U3', T0 + 365 * 24 * 60 * MIN, 60 * MIN), { claimed: false, state: 'done', user: 'U2', atMs: T0 + 2 * MIN });
});

test('a running claim older than the stale window is taken over, and its first holder can no longer release or finish it', async (t) => {
  const store = createActionAuditStore(tempDb(t).db);
  const a = { action: 'routecheck.rerun', channel: 'C1', messageTs: '1.1', user: 'UA', atMs: T0 };
  await store.claim(a.action, a.channel, a.messageTs, a.user, a.atMs, 60 * MIN);
  assert.equal((await store.claim(a.action, a.channel, a.messageTs, 'UB', T0 + 59 * MIN, 60 * MIN)).claimed, false, 'not stale yet');
  const bAt = T0 + 61 * MIN;
  assert.deepEqual(await store.claim(a.action, a.channel, a.messageTs, 'UB', bAt, 60 * MIN), { claimed: true, atMs: bAt });
  await store.release(a);
  await store.finish(a);
  assert.deepEqual(await store.claim(a.action, a.channel, a.messageTs, 'UC', bAt + MIN, 60 * MIN), { claimed: false, state: 'running', user: 'UB', atMs: bAt }, 'the first holder touched nothing');
  await store.finish({ ...a, user: 'UB', atMs: bAt });
  assert.equal((await store.claim(a.action, a.channel, a.messageTs, 'UC', bAt + 2 * MIN, 60 * MIN) as { state?: string }).state, 'done');
});
