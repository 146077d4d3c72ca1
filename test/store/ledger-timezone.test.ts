// The ledger's time zone on both stores: days are local to the stored zone, a ledger in another
// zone refuses to write until ensureTimezone recomputes the days and the rollup.
import assert from 'node:assert/strict';
import type { UsageInput } from '../../src/store/ledger.js';
import { SPEND_DIMS } from '../../src/domain/spend.js';
import { storeTest } from '../support/both-stores.js';
import { openLedger } from '../support/ledger-stores.js';

const at = (ts: string, request_id: string): UsageInput => ({ ts, provider: 'deepseek', model: 'deepseek-chat', input_tokens: 10, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, request_id });

storeTest('a time zone change recomputes the days and rebuilds the rollup; the zone is stored for every connection', async (kind, t) => {
  const { ledger: utc, sql, another } = await openLedger(kind, t, 'UTC');
  // 03:00Z and 04:59Z are still the previous evening in New York (UTC-5 in January).
  await utc.record([at('2026-01-15T03:00:00Z', 'a'), at('2026-01-15T04:59:00Z', 'b'), at('2026-01-15T05:00:00Z', 'c'), at('2026-01-15T12:00:00Z', 'd')], 'import');
  assert.equal(await utc.ensureTimezone(), false);
  assert.equal(await utc.storedTimezone(), 'UTC');
  assert.deepEqual((await utc.spendRollup('provider', '2026-01-14', '2026-01-15')).map((s) => [s.day, s.requests]), [['2026-01-15', 4]]);

  const ny = await another('America/New_York');
  await assert.rejects(ny.record([at('2026-01-16T12:00:00Z', 'e')], 'ask'), /computed in time zone UTC.*ensureTimezone/);
  assert.equal(await ny.ensureTimezone(), true);
  assert.equal(await ny.storedTimezone(), 'America/New_York');
  assert.deepEqual(await sql('SELECT request_id, day FROM usage ORDER BY request_id'), [
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
  assert.equal(await ny.ensureTimezone(), false);
  // On PostgreSQL every write checks the stored zone (another replica may have switched it), so
  // the UTC ledger now refuses; SQLite's checks once per connection, and this one checked before.
  if (kind === 'postgres') await assert.rejects(utc.record([at('2026-01-17T12:00:00Z', 'f')], 'ask'), /computed in time zone America\/New_York, not UTC/);
  assert.deepEqual(await ny.record([at('2026-01-16T02:00:00Z', 'e')], 'ask'), { inserted: 1, skipped: 0 });
  assert.equal((await ny.recentRows(1))[0]!.day, '2026-01-15');

  // Switching back by name.
  const again = await another('UTC');
  assert.equal(await again.storedTimezone(), 'America/New_York');
  assert.equal(await again.ensureTimezone('UTC'), true);
  assert.equal(again.zone.name, 'UTC');
  assert.deepEqual((await again.spendRollup('provider', '2026-01-14', '2026-01-16')).map((s) => [s.day, s.requests]), [
    ['2026-01-15', 4],
    ['2026-01-16', 1],
  ]);
});

storeTest('an empty ledger takes the zone it is given without recomputing anything', async (kind, t) => {
  const { ledger } = await openLedger(kind, t, 'Asia/Kathmandu');
  assert.equal(await ledger.storedTimezone(), null);
  assert.equal(await ledger.ensureTimezone(), false);
  assert.equal(await ledger.storedTimezone(), 'Asia/Kathmandu');
  // 18:15Z is midnight at +05:45.
  await ledger.record([at('2026-02-01T18:14:00Z', 'x'), at('2026-02-01T18:15:00Z', 'y')], 'import');
  assert.deepEqual((await ledger.spendRollup('provider', '2026-02-01', '2026-02-02')).map((s) => [s.day, s.requests]), [
    ['2026-02-01', 1],
    ['2026-02-02', 1],
  ]);
});
