// KeyLimitStore (src/store/key-limits.ts, src/store/postgres/key-limits.ts), the same behaviour on
// both stores: the ring of a key name's last rpm admissions, the budget's calls in flight (holds
// that end at settle or lapse at their deadline) and the key's average cost, decided in one
// atomic step. "Replicas" are connections to one SQLite file or pools on one PostgreSQL database.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createKeyLimitStore, createMemoryKeyLimits, type KeyAdmitRequest, type KeyLimitStore } from '../../src/store/key-limits.js';
import { createPgKeyLimitStore } from '../../src/store/postgres/key-limits.js';
import { openPostgres } from '../../src/store/postgres/pool.js';
import { openDatabase } from '../../src/store/open.js';
import { storeTest, type StoreKind } from '../support/both-stores.js';
import { tempDb } from '../support/store.js';
import { tempPg } from '../support/postgres.js';

const T0 = Date.parse('2026-11-23T12:00:00Z');

/** `n` stores over one database, each on its own connection (pool). */
async function limitStores(kind: StoreKind, t: TestContext, n = 1): Promise<KeyLimitStore[]> {
  if (kind === 'sqlite') {
    const tmp = tempDb(t);
    const others = Array.from({ length: n - 1 }, () => openDatabase(tmp.path));
    t.after(() => others.forEach((db) => db.close()));
    return [tmp.db, ...others].map((db) => createKeyLimitStore(db));
  }
  const pg = await tempPg(t);
  const others = Array.from({ length: n - 1 }, () => openPostgres(pg.url, { max: 4 }));
  t.after(() => Promise.all(others.map((db) => db.close())));
  return [pg.db, ...others].map(createPgKeyLimitStore);
}

const req = (over: Partial<KeyAdmitRequest>): KeyAdmitRequest => ({
  name: 'svc',
  nowMs: T0,
  holder: 'replica-a',
  rpm: null,
  windowMs: 60_000,
  roomNano: null,
  unpricedInFlight: 4,
  holdUntilMs: T0 + 120_000,
  ...over,
});

storeTest("at most rpm admissions of a key name in any window; the oldest frees its slot once it is 60 s old; a refusal takes none; a new rpm starts a new ring", async (kind, t) => {
  const [store] = await limitStores(kind, t);
  for (const dt of [0, 10, 20]) assert.deepEqual(await store!.admit(req({ rpm: 3, nowMs: T0 + dt })), { ok: true, hold: null }, `+${dt}`);
  assert.deepEqual(await store!.admit(req({ rpm: 3, nowMs: T0 + 30 })), { ok: false, reason: 'rate', freeAtMs: T0 + 60_000 });
  assert.deepEqual(await store!.admit(req({ rpm: 3, nowMs: T0 + 59_999 })), { ok: false, reason: 'rate', freeAtMs: T0 + 60_000 });
  assert.equal((await store!.admit(req({ rpm: 3, nowMs: T0 + 60_000 }))).ok, true, 'the first is 60 s old');
  assert.deepEqual(await store!.admit(req({ rpm: 3, nowMs: T0 + 60_009 })), { ok: false, reason: 'rate', freeAtMs: T0 + 60_010 });
  assert.equal((await store!.admit(req({ rpm: 3, nowMs: T0 + 60_010 }))).ok, true);
  // Another name has its own ring; a key name given another rpm starts a new one (as a new window).
  assert.equal((await store!.admit(req({ name: 'other', rpm: 1, nowMs: T0 + 60_011 }))).ok, true);
  for (let i = 0; i < 4; i++) assert.equal((await store!.admit(req({ rpm: 4, nowMs: T0 + 60_012 + i }))).ok, true, `rpm 4, call ${i + 1}`);
  assert.deepEqual(await store!.admit(req({ rpm: 4, nowMs: T0 + 60_016 })), { ok: false, reason: 'rate', freeAtMs: T0 + 120_012 });
});

