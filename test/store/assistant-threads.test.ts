// Slack assistant threads (src/store/assistant-threads.ts, src/store/postgres/assistant-threads.ts):
// one behaviour on both stores; the title is claimed once, also by replicas asking at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeTest } from '../support/both-stores.js';
import { openStores, replica } from '../support/slack-alert-stores.js';

const AT = '2026-03-01T10:00:00.000Z';

storeTest('an opened thread is an assistant thread (opened again: nothing changes); its title is claimed once', async (kind, t) => {
  const { assistantThreads: threads } = await openStores(kind, t);
  assert.equal(await threads.isAssistantThread('D1', '1.1'), false);
  assert.equal(await threads.claimTitle('D1', '1.1', AT), false, 'a thread never opened has no title to set');
  await threads.started('D1', '1.1', 'U1', AT);
  await threads.started('D1', '1.1', null, AT);
  assert.equal(await threads.isAssistantThread('D1', '1.1'), true);
  assert.equal(await threads.isAssistantThread('D1', '2.2'), false);
  assert.equal(await threads.claimTitle('D1', '1.1', AT), true);
  assert.equal(await threads.claimTitle('D1', '1.1', AT), false);
});

test('postgres: replicas claiming one thread title at once: exactly one sets it', async (t) => {
  const { assistantThreads: threads, url } = await openStores('postgres', t);
  await threads.started('D1', '1.1', 'U1', AT);
  const others = [replica(url!, t).assistantThreads, replica(url!, t).assistantThreads];
  const claims = await Promise.all([threads, ...others].flatMap((s) => [s.claimTitle('D1', '1.1', AT), s.claimTitle('D1', '1.1', AT)]));
  assert.equal(claims.filter(Boolean).length, 1);
});
