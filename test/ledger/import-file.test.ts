// importUsageFile: a real file read in chunks, parsed and recorded inside one transaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/open.js';
import { requestHash, requestKey } from '../../src/store/ledger/request-keys.js';
import { parseUsageCsv } from '../../src/domain/usage-rows/csv.js';
import { parseUsageJsonl } from '../../src/domain/usage-rows/jsonl.js';
import { usageRowSchema } from '../../src/domain/usage-rows/schema.js';
import { UsageStreamParser } from '../../src/domain/usage-rows/stream.js';
import { validateUsageRecord } from '../../src/domain/usage-rows/validate.js';
import { makeLedger, prng, randomRows, tempDb } from '../support/ledger-fixtures.js';
import { importUsageFile, importUsageText } from '../../src/features/ledger/import-usage.js';

const base = { ts: '2026-03-01T10:00:00Z', provider: 'deepseek', model: 'deepseek-chat' };
const jsonl = (rows: object[], eol = '\n') => rows.map((r) => JSON.stringify(r)).join(eol) + eol;
const dump = (db: ReturnType<typeof tempDb>['db']) => ({
  usage: db.prepare('SELECT * FROM usage ORDER BY id').all(),
  daily: db.prepare('SELECT * FROM spend_daily ORDER BY dim, day, key').all(),
});

test('importFile reads a real file in chunks: the same rows as importText, re-import skips all', async (t) => {
  const a = tempDb();
  const b = tempDb();
  t.after(a.cleanup);
  t.after(b.cleanup);
  const rows = randomRows(3000, 11).map((r, i) => ({ ...r, user: i % 7 === 0 ? 'Zoë 日本 🚀' : r.user }));
  const text = jsonl(rows);
  const file = join(a.dir, 'usage.jsonl');
  writeFileSync(file, text);

  // Chunks of 4 KB: every chunk cuts a line, some cut a multi-byte character.
  const fromFile = await importUsageFile(makeLedger(a.db), file, 'import', { chunkBytes: 4096 });
  const fromText = await importUsageText(makeLedger(b.db), 'usage.jsonl', text, 'import');
  assert.ok(fromFile.ok);
  assert.deepEqual(fromFile, fromText);
  assert.equal(fromFile.rows, 3000);
  assert.ok(fromFile.skipped > 0, 'the rows repeat some request ids');
  assert.deepEqual(dump(a.db), dump(b.db));
  assert.ok((a.db.prepare(`SELECT COUNT(*) FROM usage WHERE "user" = 'Zoë 日本 🚀'`).pluck().get() as number) > 0);

  // Again: only the rows without a request_id are recorded again.
  const noId = rows.filter((r) => r.request_id === undefined).length;
  const again = await importUsageFile(makeLedger(a.db), file);
  assert.deepEqual(again, { ok: true, format: 'jsonl', rows: 3000, inserted: noId, skipped: 3000 - noId });
});

