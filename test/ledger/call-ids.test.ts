// routeops' own calls are rows by routeops' own call id, and rows whose usage could not be
// trusted are counted as such, never as $0 (migrations/008_call_ids.sql).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UsageInput } from '../../src/store/ledger.js';
import { SPEND_DIMS } from '../../src/domain/spend.js';
import { makeLedger, randomRows, tempDb } from '../support/ledger-fixtures.js';

const call = (i: number, extra: Partial<UsageInput> = {}): UsageInput => ({
  ts: '2026-03-01T10:00:00Z',
  provider: 'deepseek',
  model: 'deepseek-chat',
  input_tokens: 100,
  cached_input_tokens: 0,
  output_tokens: 10,
  reasoning_tokens: 0,
  call_id: `call-${i}`,
  ...extra,
});

test('five calls through a proxy that reuses one request id are five rows; the same call id twice is one', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const calls = [0, 1, 2, 3, 4].map((i) => call(i, { request_id: 'constant-id' }));
  assert.deepEqual(await ledger.record(calls, 'ask'), { inserted: 5, skipped: 0 });
  // A journal replayed after a crash writes the same calls again: nothing is added.
  assert.deepEqual(await ledger.record([...calls, call(5, { request_id: 'constant-id' })], 'ask'), { inserted: 1, skipped: 5 });
  assert.deepEqual(await ledger.record([call(9), call(9)], 'ask'), { inserted: 1, skipped: 1 });
  assert.equal(await ledger.count(), 7);
  const rows = await ledger.recentRows(10);
  assert.ok(rows.every((r) => r.request_id === null || r.request_id === 'constant-id'), 'the provider id is kept for support tickets');
  assert.deepEqual(rows.map((r) => r.call_id).sort(), ['call-0', 'call-1', 'call-2', 'call-3', 'call-4', 'call-5', 'call-9']);
});

test("a provider export imported after routeops recorded the calls skips them (the provider's id is the key)", async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  await ledger.record([call(1, { request_id: 'gen-abc' })], 'ask');
  const exported: UsageInput = { ts: '2026-03-01T10:00:01Z', provider: 'deepseek', model: 'deepseek-chat', input_tokens: 100, cached_input_tokens: 0, output_tokens: 10, reasoning_tokens: 0, request_id: 'gen-abc' };
  assert.deepEqual(await ledger.record([exported, { ...exported, request_id: 'gen-other' }], 'import'), { inserted: 1, skipped: 1 });
});

test('a row whose usage was missing or invalid costs "usage missing", not $0, and is counted apart from "not priced"', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  await ledger.record(
    [
      call(1, { usage_status: 'missing', input_tokens: 0, output_tokens: 0 }),
      call(2, { usage_status: 'invalid', input_tokens: 0, output_tokens: 0 }),
      call(3, { model: 'free-model' }),
      call(4),
      // The provider said what it billed: that counts even without usage.
      call(5, { usage_status: 'missing', input_tokens: 0, output_tokens: 0, cost_usd: '0.000001' }),
    ],
    'ask',
  );
  assert.deepEqual(await ledger.totals('2026-03-01', '2026-03-01'), { requests: 5, unpriced: 1, usage_missing: 2, interrupted: 0, cost_nusd: 110n + 1000n, never_sent: 0, not_found_probes: 0, routecheck_nusd: 0n });
  const rows = await ledger.recentRows(10);
  const missing = rows.find((r) => r.call_id === 'call-1')!;
  assert.equal(missing.cost_nusd, null, 'never priced as a call that used no tokens');
  assert.equal(missing.usage_status, 'missing');
});

test('interrupted calls are priced on their estimate and counted; the rollup equals the raw rows with every status', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const statuses = ['ok', 'missing', 'invalid', 'estimated'] as const;
  const rows = randomRows(2000, 11).map((r, i) => ({
    ...r,
    request_id: undefined,
    call_id: `c${i % 1900}`,
    usage_status: statuses[i % 4]!,
    status: i % 4 === 3 ? 'interrupted' : r.status,
  }));
  assert.deepEqual(await ledger.record(rows, 'ask'), { inserted: 1900, skipped: 100 });
  const totals = await ledger.totals('2026-01-01', '2026-12-31');
  assert.equal(totals.interrupted, 475);
  assert.ok(totals.usage_missing > 0 && totals.unpriced > 0);
  for (const dim of SPEND_DIMS) assert.deepEqual(await ledger.spendRollup(dim, '2026-01-01', '2026-12-31'), await ledger.spendRaw(dim, '2026-01-01', '2026-12-31'), dim);
  assert.deepEqual(await ledger.totalsRaw('2026-01-01', '2026-12-31'), totals);
  ledger.rebuildRollup();
  assert.deepEqual(await ledger.totals('2026-01-01', '2026-12-31'), totals);
});

test('a row with an unknown usage_status is refused with the accepted values', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  await assert.rejects(ledger.record([call(1, { usage_status: 'guessed' as never })], 'ask'), /usage_status must be one of ok, missing, invalid, estimated/);
  assert.equal(await ledger.count(), 0);
});
