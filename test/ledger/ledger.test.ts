import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LedgerError, type UsageInput } from '../../src/store/ledger.js';
import { SPEND_DIMS } from '../../src/domain/spend.js';
import { openDatabase } from '../../src/store/open.js';
import { makeZone } from '../../src/domain/time/zone.js';
import { fakePrice, makeLedger, randomRows, tempDb, usdToNusd } from '../support/ledger-fixtures.js';
import { importUsageText } from '../../src/features/ledger/import-usage.js';
import { makeServices } from '../support/services.js';

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const base = { ts: '2026-03-01T10:00:00Z', provider: 'deepseek', model: 'deepseek-chat' };

test('fixture usdToNusd is exact', () => {
  assert.equal(usdToNusd('0.000000001'), 1);
  assert.equal(usdToNusd('1.5'), 1_500_000_000);
  assert.equal(usdToNusd('0.0000000015'), 2);
  assert.equal(usdToNusd(0.1), 100_000_000);
});

test('JSONL import records rows; re-importing the same file inserts nothing', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const text = jsonl([
    { ...base, input_tokens: 100, output_tokens: 10, request_id: 'a', user: 'U1' },
    { ...base, input_tokens: 50, output_tokens: 5, request_id: 'b', cost_usd: '0.25' },
    { ...base, model: 'free-x', input_tokens: 1, request_id: 'c' },
  ]);
  const first = await importUsageText(ledger, 'usage.jsonl', text);
  assert.deepEqual(first, { ok: true, format: 'jsonl', rows: 3, inserted: 3, skipped: 0 });
  const again = await importUsageText(ledger, 'usage.jsonl', text);
  assert.deepEqual(again, { ok: true, format: 'jsonl', rows: 3, inserted: 0, skipped: 3 });
  assert.equal(await ledger.count(), 3);

  const rows = await ledger.recentRows(10);
  assert.deepEqual(rows.map((r) => r.request_id), ['c', 'b', 'a']);
  const a = rows[2]!;
  assert.equal(a.source, 'import');
  assert.equal(a.day, '2026-03-01');
  assert.equal(a.ts, '2026-03-01T10:00:00.000Z');
  assert.equal(a.ts_ms, Date.UTC(2026, 2, 1, 10));
  assert.equal(a.cost_nusd, 110);
  assert.equal(a.price_version, 'test-v1');
  assert.equal(a.provider_cost_nusd, null);
  assert.equal(a.user, 'U1');
  assert.equal(a.thinking, 0);
  assert.equal(a.status, 'ok');
  assert.equal(rows[1]!.provider_cost_nusd, 250_000_000);
  assert.equal(rows[0]!.cost_nusd, null);

  // Totals count each row once even though it sits in four dims.
  assert.deepEqual(await ledger.totals('2026-03-01', '2026-03-01'), { requests: 3, unpriced: 1, usage_missing: 0, interrupted: 0, cost_nusd: 165n, never_sent: 0, not_found_probes: 0, routecheck_nusd: 0n });
});

test('CSV import with quoted fields', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const csv =
    'ts,provider,model,input_tokens,output_tokens,user,route,error,request_id\r\n' +
    '2026-03-01T10:00:00Z,qwen-intl,qwen-plus,10,2,"Smith, Jane",qwen-plus,"he said ""hi""\r\nthen left",r1\r\n' +
    '2026-03-01T11:00:00+02:00,qwen-intl,qwen-plus,3,1,,,,r2\r\n';
  const r = await importUsageText(ledger, 'export.csv', csv);
  assert.deepEqual(r, { ok: true, format: 'csv', rows: 2, inserted: 2, skipped: 0 });
  const [second, first] = await ledger.recentRows(2);
  assert.equal(first!.user, 'Smith, Jane');
  assert.equal(first!.error, 'he said "hi"\r\nthen left');
  assert.equal(second!.ts, '2026-03-01T09:00:00.000Z');
  assert.equal(second!.user, null);
  assert.deepEqual(
    (await ledger.spendRollup('user', '2026-03-01', '2026-03-01')).map((s) => [s.key, s.requests, s.cost_nusd]),
    [
      ['(none)', 1, 4n],
      ['Smith, Jane', 1, 12n],
    ],
  );
  assert.deepEqual((await ledger.spendRollup('route', '2026-03-01', '2026-03-01')).map((s) => s.key), ['qwen-intl/qwen-plus', 'qwen-plus']);
});

