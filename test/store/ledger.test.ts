// The ledger's contract on both stores (src/store/ledger.ts): what SqliteLedger does,
// PostgresLedger does, row for row and figure for figure. Each behaviour runs on both stores
// (storeTest); where it says "as SQLite", the same rows also go into a reference SQLite ledger
// and every read must answer the same.
import assert from 'node:assert/strict';
import { LedgerError, type UsageInput } from '../../src/store/ledger.js';
import { SPEND_DIMS } from '../../src/domain/spend.js';
import { makeZone } from '../../src/domain/time/zone.js';
import { storeTest } from '../support/both-stores.js';
import { fakePrice, randomRows } from '../support/ledger-fixtures.js';
import { openLedger, referenceLedger, type AnyLedger } from '../support/ledger-stores.js';

const base = { ts: '2026-03-01T10:00:00Z', provider: 'deepseek', model: 'deepseek-chat' };
const row = (over: Partial<UsageInput> = {}): UsageInput => ({ ...base, input_tokens: 1, cached_input_tokens: 0, output_tokens: 1, reasoning_tokens: 0, ...over });

/** Every read of a ledger over a range of days. */
async function readAll(ledger: AnyLedger, from: string, to: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const dim of SPEND_DIMS) {
    out[`rollup ${dim}`] = await ledger.spendRollup(dim, from, to);
    out[`raw ${dim}`] = await ledger.spendRaw(dim, from, to);
  }
  out.totals = await ledger.totals(from, to);
  out.totalsRaw = await ledger.totalsRaw(from, to);
  out.firstDay = await ledger.firstDay();
  out.lastDay = await ledger.lastDay();
  out.count = await ledger.count();
  out.recent = await ledger.recentRows(100);
  return out;
}

function assertRollupIsRaw(all: Record<string, unknown>): void {
  for (const dim of SPEND_DIMS) assert.deepEqual(all[`rollup ${dim}`], all[`raw ${dim}`], `the ${dim} rollup equals the raw rows`);
  assert.deepEqual(all.totals, all.totalsRaw);
}

storeTest('random rows over days in a zone: the rollup equals the raw rows in every dim, and every read answers as SQLite', async (kind, t) => {
  const { ledger } = await openLedger(kind, t, 'Europe/Berlin');
  const reference = referenceLedger(t, 'Europe/Berlin');
  const statuses = ['ok', 'ok', 'missing', 'estimated'] as const;
  const rows = randomRows(4000, 20260301).map((r, i) => ({
    ...r,
    usage_status: statuses[i % 4]!,
    status: i % 97 === 0 ? 'missing_key' : i % 89 === 0 ? 'interrupted' : r.status,
    model: i % 101 === 0 ? 'routeops-check-no-such-model' : r.model,
  }));
  let inserted = 0;
  // Several writes, so the rollup's upsert adds to rows already there; routecheck rows too.
  for (let i = 0; i < rows.length; i += 700) {
    const source = i % 1400 === 0 ? 'import' : 'routecheck';
    const got = await ledger.record(rows.slice(i, i + 700), source);
    assert.deepEqual(got, await reference.record(rows.slice(i, i + 700), source));
    inserted += got.inserted;
  }
  assert.ok(inserted < rows.length, 'the dataset has duplicate request ids');
  const from = (await ledger.firstDay())!;
  const to = (await ledger.lastDay())!;
  assert.ok(from < to);
  const all = await readAll(ledger, from, to);
  assertRollupIsRaw(all);
  assert.equal(all.count, inserted);
  const totals = all.totals as { requests: number; never_sent: number; not_found_probes: number; unpriced: number; usage_missing: number; routecheck_nusd: bigint };
  assert.ok(totals.never_sent > 0 && totals.not_found_probes > 0 && totals.unpriced > 0 && totals.usage_missing > 0 && totals.routecheck_nusd > 0n);
  assert.deepEqual(all, await readAll(reference, from, to));
  // A sub-range too.
  assert.deepEqual(await readAll(ledger, '2026-03-03', '2026-03-05'), await readAll(reference, '2026-03-03', '2026-03-05'));
  await ledger.rebuildRollup();
  assert.deepEqual(await readAll(ledger, from, to), all);
});

