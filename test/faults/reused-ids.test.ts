// Through the real bot process: a provider (or a gateway in front of it) that
// sends the same request id on every reply. routeops' own calls are rows by routeops' own call id,
// so five calls stay five rows; the provider's id is kept beside each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { peekDb } from '../support/db.js';
import { startFaultRig } from '../support/fault-rig.js';
import { assertLedgerInvariants, servedCallIds } from '../support/ledger-invariants.js';

test('a provider that reuses one request id for every reply: 5 /ask calls are 5 ledger rows, before and after a restart', { timeout: 120_000 }, async (t) => {
  const rig = await startFaultRig();
  t.after(() => rig.close());
  rig.sim.setFaults('deepseek', { fixedRequestId: 'gw-0000-recycled' });
  const bot = await rig.startBot();

  const channels = Array.from({ length: 5 }, (_, i) => `C0REUSE${i}`);
  await Promise.all(channels.map((c, i) => rig.ask(bot, c, `question number ${i} through the gateway`)));
  const answers = await Promise.all(channels.map((c) => rig.answered(c)));
  for (const [i, a] of answers.entries()) assert.match(JSON.stringify(a.blocks), new RegExp(`Simulated deepseek answer to: question number ${i}`));

  const served = servedCallIds(rig.sim.requests);
  assert.equal(served.length, 5);
  assert.equal(new Set(served).size, 5, 'each call sent its own X-Client-Request-Id');
  const rows = () =>
    peekDb(rig.dbPath, (db) => db.prepare(`SELECT call_id, request_id, status FROM usage WHERE source = 'ask' ORDER BY call_id`).all() as Array<{ call_id: string; request_id: string; status: string }>);
  assert.deepEqual(rows().map((r) => r.call_id), [...served].sort(), 'one row per call, found by the id routeops sent');
  assert.ok(rows().every((r) => r.status === 'ok' && r.request_id.includes('gw-0000-recycled')), "the provider's (reused) id is kept beside ours");
  assertLedgerInvariants(rig.dbPath, { served });

  // A stop and a start (its journal replay) add nothing.
  assert.deepEqual(await bot.kill('SIGTERM'), { code: 0, signal: null });
  const again = await rig.startBot();
  assert.equal(rows().length, 5);
  const facts = assertLedgerInvariants(rig.dbPath, { served });
  assert.equal(facts.rows, 5);
  assert.equal(rig.slack.calls.filter((c) => c.method === 'chat.postMessage').length, 5, 'each answer was posted once');
  await again.kill('SIGTERM');
});
