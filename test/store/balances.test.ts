// BalanceStore (src/store/balances.ts, src/store/postgres/balances.ts), the same behaviour on both
// stores: snapshots and the top-ups and grants between them, failed polls, and the refusals for
// lack of balance read from the ledger's usage table (rows written here with plain SQL). Two
// pollers recording one provider's rise at once count it once. ledgerSpendByModel: model-spend.test.ts.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createBalanceStore, type BalanceStore } from '../../src/store/balances.js';
import { createPgBalanceStore } from '../../src/store/postgres/balances.js';
import { openPostgres } from '../../src/store/postgres/pool.js';
import { openDatabase } from '../../src/store/open.js';
import type { BalanceReading } from '../../src/domain/money/balance.js';
import { storeTest, type StoreKind } from '../support/both-stores.js';
import { tempDb } from '../support/store.js';
import { tempPg } from '../support/postgres.js';

interface UsageRow {
  ts_ms: number;
  provider: string;
  model: string;
  status: string;
  error?: string | null;
}

interface Fixture {
  stores: BalanceStore[];
  /** Ledger rows, inserted with plain SQL (the day column is not read here). */
  usage(rows: UsageRow[]): Promise<void>;
}

async function fixture(kind: StoreKind, t: TestContext, n = 1): Promise<Fixture> {
  const insert = 'INSERT INTO usage (ts_ms, day, provider, model, source, status, error) VALUES ';
  const params = (r: UsageRow) => [r.ts_ms, new Date(r.ts_ms).toISOString().slice(0, 10), r.provider, r.model, 'ask', r.status, r.error ?? null];
  if (kind === 'sqlite') {
    const tmp = tempDb(t);
    const others = Array.from({ length: n - 1 }, () => openDatabase(tmp.path));
    t.after(() => others.forEach((db) => db.close()));
    const stmt = tmp.db.prepare(`${insert}(?, ?, ?, ?, ?, ?, ?)`);
    return { stores: [tmp.db, ...others].map(createBalanceStore), usage: async (rows) => rows.forEach((r) => stmt.run(...params(r))) };
  }
  const pg = await tempPg(t);
  const others = Array.from({ length: n - 1 }, () => openPostgres(pg.url));
  t.after(() => Promise.all(others.map((db) => db.close())));
  return {
    stores: [pg.db, ...others].map(createPgBalanceStore),
    usage: async (rows) => {
      for (const r of rows) await pg.db.query(`${insert}($1, $2, $3, $4, $5, $6, $7)`, params(r));
    },
  };
}

const hour = (h: number) => new Date(Date.UTC(2026, 10, 23, h)).toISOString();
const HOUR_MS = (h: number) => Date.UTC(2026, 10, 23, h);
const usd = (n: number) => BigInt(n) * 1_000_000_000n;
const reading = (provider: string, at: string, balance: bigint, extra: Partial<BalanceReading> = {}): BalanceReading => ({
  provider, kind: 'json', currency: 'USD', balance_nano: balance, available: null, at, detail: { balance: String(balance) }, ...extra,
});

