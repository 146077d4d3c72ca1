// BalanceStore.ledgerSpendByModel on both stores (src/store/ledger/model-spend.ts,
// src/store/postgres/ledger/model-spend.ts): the rollup's whole local days and raw rows at the
// edges, the same answer to the nano-USD as the raw sum of the rows' effective cost,
// COALESCE(cost_nusd, provider_cost_nusd, 0), over fromMs < ts_ms ≤ toMs. The ledger is written
// by the real SQLite writer (rows of every kind, around Europe/Paris's DST change of 2026-10-25);
// for PostgreSQL its usage, spend_daily and meta rows are copied with plain SQL (the PostgreSQL
// ledger writer is not this store's), and the answer must equal SQLite's and PostgreSQL's raw sum.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createBalanceStore } from '../../src/store/balances.js';
import { createPgBalanceStore } from '../../src/store/postgres/balances.js';
import type { PgDb } from '../../src/store/postgres/pool.js';
import { addDays, makeZone } from '../../src/domain/time/zone.js';
import { NOT_FOUND_PROBE_MODEL } from '../../src/domain/spend.js';
import type { UsageInput, UsageSource } from '../../src/store/ledger.js';
import type { Db } from '../../src/store/open.js';
import { makeLedger, prng, tempDb } from '../support/ledger-fixtures.js';
import { storeTest, type StoreKind } from '../support/both-stores.js';
import { tempPg } from '../support/postgres.js';

const HOUR = 3_600_000;
const FROM = Date.UTC(2026, 9, 21); // 2026-10-21; Paris leaves summer time on 2026-10-25 at 01:00 UTC
const DAYS = 9;
const PROVIDERS = ['deepseek', 'qwen-intl'] as const;
const MODELS = ['chat', 'reasoner', 'free-mini'] as const; // free-*: no price (test/support/ledger-fixtures.ts fakePrice)
const ZONE = 'Europe/Paris';

type Spend = Array<[string, bigint]>;

/** A SQLite ledger of `n` rows of every kind, some at local midnights ±1 ms and on quarter hours. */
function sqliteLedger(t: TestContext, seed: number, n = 2000): Db {
  const { db } = tempDb(t);
  const ledger = makeLedger(db, ZONE);
  const rand = prng(seed);
  const zone = makeZone(ZONE);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const midnights = Array.from({ length: DAYS + 1 }, (_, i) => zone.startOfDay(addDays('2026-10-21', i)));
  const bySource = new Map<UsageSource, UsageInput[]>();
  for (let i = 0; i < n; i++) {
    const source = pick(['import', 'ingest', 'ask', 'routecheck', 'gateway'] as const);
    const at = i % 10 === 0 ? pick(midnights) + pick([-1, 0, 1]) : i % 10 === 1 ? FROM + Math.floor(rand() * DAYS * 96) * 900_000 : FROM + Math.floor(rand() * DAYS * 24 * HOUR);
    const kind = rand();
    const neverSent = kind > 0.9;
    bySource.set(source, [
      ...(bySource.get(source) ?? []),
      {
        ts: new Date(at).toISOString(),
        provider: pick(PROVIDERS),
        model: source === 'routecheck' && kind < 0.1 ? NOT_FOUND_PROBE_MODEL : pick(MODELS),
        input_tokens: neverSent ? 0 : Math.floor(rand() * 5000),
        cached_input_tokens: 0,
        output_tokens: neverSent ? 0 : Math.floor(rand() * 2000),
        reasoning_tokens: 0,
        ...(rand() < 0.33 ? { cost_usd: `0.${String(Math.floor(rand() * 1e6)).padStart(6, '0')}` } : {}),
        ...(neverSent ? { status: 'missing_key' } : kind > 0.85 ? { usage_status: 'missing' as const } : {}),
        ...(source === 'ask' || source === 'routecheck' ? { call_id: `call-${i}` } : { request_id: `req-${i}` }),
      },
    ]);
  }
  for (const [source, rows] of bySource) ledger.recordNow(rows, source);
  return db;
}

