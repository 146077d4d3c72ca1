// Replicas writing one PostgreSQL ledger at the same moment (issue 17, "once across replicas"):
// two pools, as two routeops processes would have, record overlapping rows at once; every row is
// stored once and the rollup still equals the rows. And the PostgreSQL-only parts of a write: a
// deadlock's victim written again, beforeWrite inside the transaction.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { SPEND_DIMS } from '../../src/domain/spend.js';
import type { UsageInput } from '../../src/store/ledger.js';
import { makeZone } from '../../src/domain/time/zone.js';
import { openPostgres } from '../../src/store/postgres/pool.js';
import { PostgresLedger } from '../../src/store/postgres/ledger/postgres-ledger.js';
import { randomRows, usdToNusd } from '../support/ledger-fixtures.js';
import { openLedger, type AnyLedger } from '../support/ledger-stores.js';

async function twoReplicas(t: TestContext): Promise<[AnyLedger, AnyLedger]> {
  const { another } = await openLedger('postgres', t, 'Europe/Paris');
  return [await another('Europe/Paris'), await another('Europe/Paris')];
}

async function assertRollupIsRaw(ledger: AnyLedger): Promise<void> {
  for (const dim of SPEND_DIMS) assert.deepEqual(await ledger.spendRollup(dim, '2026-01-01', '2026-12-31'), await ledger.spendRaw(dim, '2026-01-01', '2026-12-31'), dim);
  assert.deepEqual(await ledger.totals('2026-01-01', '2026-12-31'), await ledger.totalsRaw('2026-01-01', '2026-12-31'));
}

/** Records `rows` in writes of `size` rows, one after another. */
async function inWrites(ledger: AnyLedger, rows: readonly UsageInput[], size: number, source: 'import' | 'gateway'): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += size) inserted += (await ledger.record(rows.slice(i, i + size), source)).inserted;
  return inserted;
}

test('postgres: two replicas importing overlapping rows at once store each request id once', async (t) => {
  const [a, b] = await twoReplicas(t);
  const rows = randomRows(4000, 17).map((r, i) => ({ ...r, request_id: `q${i}` }));
  // Replica A has rows 0-2999, B rows 1000-3999: 2000 rows both write, in writes of 250 at once.
  const [fromA, fromB] = await Promise.all([inWrites(a, rows.slice(0, 3000), 250, 'import'), inWrites(b, rows.slice(1000), 250, 'import')]);
  assert.equal(fromA + fromB, 4000);
  assert.equal(await a.count(), 4000);
  assert.equal(await b.count(), 4000);
  await assertRollupIsRaw(b);
});

test('postgres: two replicas writing the same calls at once, in opposite orders, store each call once', async (t) => {
  // Both transactions meet inside beforeWrite before either looks anything up, so neither sees
  // the other's rows and both insert them all: the same moment, made certain.
  let arrived = 0;
  let release!: () => void;
  const bothIn = new Promise<void>((resolve) => (release = resolve));
  const barrier = async () => {
    if (++arrived === 2) release();
    await bothIn;
  };
  const { ledger, another } = await openLedger('postgres', t, 'Europe/Paris');
  // The zone stored first: the first write of a ledger stores it, and a second waits for that.
  assert.equal(await ledger.ensureTimezone(), false);
  const a = await another('Europe/Paris', undefined, barrier);
  const b = await another('Europe/Paris', undefined, barrier);
  const rows = randomRows(3000, 23).map((r, i) => ({ ...r, call_id: `call-${i}` }));
  const reversed = [...rows].reverse();
  // Each in one write: the later one waits on call ids the other inserted and skips them (or,
  // meeting in the middle, PostgreSQL rolls one back as a deadlock and the ledger writes it again).
  const [fromA, fromB] = await Promise.all([inWrites(a, rows, 3000, 'gateway'), inWrites(b, reversed, 3000, 'gateway')]);
  assert.equal(fromA + fromB, 3000);
  assert.equal(await a.count(), 3000);
  const rowsOf = await a.recentRows(5000);
  assert.equal(new Set(rowsOf.map((r) => r.call_id)).size, 3000);
  await assertRollupIsRaw(a);
});

test('postgres: an import on one replica and single calls on another at once: every row once, the rollup whole', async (t) => {
  const [a, b] = await twoReplicas(t);
  const imported = randomRows(6000, 29).map((r, i) => ({ ...r, request_id: `imp${i}` }));
  const calls = randomRows(600, 31).map((r, i) => ({ ...r, request_id: undefined, call_id: `c${i}` }));
  const batches = function* () {
    for (let i = 0; i < imported.length; i += 1000) yield imported.slice(i, i + 1000);
  };
  const [imp, single] = await Promise.all([a.recordBatches(batches(), 'import'), inWrites(b, [...calls, ...calls], 1, 'gateway')]);
  assert.deepEqual([imp.inserted, single], [6000, 600]);
  assert.equal(await a.count(), 6600);
  await assertRollupIsRaw(a);
});

test('postgres: a write PostgreSQL rolls back as a deadlock\'s victim is written again, whole', async (t) => {
  let attempts = 0;
  const { another } = await openLedger('postgres', t, 'UTC');
  const victim = await another('UTC', undefined, async () => {
    // The first attempt is chosen as a deadlock's victim (PostgreSQL's error 40P01).
    if (++attempts === 1) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
  });
  const rows = randomRows(300, 37).map((r, i) => ({ ...r, call_id: `v${i}` }));
  assert.deepEqual(await victim.record(rows, 'gateway'), { inserted: 300, skipped: 0 });
  assert.equal(attempts, 2);
  assert.equal(await victim.count(), 300);
  await assertRollupIsRaw(victim);
  // Any other error is the caller's at once.
  const failing = await another('UTC', undefined, async () => {
    throw Object.assign(new Error('connection lost'), { code: '08006' });
  });
  await assert.rejects(failing.record(rows, 'gateway'), /connection lost/);
});

test('postgres: beforeWrite runs first inside the write transaction, before any row is priced', async (t) => {
  const { pg, url } = await openLedger('postgres', t, 'UTC');
  const db = openPostgres(url!);
  t.after(() => db.close());
  const seen: string[] = [];
  const ledger = new PostgresLedger({
    db,
    zone: makeZone('UTC'),
    usdToNusd,
    price: (r) => {
      seen.push('priced');
      if (r.model === 'explodes') throw new Error('catalog exploded');
      return { cost_nusd: 1, price_version: 'v' };
    },
    beforeWrite: async (q) => {
      seen.push('before');
      await q.query(`INSERT INTO meta (key, value) VALUES ('mark', 'x') ON CONFLICT (key) DO UPDATE SET value = meta.value || 'x'`);
    },
  });
  const rows = randomRows(3, 41).map((r, i) => ({ ...r, model: 'm', request_id: `b${i}` }));
  await ledger.record(rows, 'import');
  assert.deepEqual(seen, ['before', 'priced', 'priced', 'priced']);
  // A write that fails takes what beforeWrite wrote with it: one transaction.
  await assert.rejects(ledger.record([{ ...rows[0]!, model: 'explodes', request_id: 'e' }], 'import'), /catalog exploded/);
  assert.deepEqual(await pg!.query(`SELECT value FROM meta WHERE key = 'mark'`), [{ value: 'x' }]);
});
