// Re-pricing, the drift check's groups and the gateway's traffic on both stores, against the
// SQLite ledger's answers (src/store/ledger/reprice.ts, cost-drift.ts, gateway-traffic.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Catalog } from '../../src/domain/catalog/catalog.js';
import { SPEND_DIMS } from '../../src/domain/spend.js';
import { priceUsage, usageForCost } from '../../src/domain/money/cost.js';
import type { PricingEntry } from '../../src/config/schema.js';
import type { Pricer, UsageInput } from '../../src/store/ledger.js';
import { storeTest } from '../support/both-stores.js';
import { randomRows } from '../support/ledger-fixtures.js';
import type { PostgresLedger } from '../../src/store/postgres/ledger/postgres-ledger.js';
import { REPRICE_PAGE } from '../../src/store/postgres/ledger/reprice.js';
import { openLedger, referenceLedger, type AnyLedger } from '../support/ledger-stores.js';

const EMPTY = { pricing: [], retirements: [] };
const OLD: PricingEntry[] = [{ provider: 'deepseek', model: 'flash', versions: [{ effective: '2026-01-01T00:00:00Z', per_million: { input: 1, output: 2 } }] }];
// From 2026-03-02T00:00Z: input $3/M, output $4/M; and a model that had no price gets one.
const NEW: PricingEntry[] = [
  { provider: 'deepseek', model: 'flash', versions: [...OLD[0]!.versions, { effective: '2026-03-02T00:00:00Z', per_million: { input: 3, output: 4 } }] },
  { provider: 'openrouter', model: 'newcomer', versions: [{ effective: '2026-01-01T00:00:00Z', per_million: { input: 10, output: 10 } }] },
];
const pricerOf = (entries: PricingEntry[]): Pricer => {
  const catalog = new Catalog(EMPTY, entries);
  return (row) => priceUsage(catalog, row.provider, row.model, usageForCost(row, row.tsMs));
};
const FLASH = { provider: 'deepseek', model: 'flash', fromMs: Date.parse('2026-03-02T00:00:00Z') };

function row(ts: string, over: Partial<UsageInput> = {}): UsageInput {
  return { ts, provider: 'deepseek', model: 'flash', input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 1_000_000, reasoning_tokens: 0, user: 'U1', route: 'fast', ...over };
}

async function assertRollupIsRaw(ledger: AnyLedger): Promise<void> {
  for (const dim of SPEND_DIMS) assert.deepEqual(await ledger.spendRollup(dim, '2026-01-01', '2026-12-31'), await ledger.spendRaw(dim, '2026-01-01', '2026-12-31'), `the ${dim} rollup equals the raw rows`);
}

storeTest('re-pricing from an instant changes those rows and the rollup, nothing before it, and is idempotent', async (kind, t) => {
  const { ledger, sql } = await openLedger(kind, t, 'UTC', pricerOf(OLD));
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
  // A route check's call: 1,000 x $1/M = $0.001 -> $0.003, and its share (routecheck_nusd) moves with it.
  await ledger.record([row('2026-03-03T11:00:00Z', { call_id: 'check-1', input_tokens: 1000, output_tokens: 0 })], 'routecheck');
  const preview = await ledger.previewReprice(FLASH, pricerOf(NEW));
  assert.deepEqual(preview, { rows: 3, changed: 3, before_nusd: 6_001_000_000n, after_nusd: 14_003_000_000n, first_ms: FLASH.fromMs, unpriced_rows: 0, unpriced_after_nusd: 0n });
  assert.equal((await ledger.totals('2026-03-01', '2026-03-03')).cost_nusd, 9_001_000_000n, 'a preview writes nothing');

  assert.deepEqual(await ledger.reprice(FLASH, pricerOf(NEW)), { rows: 3, changed: 3, before_nusd: 6_001_000_000n, after_nusd: 14_003_000_000n });
  const costs = Object.fromEntries((await sql<{ request_id: string | null; cost_nusd: number | null }>('SELECT request_id, cost_nusd FROM usage')).map((r) => [String(r.request_id), r.cost_nusd === null ? null : Number(r.cost_nusd)]));
  assert.deepEqual(costs, { before: 3_000_000_000, at: 7_000_000_000, after: 7_000_000_000, missing: null, other: null, null: 3_000_000 });
  assert.deepEqual(await sql(`SELECT price_version FROM usage WHERE request_id = 'at'`), [{ price_version: 'deepseek/flash@2026-03-02T00:00:00.000Z' }]);
  await assertRollupIsRaw(ledger);
  const totals = await ledger.totals('2026-03-01', '2026-03-03');
  assert.deepEqual([totals.cost_nusd, totals.routecheck_nusd], [17_003_000_000n, 3_000_000n]);
  // Applying the same prices again changes nothing.
  assert.deepEqual(await ledger.reprice(FLASH, pricerOf(NEW)), { rows: 3, changed: 0, before_nusd: 0n, after_nusd: 0n });
});

