// The journal beside the database (src/store/journal.ts): rows a stop could not write and calls a
// crash interrupted are recorded at the next start, exactly once (src/store/journal.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import pino from 'pino';
import { openDatabase } from '../../src/store/open.js';
import { createUsageMeter } from '../../src/store/usage-meter.js';
import { createSlackStore } from '../../src/store/slack-threads.js';
import { Journal, journalDir, orphanJournals } from '../../src/store/journal.js';
import { replayJournals } from '../../src/store/replay-journal.js';
import { JOURNAL_HOST, STALE_MS } from '../../src/store/journal-files.js';
import type { UsageInput } from '../../src/store/ledger.js';
import { makeLedger } from '../support/ledger-fixtures.js';
import { tempDb, type TempDb } from '../support/store.js';

const log = pino({ level: 'silent' });
const gone = () => false;

const row = (callId: string, extra: Partial<UsageInput> = {}): UsageInput => ({
  ts: '2026-03-01T10:00:00Z',
  provider: 'deepseek',
  model: 'deepseek-chat',
  input_tokens: 10,
  cached_input_tokens: 0,
  output_tokens: 5,
  reasoning_tokens: 0,
  call_id: callId,
  ...extra,
});

/** One "process": its meter, Slack store and journal over the database (busy timeout short, so a stop under a lock is quick). */
function processOver(t: TempDb) {
  const db = openDatabase(t.path, { busyTimeoutMs: 20 });
  const journal = new Journal(journalDir(t.path)!);
  const ledger = makeLedger(db);
  const usage = createUsageMeter({ db, ledger, log, journal, busyWaitMs: 1, retryMs: 60_000 });
  const slack = createSlackStore(db, log, { busyWaitMs: 1, retryMs: 60_000, journal });
  const stop = () => {
    usage.flushNow();
    usage.stop();
    slack.close();
    journal.close();
    db.close();
  };
  return { db, journal, ledger, usage, slack, stop };
}

test('a stop while another process holds the write lock keeps the rows and Slack bookkeeping in the journal; the next start records them once', async (t) => {
  const store = tempDb(t);
  const first = processOver(store);
  const importer = openDatabase(store.path);
  importer.prepare('BEGIN IMMEDIATE').run();
  for (let i = 0; i < 10; i++) first.usage.record([row(`ask-${i}`)], 'ask');
  first.slack.rememberThread('C1', '1700000000.000100', '2026-03-01T10:00:00Z');
  assert.equal(first.usage.pending, 10);
  first.stop();
  const file = first.journal.file;
  assert.ok(file && existsSync(file), 'the journal is kept');
  importer.prepare('COMMIT').run();
  importer.close();

  const db = store.reopen();
  assert.equal(db.prepare('SELECT COUNT(*) FROM usage').pluck().get(), 0, 'nothing was written at the stop');
  const next = processOver(store);
  const replayed = replayJournals(journalDir(store.path)!, { usage: next.usage, slack: next.slack, log, running: gone });
  assert.deepEqual(replayed, { files: 1, rows: 10, interrupted: 0, slackWrites: 1 });
  assert.equal(await next.ledger.count(), 10);
  assert.equal(await next.slack.isBotThread('C1', '1700000000.000100'), true);
  assert.equal(existsSync(file), false, 'the replayed file is removed');
  next.stop();
  assert.deepEqual(readdirSync(journalDir(store.path)!), [], 'a clean stop with nothing open leaves no file');
  // Another start finds nothing to replay and adds nothing.
  store.reopen();
  const third = processOver(store);
  assert.deepEqual(replayJournals(journalDir(store.path)!, { usage: third.usage, slack: third.slack, log, running: gone }), { files: 0, rows: 0, interrupted: 0, slackWrites: 0 });
  assert.equal(await third.ledger.count(), 10);
  third.stop();
});

