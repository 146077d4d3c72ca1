// The click audit and the once-per-message claims of alert buttons (src/store/slack-actions.ts,
// src/store/postgres/slack-actions.ts; migrations/021_slack_action_claims.sql): one behaviour on
// both stores (ported from test/db/slack-action-claims.test.ts and test/cli/audit.test.ts), and
// on PostgreSQL clicks on several replicas at once: one claim, one stale takeover.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionOutcome } from '../../src/store/slack-actions.js';
import { storeTest } from '../support/both-stores.js';
import { openStores, replica } from '../support/slack-alert-stores.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-12-05T10:00:00Z');

storeTest('an alert action is claimed once; released it can be claimed again; finished it stays done', async (kind, t) => {
  const { actions: store } = await openStores(kind, t);
  assert.deepEqual(await store.claim('budget.show_spend', 'C1', '1.1', 'U1', T0, HOUR), { claimed: true, atMs: T0 });
  assert.deepEqual(await store.claim('budget.show_spend', 'C1', '1.1', 'U2', T0 + MIN, HOUR), { claimed: false, state: 'running', user: 'U1', atMs: T0 });
  assert.deepEqual(await store.claim('budget.show_spend', 'C1', '2.2', 'U2', T0 + MIN, HOUR), { claimed: true, atMs: T0 + MIN }, 'another message is its own');
  assert.deepEqual(await store.claim('routecheck.rerun', 'C1', '1.1', 'U2', T0 + MIN, HOUR), { claimed: true, atMs: T0 + MIN }, 'another action is its own');
  await store.release({ action: 'budget.show_spend', channel: 'C1', messageTs: '1.1', user: 'U1', atMs: T0 });
  assert.deepEqual(await store.claim('budget.show_spend', 'C1', '1.1', 'U2', T0 + 2 * MIN, HOUR), { claimed: true, atMs: T0 + 2 * MIN });
  await store.finish({ action: 'budget.show_spend', channel: 'C1', messageTs: '1.1', user: 'U2', atMs: T0 + 2 * MIN });
  // Done is for good: not even a year later, nor by a stale takeover; a release does not undo it.
  await store.release({ action: 'budget.show_spend', channel: 'C1', messageTs: '1.1', user: 'U2', atMs: T0 + 2 * MIN });
  assert.deepEqual(await store.claim('budget.show_spend', 'C1', '1.1', 'U3', T0 + 365 * 24 * HOUR, HOUR), { claimed: false, state: 'done', user: 'U2', atMs: T0 + 2 * MIN });
});

storeTest('a running claim older than the stale window is taken over, and its first holder can no longer release or finish it', async (kind, t) => {
  const { actions: store } = await openStores(kind, t);
  const a = { action: 'routecheck.rerun', channel: 'C1', messageTs: '1.1', user: 'UA', atMs: T0 };
  await store.claim(a.action, a.channel, a.messageTs, a.user, a.atMs, HOUR);
  assert.equal((await store.claim(a.action, a.channel, a.messageTs, 'UB', T0 + 59 * MIN, HOUR)).claimed, false, 'not stale yet');
  const bAt = T0 + 61 * MIN;
  assert.deepEqual(await store.claim(a.action, a.channel, a.messageTs, 'UB', bAt, HOUR), { claimed: true, atMs: bAt });
  await store.release(a);
  await store.finish(a);
  assert.deepEqual(await store.claim(a.action, a.channel, a.messageTs, 'UC', bAt + MIN, HOUR), { claimed: false, state: 'running', user: 'UB', atMs: bAt }, 'the first holder touched nothing');
  await store.finish({ ...a, user: 'UB', atMs: bAt });
  assert.deepEqual(await store.claim(a.action, a.channel, a.messageTs, 'UC', bAt + 2 * HOUR, HOUR), { claimed: false, state: 'done', user: 'UB', atMs: bAt });
});

storeTest('the audit keeps every click; since() gives the latest ones at or after a time, oldest first; long values are clipped', async (kind, t) => {
  const { actions } = await openStores(kind, t);
  const click = (at: string, user: string, outcome: ActionOutcome, detail: string | null = null, value = '2026-12-01..2026-12-31') =>
    actions.record({ at, user, action: 'budget.show_spend', value, channel: 'C0ALERTS', message_ts: '1764936000.000100', outcome, detail });
  await click('2026-11-20T09:00:00.000Z', 'U0OLD', 'done', 'Spend shown');
  await click('2026-12-04T09:00:00.000Z', 'U0INTERN', 'refused');
  await click('2026-12-04T09:00:05.000Z', 'U0CFO', 'done', 'Spend shown in the thread.');
  await click('2026-12-04T09:00:05.000Z', 'U0CFO', 'already', 'x'.repeat(2500), 'v'.repeat(2100));
  const week = await actions.since(Date.parse('2026-11-28T00:00:00Z'), 100);
  assert.deepEqual(week.map((a) => [a.user, a.outcome]), [['U0INTERN', 'refused'], ['U0CFO', 'done'], ['U0CFO', 'already']]);
  assert.deepEqual(week[1], {
    at: '2026-12-04T09:00:05.000Z',
    user: 'U0CFO',
    action: 'budget.show_spend',
    value: '2026-12-01..2026-12-31',
    channel: 'C0ALERTS',
    message_ts: '1764936000.000100',
    outcome: 'done',
    detail: 'Spend shown in the thread.',
  });
  assert.deepEqual([week[2]!.detail!.length, week[2]!.value.length], [2000, 2000]);
  assert.deepEqual((await actions.since(0, 2)).map((a) => a.outcome), ['done', 'already'], 'the latest two, oldest first; equal times in click order');
  assert.equal((await actions.since(0, 10))[0]!.user, 'U0OLD');
});

test('postgres: clicks on one alert message reaching several replicas at once: exactly one claims it, the others are told who holds it', async (t) => {
  const { actions, url } = await openStores('postgres', t);
  const stores = [actions, replica(url!, t).actions, replica(url!, t).actions];
  const users = Array.from({ length: 12 }, (_, i) => `U${i}`);
  const claims = await Promise.all(users.map((u, i) => stores[i % 3]!.claim('budget.show_spend', 'C1', '1.1', u, T0, HOUR)));
  const won = claims.filter((c) => c.claimed);
  assert.equal(won.length, 1);
  const holder = users[claims.findIndex((c) => c.claimed)];
  for (const c of claims) if (!c.claimed) assert.deepEqual(c, { claimed: false, state: 'running', user: holder, atMs: T0 });
});

test('postgres: replicas taking over one stale claim at once: exactly one takes it', async (t) => {
  const { actions, url } = await openStores('postgres', t);
  await actions.claim('routecheck.rerun', 'C1', '1.1', 'UDEAD', T0, HOUR);
  const stores = [actions, replica(url!, t).actions, replica(url!, t).actions];
  const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 3]!.claim('routecheck.rerun', 'C1', '1.1', `U${i}`, T0 + 2 * HOUR, HOUR)));
  assert.equal(claims.filter((c) => c.claimed).length, 1);
});