storeTest('a budgeted key: at most unpricedInFlight calls before a cost is known, then calls in flight hold the average; settles end them', async (kind, t) => {
  const [store] = await limitStores(kind, t);
  const budget = (nowMs: number, roomNano = 1_000n) => store!.admit(req({ nowMs, roomNano }));
  for (let i = 0; i < 4; i++) assert.deepEqual(await budget(T0 + i), { ok: true, hold: { name: 'svc', holder: 'replica-a' } });
  const hold = { name: 'svc', holder: 'replica-a' };
  assert.deepEqual(await budget(T0 + 5), { ok: false, reason: 'unpriced', avgNano: null, inFlight: 4 });
  await store!.settle(hold, 300n, 3);
  await store!.settle(hold, null, 2);
  // Two in flight at an average of 300 hold 600 of the 1,000 room: two more fit, a fifth not.
  assert.ok((await budget(T0 + 6)).ok && (await budget(T0 + 7)).ok);
  assert.deepEqual(await budget(T0 + 8), { ok: false, reason: 'budget', avgNano: 300n, inFlight: 4 });
  // The average moves 1/8 towards each cost, truncated towards zero: 300 -> 387 -> 339.
  await store!.settle(hold, 1_000n, 3);
  assert.deepEqual(await budget(T0 + 9), { ok: false, reason: 'budget', avgNano: 387n, inFlight: 3 });
  await store!.settle(hold, 0n, 2);
  assert.deepEqual(await budget(T0 + 10, 678n), { ok: false, reason: 'budget', avgNano: 339n, inFlight: 2 });
  assert.equal((await budget(T0 + 11, 678n)).ok, false, 'refused calls hold nothing');
  assert.equal((await budget(T0 + 12, 679n)).ok, true);
});

storeTest('a settle the store missed is mended by the next one: a holder counts at most what it says it still has in flight', async (kind, t) => {
  const [store] = await limitStores(kind, t);
  const hold = { name: 'svc', holder: 'replica-a' };
  for (let i = 0; i < 3; i++) assert.ok((await store!.admit(req({ nowMs: T0 + i, roomNano: 1_000n }))).ok);
  // Of three calls two ended, one of them without reaching the store; the second settle says 1.
  await store!.settle(hold, null, 1);
  assert.deepEqual(await store!.admit(req({ holder: 'replica-b', nowMs: T0 + 3, roomNano: 1_000n, unpricedInFlight: 2 })), { ok: true, hold: { name: 'svc', holder: 'replica-b' } });
  assert.deepEqual(await store!.admit(req({ holder: 'replica-b', nowMs: T0 + 4, roomNano: 1_000n, unpricedInFlight: 2 })), { ok: false, reason: 'unpriced', avgNano: null, inFlight: 2 });
});

storeTest('a holder\'s calls in flight lapse at its deadline: a process that died holding calls stops holding the budget', async (kind, t) => {
  const [a, b] = await limitStores(kind, t, 2);
  for (let i = 0; i < 4; i++) assert.equal((await a!.admit(req({ nowMs: T0 + i, roomNano: 1_000n, holdUntilMs: T0 + i + 30_000 }))).ok, true);
  assert.deepEqual(await b!.admit(req({ holder: 'replica-b', nowMs: T0 + 30_002, roomNano: 1_000n })), { ok: false, reason: 'unpriced', avgNano: null, inFlight: 4 }, 'each admission moved the deadline on');
  const after = await b!.admit(req({ holder: 'replica-b', nowMs: T0 + 30_003, roomNano: 1_000n }));
  assert.ok(after.ok && after.hold !== null, "the dead holder's calls no longer count");
});