storeTest('recordBatches writes every batch in one transaction, with the same rows and rollup as record', async (kind, t) => {
  const { ledger } = await openLedger(kind, t, 'America/New_York');
  const reference = referenceLedger(t, 'America/New_York');
  const rows = randomRows(12_000, 5, Date.UTC(2026, 0, 1), 60);
  const batches = function* () {
    for (let i = 0; i < rows.length; i += 2500) yield rows.slice(i, i + 2500);
    yield [];
  };
  const got = await ledger.recordBatches(batches(), 'import');
  assert.deepEqual(got, await reference.record(rows, 'import'));
  assert.equal(got.inserted + got.skipped, rows.length);
  const all = await readAll(ledger, '2025-12-01', '2026-03-31');
  assertRollupIsRaw(all);
  assert.deepEqual(all, await readAll(reference, '2025-12-01', '2026-03-31'));
  // Importing the same file again adds only the rows without a request id (nothing to know them by).
  const again = await ledger.recordBatches(batches(), 'import');
  assert.deepEqual(again, { inserted: rows.filter((r) => r.request_id === undefined).length, skipped: rows.filter((r) => r.request_id !== undefined).length });
  assert.deepEqual(again, await reference.recordBatches(batches(), 'import'));
});

storeTest('a batch that fails to iterate rolls every batch back and rethrows', async (kind, t) => {
  const { ledger, sql } = await openLedger(kind, t);
  const batches = function* () {
    yield randomRows(100, 1);
    throw new Error('line 140: bad json');
  };
  await assert.rejects(ledger.recordBatches(batches(), 'import'), /line 140: bad json/);
  assert.equal(await ledger.count(), 0);
  assert.deepEqual(await sql('SELECT * FROM usage'), []);
  assert.deepEqual(await sql('SELECT * FROM spend_daily'), []);
});

storeTest('duplicates inside one batch are skipped; rows without request_id are always recorded', async (kind, t) => {
  const { ledger } = await openLedger(kind, t);
  const dup = row({ request_id: 'dup' });
  const noId = row();
  assert.deepEqual(await ledger.record([dup, dup, noId, noId], 'ingest'), { inserted: 3, skipped: 1 });
  assert.deepEqual(await ledger.record([dup, noId], 'ingest'), { inserted: 1, skipped: 1 });
  assert.equal(await ledger.count(), 4);
  assert.deepEqual(await ledger.totals('2026-03-01', '2026-03-01'), { requests: 4, unpriced: 0, usage_missing: 0, interrupted: 0, cost_nusd: 8n, never_sent: 0, not_found_probes: 0, routecheck_nusd: 0n });
});

storeTest('a request id is a duplicate within a day either side of its time, not further', async (kind, t) => {
  const { ledger } = await openLedger(kind, t);
  await ledger.record([row({ ts: '2026-03-10T12:00:00Z', request_id: 'r' })], 'import');
  // The UTC day before and after: the same request.
  assert.deepEqual(await ledger.record([row({ ts: '2026-03-09T01:00:00Z', request_id: 'r' }), row({ ts: '2026-03-11T23:00:00Z', request_id: 'r' })], 'import'), { inserted: 0, skipped: 2 });
  // Two days away: another request that happens to share the id.
  assert.deepEqual(await ledger.record([row({ ts: '2026-03-12T00:00:00Z', request_id: 'r' })], 'import'), { inserted: 1, skipped: 0 });
  // Within one write too: the row two days on is recorded, then one between them is not.
  assert.deepEqual(await ledger.record([row({ ts: '2026-03-20T00:00:00Z', request_id: 's' }), row({ ts: '2026-03-22T00:00:00Z', request_id: 's' }), row({ ts: '2026-03-21T00:00:00Z', request_id: 's' })], 'import'), { inserted: 2, skipped: 1 });
});

storeTest('call ids: calls sharing a provider id are rows apiece; the same call id is one row; an export of them is skipped', async (kind, t) => {
  const { ledger } = await openLedger(kind, t);
  const call = (i: number, over: Partial<UsageInput> = {}) => row({ call_id: `call-${i}`, request_id: 'constant-id', ...over });
  const calls = [0, 1, 2, 3, 4].map((i) => call(i));
  assert.deepEqual(await ledger.record(calls, 'ask'), { inserted: 5, skipped: 0 });
  assert.deepEqual(await ledger.record([...calls, call(5)], 'ask'), { inserted: 1, skipped: 5 });
  assert.deepEqual(await ledger.record([call(9, { request_id: undefined }), call(9, { request_id: undefined })], 'ask'), { inserted: 1, skipped: 1 });
  // A provider export (no call id) of a call routeops recorded: found by its request id.
  assert.deepEqual(await ledger.record([row({ ts: '2026-03-01T10:00:01Z', request_id: 'constant-id' }), row({ request_id: 'gen-other' })], 'import'), { inserted: 1, skipped: 1 });
  assert.equal(await ledger.count(), 8);
  assert.deepEqual((await ledger.recentRows(10)).map((r) => r.call_id).filter((c) => c !== null).sort(), ['call-0', 'call-1', 'call-2', 'call-3', 'call-4', 'call-5', 'call-9']);
  await assert.rejects(ledger.record([row({ call_id: '' })], 'ask'), /row 1: call_id must be a non-empty string/);
});

