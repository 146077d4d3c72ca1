import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { openDatabase } from '../../src/store/open.js';
import { createUsageMeter } from '../../src/store/usage-meter.js';
import { makeLedger, tempDb } from '../support/ledger-fixtures.js';

function memoryLog() {
  const lines: Array<{ msg: string; level: number; pending?: number }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as { msg: string; level: number });
      cb();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

const row = (request_id: string, ts = '2026-03-01T10:00:00Z') => ({ ts, provider: 'deepseek', model: 'deepseek-chat', input_tokens: 10, cached_input_tokens: 0, output_tokens: 5, reasoning_tokens: 0, request_id, call_id: request_id });

test('usage meter: rows written while another process holds the write lock wait in memory, in order, and go in once it lets go', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { db, path, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const { log, lines } = memoryLog();
  const meter = createUsageMeter({ db, ledger, log, busyWaitMs: 1, retryMs: 500 });
  t.after(() => meter.stop());

  meter.record([row('a')], 'ask');
  assert.equal(await ledger.count(), 1, 'written at once when the database is free');

  // A long import elsewhere: another connection holds the write lock.
  const importer = openDatabase(path);
  t.after(() => importer.close());
  importer.prepare('BEGIN IMMEDIATE').run();
  meter.record([row('b'), row('c')], 'ask');
  meter.record([row('c'), row('d')], 'routecheck');
  assert.equal(meter.pending, 4);
  assert.equal(await ledger.count(), 1);
  assert.ok(lines.some((l) => /database busy/.test(l.msg)));
  assert.equal(db.pragma('busy_timeout', { simple: true }), 5000, 'the connection keeps its own busy timeout');

  // Still locked at the first retry: the rows keep waiting, the next retry is later.
  t.mock.timers.tick(500);
  assert.equal(meter.pending, 4);

  importer.prepare('COMMIT').run();
  t.mock.timers.tick(999);
  assert.equal(meter.pending, 4, 'the backoff doubled');
  t.mock.timers.tick(1);
  assert.equal(meter.pending, 0);
  assert.deepEqual(
    db.prepare('SELECT request_id, source FROM usage ORDER BY id').all(),
    [
      { request_id: 'a', source: 'ask' },
      { request_id: 'b', source: 'ask' },
      { request_id: 'c', source: 'ask' },
      { request_id: 'd', source: 'routecheck' },
    ],
    'in order, and c recorded once',
  );
  assert.ok(lines.some((l) => /are recorded/.test(l.msg)));
});

test('usage meter: rows the ledger refuses for another reason are logged with their content and do not hold up later rows; flush writes what waits', async (t) => {
  const { db, path, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const { log, lines } = memoryLog();
  const meter = createUsageMeter({ db, ledger, log, busyWaitMs: 1, retryMs: 60_000 });
  t.after(() => meter.stop());

  meter.record([{ ...row('bad'), ts: 'yesterday' }], 'ask');
  meter.record([row('good')], 'ask');
  assert.equal(await ledger.count(), 1);
  const refused = lines.find((l) => /could not be recorded/.test(l.msg)) as { rows?: Array<{ request_id: string }> } | undefined;
  assert.equal(refused?.rows?.[0]?.request_id, 'bad');

  // At shutdown, what waits is written with the connection's normal busy timeout.
  const importer = openDatabase(path);
  importer.prepare('BEGIN IMMEDIATE').run();
  meter.record([row('late')], 'ask');
  assert.equal(meter.pending, 1);
  importer.prepare('COMMIT').run();
  importer.close();
  assert.equal(await meter.flush(), true);
  assert.equal(await ledger.count(), 2);
});

test('usage meter: a database that is gone is not "busy": the rows are logged and dropped, nothing is left waiting', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const { log, lines } = memoryLog();
  const meter = createUsageMeter({ db, ledger: makeLedger(db), log, busyWaitMs: 1 });
  t.after(() => meter.stop());
  db.close();
  meter.record([row('after-close')], 'ask');
  assert.equal(meter.pending, 0);
  assert.deepEqual(meter.waitingRows(), []);
  const logged = lines.find((l) => /could not be recorded/.test(l.msg)) as { rows?: Array<{ request_id: string }> } | undefined;
  assert.equal(logged?.rows?.[0]?.request_id, 'after-close');
  assert.equal(await meter.flush(), true);
});