storeTest('a row whose new cost makes it a request, or no longer one, moves between the left-out counts and the requests', async (kind, t) => {
  const { ledger } = await openLedger(kind, t, 'UTC', pricerOf([]));
  const newcomer = { model: 'newcomer', provider: 'openrouter' };
  await ledger.record(
    [
      row('2026-03-02T01:00:00Z', { request_id: 'k1', status: 'missing_key', ...newcomer }),
      row('2026-03-02T02:00:00Z', { request_id: 'k2', status: 'missing_key', route: undefined, ...newcomer }),
      row('2026-03-02T03:00:00Z', { request_id: 'ok', ...newcomer }),
    ],
    'import',
  );
  const scope = { provider: 'openrouter', model: 'newcomer', fromMs: 0 };
  // Not priced before: the preview says what the new price covers ($20 each).
  const preview = await ledger.previewReprice(scope, pricerOf(NEW));
  assert.deepEqual([preview.unpriced_rows, preview.unpriced_after_nusd, preview.first_ms], [3, 60_000_000_000n, Date.parse('2026-03-02T01:00:00Z')]);
  assert.equal((await ledger.reprice(scope, pricerOf(NEW))).changed, 3);
  let totals = await ledger.totals('2026-03-02', '2026-03-02');
  assert.deepEqual([totals.never_sent, totals.requests, totals.unpriced, totals.cost_nusd], [0, 3, 0, 60_000_000_000n]);
  await assertRollupIsRaw(ledger);
  const free: PricingEntry[] = [{ provider: 'openrouter', model: 'newcomer', versions: [{ effective: '2026-01-01T00:00:00Z', per_million: { input: 0, output: 0 } }] }];
  assert.equal((await ledger.reprice(scope, pricerOf(free))).changed, 3);
  totals = await ledger.totals('2026-03-02', '2026-03-02');
  assert.deepEqual([totals.never_sent, totals.requests, totals.cost_nusd], [2, 1, 0n]);
  await assertRollupIsRaw(ledger);
});

storeTest('re-pricing a random ledger over many pages: the rows, rollup and results are those of SQLite', async (kind, t) => {
  const { ledger } = await openLedger(kind, t, 'Europe/Berlin', pricerOf(OLD));
  const reference = referenceLedger(t, 'Europe/Berlin', pricerOf(OLD));
  const rows = randomRows(40_000, 7).map((r, i) => (i % 2 === 0 ? { ...r, provider: 'deepseek', model: 'flash', request_id: `f${i}` } : r));
  await ledger.record(rows, 'import');
  await reference.record(rows, 'import');
  const scope = { provider: 'deepseek', model: 'flash', fromMs: Date.UTC(2026, 2, 4) };
  const preview = await ledger.previewReprice(scope, pricerOf(NEW));
  assert.deepEqual(preview, await reference.previewReprice(scope, pricerOf(NEW)));
  const result = await ledger.reprice(scope, pricerOf(NEW));
  assert.ok(result.rows > REPRICE_PAGE && result.changed > 5000, `${result.rows} rows, ${result.changed} changed: more than a page`);
  assert.deepEqual(result, await reference.reprice(scope, pricerOf(NEW)));
  await assertRollupIsRaw(ledger);
  for (const dim of SPEND_DIMS) assert.deepEqual(await ledger.spendRollup(dim, '2026-01-01', '2026-12-31'), await reference.spendRollup(dim, '2026-01-01', '2026-12-31'));
  assert.deepEqual(await ledger.recentRows(200), await reference.recentRows(200));
});