storeTest('a write is all or nothing: a failing pricer or a bad row after good ones writes nothing', async (kind, t) => {
  const { ledger, sql } = await openLedger(kind, t, 'UTC', (r) => {
    if (r.model === 'explodes') throw new Error('catalog exploded');
    return fakePrice(r);
  });
  const rows = randomRows(5, 7);
  const explodes = { ...rows[0]!, model: 'explodes', request_id: 'boom' };
  await assert.rejects(ledger.record([...rows, explodes], 'import'), /catalog exploded/);
  await assert.rejects(ledger.record([...rows, { ...rows[0]!, ts: 'noon' }], 'import'), (err: Error) => err instanceof LedgerError && /^row 6: ts: expected an ISO-8601 time/.test(err.message));
  await assert.rejects(ledger.record([{ ...rows[0]!, input_tokens: 1.5 }], 'import'), /row 1: token counts must be non-negative integers/);
  await assert.rejects(ledger.record([row({ usage_status: 'guessed' as never })], 'ask'), /row 1: usage_status must be one of ok, missing, invalid, estimated/);
  await assert.rejects(ledger.record([row({ cost_usd: 'lots' })], 'ask'), /not a decimal amount/);
  await assert.rejects(ledger.record([row()], 'fax' as never), /unknown usage source "fax"/);
  // The row that fails first in order is the one named, as SQLite's writer goes row by row.
  await assert.rejects(ledger.record([...rows, explodes, { ...rows[0]!, ts: 'noon' }], 'import'), /catalog exploded/);
  assert.equal(await ledger.count(), 0);
  assert.deepEqual(await sql('SELECT id FROM usage'), []);
  assert.deepEqual(await sql('SELECT dim FROM spend_daily'), []);
});

storeTest('effective cost: ours, else the provider-reported cost, else not priced; usage missing counted apart', async (kind, t) => {
  const { ledger } = await openLedger(kind, t);
  const r = (model: string, cost_usd?: string, over: Partial<UsageInput> = {}) => row({ model, input_tokens: 1000, output_tokens: 500, cost_usd, ...over });
  await ledger.record([r('priced', '0.000002'), r('free-reported', '0.000003'), r('free-nothing'), r('priced'), r('priced', undefined, { usage_status: 'missing' })], 'import');
  const byModel = await ledger.spendRollup('model', '2026-03-01', '2026-03-01');
  assert.deepEqual(
    byModel.map((s) => ({ key: s.key, requests: s.requests, unpriced: s.unpriced, missing: s.usage_missing, cost: s.cost_nusd, reported: s.provider_cost_nusd })),
    [
      { key: 'deepseek/free-nothing', requests: 1, unpriced: 1, missing: 0, cost: 0n, reported: 0n },
      { key: 'deepseek/free-reported', requests: 1, unpriced: 0, missing: 0, cost: 3000n, reported: 3000n },
      { key: 'deepseek/priced', requests: 3, unpriced: 0, missing: 1, cost: 3000n, reported: 2000n },
    ],
  );
  assert.deepEqual(await ledger.totals('2026-03-01', '2026-03-01'), { requests: 5, unpriced: 1, usage_missing: 1, interrupted: 0, cost_nusd: 6000n, never_sent: 0, not_found_probes: 0, routecheck_nusd: 0n });
  assert.equal((await ledger.recentRows(1))[0]!.cost_nusd, null, 'usage missing is never priced as $0');
});

