// The alerts' keys and outbox (src/store/alert-outbox.ts, src/store/postgres/alert-outbox.ts),
// held to one behaviour on both stores: keys recorded once, due rows oldest first, a claim held
// by one flusher, backoff kept, the recent list newest first; on PostgreSQL, replicas racing
// over one database record each key once and post each alert once, none left behind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlertOutbox } from '../../src/features/alerts/delivery.js';
import type { Alert, AlertPost } from '../../src/features/alerts/types.js';
import { storeTest } from '../support/both-stores.js';
import { openStores, replica, silent } from '../support/slack-alert-stores.js';

const T0 = new Date('2026-07-17T09:00:00Z');
const LEASE = 120_000;

const entry = (key: string): Alert => ({ key, kind: 'budget', channel: 'C0ALERTS', text: `alert ${key}`, reply: { kind: 'result', title: `Alert ${key}` } });

storeTest('a key is recorded once, sent or pending; the batch returns only the new keys', async (kind, t) => {
  const { alerts } = await openStores(kind, t);
  assert.deepEqual(await alerts.record([entry('a'), entry('b')], T0), ['a', 'b']);
  assert.deepEqual(await alerts.record([entry('a'), entry('c'), entry('c')], new Date(T0.getTime() + 1000)), ['c'], 'a key given twice is recorded once');
  assert.deepEqual((await alerts.pending()).map((p) => p.key), ['a', 'b', 'c']);
  assert.equal(await alerts.recordedAtMs('a'), T0.getTime());
  assert.equal(await alerts.recordedAtMs('z'), null);
  assert.deepEqual(await alerts.get('c'), {
    key: 'c',
    kind: 'budget',
    channel: 'C0ALERTS',
    text: 'alert c',
    created_at: '2026-07-17T09:00:01.000Z',
    created_ms: T0.getTime() + 1000,
    sent_at: null,
    attempts: 0,
    next_attempt_at: '2026-07-17T09:00:01.000Z',
    last_error: null,
  });
  assert.equal(await alerts.get('z'), null);
});

storeTest('due rows come oldest first with their Reply; a claim holds a row until its lease ends; sent rows leave the outbox', async (kind, t) => {
  const { alerts } = await openStores(kind, t);
  await alerts.record([entry('later')], new Date(T0.getTime() + 5000));
  await alerts.record([entry('first'), entry('second')], T0);
  const now = T0.getTime() + 10_000;
  assert.deepEqual(
    (await alerts.due(now)).map((d) => [d.key, d.attempts]),
    [['first', 0], ['second', 0], ['later', 0]],
  );
  const [due] = await alerts.due(now);
  assert.deepEqual('reply' in due! ? due.reply : null, { kind: 'result', title: 'Alert first' });
  assert.deepEqual(await alerts.due(T0.getTime() - 1), [], 'nothing is due before it was recorded');

  assert.equal(await alerts.claim('first', now, new Date(now + LEASE)), true);
  assert.equal(await alerts.claim('first', now, new Date(now + LEASE)), false, 'claimed: a second flusher skips it');
  assert.deepEqual((await alerts.due(now)).map((d) => d.key), ['second', 'later']);
  assert.equal(await alerts.claim('first', now + LEASE, new Date(now + 2 * LEASE)), true, 'a lease that ran out (its claimer died) is claimed again');

  await alerts.markSent('first', new Date(now + 1));
  assert.equal(await alerts.claim('first', now + 10 * LEASE, new Date(now + 11 * LEASE)), false, 'a sent row is never claimed');
  const sent = await alerts.get('first');
  assert.deepEqual([sent?.sent_at, sent?.attempts, sent?.next_attempt_at], ['2026-07-17T09:00:10.001Z', 1, null]);
  assert.deepEqual((await alerts.pending()).map((p) => p.key), ['second', 'later']);
});

storeTest('a failed post is rescheduled with its error and counted; due again at its retry time', async (kind, t) => {
  const { alerts } = await openStores(kind, t);
  await alerts.record([entry('a')], T0);
  const retry = new Date(T0.getTime() + 30_000);
  await alerts.markFailed('a', retry, 'slack_webapi_platform_error: fatal_error');
  const [pending] = await alerts.pending();
  assert.deepEqual([pending?.attempts, pending?.next_attempt_at, pending?.last_error], [1, '2026-07-17T09:00:30.000Z', 'slack_webapi_platform_error: fatal_error']);
  assert.deepEqual(await alerts.due(retry.getTime() - 1), []);
  assert.deepEqual((await alerts.due(retry.getTime())).map((d) => [d.key, d.attempts]), [['a', 1]]);
  await alerts.markSent('a', retry);
  const sent = await alerts.get('a');
  assert.deepEqual([sent?.attempts, sent?.last_error], [2, null]);
});