/** Copies a table's rows (all `columns`) from SQLite to PostgreSQL with plain multi-row INSERTs. */
async function copyTable(from: Db, to: PgDb, table: string, columns: readonly string[]): Promise<number> {
  const rows = from.prepare(`SELECT ${columns.join(', ')} FROM ${table}`).raw().safeIntegers(true).all() as unknown[][];
  for (let i = 0; i < rows.length; i += 500) {
    const batch = rows.slice(i, i + 500);
    const values = batch.map((_, r) => `(${columns.map((_c, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
    await to.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}`, batch.flat() as Array<string | bigint | null>);
  }
  return rows.length;
}

const USAGE_COLUMNS = ['ts_ms', 'day', 'provider', 'model', 'input_tokens', 'cached_input_tokens', 'output_tokens', 'reasoning_tokens', 'thinking', 'cost_nusd', 'provider_cost_nusd', 'price_version', '"user"', 'channel', 'route', 'source', 'request_id', 'request_key', 'status', 'error', 'latency_ms', 'ttft_ms', 'call_id', 'usage_status', 'cache_write_tokens'];
const ROLLUP_COLUMNS = ['dim', 'day', 'key', 'requests', 'unpriced', 'cost_nusd', 'provider_cost_nusd', 'input_tokens', 'cached_input_tokens', 'output_tokens', 'reasoning_tokens', 'usage_missing', 'interrupted', 'never_sent', 'not_found_probes', 'routecheck_nusd'];

interface Under {
  spend(provider: string, fromMs: number, toMs: number): Promise<Spend>;
  raw(provider: string, fromMs: number, toMs: number): Promise<Spend>;
  /** SQLite's answer (the same as `spend` on SQLite). */
  sqlite(provider: string, fromMs: number, toMs: number): Promise<Spend>;
  /** Runs a statement on the store under test (no parameters). */
  exec(sql: string): Promise<void>;
}

function sqliteRaw(db: Db, provider: string, fromMs: number, toMs: number): Spend {
  const rows = db
    .prepare('SELECT model, SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)) AS cost FROM usage WHERE provider = ? AND ts_ms > ? AND ts_ms <= ? GROUP BY model ORDER BY model')
    .safeIntegers(true)
    .all(provider, fromMs, toMs) as Array<{ model: string; cost: bigint }>;
  return rows.map((r) => [r.model, r.cost]);
}

/** The store of `kind` over the ledger `db` (copied to PostgreSQL for that kind). */
async function under(kind: StoreKind, t: TestContext, db: Db): Promise<Under> {
  const sqliteStore = createBalanceStore(db);
  const sqlite = async (p: string, a: number, b: number): Promise<Spend> => [...(await sqliteStore.ledgerSpendByModel(p, a, b))];
  if (kind === 'sqlite') return { spend: sqlite, raw: async (p, a, b) => sqliteRaw(db, p, a, b), sqlite, exec: async (sql) => void db.exec(sql) };
  const pg = await tempPg(t);
  assert.equal(await copyTable(db, pg.db, 'usage', USAGE_COLUMNS), (db.prepare('SELECT COUNT(*) FROM usage').pluck().get() as number));
  await copyTable(db, pg.db, 'spend_daily', ROLLUP_COLUMNS);
  await copyTable(db, pg.db, 'meta', ['key', 'value']);
  const store = createPgBalanceStore(pg.db);
  return {
    spend: async (p, a, b) => [...(await store.ledgerSpendByModel(p, a, b))],
    raw: async (p, a, b) =>
      (
        await pg.db.query<{ model: string; cost: string }>(
          'SELECT model, SUM(COALESCE(cost_nusd, provider_cost_nusd, 0))::text AS cost FROM usage WHERE provider = $1 AND ts_ms > $2 AND ts_ms <= $3 GROUP BY model ORDER BY model COLLATE "C"',
          [p, a, b],
        )
      ).map((r) => [r.model, BigInt(r.cost)]),
    sqlite,
    exec: async (sql) => void (await pg.db.query(sql)),
  };
}

async function assertSame(u: Under, provider: string, fromMs: number, toMs: number): Promise<void> {
  const label = `${provider} (${new Date(fromMs).toISOString()}, ${new Date(toMs).toISOString()}]`;
  const got = await u.spend(provider, fromMs, toMs);
  assert.deepEqual(got, await u.raw(provider, fromMs, toMs), `${label}: the raw sum`);
  assert.deepEqual(got, await u.sqlite(provider, fromMs, toMs), `${label}: SQLite's answer`);
}

