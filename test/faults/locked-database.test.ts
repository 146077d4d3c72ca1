// The database locked by another process (a long `routeops ledger import`) while /ask
// answers and usage ingests arrive. The test holds the lock itself and lets go of it when the
// answers are out and the ingests were refused, so the point is made without waiting out a real
// 10 s: nothing is lost once the lock is released, and nothing is recorded twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { peekDb } from '../support/db.js';
import { ingest, startFaultRig } from '../support/fault-rig.js';
import { assertLedgerInvariants, servedCallIds } from '../support/ledger-invariants.js';

const ingestRows = (batch: number) =>
  Array.from({ length: 25 }, (_, i) => ({ ts: '2026-03-02T10:00:00Z', provider: 'deepseek', model: 'deepseek-chat', input_tokens: 100 + i, output_tokens: 10, request_id: `ext-${batch}-${i}` }));

test('a database locked during answers and ingests: answers go out, ingests are refused with nothing written, and once the lock is released every row is in, once', { timeout: 120_000 }, async (t) => {
  const rig = await startFaultRig();
  t.after(() => rig.close());
  const bot = await rig.startBot();
  assert.equal((await ingest(bot, ingestRows(0))).status, 200, 'an ingest before the lock');

  const importer = rig.lock();
  t.after(() => importer.release());
  const channels = Array.from({ length: 6 }, (_, i) => `C0LOCK${i}`);
  await Promise.all(channels.map((c, i) => rig.ask(bot, c, `locked question ${i}`)));
  // An ingest while the answers are under way, and one after.
  const during = ingest(bot, ingestRows(1));
  const answers = await Promise.all(channels.map((c) => rig.answered(c)));
  for (const [i, a] of answers.entries()) assert.match(JSON.stringify(a.blocks), new RegExp(`Simulated deepseek answer to: locked question ${i}`));
  const refused = [await during, await ingest(bot, ingestRows(2))];
  for (const r of refused) {
    assert.ok(r.status === 503 || r.status === 500, `an ingest the lock keeps out is refused (HTTP ${r.status})`);
    assert.match(String(r.body.error), /nothing was written/);
  }
  assert.equal(peekDb(rig.dbPath, (db) => db.prepare(`SELECT COUNT(*) FROM usage`).pluck().get()), 25, 'only the rows from before the lock');

  importer.release();
  // The meter writes what waited at its next retry; the ingest client sends its batches again.
  await bot.waitForLog((l) => l.msg === 'usage rows waiting for the database are recorded');
  for (const batch of [1, 2]) assert.deepEqual(await ingest(bot, ingestRows(batch)), { status: 200, body: { ok: true, inserted: 25, skipped: 0 } });
  assert.deepEqual(await ingest(bot, ingestRows(2)), { status: 200, body: { ok: true, inserted: 0, skipped: 25 } }, 'a batch sent twice is recorded once');

  const served = servedCallIds(rig.sim.requests);
  assert.equal(served.length, channels.length);
  const facts = assertLedgerInvariants(rig.dbPath, { served, begun: channels.length });
  assert.deepEqual(facts.bySource, { ask: 6, ingest: 75 });

  // A stop and a start after it add nothing (the journal was settled as the rows went in).
  assert.deepEqual(await bot.kill('SIGTERM'), { code: 0, signal: null });
  const again = await rig.startBot();
  assert.deepEqual(assertLedgerInvariants(rig.dbPath, { served, begun: channels.length }).bySource, { ask: 6, ingest: 75 });
  assert.equal(rig.slack.calls.filter((c) => c.method === 'chat.postMessage').length, channels.length, 'each answer was posted once');
  await again.kill('SIGTERM');
});