storeTest('a rise between snapshots is a top-up of the difference, a fall records nothing; snapshots, events and atOrBefore read them back', async (kind, t) => {
  const { stores: [b] } = await fixture(kind, t);
  const first = await b!.record(reading('gw', hour(0), usd(100), { available: true, detail: { balance: '100.00', ok: true } }));
  assert.equal(first.previous, null);
  assert.deepEqual(first.events, []);
  assert.deepEqual(first.snapshot, {
    id: 1, provider: 'gw', kind: 'json', at: '2026-11-23T00:00:00.000Z', at_ms: HOUR_MS(0), currency: 'USD', balance_nano: usd(100), available: true,
    granted_nano: null, topped_up_nano: null, voucher_nano: null, cash_nano: null, usage_nano: null, limit_nano: null, detail: { balance: '100.00', ok: true },
  });
  assert.deepEqual((await b!.record(reading('gw', hour(1), usd(90)))).events, []);
  const risen = await b!.record(reading('gw', hour(2), usd(140), { available: false, usage_nano: 5n, limit_nano: usd(1000) }));
  assert.equal(risen.previous?.id, 2);
  assert.deepEqual(risen.events, [{ id: 1, provider: 'gw', currency: 'USD', kind: 'top_up', amount_nano: usd(50), at: hour(2), at_ms: HOUR_MS(2), snapshot_id: 3, previous_id: 2 }]);
  assert.equal(risen.snapshot.available, false);
  assert.equal(risen.snapshot.limit_nano, usd(1000));
  assert.deepEqual((await b!.snapshots('gw', HOUR_MS(1), HOUR_MS(3))).map((s) => s.balance_nano), [usd(90), usd(140)]);
  assert.deepEqual(await b!.events('gw', 0, HOUR_MS(3)), risen.events);
  assert.deepEqual(await b!.events(null, 0, HOUR_MS(3)), risen.events);
  assert.deepEqual(await b!.events('other', 0, HOUR_MS(3)), []);
  assert.deepEqual(await b!.events('gw', 0, HOUR_MS(2)), [], 'to is exclusive');
  assert.equal((await b!.atOrBefore('gw', 'USD', HOUR_MS(1) + 1))?.balance_nano, usd(90));
  assert.equal((await b!.atOrBefore('gw', 'USD', HOUR_MS(1)))?.balance_nano, usd(90), 'at is inclusive');
  assert.equal(await b!.atOrBefore('gw', 'USD', HOUR_MS(0) - 1), null);
  assert.equal(await b!.atOrBefore('gw', 'CNY', HOUR_MS(5)), null);
});

storeTest('a split balance: a top-up hidden by spending the granted part is seen, a grant kept apart; another currency starts afresh; amounts past 2^53 stay exact', async (kind, t) => {
  const { stores: [b] } = await fixture(kind, t);
  const ds = (h: number, granted: bigint, topped: bigint, currency = 'CNY') => reading('deepseek', hour(h), granted + topped, { kind: 'deepseek', currency, granted_nano: granted, topped_up_nano: topped });
  await b!.record(ds(0, usd(5), usd(100)));
  assert.deepEqual((await b!.record(ds(1, 0n, usd(130)))).events.map((e) => [e.kind, e.amount_nano, e.currency]), [['top_up', usd(30), 'CNY']]);
  assert.deepEqual((await b!.record(ds(2, usd(10), usd(130)))).events.map((e) => [e.kind, e.amount_nano]), [['grant', usd(10)]]);
  assert.deepEqual((await b!.record(ds(3, 0n, usd(500), 'USD'))).events, [], 'the first USD snapshot');
  const huge = 2n ** 62n + 3n;
  const big = await b!.record(ds(4, 0n, huge, 'USD'));
  assert.deepEqual(big.events.map((e) => e.amount_nano), [huge - usd(500)]);
  assert.equal(big.snapshot.balance_nano, huge);
  assert.equal((await b!.atOrBefore('deepseek', 'USD', HOUR_MS(4)))?.topped_up_nano, huge);
});

storeTest('latest is the newest snapshot of each provider whatever its currency, in byte order of provider; at one instant the later recorded', async (kind, t) => {
  const { stores: [b] } = await fixture(kind, t);
  await b!.record(reading('moonshot', hour(1), 1n, { currency: 'CNY' }));
  await b!.record(reading('moonshot', hour(2), 2n, { currency: 'USD' }));
  await b!.record(reading('moonshot', hour(0), 3n));
  await b!.record(reading('Zai', hour(1), 4n));
  await b!.record(reading('deep_seek', hour(1), 5n));
  await b!.record(reading('deep-seek', hour(1), 6n));
  await b!.record(reading('deep-seek', hour(1), 7n));
  assert.deepEqual((await b!.latest()).map((s) => [s.provider, s.balance_nano]), [['Zai', 4n], ['deep-seek', 7n], ['deep_seek', 5n], ['moonshot', 2n]]);
});

storeTest('a reading or failure without an ISO time is refused before anything is written', async (kind, t) => {
  const { stores: [b] } = await fixture(kind, t);
  await assert.rejects(async () => b!.record(reading('gw', 'yesterday', 1n)), /a balance reading needs an ISO time, got "yesterday"/);
  await assert.rejects(async () => b!.recordFailure('gw', 'soon', 'x'), /a balance failure needs an ISO time, got "soon"/);
  assert.deepEqual(await b!.latest(), []);
  assert.deepEqual(await b!.failuresSinceLastSnapshot('gw'), []);
});

