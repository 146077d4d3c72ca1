// Through the real bot process: a normal stop (SIGTERM) while another process
// holds the database's write lock, after 10 answered /ask. Before the journal, all 10 rows and
// the threads' bookkeeping were logged and dropped; now they wait in the journal beside the
// database and the next start records them, once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { peekDb } from '../support/db.js';
import { startFaultRig, until } from '../support/fault-rig.js';
import { assertLedgerInvariants, servedCallIds } from '../support/ledger-invariants.js';

test('SIGTERM while another process holds the write lock after 10 answered /ask: 10 of 10 rows after the restart, and the threads still converse', async (t) => {
  const rig = await startFaultRig();
  t.after(() => rig.close());
  const bot = await rig.startBot();
  const importer = rig.lock();
  t.after(() => importer.release());

  const channels = Array.from({ length: 10 }, (_, i) => `C0STOP${i}`);
  await Promise.all(channels.map((c, i) => rig.ask(bot, c, `question ${i} while an import runs`)));
  const answers = await Promise.all(channels.map((c) => rig.answered(c)));
  for (const [i, a] of answers.entries()) assert.match(JSON.stringify(a.blocks), new RegExp(`Simulated deepseek answer to: question ${i} while`));
  await bot.waitForLog((l) => l.msg === 'database busy: usage rows wait in memory and are retried');

  assert.deepEqual(await bot.kill('SIGTERM'), { code: 0, signal: null }, 'a clean stop, lock or not');
  assert.ok(bot.logs.some((l) => l.msg === 'database busy at stop: usage rows kept in the journal, recorded at the next start'));
  assert.ok(bot.logs.some((l) => l.msg === 'database busy at stop: Slack bookkeeping kept in the journal'));
  assert.ok(!bot.logs.some((l) => l.level >= 50), 'nothing was logged as lost');
  importer.release();
  assert.equal(peekDb(rig.dbPath, (db) => db.prepare('SELECT COUNT(*) FROM usage').pluck().get()), 0, 'the lock kept every row out of the database');

  const restarted = await rig.startBot();
  const served = servedCallIds(rig.sim.requests);
  assert.equal(served.length, 10);
  const facts = assertLedgerInvariants(rig.dbPath, { served, begun: 10 });
  assert.equal(facts.rows, 10, '10 of 10 rows');
  assert.equal(facts.interrupted, 0, 'every call had ended: none is interrupted');
  const threads = peekDb(rig.dbPath, (db) => db.prepare(`SELECT channel, thread_ts FROM ask_threads ORDER BY channel`).all()) as Array<{ channel: string; thread_ts: string }>;
  assert.deepEqual(threads, [...answers].map((a) => ({ channel: a.channel, thread_ts: a.ts })).sort((a, b) => a.channel.localeCompare(b.channel)));

  // A reply under one of those answers, to the new process: still a conversation with the bot.
  const before = rig.sim.requests.length;
  await rig.threadReply(restarted, 'C0STOP3', answers[3]!.ts, 'and what happens next?');
  await rig.slack.waitFor('chat.stopStream', (c) => c.body.channel === 'C0STOP3');
  await until(() => servedCallIds(rig.sim.requests.slice(before)).length === 1);
  const history = (rig.sim.requests.slice(before).find((r) => r.path.endsWith('/chat/completions'))!.body as { messages: Array<{ content: string }> }).messages;
  assert.ok(history.some((m) => m.content.includes('question 3 while an import runs')), 'the thread is the history');
  assert.ok(history.some((m) => m.content.includes('Simulated deepseek answer to: question 3')));

  assert.deepEqual(await restarted.kill('SIGTERM'), { code: 0, signal: null });
  assert.deepEqual(readdirSync(`${rig.dbPath}.routeops-journal`), [], 'nothing is left in the journal after a clean stop');
  const after = assertLedgerInvariants(rig.dbPath, { served: servedCallIds(rig.sim.requests), begun: 11 });
  assert.equal(after.rows, 11);
  assert.equal(rig.slack.calls.filter((c) => c.method === 'chat.postMessage').length, 10, 'each /ask answer was posted once');
});
