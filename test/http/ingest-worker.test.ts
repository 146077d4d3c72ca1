// The ingest worker on its own (src/app/ingest.ts): bodies handed over in pieces are decoded,
// parsed and written on its own connection to a real SQLite file; a failure of the worker fails
// the bodies in hand with an error (nothing written) and the next ingest starts a new worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createIngestWorker } from '../../src/app/ingest.js';
import { bodyText } from '../../src/features/ledger/ingest.js';
import { createServices } from '../../src/app/services.js';
import { testConfig } from '../support/config.js';
import { tempDir } from '../support/temp.js';

const log = pino({ level: 'silent' });

test('bodyText joins a character cut between two pieces', () => {
  const bytes = Buffer.from('{"user":"Zoë 🚀"}\n');
  const cut = bytes.indexOf(0xf0) + 2; // inside the four bytes of 🚀
  assert.equal(bodyText([bytes.subarray(0, 12), bytes.subarray(12, cut), bytes.subarray(cut)]), '{"user":"Zoë 🚀"}\n');
  assert.equal(bodyText([]), '');
});

test('the ingest worker writes a body handed over in pieces, priced as the bot prices, on its own connection', async (t) => {
  const tmp = tempDir('routeops-ingest-', t);
  const config = testConfig({ timezone: 'UTC' });
  const services = createServices({ config, dbPath: tmp.dbPath, log });
  t.after(() => services.close());
  const worker = createIngestWorker({ dbPath: tmp.dbPath, config, log });
  t.after(() => worker.close());

  const row = { ts: '2026-11-20T12:00:00Z', provider: 'deepseek', model: 'deepseek-v4-flash', input_tokens: 1_000_000, output_tokens: 0, request_id: 'w-1' };
  const text = Buffer.from(`${JSON.stringify(row)}\n${JSON.stringify({ ...row, request_id: 'w-2' })}\n`);
  const pooled = Buffer.from('\n'); // a view into Node's shared pool: copied, not moved
  assert.deepEqual(await worker.ingest([text.subarray(0, 40), Buffer.from(text.subarray(40)), pooled]), { kind: 'written', inserted: 2, skipped: 0 });
  assert.equal(pooled.length, 1, 'a piece the caller did not own is still usable');
  assert.deepEqual(await worker.ingest([Buffer.from(text)]), { kind: 'written', inserted: 0, skipped: 2 });
  const bad = await worker.ingest([Buffer.from('{"ts":"2026-11-20T12:00:00Z","provider":"deepseek"}\n')]);
  assert.equal(bad.kind, 'bad_rows');

  const [stored] = await services.ledger.recentRows(1);
  assert.equal(stored?.source, 'ingest');
  // 1M input tokens of deepseek-v4-flash at 12:00 UTC: the off-peak $0.15 of deepseek-flash (the built-in catalog).
  assert.equal(stored?.cost_nusd, 150_000_000);
});

test('a worker that cannot open the database fails the body with an error, and the next ingest starts afresh', async (t) => {
  const tmp = tempDir('routeops-ingest-', t);
  const config = testConfig({ timezone: 'UTC' });
  // A folder where the database file should be: the worker's open fails.
  const worker = createIngestWorker({ dbPath: tmp.dir, config, log });
  t.after(() => worker.close());
  await assert.rejects(worker.ingest([Buffer.from('{}\n')]), /ingest worker failed: .*SQLITE_CANTOPEN/);
  await assert.rejects(worker.ingest([Buffer.from('{}\n')]), /ingest worker failed: .*SQLITE_CANTOPEN/);
});