storeTest('failuresSinceLastSnapshot lists the failed polls after the newest snapshot, newest first (all of them before any snapshot)', async (kind, t) => {
  const { stores: [b] } = await fixture(kind, t);
  await b!.recordFailure('kimi', hour(0), 'HTTP 500');
  await b!.recordFailure('kimi', hour(1), 'returned HTML');
  await b!.recordFailure('gw', hour(1), 'other provider');
  assert.deepEqual((await b!.failuresSinceLastSnapshot('kimi')).map((f) => f.message), ['returned HTML', 'HTTP 500']);
  await b!.record(reading('kimi', hour(2), 1n));
  assert.deepEqual(await b!.failuresSinceLastSnapshot('kimi'), []);
  // 02:00 UTC, the snapshot's instant: not after it.
  await b!.recordFailure('kimi', '2026-11-23T03:00:00+01:00', 'timeout');
  await b!.recordFailure('kimi', hour(3), 'timeout again');
  assert.deepEqual(await b!.failuresSinceLastSnapshot('kimi'), [{ provider: 'kimi', at: '2026-11-23T03:00:00.000Z', at_ms: HOUR_MS(3), message: 'timeout again' }]);
});

storeTest('refusals: per provider, the episode since the last answered call on the refused models, its count in the span, last error, and whether it recovered', async (kind, t) => {
  const { stores: [b], usage } = await fixture(kind, t);
  const m = (min: number) => HOUR_MS(10) + min * 60_000;
  await usage([
    { ts_ms: m(0), provider: 'deepseek', model: 'chat', status: 'ok' },
    { ts_ms: m(5), provider: 'deepseek', model: 'chat', status: 'balance', error: 'Insufficient Balance (1)' },
    { ts_ms: m(6), provider: 'deepseek', model: 'reasoner', status: 'ok' },
    { ts_ms: m(7), provider: 'deepseek', model: 'chat', status: 'balance', error: 'Insufficient Balance (2)' },
    { ts_ms: m(8), provider: 'deepseek', model: 'other', status: 'error' },
    { ts_ms: m(1), provider: 'Kimi', model: 'k2', status: 'balance', error: null },
    { ts_ms: m(3), provider: 'Kimi', model: 'k2', status: 'ok' },
    { ts_ms: m(4), provider: 'Kimi', model: 'k2', status: 'balance', error: 'arrears' },
    { ts_ms: m(9), provider: 'Kimi', model: 'k2', status: 'ok' },
  ]);
  assert.deepEqual(await b!.refusals(m(0), m(60)), [
    { provider: 'Kimi', count: 1, last_ms: m(4), error: 'arrears', episode_ms: m(4), recovered: true },
    { provider: 'deepseek', count: 2, last_ms: m(7), error: 'Insufficient Balance (2)', episode_ms: m(5), recovered: false },
  ]);
  // A span starting inside the episode counts only its own refusals, the episode start stays.
  assert.deepEqual(await b!.refusals(m(6), m(60)), [{ provider: 'deepseek', count: 1, last_ms: m(7), error: 'Insufficient Balance (2)', episode_ms: m(5), recovered: false }]);
  assert.deepEqual(await b!.refusals(m(20), m(60)), []);
});

storeTest('two pollers recording one provider at once count its rise once', async (kind, t) => {
  const { stores } = await fixture(kind, t, 4);
  await stores[0]!.record(reading('gw', hour(0), usd(100)));
  for (let round = 1; round <= 5; round++) {
    // Every poller read the same risen balance at the same time.
    const recorded = await Promise.all(stores.map((s) => s.record(reading('gw', hour(round), usd(100 + round * 10)))));
    assert.equal(recorded.flatMap((r) => r.events).length, 1, `round ${round}`);
  }
  const events = await stores[1]!.events('gw', 0, HOUR_MS(10));
  assert.deepEqual(events.map((e) => e.amount_nano), [1, 2, 3, 4, 5].map(() => usd(10)));
  assert.equal((await stores[2]!.snapshots('gw', 0, HOUR_MS(10))).length, 1 + 5 * 4);
});
