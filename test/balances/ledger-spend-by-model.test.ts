// BalanceStore.ledgerSpendByModel (src/store/ledger/model-spend.ts) reads the rollup for the whole
// local days of an interval and raw rows only at its edges; its answer must be the raw sum of the
// rows' effective cost, COALESCE(cost_nusd, provider_cost_nusd, 0), per model over
// fromMs < ts_ms ≤ toMs. The oracle below is that raw sum, straight from the usage table, over a
// real SQLite ledger written by the real writer: rows of every kind (priced, provider-cost only,
// unpriced, usage missing, never sent, not-found probes, route checks, every source) over days
// around Europe/Paris's DST change of 2026-10-25 (a 25-hour day), in UTC and in Paris.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createBalanceStore } from '../../src/store/balances.js';
import { makeZone, addDays } from '../../src/domain/time/zone.js';
import { NOT_FOUND_PROBE_MODEL } from '../../src/domain/spend.js';
import type { UsageInput, UsageSource } from '../../src/store/ledger.js';
import type { Db } from '../../src/store/open.js';
import { makeLedger, prng, tempDb } from '../support/ledger-fixtures.js';

const HOUR = 3_600_000;
const FROM = Date.UTC(2026, 9, 21); // 2026-10-21
const DAYS = 9; // to 2026-10-29: Paris leaves summer time on 2026-10-25 at 01:00 UTC
const PROVIDERS = ['deepseek', 'qwen-intl'] as const;
const MODELS = ['chat', 'reasoner', 'free-mini'] as const; // free-*: no price (test/support/ledger-fixtures.ts fakePrice)

/** The oracle: the raw rows' effective cost per model, models in SQLite's order. */
function rawSpend(db: Db, provider: string, fromMs: number, toMs: number): Array<[string, bigint]> {
  const rows = db
    .prepare('SELECT model, SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)) AS cost FROM usage WHERE provider = ? AND ts_ms > ? AND ts_ms <= ? GROUP BY model ORDER BY model')
    .safeIntegers(true)
    .all(provider, fromMs, toMs) as Array<{ model: string; cost: bigint }>;
  return rows.map((r) => [r.model, r.cost]);
}

/** Rows of every kind, written per source as the app writes them; some at exact local midnights and quarter hours. */
function ledgerOf(t: TestContext, zoneName: string, seed: number): Db {
  const { db } = tempDb(t);
  const ledger = makeLedger(db, zoneName);
  const rand = prng(seed);
  const zone = makeZone(zoneName);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const bySource = new Map<UsageSource, UsageInput[]>();
  const midnights = Array.from({ length: DAYS + 1 }, (_, i) => zone.startOfDay(addDays('2026-10-21', i)));
  for (let i = 0; i < 3000; i++) {
    const source = pick(['import', 'ingest', 'ask', 'routecheck'] as const);
    const at = i % 10 === 0 ? pick(midnights) + pick([-1, 0, 1]) : i % 10 === 1 ? FROM + Math.floor(rand() * DAYS * 96) * 900_000 : FROM + Math.floor(rand() * DAYS * 24 * HOUR);
    const kind = rand();
    const neverSent = kind > 0.9;
    const row: UsageInput = {
      ts: new Date(at).toISOString(),
      provider: pick(PROVIDERS),
      model: source === 'routecheck' && kind < 0.1 ? NOT_FOUND_PROBE_MODEL : pick(MODELS),
      input_tokens: neverSent ? 0 : Math.floor(rand() * 5000),
      cached_input_tokens: 0,
      output_tokens: neverSent ? 0 : Math.floor(rand() * 2000),
      reasoning_tokens: 0,
      // A reported cost on a third of the rows: on free-* models it is the only cost.
      ...(rand() < 0.33 ? { cost_usd: `0.${String(Math.floor(rand() * 1e6)).padStart(6, '0')}` } : {}),
      ...(neverSent ? { status: 'missing_key' } : kind > 0.85 ? { usage_status: 'missing' as const } : {}),
      ...(source === 'ask' || source === 'routecheck' ? { call_id: `call-${i}` } : { request_id: `req-${i}` }),
    };
    bySource.set(source, [...(bySource.get(source) ?? []), row]);
  }
  for (const [source, rows] of bySource) ledger.recordNow(rows, source);
  return db;
}

function assertSameAsRaw(db: Db, provider: string, fromMs: number, toMs: number) {
  const got = createBalanceStore(db).ledgerSpendByModel(provider, fromMs, toMs);
  return got.then((m) => assert.deepEqual([...m], rawSpend(db, provider, fromMs, toMs), `${provider} (${new Date(fromMs).toISOString()}, ${new Date(toMs).toISOString()}]`));
}

