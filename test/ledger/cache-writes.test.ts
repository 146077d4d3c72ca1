// Cache writes through the ledger: an imported row's cache_write_tokens is kept (migration 010)
// and priced at the version's cache_write rate (src/domain/money/cost.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../src/domain/catalog/catalog.js';
import { BUILTIN_CATALOG } from '../../src/domain/catalog/builtin.js';
import { parseUsageJsonl } from '../../src/domain/usage-rows/jsonl.js';
import { pricedLedger } from '../../src/app/ledger.js';
import { makeZone } from '../../src/domain/time/zone.js';
import { tempDb } from '../support/ledger-fixtures.js';

test('an imported cache write is stored and billed at the cache-write price; too many is refused with the reason', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const catalog = new Catalog(BUILTIN_CATALOG, [
    { provider: 'openrouter', model: 'anthropic/claude-x', versions: [{ effective: '2026-01-01T00:00:00Z', per_million: { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 } }] },
  ]);
  const ledger = pricedLedger(db, catalog, makeZone('UTC'));
  const parsed = parseUsageJsonl(
    '{"ts":"2026-11-20T12:00:00Z","provider":"openrouter","model":"anthropic/claude-x","input_tokens":10000,"cached_input_tokens":2000,"cache_write_tokens":6000,"output_tokens":100,"request_id":"w1"}\n' +
      '{"ts":"2026-11-20T12:00:01Z","provider":"openrouter","model":"anthropic/claude-x","input_tokens":10000,"output_tokens":100,"request_id":"w2"}\n',
  );
  assert.ok(parsed.ok);
  assert.deepEqual(await ledger.record(parsed.rows, 'import'), { inserted: 2, skipped: 0 });
  const rows = db.prepare('SELECT request_id, cache_write_tokens, cost_nusd FROM usage ORDER BY request_id').all();
  // w1: 2,000 x 3 + 2,000 x 0.3 + 6,000 x 3.75 + 100 x 15 = 0.006 + 0.0006 + 0.0225 + 0.0015 = $0.0306
  // w2: 10,000 x 3 + 100 x 15 = 0.03 + 0.0015 = $0.0315
  assert.deepEqual(rows, [
    { request_id: 'w1', cache_write_tokens: 6000, cost_nusd: 30_600_000 },
    { request_id: 'w2', cache_write_tokens: 0, cost_nusd: 31_500_000 },
  ]);

  const bad = parseUsageJsonl('{"ts":"2026-11-20T12:00:00Z","provider":"openrouter","model":"m","input_tokens":10,"cached_input_tokens":8,"cache_write_tokens":5}\n');
  assert.ok(!bad.ok);
  assert.match(bad.errors[0]!.message, /line 1: cache_write_tokens: 5 is more than the uncached input tokens \(2\)/);
});
