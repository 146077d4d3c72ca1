// Re-pricing the ledger when a price version is applied (src/store/ledger/reprice.ts): the rows
// of one (provider, model) from an instant on take the new price, the rollup moves with them in
// the same transaction, and nothing else changes. Figures hand-computed in the comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../src/domain/catalog/catalog.js';
import { makeZone } from '../../src/domain/time/zone.js';
import { SPEND_DIMS } from '../../src/domain/spend.js';
import { pricedLedger } from '../../src/app/ledger.js';
import { priceUsage, usageForCost } from '../../src/domain/money/cost.js';
import type { PricingEntry } from '../../src/config/schema.js';
import type { Pricer, UsageInput } from '../../src/store/ledger.js';
import { aggregateSql, SPEND_COLUMNS } from '../../src/store/ledger/sql.js';
import { randomRows, tempDb } from '../support/ledger-fixtures.js';
import type { Db } from '../../src/store/open.js';

const EMPTY = { pricing: [], retirements: [] };
const OLD: PricingEntry[] = [{ provider: 'deepseek', model: 'flash', versions: [{ effective: '2026-01-01T00:00:00Z', per_million: { input: 1, output: 2 } }] }];
// The new version from 2026-03-02T00:00Z: input $3/M, output $4/M; and a model that had no price gets one.
const NEW: PricingEntry[] = [
  { provider: 'deepseek', model: 'flash', versions: [...OLD[0]!.versions, { effective: '2026-03-02T00:00:00Z', per_million: { input: 3, output: 4 } }] },
  { provider: 'openrouter', model: 'newcomer', versions: [{ effective: '2026-01-01T00:00:00Z', per_million: { input: 10, output: 10 } }] },
];
const pricerOf = (catalog: Catalog): Pricer => (row) => priceUsage(catalog, row.provider, row.model, usageForCost(row, row.tsMs));

function row(ts: string, over: Partial<UsageInput> = {}): UsageInput {
  return { ts, provider: 'deepseek', model: 'flash', input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 1_000_000, reasoning_tokens: 0, user: 'U1', route: 'fast', ...over };
}

function assertRollupEqualsRows(db: Db): void {
  for (const dim of SPEND_DIMS) {
    const rollup = db.prepare(`SELECT ${SPEND_COLUMNS} FROM spend_daily WHERE dim = ? ORDER BY day, key`).all(dim);
    const raw = db.prepare(`${aggregateSql(dim, '')} ORDER BY day, key`).all();
    assert.deepEqual(rollup, raw, `the ${dim} rollup equals the raw rows`);
  }
}

test('re-pricing from an instant changes those rows and the rollup, nothing before it, and is idempotent', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = pricedLedger(db, new Catalog(EMPTY, OLD), makeZone('UTC'));
  await ledger.record(
    [
      row('2026-03-01T12:00:00Z', { request_id: 'before' }), // old price: $1 + $2 = $3, stays
      row('2026-03-02T00:00:00Z', { request_id: 'at', user: 'U2' }), // $3 -> $7
      row('2026-03-03T08:00:00Z', { request_id: 'after', route: undefined }), // $3 -> $7
      row('2026-03-03T09:00:00Z', { request_id: 'missing', usage_status: 'missing', input_tokens: 0, output_tokens: 0 }), // left alone
      row('2026-03-03T10:00:00Z', { request_id: 'other', model: 'pro' }), // another model: not priced, stays
    ],
    'import',
  );
  const totalsBefore = await ledger.totals('2026-03-01', '2026-03-03');
  assert.equal(totalsBefore.cost_nusd, 9_000_000_000n);
  // A route check's call too: its share of the cost (spend_daily.routecheck_nusd) moves with it.
  await ledger.record([row('2026-03-03T11:00:00Z', { call_id: 'check-1', input_tokens: 1000, output_tokens: 0 })], 'routecheck');

  const result = await ledger.reprice({ provider: 'deepseek', model: 'flash', fromMs: Date.parse('2026-03-02T00:00:00Z') }, pricerOf(new Catalog(EMPTY, NEW)));
  // The check: 1,000 x $1/M = $0.001 -> 1,000 x $3/M = $0.003.
  assert.deepEqual(result, { rows: 3, changed: 3, before_nusd: 6_001_000_000n, after_nusd: 14_003_000_000n });

  const costs = Object.fromEntries((db.prepare('SELECT request_id, cost_nusd FROM usage').all() as Array<{ request_id: string; cost_nusd: number | null }>).map((r) => [r.request_id, r.cost_nusd]));
  assert.deepEqual(costs, { before: 3_000_000_000, at: 7_000_000_000, after: 7_000_000_000, missing: null, other: null, null: 3_000_000 });
  assert.equal(db.prepare(`SELECT price_version FROM usage WHERE request_id = 'at'`).pluck().get(), 'deepseek/flash@2026-03-02T00:00:00.000Z');
  assertRollupEqualsRows(db);
  assert.equal((await ledger.totals('2026-03-01', '2026-03-03')).cost_nusd, 17_003_000_000n);
  assert.equal(db.prepare(`SELECT SUM(routecheck_nusd) FROM spend_daily WHERE dim = 'provider'`).pluck().get(), 3_000_000);

  // Applying the same prices again changes nothing.
  assert.deepEqual(await ledger.reprice({ provider: 'deepseek', model: 'flash', fromMs: Date.parse('2026-03-02T00:00:00Z') }, pricerOf(new Catalog(EMPTY, NEW))), {
    rows: 3,
    changed: 0,
    before_nusd: 0n,
    after_nusd: 0n,
  });
});