test('a file with a bad line writes nothing and names the line', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const text = jsonl([
    { ...base, request_id: 'x1' },
    { ...base, request_id: 'x2' },
    { ...base, request_id: 'x3', input_tokens: '12.5' },
    { ...base, request_id: 'x4' },
  ]);
  const r = await importUsageText(ledger, 'usage.jsonl', text);
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.deepEqual(r.errors, [{ line: 3, message: 'line 3: input_tokens: expected a non-negative integer, got "12.5"' }]);
  assert.equal(await ledger.count(), 0);
  assert.deepEqual(db.prepare('SELECT COUNT(*) FROM spend_daily').pluck().get(), 0);

  const unknownCol = await importUsageText(ledger, 'u.csv', 'ts,provider,model,tokens\n2026-03-01T00:00:00Z,p,m,4\n');
  assert.ok(!unknownCol.ok);
  assert.match(unknownCol.errors[0]!.message, /^line 1: unknown column\(s\) "tokens"/);

  const cached = await importUsageText(ledger, 'c.jsonl', jsonl([{ ...base, input_tokens: 5, cached_input_tokens: 6 }]));
  assert.ok(!cached.ok);
  assert.match(cached.errors[0]!.message, /^line 1: cached_input_tokens: 6 is more than input_tokens \(5\)/);
  assert.equal(await ledger.count(), 0);
});

test('duplicates inside one batch are skipped; rows without request_id are always recorded', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const row: UsageInput = { ...base, input_tokens: 1, cached_input_tokens: 0, output_tokens: 1, reasoning_tokens: 0, request_id: 'dup' };
  const noId: UsageInput = { ...row, request_id: undefined };
  assert.deepEqual(await ledger.record([row, row, noId, noId], 'ingest'), { inserted: 3, skipped: 1 });
  assert.deepEqual(await ledger.record([row, noId], 'ingest'), { inserted: 1, skipped: 1 });
  assert.equal(await ledger.count(), 4);
  assert.deepEqual(await ledger.totals('2026-03-01', '2026-03-01'), { requests: 4, unpriced: 0, usage_missing: 0, interrupted: 0, cost_nusd: 8n, never_sent: 0, not_found_probes: 0, routecheck_nusd: 0n });
});

test('a batch is all or nothing: a failing pricer rolls everything back', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  let calls = 0;
  const ledger = makeLedger(db, 'UTC', (r) => {
    if (++calls === 3) throw new Error('catalog exploded');
    return fakePrice(r);
  });
  const rows = randomRows(5, 7);
  await assert.rejects(ledger.record(rows, 'import'), /catalog exploded/);
  assert.equal(await ledger.count(), 0);
  assert.equal(db.prepare('SELECT COUNT(*) FROM spend_daily').pluck().get(), 0);
  await assert.rejects(ledger.record([{ ...rows[0]!, ts: 'noon' }], 'import'), LedgerError);
  await assert.rejects(ledger.record([{ ...rows[0]!, input_tokens: 1.5 }], 'import'), LedgerError);
});

test('effective cost: ours, else the provider-reported cost, else unpriced', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const r = (model: string, cost_usd?: string): UsageInput => ({
    ...base,
    model,
    input_tokens: 1000,
    cached_input_tokens: 0,
    output_tokens: 500,
    reasoning_tokens: 0,
    cost_usd,
  });
  await ledger.record([r('priced', '0.000002'), r('free-reported', '0.000003'), r('free-nothing'), r('priced')], 'import');
  const byModel = await ledger.spendRollup('model', '2026-03-01', '2026-03-01');
  assert.deepEqual(
    byModel.map((s) => ({ key: s.key, requests: s.requests, unpriced: s.unpriced, cost: s.cost_nusd, reported: s.provider_cost_nusd })),
    [
      { key: 'deepseek/free-nothing', requests: 1, unpriced: 1, cost: 0n, reported: 0n },
      { key: 'deepseek/free-reported', requests: 1, unpriced: 0, cost: 3000n, reported: 3000n },
      { key: 'deepseek/priced', requests: 2, unpriced: 0, cost: 3000n, reported: 2000n },
    ],
  );
  assert.deepEqual(await ledger.totals('2026-03-01', '2026-03-01'), { requests: 4, unpriced: 1, usage_missing: 0, interrupted: 0, cost_nusd: 6000n, never_sent: 0, not_found_probes: 0, routecheck_nusd: 0n });
  assert.deepEqual(await ledger.spendRaw('model', '2026-03-01', '2026-03-01'), byModel);
});