test('a bad line in a late chunk writes nothing; errors name file lines, at most 20 listed', async (t) => {
  const { db, dir, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const lines = Array.from({ length: 2000 }, (_, i) => ({ ...base, input_tokens: i, request_id: `r${i}` }));
  const file = join(dir, 'late.jsonl');
  writeFileSync(file, jsonl([...lines.slice(0, 1799), { ...base, request_id: 'bad', input_tokens: -1 }, ...lines.slice(1800)]));
  const r = await importUsageFile(ledger, file, 'import', { chunkBytes: 8192 });
  assert.ok(!r.ok);
  assert.equal(r.errorCount, 1);
  assert.deepEqual(r.errors, [{ line: 1800, message: 'line 1800: input_tokens: expected a non-negative integer, got -1' }]);
  assert.equal(await ledger.count(), 0);
  assert.equal(db.prepare('SELECT COUNT(*) FROM spend_daily').pluck().get(), 0);
  assert.equal(db.prepare(`SELECT value FROM meta WHERE key = 'timezone'`).pluck().get(), undefined, 'the meta write rolled back too');

  // 30 bad lines spread over the file: the first 20 listed, all 30 counted; still nothing written.
  const many = lines.map((l, i) => (i % 60 === 59 ? '{"ts":' : JSON.stringify(l)));
  writeFileSync(file, `${many.join('\n')}\n`);
  const m = await importUsageFile(ledger, file, 'import', { chunkBytes: 8192 });
  assert.ok(!m.ok);
  assert.equal(m.errorCount, 2000 / 60 - ((2000 / 60) % 1));
  assert.equal(m.errors.length, 20);
  assert.deepEqual(m.errors.slice(0, 2).map((e) => e.line), [60, 120]);
  assert.match(m.errors[0]!.message, /^line 60: not valid JSON/);
  assert.equal(await ledger.count(), 0);

  // A good file afterwards imports normally.
  writeFileSync(file, jsonl(lines));
  assert.deepEqual(await importUsageFile(ledger, file), { ok: true, format: 'jsonl', rows: 2000, inserted: 2000, skipped: 0 });
});

test('CRLF and a byte-order mark, JSONL and CSV, cut at every size of chunk', async (t) => {
  const { db, dir, cleanup } = tempDb();
  t.after(cleanup);
  const rows = [
    { ...base, input_tokens: 10, output_tokens: 2, user: 'Smith, Jane', request_id: 'c1' },
    { ...base, ts: '2026-03-01T11:00:00+02:00', input_tokens: 3, output_tokens: 1, error: 'he said "hi"\r\nthen left', request_id: 'c2' },
    { ...base, input_tokens: 7, output_tokens: 0, user: 'Zoë', request_id: 'c3' },
  ];
  const bom = '\uFEFF';
  const jsonlText = `${bom}${jsonl(rows, '\r\n')}\r\n`;
  const csvText =
    `${bom}ts,provider,model,input_tokens,output_tokens,user,error,request_id\r\n` +
    '2026-03-01T10:00:00Z,deepseek,deepseek-chat,10,2,"Smith, Jane",,c1\r\n' +
    '2026-03-01T11:00:00+02:00,deepseek,deepseek-chat,3,1,,"he said ""hi""\r\nthen left",c2\r\n' +
    '\r\n' +
    '2026-03-01T10:00:00Z,deepseek,deepseek-chat,7,0,Zoë,,c3';
  assert.ok(parseUsageJsonl(jsonlText).ok);
  assert.ok(parseUsageCsv(csvText).ok);

  for (const [name, text] of [['u.jsonl', jsonlText], ['u.csv', csvText]] as const) {
    const file = join(dir, name);
    writeFileSync(file, text);
    for (let chunkBytes = 1; chunkBytes <= 64; chunkBytes++) {
      db.exec('DELETE FROM usage; DELETE FROM spend_daily');
      const ledger = makeLedger(db);
      const r = await importUsageFile(ledger, file, 'import', { chunkBytes });
      assert.deepEqual(r, { ok: true, format: name.endsWith('.csv') ? 'csv' : 'jsonl', rows: 3, inserted: 3, skipped: 0 }, `${name} in chunks of ${chunkBytes}`);
      const stored = (await ledger.recentRows(3)).reverse();
      assert.deepEqual(stored.map((s) => [s.request_id, s.user, s.error, s.ts]), [
        ['c1', 'Smith, Jane', null, '2026-03-01T10:00:00.000Z'],
        ['c2', null, 'he said "hi"\r\nthen left', '2026-03-01T09:00:00.000Z'],
        ['c3', 'Zoë', null, '2026-03-01T10:00:00.000Z'],
      ], `${name} in chunks of ${chunkBytes}`);
    }
  }
});

test('a CSV error is named by its file line whatever the chunks; a bad header stops the import', async (t) => {
  const { db, dir, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const file = join(dir, 'bad.csv');
  writeFileSync(file, 'ts,provider,model,input_tokens,request_id\n2026-03-01T10:00:00Z,p,m,1,a\n\n"2026-03-01T10:00:00Z",p,m,"x\ny",b\n2026-03-01T10:00:00Z,p,m,2\n');
  for (const chunkBytes of [1, 5, 17, 4096]) {
    const r = await importUsageFile(ledger, file, 'import', { chunkBytes });
    assert.ok(!r.ok);
    assert.deepEqual(r.errors.map((e) => e.message), [
      'line 4: input_tokens: expected a non-negative integer, got "x\\ny"',
      'line 6: expected 5 fields as in the header, got 4',
    ]);
  }
  writeFileSync(file, 'ts,provider,model,tokens\n2026-03-01T00:00:00Z,p,m,4\n');
  const head = await importUsageFile(ledger, file, 'import', { chunkBytes: 3 });
  assert.ok(!head.ok);
  assert.equal(head.errorCount, 1);
  assert.match(head.errors[0]!.message, /^line 1: unknown column\(s\) "tokens"/);
  writeFileSync(file, 'ts,provider,model\n2026-03-01T00:00:00Z,p,"m\n');
  const open = await importUsageFile(ledger, file, 'import', { chunkBytes: 4 });
  assert.ok(!open.ok);
  assert.equal(open.errors[0]!.message, 'line 2: a quoted field is never closed (missing ")');
  assert.equal(await ledger.count(), 0);
});

test('a request_id repeated in a later chunk is skipped; rows without one are all recorded', async (t) => {
  const { db, dir, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const filler = Array.from({ length: 500 }, (_, i) => ({ ...base, request_id: `f${i}` }));
  const file = join(dir, 'dup.jsonl');
  writeFileSync(file, jsonl([{ ...base, input_tokens: 5, request_id: 'dup' }, base, ...filler, { ...base, input_tokens: 9, request_id: 'dup' }, base]));
  const r = await importUsageFile(ledger, file, 'import', { chunkBytes: 1000 });
  assert.deepEqual(r, { ok: true, format: 'jsonl', rows: 504, inserted: 503, skipped: 1 });
  // The first one wins.
  assert.deepEqual(db.prepare(`SELECT input_tokens FROM usage WHERE request_id = 'dup'`).pluck().all(), [5]);
  assert.equal(db.prepare('SELECT COUNT(*) FROM usage WHERE request_id IS NULL').pluck().get(), 2);
  assert.deepEqual((await ledger.totals('2026-03-01', '2026-03-01')).requests, 503);
});

test('request ids are found by a key of their day and hash, then compared: a key collision is still recorded', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const row = (request_id: string) => ({ ...base, input_tokens: 1, cached_input_tokens: 0, output_tokens: 1, reasoning_tokens: 0, request_id });
  assert.equal(requestHash('abc'), requestHash('abc'));
  assert.notEqual(requestHash('abc'), requestHash('abd'));
  for (const id of ['', 'a', 'req-1', 'x'.repeat(300), '日本🚀']) {
    const h = requestHash(id);
    assert.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 31, id);
  }
  // Keys are safe integers for any time an import accepts, and ordered by day first.
  for (const ts of ['0000-01-01T00:00:00Z', '1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z']) {
    assert.ok(Number.isSafeInteger(requestKey('x'.repeat(40), Date.parse(ts))), ts);
  }
  const day = Date.parse('2026-03-01T00:00:00Z');
  assert.ok(requestKey('zzz', day - 1) < requestKey('aaa', day) && requestKey('aaa', day + 86_399_999) < requestKey('aaa', day + 86_400_000));
  assert.deepEqual(await ledger.record([row('a')], 'ingest'), { inserted: 1, skipped: 0 });
  assert.equal(db.prepare(`SELECT request_key FROM usage WHERE request_id = 'a'`).pluck().get(), requestKey('a', Date.parse(base.ts)));
  // Make 'a' collide with 'b' (as if their keys were equal): 'b' is a different request.
  db.prepare(`UPDATE usage SET request_key = ? WHERE request_id = 'a'`).run(requestKey('b', Date.parse(base.ts)));
  assert.deepEqual(await ledger.record([row('b'), row('b')], 'ingest'), { inserted: 1, skipped: 1 });
  assert.deepEqual(await ledger.record([row('b')], 'ingest'), { inserted: 0, skipped: 1 });
  assert.equal(db.prepare('SELECT COUNT(*) FROM usage WHERE request_key = ?').pluck().get(requestKey('b', Date.parse(base.ts))), 2);
  // The lookup uses the index.
  const plan = db.prepare('EXPLAIN QUERY PLAN SELECT 1 FROM usage WHERE request_key = ? AND request_id = ?').all(1, 'x') as Array<{ detail: string }>;
  assert.match(plan.map((p) => p.detail).join('\n'), /USING INDEX usage_request_key/);
});

test('an id recorded again within a day of its first time is skipped, across midnight and across files; days apart it is another request', async (t) => {
  const { db, dir, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const at = (ts: string, request_id: string, input_tokens = 1) => ({ ...base, ts, input_tokens, cached_input_tokens: 0, output_tokens: 1, reasoning_tokens: 0, request_id });
  // An /ask row just before midnight UTC, then the provider's export of the same call just after.
  assert.deepEqual(await ledger.record([at('2026-03-01T23:59:58Z', 'call-1')], 'ask'), { inserted: 1, skipped: 0 });
  assert.deepEqual(await ledger.record([at('2026-03-02T00:00:03Z', 'call-1', 7)], 'import'), { inserted: 0, skipped: 1 });
  // The same the other way round, and with the id's earlier time in another zone's notation.
  assert.deepEqual(await ledger.record([at('2026-03-05T00:00:01Z', 'call-2')], 'import'), { inserted: 1, skipped: 0 });
  assert.deepEqual(await ledger.record([at('2026-03-04T23:59:59-01:00', 'call-2')], 'import'), { inserted: 0, skipped: 1 });
  assert.deepEqual(await ledger.record([at('2026-03-04T12:00:00Z', 'call-2')], 'import'), { inserted: 0, skipped: 1 });
  // A file imported twice adds nothing the second time, whatever the days it spans.
  const file = join(dir, 'span.jsonl');
  writeFileSync(file, jsonl(Array.from({ length: 60 }, (_, i) => at(new Date(Date.parse('2026-01-01T00:00:00Z') + i * 6 * 86_400_000).toISOString(), `span-${i}`))));
  assert.deepEqual(await importUsageFile(ledger, file), { ok: true, format: 'jsonl', rows: 60, inserted: 60, skipped: 0 });
  assert.deepEqual(await importUsageFile(ledger, file), { ok: true, format: 'jsonl', rows: 60, inserted: 0, skipped: 60 });
  // Days apart, the same id is not the same call: recorded.
  assert.deepEqual(await ledger.record([at('2026-03-09T12:00:00Z', 'call-1')], 'import'), { inserted: 1, skipped: 0 });
  assert.equal(db.prepare(`SELECT COUNT(*) FROM usage WHERE request_id = 'call-1'`).pluck().get(), 2);
  assert.deepEqual(db.prepare(`SELECT input_tokens FROM usage WHERE request_id = 'call-1' ORDER BY ts_ms`).pluck().all(), [1, 1]);
});

test('UsageStreamParser: pieces cut anywhere give the whole-text result', () => {
  const rows = randomRows(40, 5);
  const texts: Array<['jsonl' | 'csv', string]> = [
    ['jsonl', `\uFEFF${jsonl(rows, '\r\n')}\n   \n{"ts":1}\n${JSON.stringify(rows[0])}`],
    ['csv', 'ts,provider,model,user,error\r\n2026-03-01T00:00:00Z,p,m,"a,b","x\r\n""y"""\r\n\r\n2026-03-01T00:00:00Z,p,m,,\n2026-03-01T00:00:00Z,p,m,1\n2026-03-01T00:00:00Z,p,m,u,"e"'],
  ];
  for (const [format, text] of texts) {
    const whole = format === 'jsonl' ? parseUsageJsonl(text) : parseUsageCsv(text);
    for (const size of [1, 2, 3, 7, 64, 1000, text.length]) {
      const p = new UsageStreamParser(format);
      const got = [];
      for (let i = 0; i < text.length; i += size) got.push(...p.push(text.slice(i, i + size)));
      got.push(...p.end());
      if (whole.ok) {
        assert.equal(p.errorCount, 0, `${format} ${size}`);
        assert.deepEqual(got, whole.rows, `${format} ${size}`);
      } else {
        assert.deepEqual({ errors: p.errors, errorCount: p.errorCount }, { errors: whole.errors, errorCount: whole.errorCount }, `${format} ${size}`);
      }
    }
  }
});

test('validateUsageRecord: the hand-written fast path gives exactly what the zod schema gives', () => {
  const rand = prng(20261123);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  // Valid values, near misses and wrong types for every field.
  const values: Record<string, unknown[]> = {
    ts: ['2026-03-01T10:00:00Z', '2026-03-01T10:00:00.000Z', ' 2026-03-01 10:00+01:00 ', '2026-02-30T00:00:00Z', 'noon', '', 5, null],
    provider: ['deepseek', '  qwen  ', 42, '', '   ', 'x'.repeat(201), true, null, 'deep\u001bseek', 'a\u0085'],
    model: ['m', 'x'.repeat(200), 1.5, '', {}, null],
    input_tokens: [0, 10, '10', ' 7 ', '', null, -1, 1.5, '1e3', 2 ** 53, true],
    cached_input_tokens: [0, 5, '5', '', 20, 'x'],
    cache_write_tokens: [0, 3, '3', '', 11, -2, 'y'],
    output_tokens: [0, 9, '9', '', -3, null],
    reasoning_tokens: [0, 3, '3', '', 12, []],
    thinking: [true, false, 1, 0, 'true', ' TRUE ', '1', 'false', '0', '', 'yes', 2, null],
    cost_usd: [0.0012, 0, '0.25', ' 1.5 ', '', -1, '1e-3', '$1', Infinity, null, '  '],
    user: ['U1', ' U2 ', 12, '', 'x'.repeat(257), false, null, 'U\u0000'],
    request_id: ['r1', 42, '', '  ', 'x'.repeat(256), [1]],
    route: ['smart', '', 3, {}],
    status: ['ok', ' error ', '', 'x'.repeat(65), 7, null],
    latency_ms: [812, '812', '', -1, 'fast', null],
    channel: ['C1', '', 5, true],
    error: ['overloaded', '   ', '', 'e'.repeat(2001), 500, null, 'bell\u0007 and tab\t', '\u001b[2J'],
    ttft_ms: [90, '90', '', 1.25],
  };
  const fields = Object.keys(values);
  let agreed = 0;
  for (let i = 0; i < 20_000; i++) {
    const record: Record<string, unknown> = {};
    for (const f of fields) {
      const r = rand();
      // Required fields are usually valid (so that most records pass); others often missing.
      if (r < 0.6) record[f] = values[f]![0];
      else if (r < 0.8 && !['ts', 'provider', 'model'].includes(f)) continue;
      else record[f] = pick(values[f]!);
    }
    if (rand() < 0.1) record[pick(fields)] = undefined;
    if (rand() < 0.02) record['tokens'] = 1;
    const zod = usageRowSchema.safeParse(record);
    const got = validateUsageRecord(record);
    if ('tokens' in record) assert.ok(!got.ok, 'an unknown field is an error');
    else if (!zod.success) assert.ok(!got.ok, JSON.stringify(record));
    else {
      assert.ok(got.ok, JSON.stringify(record));
      assert.deepStrictEqual(got.row, zod.data, JSON.stringify(record));
      assert.deepStrictEqual(Object.keys(got.row), Object.keys(zod.data));
      agreed++;
    }
  }
  assert.ok(agreed > 2000, `${agreed} valid records compared`);
});

test('ids written meanwhile by another connection, or around the ledger on its own, are still found', async (t) => {
  const { db, path, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  const at = (request_id: string, ts = '2026-03-01T10:00:00Z') => ({ ...base, ts, input_tokens: 1, cached_input_tokens: 0, output_tokens: 1, reasoning_tokens: 0, request_id });
  // Enough ids on the day (and the days either side are asked about with them) for the ledger to hold them in memory.
  assert.deepEqual((await ledger.record(Array.from({ length: 50 }, (_, i) => at(`warm-${i}`)), 'ingest')).inserted, 50);
  assert.deepEqual(await ledger.record([at('warm-3')], 'ingest'), { inserted: 0, skipped: 1 });

  // Another process records an id on that day, and on the next day.
  const other = openDatabase(path);
  t.after(() => other.close());
  const otherLedger = makeLedger(other);
  assert.deepEqual(await otherLedger.record([at('from-cli'), at('from-cli-2', '2026-03-02T01:00:00Z')], 'import'), { inserted: 2, skipped: 0 });
  assert.deepEqual(await ledger.record([at('from-cli'), at('from-cli-2', '2026-03-01T23:00:00Z')], 'ingest'), { inserted: 0, skipped: 2 });

  // A row inserted on this connection without the ledger (as a repair script might).
  db.prepare(
    `INSERT INTO usage (ts_ms, day, provider, model, source, request_id, request_key) VALUES (?, '2026-03-01', 'deepseek', 'deepseek-chat', 'import', 'by-hand', ?)`,
  ).run(Date.parse('2026-03-01T10:00:00Z'), requestKey('by-hand', Date.parse('2026-03-01T10:00:00Z')));
  assert.deepEqual(await ledger.record([at('by-hand')], 'ingest'), { inserted: 0, skipped: 1 });
  assert.deepEqual(await ledger.record([at('new-one'), at('new-one')], 'ingest'), { inserted: 1, skipped: 1 });
});