test('a model first priced by a new version stops being "not priced"; rows are priced as the writer would price them now', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = pricedLedger(db, new Catalog(EMPTY, OLD), makeZone('UTC'));
  await ledger.record(
    [
      row('2026-03-05T12:00:00Z', { request_id: 'n1', provider: 'openrouter', model: 'newcomer', input_tokens: 100_000, output_tokens: 0 }),
      row('2026-03-05T13:00:00Z', { request_id: 'n2', provider: 'openrouter', model: 'newcomer', input_tokens: 0, output_tokens: 0, cost_usd: '0.01' }),
      row('2026-03-06T12:00:00Z', { request_id: 'n3', provider: 'openrouter', model: 'newcomer', input_tokens: 50_000, output_tokens: 0, cost_usd: '0.5' }),
    ],
    'import',
  );
  assert.equal((await ledger.totals('2026-03-05', '2026-03-06')).unpriced, 1);
  // n1: 100,000 x $10/M = $1 (was not priced); n2: no tokens, so our price says $0 (unpriced, the
  // provider's $0.01 counted) — as a row written now would be; n3: 50,000 x $10/M = $0.50 of ours.
  const result = await ledger.reprice({ provider: 'openrouter', model: 'newcomer', fromMs: 0 }, pricerOf(new Catalog(EMPTY, NEW)));
  assert.equal(result.rows, 3);
  assert.equal(result.after_nusd - result.before_nusd, 990_000_000n);
  const totals = await ledger.totals('2026-03-05', '2026-03-06');
  assert.equal(totals.unpriced, 0);
  assert.equal(totals.cost_nusd, 1_500_000_000n);
  assertRollupEqualsRows(db);
});

test('re-pricing a random ledger keeps the rollup equal to the rows in every dimension', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const base = new Catalog(EMPTY, OLD);
  const ledger = pricedLedger(db, base, makeZone('Europe/Berlin'));
  const rows = randomRows(3000, 7).map((r, i) => (i % 3 === 0 ? { ...r, provider: 'deepseek', model: 'flash' } : r));
  await ledger.record(rows, 'import');
  const from = Date.UTC(2026, 2, 4);
  const result = await ledger.reprice({ provider: 'deepseek', model: 'flash', fromMs: from }, pricerOf(new Catalog(EMPTY, NEW)));
  assert.ok(result.changed > 100, `${result.changed} rows changed`);
  assertRollupEqualsRows(db);
  const stale = db.prepare(`SELECT COUNT(*) FROM usage WHERE provider = 'deepseek' AND model = 'flash' AND ts_ms >= ? AND cost_nusd IS NOT NULL AND price_version <> 'deepseek/flash@2026-03-02T00:00:00.000Z'`).pluck().get(from);
  assert.equal(stale, 0, 'every row from the instant on is priced at the new version');
});

test('a row whose new cost makes it a request, or no longer one, moves between the left-out counts and the requests', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  // "Left out" (docs/ARCHITECTURE.md §3.5) depends on the cost: a missing_key row with no cost is
  // a call never sent; priced at more than $0 it counts as a request.
  const ledger = pricedLedger(db, new Catalog(EMPTY, []), makeZone('UTC'));
  await ledger.record(
    [
      row('2026-03-02T01:00:00Z', { request_id: 'k1', status: 'missing_key', model: 'newcomer', provider: 'openrouter' }),
      row('2026-03-02T02:00:00Z', { request_id: 'k2', status: 'missing_key', model: 'newcomer', provider: 'openrouter', route: undefined }),
      row('2026-03-02T03:00:00Z', { request_id: 'ok', model: 'newcomer', provider: 'openrouter' }),
    ],
    'import',
  );
  assert.deepEqual([(await ledger.totals('2026-03-02', '2026-03-02')).never_sent, (await ledger.totals('2026-03-02', '2026-03-02')).requests], [2, 1]);
  const scope = { provider: 'openrouter', model: 'newcomer', fromMs: 0 };
  // $10/M in and out: 1M + 1M tokens = $20 each.
  assert.equal((await ledger.reprice(scope, pricerOf(new Catalog(EMPTY, NEW)))).changed, 3);
  let totals = await ledger.totals('2026-03-02', '2026-03-02');
  assert.deepEqual([totals.never_sent, totals.requests, totals.unpriced, totals.cost_nusd], [0, 3, 0, 60_000_000_000n]);
  assertRollupEqualsRows(db);
  // And back: at $0 they cost nothing, so the missing_key rows are calls never sent again.
  const free: PricingEntry[] = [{ provider: 'openrouter', model: 'newcomer', versions: [{ effective: '2026-01-01T00:00:00Z', per_million: { input: 0, output: 0 } }] }];
  assert.equal((await ledger.reprice(scope, pricerOf(new Catalog(EMPTY, free)))).changed, 3);
  totals = await ledger.totals('2026-03-02', '2026-03-02');
  assert.deepEqual([totals.never_sent, totals.requests, totals.cost_nusd], [2, 1, 0n]);
  assertRollupEqualsRows(db);
});