for (const zoneName of ['UTC', 'Europe/Paris']) {
  test(`spend per model over random intervals equals the raw rows' sum (${zoneName}, across a DST change)`, async (t) => {
    const db = ledgerOf(t, zoneName, zoneName.length);
    const rand = prng(7);
    const span = DAYS * 24 * HOUR;
    for (let i = 0; i < 150; i++) {
      const a = FROM - HOUR + Math.floor(rand() * (span + 2 * HOUR));
      const b = i % 3 === 0 ? a + Math.floor(rand() * 6 * HOUR) : FROM - HOUR + Math.floor(rand() * (span + 2 * HOUR));
      await assertSameAsRaw(db, PROVIDERS[i % 2]!, Math.min(a, b), Math.max(a, b));
    }
  });

  test(`spend per model with edges at local midnight, a millisecond either side, and inside one day (${zoneName})`, async (t) => {
    const db = ledgerOf(t, zoneName, 11);
    const zone = makeZone(zoneName);
    const mid = (day: string) => zone.startOfDay(day);
    for (const provider of PROVIDERS) {
      for (const [from, to] of [
        ['2026-10-22', '2026-10-28'],
        ['2026-10-24', '2026-10-26'], // the 25-hour day 2026-10-25 whole, in Paris
        ['2026-10-25', '2026-10-26'],
        ['2026-10-25', '2026-10-25'],
        ['2026-10-21', '2026-10-30'],
      ] as const) {
        for (const da of [-1, 0, 1]) for (const db_ of [-1, 0, 1]) await assertSameAsRaw(db, provider, mid(from) + da, mid(to) + db_);
      }
      // Inside one day: an hour, the DST change's hours, a day less a minute.
      await assertSameAsRaw(db, provider, mid('2026-10-23') + 5 * HOUR, mid('2026-10-23') + 6 * HOUR);
      await assertSameAsRaw(db, provider, Date.UTC(2026, 9, 24, 23), Date.UTC(2026, 9, 25, 2));
      await assertSameAsRaw(db, provider, mid('2026-10-25') + 60_000, mid('2026-10-26') - 60_000);
      // Nothing in it, and an empty interval.
      assert.deepEqual([...(await createBalanceStore(db).ledgerSpendByModel(provider, Date.UTC(2027, 0, 1), Date.UTC(2027, 0, 9)))], []);
      assert.deepEqual([...(await createBalanceStore(db).ledgerSpendByModel(provider, mid('2026-10-23'), mid('2026-10-23')))], []);
    }
  });
}

test('a model whose rows add nothing is listed at 0, and unpriced and provider-cost-only rows count as the raw sum does', async (t) => {
  const { db } = tempDb(t);
  const ledger = makeLedger(db, 'Europe/Paris');
  const at = (iso: string, model: string, extra: Partial<UsageInput> = {}): UsageInput => ({
    ts: iso, provider: 'deepseek', model, input_tokens: 100, cached_input_tokens: 0, output_tokens: 10, reasoning_tokens: 0, request_id: `${model}-${iso}`, ...extra,
  });
  ledger.recordNow([
    ...['2026-10-22T10:00:00Z', '2026-10-24T10:00:00Z', '2026-10-26T10:00:00Z'].map((ts) => at(ts, 'free-unpriced')),
    ...['2026-10-22T11:00:00Z', '2026-10-24T11:00:00Z', '2026-10-26T11:00:00Z'].map((ts) => at(ts, 'free-reported', { cost_usd: '0.25' })),
    ...['2026-10-22T12:00:00Z', '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z'].map((ts) => at(ts, 'chat')),
  ], 'import');
  const got = await createBalanceStore(db).ledgerSpendByModel('deepseek', Date.parse('2026-10-22T00:00:00Z'), Date.parse('2026-10-27T00:00:00Z'));
  assert.deepEqual([...got], [['chat', 330n], ['free-reported', 750_000_000n], ['free-unpriced', 0n]]);
  assert.deepEqual([...got], rawSpend(db, 'deepseek', Date.parse('2026-10-22T00:00:00Z'), Date.parse('2026-10-27T00:00:00Z')));
});

test("a provider whose name starts with another's and '/' is not mixed into the other's models", async (t) => {
  const { db } = tempDb(t);
  const ledger = makeLedger(db, 'UTC');
  const row = (provider: string, model: string, ts: string): UsageInput => ({ ts, provider, model, input_tokens: 1000, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, request_id: `${provider}-${model}-${ts}` });
  // Both rollup keys are "acme/eu/chat".
  ledger.recordNow(['2026-10-22T10:00:00Z', '2026-10-23T10:00:00Z', '2026-10-24T10:00:00Z'].flatMap((ts) => [row('acme', 'eu/chat', ts), row('acme/eu', 'chat', ts), row('acme/eu', 'chat', ts.replace('10:', '11:'))]), 'import');
  const store = createBalanceStore(db);
  const from = Date.parse('2026-10-21T12:00:00Z');
  const to = Date.parse('2026-10-25T12:00:00Z');
  assert.deepEqual([...(await store.ledgerSpendByModel('acme', from, to))], [['eu/chat', 3000n]]);
  assert.deepEqual([...(await store.ledgerSpendByModel('acme/eu', from, to))], [['chat', 6000n]]);
});

test('the whole days inside the interval are read from the daily rollup (the rows are read only at the edges)', async (t) => {
  const db = ledgerOf(t, 'Europe/Paris', 3);
  const zone = makeZone('Europe/Paris');
  const store = createBalanceStore(db);
  const from = zone.startOfDay('2026-10-22') + 5 * HOUR;
  const to = zone.startOfDay('2026-10-27') + 7 * HOUR;
  const before = await store.ledgerSpendByModel('deepseek', from, to);
  // A marker added to a middle day's rollup only (never done outside this test): the answer moves by it.
  db.prepare("UPDATE spend_daily SET cost_nusd = cost_nusd + 1000000 WHERE dim = 'model' AND day = '2026-10-25' AND key = 'deepseek/chat'").run();
  const after = await store.ledgerSpendByModel('deepseek', from, to);
  assert.equal(after.get('chat')! - before.get('chat')!, 1_000_000n);
});
