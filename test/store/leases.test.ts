import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createLeaseStore, type LeaseStore } from '../../src/store/leases.js';
import { createPgLeaseStore } from '../../src/store/postgres/leases.js';
import { openPostgres } from '../../src/store/postgres/pool.js';
import { storeTest, type StoreKind } from '../support/both-stores.js';
import { tempPg } from '../support/postgres.js';
import { tempDb } from '../support/store.js';
import { openDatabase } from '../../src/store/open.js';
import { test } from 'node:test';

async function leases(kind: StoreKind, t: TestContext): Promise<LeaseStore> {
  if (kind === 'sqlite') return createLeaseStore(tempDb(t).db);
  return createPgLeaseStore((await tempPg(t)).db);
}

const T0 = Date.UTC(2026, 11, 5, 9);

storeTest('a free lease is taken; its holder renews it; nobody else gets it before its deadline', async (kind, t) => {
  const store = await leases(kind, t);
  assert.equal(await store.acquire('job:budgets', 'replica-a', T0, 30_000), true);
  assert.equal(await store.acquire('job:budgets', 'replica-b', T0 + 1_000, 30_000), false);
  assert.equal(await store.acquire('job:budgets', 'replica-a', T0 + 20_000, 30_000), true, 'renewed');
  // Past the first deadline but not the renewed one: still a's.
  assert.equal(await store.acquire('job:budgets', 'replica-b', T0 + 40_000, 30_000), false);
  assert.deepEqual(await store.current('job:budgets', T0 + 40_000), { holder: 'replica-a', until_ms: T0 + 50_000, since_ms: T0 });
  // Other names are other leases.
  assert.equal(await store.acquire('routecheck', 'replica-b', T0, 30_000), true);
});

storeTest('a lease whose holder stopped renewing is taken over at its deadline, and the old holder cannot release it', async (kind, t) => {
  const store = await leases(kind, t);
  await store.acquire('job:budgets', 'replica-a', T0, 30_000);
  assert.equal(await store.current('job:budgets', T0 + 30_000), null, 'expired at its deadline');
  assert.equal(await store.acquire('job:budgets', 'replica-b', T0 + 30_000, 30_000), true);
  await store.release('job:budgets', 'replica-a');
  assert.deepEqual(await store.current('job:budgets', T0 + 31_000), { holder: 'replica-b', until_ms: T0 + 60_000, since_ms: T0 + 30_000 });
  assert.equal(await store.acquire('job:budgets', 'replica-a', T0 + 31_000, 30_000), false);
  await store.release('job:budgets', 'replica-b');
  assert.equal(await store.current('job:budgets', T0 + 31_000), null);
  assert.equal(await store.acquire('job:budgets', 'replica-a', T0 + 31_000, 30_000), true, 'free again once released');
});

test('postgres: of replicas asking for a lease at the same moment exactly one gets it, free or expired', async (t) => {
  const pg = await tempPg(t);
  const pools = Array.from({ length: 6 }, () => openPostgres(pg.url, { max: 2 }));
  t.after(() => Promise.all(pools.map((p) => p.close())));
  const stores = pools.map((p) => createPgLeaseStore(p));
  for (let round = 0; round < 20; round++) {
    // Each round starts after the previous holder's deadline: the lease is expired for everyone.
    const now = T0 + round * 60_000;
    const won = await Promise.all(stores.map((s, i) => s.acquire('job:spend_report', `replica-${i}`, now, 30_000)));
    assert.equal(won.filter(Boolean).length, 1, `round ${round}: ${JSON.stringify(won)}`);
    const winner = won.indexOf(true);
    assert.equal((await stores[0]!.current('job:spend_report', now))?.holder, `replica-${winner}`);
  }
});

test('sqlite: a lease asked for while another process holds the write lock is refused as busy, and the connection keeps its own busy timeout', async (t) => {
  const tmp = tempDb(t);
  const store = createLeaseStore(tmp.db);
  const importer = openDatabase(tmp.path);
  t.after(() => importer.close());
  importer.prepare('BEGIN IMMEDIATE').run();
  await assert.rejects(store.acquire('ask:U1', 'replica-a', T0, 60_000), (err: { code?: string }) => err.code === 'SQLITE_BUSY');
  assert.equal(tmp.db.pragma('busy_timeout', { simple: true }), 5000);
  importer.prepare('ROLLBACK').run();
  assert.equal(await store.acquire('ask:U1', 'replica-a', T0, 60_000), true);
});