storeTest('money past 2^53 nano-USD sums exactly', async (kind, t) => {
  const { ledger } = await openLedger(kind, t);
  // $900,000 reported per row: ten rows pass $9,007,199 (2^53 nano-USD).
  const rows = Array.from({ length: 12 }, (_, i) => row({ model: 'free-big', cost_usd: '900000.000000001', request_id: `big-${i}` }));
  await ledger.record(rows, 'import');
  const expected = 12n * 900_000_000_000_001n;
  assert.equal((await ledger.totals('2026-03-01', '2026-03-01')).cost_nusd, expected);
  assert.equal((await ledger.spendRollup('provider', '2026-03-01', '2026-03-01'))[0]!.provider_cost_nusd, expected);
  assert.equal((await ledger.totalsRaw('2026-03-01', '2026-03-01')).cost_nusd, expected);
});

storeTest('an empty ledger', async (kind, t) => {
  const { ledger } = await openLedger(kind, t);
  assert.equal(await ledger.firstDay(), null);
  assert.equal(await ledger.lastDay(), null);
  assert.equal(await ledger.count(), 0);
  assert.deepEqual(await ledger.totals('2026-01-01', '2026-12-31'), { requests: 0, unpriced: 0, usage_missing: 0, interrupted: 0, cost_nusd: 0n, never_sent: 0, not_found_probes: 0, routecheck_nusd: 0n });
  assert.deepEqual(await ledger.totalsRaw('2026-01-01', '2026-12-31'), await ledger.totals('2026-01-01', '2026-12-31'));
  assert.deepEqual(await ledger.spendRollup('provider', '2026-01-01', '2026-12-31'), []);
  assert.deepEqual(await ledger.recentRows(), []);
  assert.deepEqual(await ledger.record([], 'ask'), { inserted: 0, skipped: 0 });
  await assert.rejects(ledger.spendRollup('team' as 'user', '2026-01-01', '2026-01-02'), /unknown spend dimension "team"/);
  await assert.rejects(ledger.spendRaw('team' as 'user', '2026-01-01', '2026-01-02'), /unknown spend dimension "team"/);
});

storeTest('DST days in Europe/Paris: rows around both changes get their local day, as SQLite gives them', async (kind, t) => {
  const { ledger, sql } = await openLedger(kind, t, 'Europe/Paris');
  const reference = referenceLedger(t, 'Europe/Paris');
  const rows: UsageInput[] = [];
  // Every 10 minutes over the two nights of the changes (2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00).
  for (const start of [Date.UTC(2026, 2, 28, 18), Date.UTC(2026, 9, 24, 18)]) {
    for (let m = 0; m < 12 * 60; m += 10) rows.push(row({ ts: new Date(start + m * 60_000).toISOString(), request_id: `p${start}-${m}`, user: m % 20 ? 'U1' : undefined }));
  }
  await ledger.record(rows, 'import');
  await reference.record(rows, 'import');
  const zone = makeZone('Europe/Paris');
  for (const r of await sql<{ ts_ms: number; day: string }>('SELECT ts_ms, day FROM usage')) assert.equal(r.day, zone.dayOf(Number(r.ts_ms)), new Date(Number(r.ts_ms)).toISOString());
  // 23:00Z on the 28th of March is already the 29th in Paris (UTC+1); 22:00Z on 24 October too (UTC+2).
  assert.deepEqual((await ledger.spendRollup('provider', '2026-03-28', '2026-10-25')).map((s) => [s.day, s.requests]), [
    ['2026-03-28', 30],
    ['2026-03-29', 42],
    ['2026-10-24', 24],
    ['2026-10-25', 48],
  ]);
  const all = await readAll(ledger, '2026-03-01', '2026-10-31');
  assertRollupIsRaw(all);
  assert.deepEqual(all, await readAll(reference, '2026-03-01', '2026-10-31'));
});

storeTest('text with quotes, backslashes, commas, braces and other scripts is stored as written', async (kind, t) => {
  const { ledger } = await openLedger(kind, t);
  const odd = ['a "quoted" user', 'back\\slash', 'comma, {brace}', 'NULL', '', 'Zürich 東京 🚀'];
  await ledger.record(odd.map((s, i) => row({ user: s, route: s, channel: s, error: s, request_id: `${s}#${i}` })), 'import');
  const stored = (await ledger.recentRows(10)).reverse();
  assert.deepEqual(stored.map((r) => [r.user, r.route, r.channel, r.error, r.request_id]), odd.map((s, i) => [s, s, s, s, `${s}#${i}`]));
  assert.deepEqual((await ledger.spendRollup('user', '2026-03-01', '2026-03-01')).map((s) => s.key), [...odd].sort());
});
