// Through the real bot process: a stop (SIGTERM) or a crash (SIGKILL) while another process holds
// the database's write lock, after 10 answered /ask. Before the journal, a stop logged and dropped
// all 10 rows and the threads' bookkeeping; now they wait in the journal beside the database and
// the next start records them, once, and replies in those threads are still conversations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BotProcess } from '../support/bot-process.js';
import { peekDb } from '../support/db.js';
import type { StoredMessage } from '../support/fake-slack.js';
import { startFaultRig, until, type FaultRig } from '../support/fault-rig.js';
import { assertLedgerInvariants, servedCallIds } from '../support/ledger-invariants.js';

const channels = Array.from({ length: 10 }, (_, i) => `C0STOP${i}`);

/** 10 /ask answered while the test holds the write lock: the rows and threads wait for it. */
async function answerTenUnderLock(rig: FaultRig, bot: BotProcess): Promise<StoredMessage[]> {
  await Promise.all(channels.map((c, i) => rig.ask(bot, c, `question ${i} while an import runs`)));
  const answers = await Promise.all(channels.map((c) => rig.answered(c)));
  for (const [i, a] of answers.entries()) assert.match(JSON.stringify(a.blocks), new RegExp(`Simulated deepseek answer to: question ${i} while`));
  await bot.waitForLog((l) => l.msg === 'database busy: usage rows wait in memory and are retried');
  return answers;
}

/** Thread bookkeeping writes in the bot's own journal file. */
function journaledThreads(rig: FaultRig, bot: BotProcess): number {
  const dir = `${rig.dbPath}.routeops-journal`;
  const own = readdirSync(dir).filter((f) => f.includes(`_${bot.pid}-`) && f.endsWith('.jsonl'));
  return own.reduce((n, f) => n + (readFileSync(join(dir, f), 'utf8').match(/"kind":"thread"/g)?.length ?? 0), 0);
}

/** After the restart: 10 of 10 rows, the threads remembered, and a reply in one still answered with the thread as history. */
async function checkAfterRestart(rig: FaultRig, restarted: BotProcess, answers: StoredMessage[]): Promise<void> {
  const served = servedCallIds(rig.sim.requests);
  assert.equal(served.length, 10);
  const facts = assertLedgerInvariants(rig.dbPath, { served, begun: 10 });
  assert.equal(facts.rows, 10, '10 of 10 rows');
  assert.equal(facts.interrupted, 0, 'every call had ended: none is interrupted');
  const threads = peekDb(rig.dbPath, (db) => db.prepare(`SELECT channel, thread_ts FROM ask_threads ORDER BY channel`).all()) as Array<{ channel: string; thread_ts: string }>;
  assert.deepEqual(threads, [...answers].map((a) => ({ channel: a.channel, thread_ts: a.ts })).sort((a, b) => a.channel.localeCompare(b.channel)));

  const before = rig.sim.requests.length;
  await rig.threadReply(restarted, 'C0STOP3', answers[3]!.ts, 'and what happens next?');
  await rig.slack.waitFor('chat.stopStream', (c) => c.body.channel === 'C0STOP3');
  await until(() => servedCallIds(rig.sim.requests.slice(before)).length === 1);
  const history = (rig.sim.requests.slice(before).find((r) => r.path.endsWith('/chat/completions'))!.body as { messages: Array<{ content: string }> }).messages;
  assert.ok(history.some((m) => m.content.includes('question 3 while an import runs')), 'the thread is the history');
  assert.ok(history.some((m) => m.content.includes('Simulated deepseek answer to: question 3')));

  assert.deepEqual(await restarted.kill('SIGTERM'), { code: 0, signal: null });
  assert.deepEqual(readdirSync(`${rig.dbPath}.routeops-journal`), [], 'nothing is left in the journal after a clean stop');
  assert.equal(assertLedgerInvariants(rig.dbPath, { served: servedCallIds(rig.sim.requests), begun: 11 }).rows, 11);
  assert.equal(rig.slack.calls.filter((c) => c.method === 'chat.postMessage').length, 10, 'each /ask answer was posted once');
}

test('SIGTERM while another process holds the write lock after 10 answered /ask: 10 of 10 rows after the restart, and the threads still converse', { timeout: 120_000 }, async (t) => {
  const rig = await startFaultRig();
  t.after(() => rig.close());
  const bot = await rig.startBot();
  const importer = rig.lock();
  t.after(() => importer.release());
  const answers = await answerTenUnderLock(rig, bot);

  assert.deepEqual(await bot.kill('SIGTERM'), { code: 0, signal: null }, 'a clean stop, lock or not');
  assert.ok(bot.logs.some((l) => l.msg === 'database busy at stop: usage rows kept in the journal, recorded at the next start'));
  assert.ok(bot.logs.some((l) => l.msg === 'database busy at stop: Slack bookkeeping kept in the journal'));
  assert.ok(!bot.logs.some((l) => l.level >= 50), 'nothing was logged as lost');
  importer.release();
  assert.equal(peekDb(rig.dbPath, (db) => db.prepare('SELECT COUNT(*) FROM usage').pluck().get()), 0, 'the lock kept every row out of the database');

  await checkAfterRestart(rig, await rig.startBot(), answers);
});

test('SIGKILL while another process holds the write lock after 10 answered /ask: the rows and the threads waited in the journal', { timeout: 120_000 }, async (t) => {
  const rig = await startFaultRig();
  t.after(() => rig.close());
  const bot = await rig.startBot();
  const importer = rig.lock();
  t.after(() => importer.release());
  const answers = await answerTenUnderLock(rig, bot);
  // Each answer's thread is remembered just after its answer is final: wait until all ten are in
  // the bot's journal (the database is locked, so that is the only place they can be).
  await until(() => journaledThreads(rig, bot) === channels.length);

  assert.deepEqual(await bot.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
  importer.release();
  assert.equal(peekDb(rig.dbPath, (db) => db.prepare('SELECT COUNT(*) FROM ask_threads').pluck().get()), 0, 'nothing had reached the database');

  await checkAfterRestart(rig, await rig.startBot(), answers);
});