test('the rollup equals the raw aggregate for every dim over a varied dataset', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db, 'Europe/Berlin');
  const rows = randomRows(4000, 20260301);
  // Several batches, so the rollup upsert path (existing day/key rows) is exercised.
  let inserted = 0;
  for (let i = 0; i < rows.length; i += 700) inserted += (await ledger.record(rows.slice(i, i + 700), 'import')).inserted;
  assert.equal(await ledger.count(), inserted);
  assert.ok(inserted < rows.length, 'the dataset has duplicate request ids');
  const from = (await ledger.firstDay())!;
  const to = (await ledger.lastDay())!;
  assert.ok(from < to);
  for (const dim of SPEND_DIMS) {
    const rollup = await ledger.spendRollup(dim, from, to);
    assert.ok(rollup.length > 10, dim);
    assert.deepEqual(rollup, await ledger.spendRaw(dim, from, to), dim);
    const sum = rollup.reduce(
      (acc, s) => ({
        requests: acc.requests + s.requests,
        unpriced: acc.unpriced + s.unpriced,
        usage_missing: acc.usage_missing + s.usage_missing,
        interrupted: acc.interrupted + s.interrupted,
        cost_nusd: acc.cost_nusd + s.cost_nusd,
        never_sent: acc.never_sent + s.never_sent,
        not_found_probes: acc.not_found_probes + s.not_found_probes,
        routecheck_nusd: acc.routecheck_nusd + s.routecheck_nusd,
      }),
      { requests: 0, unpriced: 0, usage_missing: 0, interrupted: 0, cost_nusd: 0n, never_sent: 0, not_found_probes: 0, routecheck_nusd: 0n },
    );
    assert.deepEqual(sum, await ledger.totals(from, to), dim);
  }
  // A sub-range too.
  assert.deepEqual(await ledger.spendRollup('user', '2026-03-03', '2026-03-05'), await ledger.spendRaw('user', '2026-03-03', '2026-03-05'));
  assert.ok((await ledger.totals(from, to)).unpriced > 0);

  // rebuildRollup reproduces the incrementally maintained table exactly.
  const before = db.prepare('SELECT * FROM spend_daily ORDER BY dim, day, key').all();
  ledger.rebuildRollup();
  assert.deepEqual(db.prepare('SELECT * FROM spend_daily ORDER BY dim, day, key').all(), before);
});

test('an empty ledger', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  assert.equal(await ledger.firstDay(), null);
  assert.equal(await ledger.lastDay(), null);
  assert.equal(await ledger.count(), 0);
  assert.deepEqual(await ledger.totals('2026-01-01', '2026-12-31'), { requests: 0, unpriced: 0, usage_missing: 0, interrupted: 0, cost_nusd: 0n, never_sent: 0, not_found_probes: 0, routecheck_nusd: 0n });
  assert.deepEqual(await ledger.spendRollup('provider', '2026-01-01', '2026-12-31'), []);
  assert.deepEqual(await ledger.record([], 'ask'), { inserted: 0, skipped: 0 });
  await assert.rejects(ledger.spendRollup('team' as 'user', '2026-01-01', '2026-01-02'), /unknown spend dimension "team"/);
});

