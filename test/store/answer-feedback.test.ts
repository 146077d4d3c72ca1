// 👍/👎 on answers (src/store/answer-feedback.ts, src/store/postgres/answer-feedback.ts): one
// vote per user per answer, the last button counting; per model by the day and model of the
// answer's ledger row (the ledger's usage table); on PostgreSQL, one user's clicks reaching two
// replicas at once count once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Vote } from '../../src/store/answer-feedback.js';
import { storeTest } from '../support/both-stores.js';
import { openStores, replica, type SlackAlertStores } from '../support/slack-alert-stores.js';

const AT = '2026-03-02T12:00:00.000Z';
const voter = (s: SlackAlertStores) => (callId: string, user: string, vote: Vote) => s.feedback.vote({ callId, user, vote, channel: 'C1', messageTs: '1.1', nowIso: AT });

storeTest('a first vote is recorded, the same again changes nothing, the other button changes it; the tally follows', async (kind, t) => {
  const stores = await openStores(kind, t);
  const v = voter(stores);
  assert.deepEqual(await stores.feedback.tally('a1'), { up: 0, down: 0 });
  assert.deepEqual(await v('a1', 'U1', 'up'), { outcome: 'recorded', tally: { up: 1, down: 0 } });
  assert.deepEqual(await v('a1', 'U1', 'up'), { outcome: 'unchanged', tally: { up: 1, down: 0 } });
  assert.deepEqual(await v('a1', 'U1', 'down'), { outcome: 'changed', tally: { up: 0, down: 1 } });
  assert.deepEqual(await v('a1', 'U2', 'up'), { outcome: 'recorded', tally: { up: 1, down: 1 } });
  assert.deepEqual(await stores.feedback.tally('a1'), { up: 1, down: 1 });
  assert.deepEqual(await stores.feedback.tally('a2'), { up: 0, down: 0 }, 'each answer is its own');
});

storeTest('votes count per model on the days of their answers; answers not in the ledger are not counted', async (kind, t) => {
  const stores = await openStores(kind, t);
  await stores.addUsage('a1', '2026-03-01', 'deepseek', 'chat');
  await stores.addUsage('a2', '2026-03-01', 'deepseek', 'reasoner');
  await stores.addUsage('a3', '2026-03-02', 'deepseek', 'chat');
  await stores.addUsage('a4', '2026-03-01', 'Zeta', 'model');
  const v = voter(stores);
  await v('a1', 'U1', 'down');
  await v('a1', 'U2', 'up');
  await v('a2', 'U1', 'down');
  await v('a3', 'U1', 'up');
  await v('a4', 'U1', 'up');
  await v('not-in-ledger', 'U1', 'up');
  // Keys in bytewise order (uppercase before lowercase), as SQLite orders text.
  assert.deepEqual(await stores.feedback.byModel('2026-03-01', '2026-03-01'), [
    { key: 'Zeta/model', up: 1, down: 0 },
    { key: 'deepseek/chat', up: 1, down: 1 },
    { key: 'deepseek/reasoner', up: 0, down: 1 },
  ]);
  assert.deepEqual(await stores.feedback.byModel('2026-03-01', '2026-03-02'), [
    { key: 'Zeta/model', up: 1, down: 0 },
    { key: 'deepseek/chat', up: 2, down: 1 },
    { key: 'deepseek/reasoner', up: 0, down: 1 },
  ]);
  assert.deepEqual(await stores.feedback.byModel('2026-02-01', '2026-02-28'), []);
});

test('postgres: one user clicking on two replicas at once is recorded once; the last state is one vote', async (t) => {
  const stores = await openStores('postgres', t);
  const replicas = [stores, replica(stores.url!, t), replica(stores.url!, t)].map(voter);
  const same = await Promise.all(replicas.flatMap((v) => [v('a1', 'U1', 'up'), v('a1', 'U1', 'up')]));
  assert.deepEqual(same.map((r) => r.outcome).sort(), ['recorded', 'unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
  assert.deepEqual(await stores.feedback.tally('a1'), { up: 1, down: 0 });
  // Both buttons at once: each click seen in some order, the user has one vote in the end.
  const mixed = await Promise.all(replicas.flatMap((v) => [v('a2', 'U1', 'up'), v('a2', 'U1', 'down')]));
  assert.equal(mixed.filter((r) => r.outcome === 'recorded').length, 1);
  const tally = await stores.feedback.tally('a2');
  assert.equal(tally.up + tally.down, 1);
});