storeTest('the recent alerts are the last recorded, newest first, with their Reply title', async (kind, t) => {
  const { alerts } = await openStores(kind, t);
  await alerts.record([entry('a'), entry('b')], T0);
  await alerts.record([entry('c')], T0);
  await alerts.markSent('a', T0);
  assert.deepEqual(await alerts.recent(2), [
    { key: 'c', kind: 'budget', title: 'Alert c', text: 'alert c', created_at: T0.toISOString(), sent_at: null },
    { key: 'b', kind: 'budget', title: 'Alert b', text: 'alert b', created_at: T0.toISOString(), sent_at: null },
  ]);
  assert.deepEqual((await alerts.recent(10)).map((r) => [r.key, r.sent_at]), [['c', null], ['b', null], ['a', T0.toISOString()]]);
});

/** A Slack stand-in that takes a turn of the event loop per post (so racing flushers interleave) and counts each key posted. */
function countingPost() {
  const posted: string[] = [];
  const post: AlertPost = async (alert) => {
    await new Promise((resolve) => setImmediate(resolve));
    posted.push(alert.text);
  };
  return { posted, post };
}

test('postgres: two replicas recording overlapping batches at once record each key once', async (t) => {
  const { alerts, url } = await openStores('postgres', t);
  const other = replica(url!, t).alerts;
  const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
  // Each replica records the keys in its own order, in several batches at once.
  const batches = [keys.slice(0, 25), keys.slice(15), [...keys].reverse().slice(0, 30), keys.filter((_, i) => i % 2 === 0)];
  const results = await Promise.all(batches.map((b, i) => (i % 2 === 0 ? alerts : other).record(b.map(entry), T0)));
  assert.deepEqual(results.flat().sort(), [...keys].sort(), 'every key returned as new by exactly one recorder');
  assert.equal((await alerts.pending()).length, keys.length);
});

test('postgres: replicas flushing one outbox at once post each alert exactly once, and none is left pending', async (t) => {
  const { alerts, url } = await openStores('postgres', t);
  const keys = Array.from({ length: 30 }, (_, i) => `alert-${i}`);
  await alerts.record(keys.map(entry), T0);
  const sink = countingPost();
  const flushers = [alerts, replica(url!, t).alerts, replica(url!, t).alerts].map((store) => new AlertOutbox(store, silent));
  const results = await Promise.all(flushers.flatMap((o) => [o.flush(sink.post, T0), o.flush(sink.post, T0)]));
  assert.equal(sink.posted.length, keys.length, 'no alert posted twice');
  assert.deepEqual(new Set(sink.posted), new Set(keys.map((k) => `alert ${k}`)));
  assert.deepEqual(results.flatMap((r) => r.sent).sort(), [...keys].sort(), 'each alert sent by one replica');
  assert.deepEqual(await alerts.pending(), []);
});

test('postgres: replicas claiming the same due rows at once each win a row at most once between them', async (t) => {
  const { alerts, url } = await openStores('postgres', t);
  const keys = Array.from({ length: 50 }, (_, i) => `row-${i}`);
  await alerts.record(keys.map(entry), T0);
  const stores = [alerts, replica(url!, t).alerts, replica(url!, t).alerts];
  const now = T0.getTime();
  const wins = await Promise.all(stores.map(async (s) => (await Promise.all(keys.map(async (k) => ((await s.claim(k, now, new Date(now + LEASE))) ? k : null)))).filter((k) => k !== null)));
  assert.deepEqual(wins.flat().sort(), [...keys].sort(), 'every row claimed, by exactly one replica');
});

test('postgres: an alert claimed by a replica that died is posted by another once its lease ends', async (t) => {
  const { alerts, url } = await openStores('postgres', t);
  await alerts.record([entry('orphan')], T0);
  const dead = replica(url!, t).alerts;
  assert.equal(await dead.claim('orphan', T0.getTime(), new Date(T0.getTime() + LEASE)), true);
  // The claimer stops here: never marks it sent or failed.
  const sink = countingPost();
  const outbox = new AlertOutbox(alerts, silent, { leaseMs: LEASE });
  assert.deepEqual((await outbox.flush(sink.post, new Date(T0.getTime() + LEASE - 1))).sent, [], 'held while the lease runs');
  assert.deepEqual((await outbox.flush(sink.post, new Date(T0.getTime() + LEASE))).sent, ['orphan']);
  assert.deepEqual(sink.posted, ['alert orphan']);
  assert.deepEqual(await alerts.pending(), []);
});