test('a call begun and never ended (the process died) becomes one interrupted row with its estimated prompt tokens; ended calls are not', async (t) => {
  const store = tempDb(t);
  const crashed = processOver(store);
  await crashed.usage.begin(row('c-ended', { status: 'interrupted', usage_status: 'estimated', input_tokens: 999, output_tokens: 0 }), 'ask');
  crashed.usage.record([row('c-ended')], 'ask');
  await crashed.usage.begin(row('c-flying', { status: 'interrupted', usage_status: 'estimated', input_tokens: 1234, output_tokens: 0 }), 'ask');
  // SIGKILL: nothing is closed. A line cut short by the crash follows.
  appendFileSync(crashed.journal.file!, '{"id":9,"kind":"call","sou');

  const next = processOver(store);
  const replayed = replayJournals(journalDir(store.path)!, { usage: next.usage, slack: next.slack, log, running: gone });
  assert.equal(replayed.interrupted, 1);
  const rows = await next.ledger.recentRows(10);
  assert.deepEqual(rows.map((r) => [r.call_id, r.status, r.usage_status, r.input_tokens]).sort(), [
    ['c-ended', 'ok', 'ok', 10],
    ['c-flying', 'interrupted', 'estimated', 1234],
  ]);
  assert.equal((await next.ledger.totals('2026-03-01', '2026-03-01')).interrupted, 1);
});

test('a crash while another process holds the write lock keeps the Slack bookkeeping that waited (journaled as it waits), and the rows', async (t) => {
  const store = tempDb(t);
  const crashed = processOver(store);
  const importer = openDatabase(store.path);
  importer.prepare('BEGIN IMMEDIATE').run();
  crashed.usage.record([row('under-lock')], 'ask');
  crashed.slack.rememberThread('C1', '1700000000.000200', '2026-03-01T10:00:00Z');
  assert.equal(await crashed.slack.claimEvent('Ev0LOCKED', '2026-03-01T10:00:00Z'), true);
  // SIGKILL once the journal's lines are on disk: nothing is flushed or closed.
  await crashed.journal.durable();
  importer.prepare('COMMIT').run();
  importer.close();

  const next = processOver(store);
  const replayed = replayJournals(journalDir(store.path)!, { usage: next.usage, slack: next.slack, log, running: gone });
  assert.deepEqual(replayed, { files: 1, rows: 1, interrupted: 0, slackWrites: 2 });
  assert.equal(await next.slack.isBotThread('C1', '1700000000.000200'), true, 'the thread is still a conversation');
  assert.equal(await next.slack.claimEvent('Ev0LOCKED', '2026-03-01T10:01:00Z'), false, 'a retry of the event is not handled twice');
  next.stop();
  // Written once the lock was free: nothing is left open, so a clean stop leaves no file.
  assert.deepEqual(readdirSync(journalDir(store.path)!), []);
});

test("a running process's journal is not replayed by another start", async (t) => {
  const store = tempDb(t);
  const running = processOver(store);
  await running.usage.begin(row('live', { status: 'interrupted' }), 'ask');
  assert.equal(orphanJournals(journalDir(store.path)!).length, 0, 'this process is alive');
  assert.equal(orphanJournals(journalDir(store.path)!, gone).length, 1);
});