test('timezone change recomputes days and rebuilds the rollup', async (t) => {
  const { db, path, cleanup } = tempDb();
  t.after(cleanup);
  const utc = makeLedger(db, 'UTC');
  const at = (ts: string, request_id: string): UsageInput => ({
    ts,
    provider: 'deepseek',
    model: 'deepseek-chat',
    input_tokens: 10,
    cached_input_tokens: 0,
    output_tokens: 0,
    reasoning_tokens: 0,
    request_id,
  });
  // 03:00Z and 04:59Z are still the previous evening in New York (UTC-5 in January).
  const rows = [at('2026-01-15T03:00:00Z', 'a'), at('2026-01-15T04:59:00Z', 'b'), at('2026-01-15T05:00:00Z', 'c'), at('2026-01-15T12:00:00Z', 'd')];
  await utc.record(rows, 'import');
  assert.equal(utc.ensureTimezone(), false);
  assert.equal(utc.storedTimezone(), 'UTC');
  const days = () => db.prepare('SELECT request_id, day FROM usage ORDER BY request_id').all();
  assert.deepEqual((await utc.spendRollup('provider', '2026-01-14', '2026-01-15')).map((s) => [s.day, s.requests]), [['2026-01-15', 4]]);

  // A ledger in another zone refuses to write until the days are recomputed.
  const ny = makeLedger(db, 'America/New_York');
  await assert.rejects(ny.record([at('2026-01-16T12:00:00Z', 'e')], 'ask'), /computed in time zone UTC.*ensureTimezone/);
  assert.equal(ny.ensureTimezone(), true);
  assert.equal(ny.storedTimezone(), 'America/New_York');
  assert.deepEqual(days(), [
    { request_id: 'a', day: '2026-01-14' },
    { request_id: 'b', day: '2026-01-14' },
    { request_id: 'c', day: '2026-01-15' },
    { request_id: 'd', day: '2026-01-15' },
  ]);
  assert.deepEqual((await ny.spendRollup('provider', '2026-01-14', '2026-01-15')).map((s) => [s.day, s.requests, s.cost_nusd]), [
    ['2026-01-14', 2, 20n],
    ['2026-01-15', 2, 20n],
  ]);
  for (const dim of SPEND_DIMS) assert.deepEqual(await ny.spendRollup(dim, '2026-01-01', '2026-01-31'), await ny.spendRaw(dim, '2026-01-01', '2026-01-31'));
  assert.equal(ny.ensureTimezone(), false);
  assert.deepEqual(await ny.record([at('2026-01-16T02:00:00Z', 'e')], 'ask'), { inserted: 1, skipped: 0 });
  assert.equal((await ny.recentRows(1))[0]!.day, '2026-01-15');

  // The zone persists in the file: a new connection sees it; switching back by name works.
  db.close();
  const db2 = openDatabase(path);
  t.after(() => db2.close());
  const again = makeLedger(db2, 'UTC');
  assert.equal(again.storedTimezone(), 'America/New_York');
  assert.equal(again.ensureTimezone('UTC'), true);
  assert.equal(again.zone.name, 'UTC');
  assert.deepEqual((await again.spendRollup('provider', '2026-01-14', '2026-01-16')).map((s) => [s.day, s.requests]), [
    ['2026-01-15', 4],
    ['2026-01-16', 1],
  ]);
});

test('stored days match the zone for odd offsets (+05:45, half-hour DST)', async (t) => {
  for (const zoneName of ['Asia/Kathmandu', 'Australia/Lord_Howe', 'America/St_Johns']) {
    const { db, cleanup } = tempDb();
    t.after(cleanup);
    const ledger = makeLedger(db, zoneName);
    const rows = randomRows(3000, 99, Date.UTC(2025, 9, 1), 200).map((r, i) => ({ ...r, request_id: `q${i}` }));
    await ledger.record(rows, 'import');
    const zone = makeZone(zoneName);
    for (const r of db.prepare('SELECT ts_ms, day FROM usage').all() as Array<{ ts_ms: number; day: string }>) {
      assert.equal(r.day, zone.dayOf(r.ts_ms), `${zoneName} ${new Date(r.ts_ms).toISOString()}`);
    }
  }
});

test('a call that used no tokens costs $0, unless its provider billed it: then the bill counts', async (t) => {
  const { services } = makeServices({ timezone: 'UTC' }, { owner: t });
  const at = { ts: '2026-11-20T10:00:00Z', provider: 'openrouter', model: 'mystery/model', input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0 };
  await services.ledger.record([{ ...at, request_id: 'failed' }], 'ingest');
  assert.deepEqual(await services.ledger.totals('2026-11-20', '2026-11-20'), { cost_nusd: 0n, requests: 1, unpriced: 0, usage_missing: 0, interrupted: 0, never_sent: 0, not_found_probes: 0, routecheck_nusd: 0n });
  await services.ledger.record([{ ...at, request_id: 'billed', cost_usd: '2000' }], 'ingest');
  assert.deepEqual(await services.ledger.totals('2026-11-20', '2026-11-20'), { cost_nusd: 2000n * 1_000_000_000n, requests: 2, unpriced: 0, usage_missing: 0, interrupted: 0, never_sent: 0, not_found_probes: 0, routecheck_nusd: 0n });
});