test('postgres: repriceWith re-prices inside the caller\'s transaction: rolled back with it, or committed with it', async (t) => {
  const { ledger, pg } = await openLedger('postgres', t, 'UTC', pricerOf(OLD));
  const pgLedger = ledger as PostgresLedger;
  await ledger.record([row('2026-03-05T12:00:00Z', { request_id: 'a' })], 'import');
  await assert.rejects(
    pg!.tx(async (q) => {
      assert.equal((await pgLedger.repriceWith(q, FLASH, pricerOf(NEW))).changed, 1);
      throw new Error('the proposal could not be marked applied');
    }),
    /could not be marked applied/,
  );
  assert.equal((await ledger.totals('2026-03-05', '2026-03-05')).cost_nusd, 3_000_000_000n, 'rolled back: the old price');
  await pg!.tx(async (q) => {
    await q.query(`INSERT INTO meta (key, value) VALUES ('applied', 'yes')`);
    return pgLedger.repriceWith(q, FLASH, pricerOf(NEW));
  });
  assert.equal((await ledger.totals('2026-03-05', '2026-03-05')).cost_nusd, 7_000_000_000n);
  await assertRollupIsRaw(ledger);
});

storeTest('the drift check groups a day\'s rows with both costs as SQLite does', async (kind, t) => {
  const { ledger } = await openLedger(kind, t, 'UTC');
  const reference = referenceLedger(t, 'UTC');
  const rows = randomRows(3000, 42, Date.UTC(2026, 2, 1), 3).map((r, i) => ({ ...r, request_id: `d${i}`, cost_usd: i % 5 === 0 ? undefined : i % 7 === 0 ? '0' : `0.00000${(i % 9) + 1}`, cache_write_tokens: i % 11 === 0 ? 5 : 0 }));
  await ledger.record(rows, 'import');
  await reference.record(rows, 'import');
  const groups = await ledger.costDriftGroups('2026-03-02');
  assert.ok(groups.length > 10 && groups.some((g) => g.ratio_permille === null) && groups.some((g) => g.cache));
  assert.deepEqual(groups, await reference.costDriftGroups('2026-03-02'));
  assert.deepEqual(await ledger.costDriftGroups('2026-04-01'), []);
});

storeTest('the gateway traffic counts attempts per key, alias, route and status in a span, as SQLite does', async (kind, t) => {
  const { ledger } = await openLedger(kind, t, 'UTC');
  const reference = referenceLedger(t, 'UTC');
  const keys = ['team-a', 'team-b', undefined] as const;
  const rows = randomRows(2000, 3, Date.UTC(2026, 2, 1), 1).map((r, i) => ({ ...r, call_id: `g${i}`, user: keys[i % 3], route: i % 4 === 0 ? undefined : r.route, status: ['ok', 'error', 'rate_limited'][i % 3]! }));
  await ledger.record(rows, 'gateway');
  await reference.record(rows, 'gateway');
  await ledger.record(randomRows(50, 4, Date.UTC(2026, 2, 1), 1), 'ask');
  await reference.record(randomRows(50, 4, Date.UTC(2026, 2, 1), 1), 'ask');
  const from = Date.UTC(2026, 2, 1, 6);
  const to = Date.UTC(2026, 2, 1, 18);
  const traffic = await ledger.gatewayTraffic(from, to);
  assert.ok(traffic.some((r) => r.key === '') && traffic.some((r) => r.alias === ''));
  assert.equal(traffic.reduce((n, r) => n + r.attempts, 0), rows.filter((r) => Date.parse(r.ts) >= from && Date.parse(r.ts) < to).length);
  assert.deepEqual(traffic, await reference.gatewayTraffic(from, to));
});