storeTest(`spend per model over random intervals across a DST change equals SQLite's answer and the raw rows' sum (${ZONE})`, async (kind, t) => {
  const u = await under(kind, t, sqliteLedger(t, 5));
  const rand = prng(9);
  const span = DAYS * 24 * HOUR;
  for (let i = 0; i < 120; i++) {
    const a = FROM - HOUR + Math.floor(rand() * (span + 2 * HOUR));
    const b = i % 3 === 0 ? a + Math.floor(rand() * 6 * HOUR) : FROM - HOUR + Math.floor(rand() * (span + 2 * HOUR));
    await assertSame(u, PROVIDERS[i % 2]!, Math.min(a, b), Math.max(a, b));
  }
});

storeTest(`spend per model with edges at local midnight, a millisecond either side, the 25-hour day, and none (${ZONE})`, async (kind, t) => {
  const u = await under(kind, t, sqliteLedger(t, 11, 1200));
  const mid = (day: string) => makeZone(ZONE).startOfDay(day);
  for (const [from, to] of [['2026-10-22', '2026-10-28'], ['2026-10-24', '2026-10-26'], ['2026-10-25', '2026-10-26'], ['2026-10-25', '2026-10-25']] as const) {
    for (const da of [-1, 0, 1]) for (const db_ of [-1, 0, 1]) await assertSame(u, 'deepseek', mid(from) + da, mid(to) + db_);
  }
  await assertSame(u, 'qwen-intl', Date.UTC(2026, 9, 24, 23), Date.UTC(2026, 9, 25, 2));
  await assertSame(u, 'qwen-intl', mid('2026-10-25') + 60_000, mid('2026-10-26') - 60_000);
  assert.deepEqual(await u.spend('deepseek', Date.UTC(2027, 0, 1), Date.UTC(2027, 0, 9)), []);
  assert.deepEqual(await u.spend('deepseek', mid('2026-10-23'), mid('2026-10-23')), []);
  assert.deepEqual(await u.spend('nobody', FROM, FROM + DAYS * 24 * HOUR), []);
});

storeTest('the whole days inside the interval are read from the daily rollup (the rows only at the edges)', async (kind, t) => {
  const u = await under(kind, t, sqliteLedger(t, 3, 1200));
  const zone = makeZone(ZONE);
  const from = zone.startOfDay('2026-10-22') + 5 * HOUR;
  const to = zone.startOfDay('2026-10-27') + 7 * HOUR;
  const before = new Map(await u.spend('deepseek', from, to));
  // A marker on a middle day's rollup only (never done outside this test): the answer moves by it.
  await u.exec("UPDATE spend_daily SET cost_nusd = cost_nusd + 1000000 WHERE dim = 'model' AND day = '2026-10-25' AND key = 'deepseek/chat'");
  const after = new Map(await u.spend('deepseek', from, to));
  assert.equal(after.get('chat')! - before.get('chat')!, 1_000_000n);
});

storeTest("a provider whose name starts with another's and '/' is not mixed into the other's models (the raw sum answers)", async (kind, t) => {
  const { db } = tempDb(t);
  const row = (provider: string, model: string, ts: string): UsageInput => ({ ts, provider, model, input_tokens: 1000, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, request_id: `${provider}-${model}-${ts}` });
  // Both rollup keys are "acme/eu/chat".
  makeLedger(db, 'UTC').recordNow(['2026-10-22T10:00:00Z', '2026-10-23T10:00:00Z', '2026-10-24T10:00:00Z'].flatMap((ts) => [row('acme', 'eu/chat', ts), row('acme/eu', 'chat', ts), row('acme/eu', 'chat', ts.replace('10:', '11:'))]), 'import');
  const u = await under(kind, t, db);
  const from = Date.parse('2026-10-21T12:00:00Z');
  const to = Date.parse('2026-10-25T12:00:00Z');
  assert.deepEqual(await u.spend('acme', from, to), [['eu/chat', 3000n]]);
  assert.deepEqual(await u.spend('acme/eu', from, to), [['chat', 6000n]]);
  await assertSame(u, 'acme', from, to);
});
