// GatewayKeyStore (src/store/gateway-keys.ts, src/store/postgres/gateway-keys.ts), the same
// behaviour on both stores: create, list, live, revoke, rotate (the old row revoked and the new
// one added at once), activeCount, and the stamp that moves when another process or replica
// changed the keys. "Two replicas" are two connections to one SQLite file, or two pools on one
// PostgreSQL database: there, calls run truly at once, and each write still happens once.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createGatewayKeyStore, type GatewayKeyStore, type NewGatewayKey } from '../../src/store/gateway-keys.js';
import { createPgGatewayKeyStore } from '../../src/store/postgres/gateway-keys.js';
import { openPostgres } from '../../src/store/postgres/pool.js';
import { openDatabase } from '../../src/store/open.js';
import { storeTest, type StoreKind } from '../support/both-stores.js';
import { tempDb } from '../support/store.js';
import { tempPg } from '../support/postgres.js';

const AT = Date.parse('2026-11-23T12:00:00Z');

/** `n` stores over one database, each on its own connection (pool). */
async function keyStores(kind: StoreKind, t: TestContext, n = 1): Promise<GatewayKeyStore[]> {
  if (kind === 'sqlite') {
    const tmp = tempDb(t);
    const others = Array.from({ length: n - 1 }, () => openDatabase(tmp.path));
    t.after(() => others.forEach((db) => db.close()));
    return [tmp.db, ...others].map(createGatewayKeyStore);
  }
  const pg = await tempPg(t);
  const others = Array.from({ length: n - 1 }, () => openPostgres(pg.url));
  t.after(() => Promise.all(others.map((db) => db.close())));
  return [pg.db, ...others].map(createPgGatewayKeyStore);
}

let serial = 0;
function newKey(name: string, extra: Partial<NewGatewayKey> = {}): NewGatewayKey {
  serial++;
  return {
    name, owner: null, prefix: `ro_K${serial}`, hash: `hash-${serial}-${name}`, aliases: [], providerModels: false,
    budgetDailyNano: null, budgetMonthlyNano: null, rpm: null, expiresMs: null, ...extra,
  };
}

storeTest('create stores the settings exactly (budgets up to 2^53 - 1 included), live finds the key, list orders by name then age', async (kind, t) => {
  const [keys] = await keyStores(kind, t);
  const big = 2n ** 53n - 1n; // SQLite's store reads the budget as a number: exact up to here
  const made = await keys!.create(newKey('svc-b', { owner: 'pay', aliases: ['qwen-plus', 'fast'], providerModels: true, budgetDailyNano: big, budgetMonthlyNano: 20_000_000_000n, rpm: 60, expiresMs: AT + 1000 }), AT);
  assert.ok(made.ok);
  assert.deepEqual(made.key, {
    id: 1, name: 'svc-b', owner: 'pay', prefix: made.key.prefix, hash: made.key.hash, aliases: ['qwen-plus', 'fast'], providerModels: true,
    budgetDailyNano: big, budgetMonthlyNano: 20_000_000_000n, rpm: 60, expiresMs: AT + 1000, createdAt: '2026-11-23T12:00:00.000Z', createdMs: AT,
    revokedAt: null, revokedMs: null, rotatedFrom: null,
  });
  assert.deepEqual(await keys!.live('svc-b'), made.key);
  assert.equal(await keys!.live('nobody'), null);
  // Byte order, as SQLite's: 'Z' before 'a', '-' before '_'.
  for (const name of ['svc_a', 'svc-a', 'Zed']) assert.ok((await keys!.create(newKey(name), AT + 1)).ok);
  assert.deepEqual((await keys!.list()).map((k) => [k.id, k.name]), [[4, 'Zed'], [3, 'svc-a'], [1, 'svc-b'], [2, 'svc_a']]);
});

storeTest('a live name is refused with name_taken and takes no id; after revoke the name is free again', async (kind, t) => {
  const [keys] = await keyStores(kind, t);
  assert.ok((await keys!.create(newKey('svc'), AT)).ok);
  assert.deepEqual(await keys!.create(newKey('svc'), AT + 1), { ok: false, reason: 'name_taken' });
  const revoked = await keys!.revoke('svc', AT + 2);
  assert.ok(revoked.ok);
  assert.equal(revoked.key.revokedMs, AT + 2);
  assert.equal(revoked.key.revokedAt, '2026-11-23T12:00:00.002Z');
  assert.deepEqual(await keys!.revoke('svc', AT + 3), { ok: false, reason: 'not_found' });
  const again = await keys!.create(newKey('svc'), AT + 4);
  assert.ok(again.ok);
  assert.equal(again.key.id, 2);
  assert.deepEqual((await keys!.list()).map((k) => [k.id, k.revokedMs]), [[1, AT + 2], [2, null]]);
});

