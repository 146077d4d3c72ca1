// Through the real bot process: SIGKILL while 30 /ask answers are streaming.
// Each call was journaled before it was sent, so the next start records every one of them as an
// interrupted row (prompt tokens estimated, flagged), exactly once, and /spend says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { peekDb } from '../support/db.js';
import { startFaultRig, until } from '../support/fault-rig.js';
import { runCli } from '../support/bot-process.js';
import { assertLedgerInvariants, servedCallIds } from '../support/ledger-invariants.js';

const BURST = 30;

test('SIGKILL during a burst of 30 streaming /ask: after a restart each call is one interrupted row, and /spend counts them', { timeout: 120_000 }, async (t) => {
  const rig = await startFaultRig();
  t.after(() => rig.close());
  // Every answer streams its text, then only keep-alives: all 30 are mid-stream when the kill comes.
  rig.sim.setFaults('deepseek', { neverEnd: true });
  const bot = await rig.startBot();

  const channels = Array.from({ length: BURST }, (_, i) => `C0BURST${i}`);
  // The simulator writes an answer's text as soon as it has recorded its request.
  const streaming = until(() => servedCallIds(rig.sim.requests).length >= BURST);
  await Promise.all(channels.map((c, i) => rig.ask(bot, c, `burst question ${i}`, `U0BURST${i % 7}`)));
  await streaming;
  assert.deepEqual(await bot.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
  const served = servedCallIds(rig.sim.requests);
  assert.equal(served.length, BURST);
  assert.equal(peekDb(rig.dbPath, (db) => db.prepare('SELECT COUNT(*) FROM usage').pluck().get()), 0, 'no call had ended: nothing was in the ledger yet');

  const restarted = await rig.startBot();
  const replay = await restarted.waitForLog((l) => l.msg === 'journal of a stopped process replayed');
  assert.equal(replay.interrupted, BURST);

  const facts = assertLedgerInvariants(rig.dbPath, { served, begun: BURST });
  assert.equal(facts.rows, BURST, 'one row per call, no more');
  assert.equal(facts.interrupted, BURST);
  const rows = peekDb(rig.dbPath, (db) => db.prepare(`SELECT call_id, status, usage_status, input_tokens, output_tokens, "user", channel FROM usage`).all()) as Array<Record<string, unknown>>;
  assert.deepEqual(rows.map((r) => r.call_id).sort(), [...served].sort(), 'the rows are the calls the provider served');
  for (const r of rows) {
    assert.equal(r.status, 'interrupted');
    assert.equal(r.usage_status, 'estimated');
    assert.ok((r.input_tokens as number) > 0, 'the prompt tokens we know are kept (estimated)');
    assert.equal(r.output_tokens, 0);
    assert.match(String(r.channel), /^C0BURST\d+$/);
  }
  assert.deepEqual(readdirSync(`${rig.dbPath}.routeops-journal`).filter((f) => !f.includes(`_${restarted.pid}-`)), [], "the dead process's journal is removed once replayed");

  // /spend in Slack and --json on the CLI both count them.
  const reply = await rig.command(restarted, '/spend', 'today');
  assert.match(JSON.stringify(reply.body), new RegExp(`Interrupted.{0,8}${BURST} interrupted calls, cost estimated`));
  const cli = await runCli(['spend', 'today', '--json'], rig.env);
  assert.equal(cli.code, 0, cli.stderr);
  const json = JSON.parse(cli.stdout) as { requests: number; interrupted_calls: number };
  assert.equal(json.requests, BURST);
  assert.equal(json.interrupted_calls, BURST);

  // A second restart replays nothing again.
  assert.deepEqual(await restarted.kill('SIGTERM'), { code: 0, signal: null });
  const third = await rig.startBot();
  assert.equal(assertLedgerInvariants(rig.dbPath, { served, begun: BURST }).rows, BURST);
  assert.equal(rig.slack.calls.filter((c) => c.method === 'chat.postMessage').length, BURST, 'each question was posted once');
  await third.kill('SIGTERM');
});