storeTest('a budget refusal takes no rate slot, and a rate refusal holds nothing', async (kind, t) => {
  const [store] = await limitStores(kind, t);
  const a = await store!.admit(req({ rpm: 1, roomNano: 1_000n }));
  assert.ok(a.ok && a.hold !== null);
  await store!.settle(a.hold, 1_000n, 0);
  // Nothing in flight, no room left: refused for the budget before the rate is looked at.
  assert.equal((await store!.admit(req({ rpm: 2, nowMs: T0 + 1, roomNano: 0n }))).ok, false);
  assert.equal((await store!.admit(req({ rpm: 2, nowMs: T0 + 2, roomNano: 10_000n }))).ok, true, 'a new rpm: a new ring, its first slot');
  assert.equal((await store!.admit(req({ rpm: 2, nowMs: T0 + 3, roomNano: 10_000n }))).ok, true, 'the second slot was still free');
  assert.deepEqual(await store!.admit(req({ rpm: 2, nowMs: T0 + 4, roomNano: 10_000n })), { ok: false, reason: 'rate', freeAtMs: T0 + 60_002 });
  // Two calls in flight (T0 + 2, + 3), not three: 2,000 held of 2,001.
  assert.equal((await store!.admit(req({ nowMs: T0 + 5, roomNano: 2_001n }))).ok, true, 'the rate-refused call is not in flight');
  assert.deepEqual(await store!.admit(req({ nowMs: T0 + 6, roomNano: 2_001n })), { ok: false, reason: 'budget', avgNano: 1_000n, inFlight: 3 });
});

storeTest('replicas admitting at the same moment: exactly rpm of them get in, and at most unpricedInFlight of a budgeted key', async (kind, t) => {
  const stores = await limitStores(kind, t, 3);
  const rate = await Promise.all(Array.from({ length: 30 }, (_, i) => stores[i % 3]!.admit(req({ holder: `replica-${i % 3}`, rpm: 10, nowMs: T0 + i }))));
  assert.equal(rate.filter((r) => r.ok).length, 10);
  const budget = await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 3]!.admit(req({ name: 'budgeted', holder: `replica-${i % 3}`, roomNano: 1_000n }))));
  assert.equal(budget.filter((r) => r.ok).length, 4);
});

test('sqlite: while another process holds the write lock, admissions are decided from memory instead of waiting, and their holds settle there', async (t) => {
  const tmp = tempDb(t);
  const store = createKeyLimitStore(tmp.db);
  const importer = openDatabase(tmp.path);
  t.after(() => importer.close());
  importer.prepare('BEGIN IMMEDIATE').run();
  const held = await store.admit(req({ rpm: 1, roomNano: 1_000n }));
  assert.ok(held.ok && held.hold?.inMemory === true, 'counted in memory');
  assert.deepEqual(await store.admit(req({ rpm: 1, nowMs: T0 + 1, roomNano: 1_000n })), { ok: false, reason: 'rate', freeAtMs: T0 + 60_000 }, 'memory keeps the rules');
  await store.settle(held.hold, 5n, 0);
  assert.equal(tmp.db.pragma('busy_timeout', { simple: true }), 5000, 'the connection keeps its own busy timeout');
  importer.prepare('ROLLBACK').run();
  assert.deepEqual(tmp.db.prepare('SELECT count(*) AS n FROM gateway_key_rate_slots').get(), { n: 0 }, 'nothing was written to the file');
});

test('the memory rules match the stores: a ring per key name, holds that lapse, the average', async () => {
  const store = createMemoryKeyLimits();
  assert.equal((await store.admit(req({ rpm: 1 }))).ok, true);
  assert.deepEqual(await store.admit(req({ rpm: 1, nowMs: T0 + 59_999 })), { ok: false, reason: 'rate', freeAtMs: T0 + 60_000 });
  const h = await store.admit(req({ name: 'b', roomNano: 100n, holdUntilMs: T0 + 10 }));
  assert.ok(h.ok && h.hold !== null);
  await store.settle(h.hold, 60n, 0);
  const again = await store.admit(req({ name: 'b', roomNano: 100n, holdUntilMs: T0 + 10 }));
  assert.ok(again.ok);
  assert.deepEqual(await store.admit(req({ name: 'b', nowMs: T0 + 9, roomNano: 60n })), { ok: false, reason: 'budget', avgNano: 60n, inFlight: 1 });
  assert.equal((await store.admit(req({ name: 'b', nowMs: T0 + 10, roomNano: 60n }))).ok, true, 'the hold lapsed');
});