/** A journal file as a process with this id, that made it at this time, would have left it. */
function leftJournal(dir: string, pid: number, createdMs: number, callId: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${JOURNAL_HOST}_${pid}-${createdMs}-0badc0de.jsonl`);
  writeFileSync(path, `${JSON.stringify({ id: 1, kind: 'call', source: 'ask', row: row(callId, { status: 'interrupted', usage_status: 'estimated' }) })}\n`);
  return path;
}

test("a journal left by an earlier process with this process's id (a restarted container gives the same id) is replayed", async (t) => {
  const store = tempDb(t);
  const dir = journalDir(store.path)!;
  const left = leftJournal(dir, process.pid, Date.now() - 5000, 'before-restart');
  const live = processOver(store);
  await live.usage.begin(row('under-way', { status: 'interrupted' }), 'ask');
  const found = orphanJournals(dir);
  assert.deepEqual(found.map((o) => o.path), [left], "the earlier process's file, not this process's live one");
  assert.equal(replayJournals(dir, { usage: live.usage, slack: live.slack, log }).interrupted, 1);
  assert.deepEqual((await live.ledger.recentRows(5)).map((r) => r.call_id), ['before-restart']);
});

test('a journal whose process id now belongs to a process started after the file was made is replayed; one that may be its writer waits', async (t) => {
  const store = tempDb(t);
  const dir = journalDir(store.path)!;
  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  await once(other, 'spawn');
  const reused = leftJournal(dir, other.pid!, Date.now() - 60_000, 'pid-reused');
  leftJournal(dir, other.pid!, Date.now() + 60_000, 'maybe-its-own');
  assert.deepEqual(orphanJournals(dir).map((o) => o.path), [reused]);
});

test('the journal is rewritten to its open entries once it grows past its limit', async (t) => {
  const store = tempDb(t);
  const journal = new Journal(journalDir(store.path)!, 2000);
  const ids = Array.from({ length: 50 }, (_, i) => journal.append({ kind: 'call', source: 'ask', row: row(`c${i}`) }));
  await journal.durable();
  assert.equal(readFileSync(journal.file!, 'utf8').trim().split('\n').length, 50, 'on disk once durable() resolves');
  for (const id of ids.slice(0, 49)) journal.settle(id);
  const ids2 = readFileSync(journal.file!, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { row: UsageInput }).row.call_id);
  assert.ok(ids2.length < 15 && !ids2.includes('c0') && ids2.includes('c49'), `settled entries were dropped, the open one kept: ${ids2.join(',')}`);
  journal.close();
  assert.ok(existsSync(journal.file!), 'kept at close: an entry is still open');
});

test('appends from many concurrent calls are grouped into a few writes, each call told once its line is on disk', async (t) => {
  const store = tempDb(t);
  const journal = new Journal(journalDir(store.path)!);
  const waits = Array.from({ length: 200 }, (_, i) => {
    journal.append({ kind: 'call', source: 'ask', row: row(`g${i}`) });
    return journal.durable().then(() => readFileSync(journal.file!, 'utf8').includes(`"g${i}"`));
  });
  assert.deepEqual(new Set(await Promise.all(waits)), new Set([true]), 'every caller saw its own line on disk');
  journal.close();
});

test("another host's journal on a shared volume is left alone while its writer keeps touching it, replayed once it stops", (t) => {
  const store = tempDb(t);
  const dir = journalDir(store.path)!;
  mkdirSync(dir, { recursive: true });
  // Process id 1 on another host means nothing here: only the file's heartbeat tells.
  const path = join(dir, `other-container_1-${Date.now()}-0badc0de.jsonl`);
  writeFileSync(path, `${JSON.stringify({ id: 1, kind: 'call', source: 'ask', row: row('elsewhere', { status: 'interrupted' }) })}\n`);
  assert.deepEqual(orphanJournals(dir), [], 'touched just now: its writer is alive');
  assert.deepEqual(orphanJournals(dir, undefined, Date.now() + STALE_MS + 1000).map((o) => o.path), [path], 'untouched for four heartbeats');
});

test('lines that are not journal entries are skipped and counted; the rest of the file and the other files are replayed', async (t) => {
  const store = tempDb(t);
  const dir = journalDir(store.path)!;
  const good = row('good', { status: 'interrupted', usage_status: 'estimated' });
  const bad = [
    '{"kind":"call","source":"ask"}',
    '{"kind":"rows","source":"ask","rows":null}',
    '{"kind":"rows","source":"ask","rows":"abc"}',
    '{"kind":"rows","source":"ask","rows":{"length":1000000000}}',
    '{"kind":"slack","writes":null}',
    '{"kind":"call","source":"ask","row":null}',
    '{"__proto__":{"kind":"call"}}',
    'not json',
  ];
  const first = leftJournal(dir, 999_999_998, Date.now(), 'ignored');
  writeFileSync(first, bad.join('\n') + '\n' + JSON.stringify({ id: 9, kind: 'rows', source: 'ask', rows: [{ ...good, call_id: 'in-poisoned-file' }, { ...good, call_id: 'no-ts', ts: undefined }] }) + '\n');
  leftJournal(dir, 999_999_999, Date.now(), 'second-file');
  const next = processOver(store);
  const [poisoned] = orphanJournals(dir, gone);
  assert.equal(poisoned!.skipped, bad.length);
  replayJournals(dir, { usage: next.usage, slack: next.slack, log, running: gone });
  const ids = (await next.ledger.recentRows(10)).map((r) => r.call_id).sort();
  assert.deepEqual(ids, ['in-poisoned-file', 'second-file'], 'the row without ts is refused alone');
  next.stop();
});
