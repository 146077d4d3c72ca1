// Slack bookkeeping (src/store/slack-threads.ts, src/store/postgres/slack-threads.ts): an event id
// handled once, answered threads remembered, journaled writes replayed; one behaviour on both
// stores. On PostgreSQL: replicas receiving one event at once (Slack's retries, two sockets):
// exactly one handles it; a server briefly out of reach: the writes wait in memory and the
// journal, retries of an event are still told apart, and all of it lands when the server is back.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { openPostgres } from '../../src/store/postgres/pool.js';
import { createPgSlackStore } from '../../src/store/postgres/slack-threads.js';
import { Journal, orphanJournals, removeJournal } from '../../src/store/journal.js';
import { storeTest } from '../support/both-stores.js';
import { openStores, replica, silent } from '../support/slack-alert-stores.js';
import { tcpCut } from '../support/tcp-cut.js';
import { tempDir } from '../support/temp.js';

const AT = '2026-03-01T10:00:00.000Z';

storeTest('an event id is handled the first time only, also by another process on the database', async (kind, t) => {
  const stores = await openStores(kind, t);
  const { slack } = stores;
  assert.equal(await slack.claimEvent('Ev1', AT), true);
  assert.equal(await slack.claimEvent('Ev1', AT), false, "Slack's retry");
  assert.equal(await slack.claimEvent('Ev2', AT), true, 'another event');
  assert.equal(await stores.sameDatabase().slack.claimEvent('Ev1', AT), false, 'another process sees it handled');
});

storeTest('a remembered thread is a bot thread at once and for another process once written', async (kind, t) => {
  const stores = await openStores(kind, t);
  const { slack } = stores;
  assert.equal(await slack.isBotThread('C1', '1.1'), false);
  slack.rememberThread('C1', '1.1', AT);
  slack.rememberThread('C1', '1.1', AT);
  assert.equal(await slack.isBotThread('C1', '1.1'), true);
  assert.equal(await slack.isBotThread('C1', '2.2'), false);
  assert.equal(await slack.isBotThread('C2', '1.1'), false);
  assert.equal(await stores.drainSlack(), true);
  const other = stores.sameDatabase().slack;
  assert.equal(await other.isBotThread('C1', '1.1'), true);
  slack.close();
  assert.equal(await other.isBotThread('C1', '1.1'), true);
});

storeTest('writes replayed from a journal count at once and are written; shapes it does not know are skipped', async (kind, t) => {
  const stores = await openStores(kind, t);
  const { slack } = stores;
  slack.replay([
    { kind: 'thread', key: 'C1\u00001.1', channel: 'C1', ts: '1.1', at: AT },
    { kind: 'event', id: 'EvJ', at: AT },
    { kind: 'event', id: 42 },
    null,
    'junk',
    { kind: 'prune', before: '2026-01-01T00:00:00.000Z' },
  ]);
  assert.equal(await slack.isBotThread('C1', '1.1'), true);
  assert.equal(await slack.claimEvent('EvJ', AT), false, 'a retry of a journaled event is not handled again');
  assert.equal(await stores.drainSlack(), true);
  const other = stores.sameDatabase().slack;
  assert.equal(await other.isBotThread('C1', '1.1'), true);
  assert.equal(await other.claimEvent('EvJ', AT), false);
});

test('postgres: replicas receiving the same events at once: each event is handled by exactly one', async (t) => {
  const { slack, url } = await openStores('postgres', t);
  const replicas = [slack, replica(url!, t).slack, replica(url!, t).slack];
  const ids = Array.from({ length: 40 }, (_, i) => `Ev${i}`);
  // Every event delivered twice to each replica, all at once.
  const claims = await Promise.all(ids.flatMap((id) => replicas.flatMap((r) => [r.claimEvent(id, AT).then((won) => (won ? id : null)), r.claimEvent(id, AT).then((won) => (won ? id : null))])));
  assert.deepEqual(claims.filter((id) => id !== null).sort(), [...ids].sort());
});

/** A Slack store whose pool reaches the test database through a link the test cuts and restores. */
async function storeBehindLink(t: TestContext, journal?: Journal) {
  const { url } = await openStores('postgres', t);
  const u = new URL(url!);
  const link = await tcpCut({ host: u.hostname, port: Number(u.port) }, t);
  const db = openPostgres(link.via(url!), { max: 3 });
  t.after(() => db.close());
  // retryMs long: the test drives the retries with drain(), nothing waits on a timer.
  const slack = createPgSlackStore(db, silent, { retryMs: 60_000, ...(journal ? { journal } : {}) });
  return { url: url!, link, slack };
}

test('postgres: a server briefly out of reach: claims and threads count at once, retries are told apart, and all lands once it is back', async (t) => {
  const dir = tempDir('routeops-pgslack-');
  const journal = new Journal(dir.file('journal'));
  t.after(() => {
    journal.close();
    dir.cleanup();
  });
  const { url, link, slack } = await storeBehindLink(t, journal);
  assert.equal(await slack.claimEvent('Ev0', AT), true, 'reachable: claimed in the database');

  link.cut();
  assert.equal(await slack.claimEvent('EvDOWN', AT), true, 'answered though the server cannot say');
  assert.equal(await slack.claimEvent('EvDOWN', AT), false, 'its retry to this replica is not');
  assert.equal(await slack.claimEvent('Ev0', AT), false, 'nor a retry of an event the server has');
  slack.rememberThread('C1', '1.1', AT);
  assert.equal(await slack.isBotThread('C1', '1.1'), true);
  assert.equal(journal.size, 2, 'both writes journaled while they wait');
  assert.equal(await slack.drain(), false, 'still out of reach');

  link.restore();
  assert.equal(await slack.drain(), true);
  assert.equal(journal.size, 0, 'written: settled in the journal');
  const other = replica(url, t).slack;
  assert.equal(await other.isBotThread('C1', '1.1'), true);
  assert.equal(await other.claimEvent('EvDOWN', AT), false, 'another replica sees the event handled');
  assert.equal(await slack.claimEvent('EvDOWN', AT), false);
});

test('postgres: stopped while the server is out of reach, the writes stay in the journal and the next start writes them once', async (t) => {
  const dir = tempDir('routeops-pgslack-');
  const journalDir = dir.file('journal');
  const journal = new Journal(journalDir);
  const { url, link, slack } = await storeBehindLink(t, journal);
  link.cut();
  slack.rememberThread('C1', '1.1', AT);
  assert.equal(await slack.claimEvent('EvSTOP', AT), true);
  slack.close();
  journal.close();
  link.restore();

  // The next start: a new process replays what the stopped one left (src/store/replay-journal.ts).
  const nextJournal = new Journal(journalDir);
  t.after(() => {
    nextJournal.close();
    dir.cleanup();
  });
  const next = createPgSlackStore(replica(url, t).db, silent, { journal: nextJournal });
  const left = orphanJournals(journalDir, () => false);
  assert.equal(left.length, 1);
  for (const e of left[0]!.entries) if (e.kind === 'slack') next.replay(e.writes);
  removeJournal(left[0]!.path);
  assert.equal(await next.drain(), true);
  const fresh = replica(url, t).slack;
  assert.equal(await fresh.isBotThread('C1', '1.1'), true);
  assert.equal(await fresh.claimEvent('EvSTOP', AT), false, 'a retry after the restart is not handled twice');
});