storeTest('rotate revokes the old key and adds one with the same settings and a new hash, at once; a missing name is not_found', async (kind, t) => {
  const [keys] = await keyStores(kind, t);
  const first = await keys!.create(newKey('svc', { rpm: 5, aliases: ['a'], budgetMonthlyNano: 9n }), AT);
  assert.ok(first.ok);
  const rotated = await keys!.rotate('svc', { prefix: 'ro_NEW1', hash: 'new-hash' }, AT + 10);
  assert.ok(rotated.ok);
  assert.deepEqual(rotated.replaced, { ...first.key, revokedAt: '2026-11-23T12:00:00.010Z', revokedMs: AT + 10 });
  assert.deepEqual(rotated.key, { ...first.key, id: 2, prefix: 'ro_NEW1', hash: 'new-hash', createdAt: '2026-11-23T12:00:00.010Z', createdMs: AT + 10, rotatedFrom: 1 });
  assert.deepEqual(await keys!.live('svc'), rotated.key);
  assert.deepEqual(await keys!.rotate('other', { prefix: 'ro_X', hash: 'x' }, AT), { ok: false, reason: 'not_found' });
});

storeTest('activeCount counts the keys neither revoked nor expired at the time asked', async (kind, t) => {
  const [keys] = await keyStores(kind, t);
  await keys!.create(newKey('a'), AT);
  await keys!.create(newKey('b', { expiresMs: AT + 100 }), AT);
  await keys!.create(newKey('c'), AT);
  await keys!.revoke('c', AT + 1);
  assert.equal(await keys!.activeCount(AT + 99), 2);
  assert.equal(await keys!.activeCount(AT + 100), 1);
});

storeTest('the stamp moves when another connection changes the keys, and when this one does; reads leave it still', async (kind, t) => {
  const [gateway, cli] = await keyStores(kind, t, 2);
  await cli!.create(newKey('svc'), AT);
  const s0 = await gateway!.stamp();
  assert.equal(await gateway!.stamp(), s0, 'nothing changed');
  await gateway!.list();
  assert.equal(await gateway!.stamp(), s0, 'a read is no change');
  assert.ok((await cli!.revoke('svc', AT + 1)).ok);
  const s1 = await gateway!.stamp();
  assert.notEqual(s1, s0, "the other connection's revoke moved it");
  assert.equal((await gateway!.live('svc')), null);
  await gateway!.create(newKey('own'), AT + 2);
  assert.notEqual(await gateway!.stamp(), s1, 'its own write moved it');
});

storeTest('two replicas creating one name at once: one key is made, the other gets name_taken', async (kind, t) => {
  const stores = await keyStores(kind, t, 4);
  for (let round = 0; round < 5; round++) {
    const name = `svc-${round}`;
    const results = await Promise.all(stores.map((s) => s.create(newKey(name), AT + round)));
    assert.equal(results.filter((r) => r.ok).length, 1, `round ${round}: ${JSON.stringify(results, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    assert.deepEqual(results.filter((r) => !r.ok), Array.from({ length: stores.length - 1 }, () => ({ ok: false, reason: 'name_taken' })));
  }
  assert.equal((await stores[0]!.list()).length, 5);
});

storeTest('replicas rotating one key at once take turns: each rotation replaces the key the one before made, one key stays live', async (kind, t) => {
  const stores = await keyStores(kind, t, 3);
  await stores[0]!.create(newKey('svc'), AT);
  const results = await Promise.all(stores.map((s, i) => s.rotate('svc', { prefix: `ro_R${i}`, hash: `rot-${i}` }, AT + 1)));
  assert.ok(results.every((r) => r.ok));
  const all = await stores[0]!.list();
  assert.equal(all.length, 4);
  assert.equal(all.filter((k) => k.revokedMs === null).length, 1);
  // A chain: every key but the first was rotated from a different one.
  assert.deepEqual(all.map((k) => k.rotatedFrom).sort(), [1, 2, 3, null].sort());
});

storeTest('replicas revoking one key at once: one revokes it, the others find nothing to revoke', async (kind, t) => {
  const stores = await keyStores(kind, t, 3);
  await stores[0]!.create(newKey('svc'), AT);
  const results = await Promise.all(stores.map((s) => s.revoke('svc', AT + 1)));
  assert.equal(results.filter((r) => r.ok).length, 1);
  assert.equal(results.filter((r) => !r.ok && r.reason === 'not_found').length, 2);
});
