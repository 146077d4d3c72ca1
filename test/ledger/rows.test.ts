import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_ERRORS, type UsageInput, type UsageParseResult } from '../../src/domain/usage-rows/rows.js';
import { parseIsoInstant } from '../../src/domain/time/iso.js';
import { parseCsvRecords, parseUsageCsv } from '../../src/domain/usage-rows/csv.js';
import { parseUsageJsonArray, parseUsageJsonl } from '../../src/domain/usage-rows/jsonl.js';
import { detectUsageFormat, parseUsageFile } from '../../src/domain/usage-rows/parse.js';

function rowsOf(r: UsageParseResult): UsageInput[] {
  if (!r.ok) assert.fail(`expected rows, got errors:\n${r.errors.map((e) => e.message).join('\n')}`);
  return r.rows;
}
function errorsOf(r: UsageParseResult): string[] {
  if (r.ok) assert.fail('expected errors, got rows');
  return r.errors.map((e) => e.message);
}

test('JSONL: defaults filled, ts normalised to UTC, optional fields kept', () => {
  const text = [
    '{"ts":"2026-03-01T12:00:00+01:00","provider":"deepseek","model":"deepseek-chat","input_tokens":100,"output_tokens":20}',
    '',
    '{"ts":"2026-03-01T12:00:00.5Z","provider":"kimi","model":"k2","input_tokens":10,"cached_input_tokens":4,"output_tokens":9,"reasoning_tokens":3,"thinking":true,"cost_usd":0.0012,"user":"U1","request_id":"r1","route":"smart","status":"error","latency_ms":812,"channel":"C1","error":"overloaded","ttft_ms":90}',
  ].join('\n');
  const rows = rowsOf(parseUsageJsonl(text));
  assert.equal(rows.length, 2);
  // Absent optional fields are left out (or undefined); compare the defined ones.
  assert.deepEqual(
    Object.fromEntries(Object.entries(rows[0]!).filter(([, v]) => v !== undefined)),
    {
      ts: '2026-03-01T11:00:00.000Z',
      provider: 'deepseek',
      model: 'deepseek-chat',
      input_tokens: 100,
      cached_input_tokens: 0,
      output_tokens: 20,
      reasoning_tokens: 0,
      thinking: false,
      status: 'ok',
    },
  );
  const r = rows[1]!;
  assert.equal(r.ts, '2026-03-01T12:00:00.500Z');
  assert.equal(r.thinking, true);
  assert.equal(r.cost_usd, 0.0012);
  assert.equal(r.reasoning_tokens, 3);
  assert.equal(r.status, 'error');
  assert.equal(r.ttft_ms, 90);
});

test('JSONL: a bad line is named by its file line (blank lines counted)', () => {
  const text = [
    '{"ts":"2026-03-01T00:00:00Z","provider":"p","model":"m"}',
    '',
    '{"ts":"2026-03-01T00:00:00Z","provider":"p","model":"m","input_tokens":"12.5"}',
    '{"ts":"2026-03-01T00:00:00Z","provider":"p","model":"m"}',
  ].join('\r\n');
  const r = parseUsageJsonl(text);
  assert.deepEqual(errorsOf(r), ['line 3: input_tokens: expected a non-negative integer, got "12.5"']);
  assert.ok(!r.ok && r.errors[0]?.line === 3);
});

test('JSONL: invalid JSON, non-objects, unknown fields, missing required fields', () => {
  const text = [
    '{"ts":"2026-03-01T00:00:00Z","provider":"p","model":"m"',
    '[1,2]',
    '{"ts":"2026-03-01T00:00:00Z","provider":"p","model":"m","tokens":5,"colour":"red"}',
    '{"ts":"2026-03-01T00:00:00Z","model":"m"}',
    '{"ts":"2026-03-01T00:00:00","provider":"p","model":"m"}',
    '{"ts":"2026-02-30T00:00:00Z","provider":"p","model":"m","output_tokens":-1}',
  ].join('\n');
  const errs = errorsOf(parseUsageJsonl(text));
  assert.equal(errs.length, 6);
  assert.match(errs[0]!, /^line 1: not valid JSON/);
  assert.match(errs[1]!, /^line 2: expected a JSON object/);
  assert.match(errs[2]!, /^line 3: unknown field\(s\) "tokens", "colour"; known fields: ts, provider/);
  assert.equal(errs[3], 'line 4: provider: required');
  assert.match(errs[4]!, /^line 5: ts: expected an ISO-8601 time with a zone/);
  assert.match(errs[5]!, /^line 6: ts: .*"2026-02-30T00:00:00Z"; output_tokens: expected a non-negative integer, got -1$/);
});

test('cached > input and reasoning > output are rejected', () => {
  const errs = errorsOf(
    parseUsageJsonl(
      '{"ts":"2026-03-01T00:00:00Z","provider":"p","model":"m","input_tokens":10,"cached_input_tokens":11,"output_tokens":5,"reasoning_tokens":6}',
    ),
  );
  assert.equal(errs.length, 1);
  assert.match(errs[0]!, /^line 1: cached_input_tokens: 11 is more than input_tokens \(10\).*; reasoning_tokens: 6 is more than output_tokens \(5\)/);
});

test('CSV: header, RFC 4180 quoting (commas, doubled quotes, CRLF, line breaks in a field)', () => {
  const text =
    'ts,provider,model,input_tokens,output_tokens,user,error,thinking,cost_usd\r\n' +
    '2026-03-01T10:00:00Z,deepseek,deepseek-chat,100,20,"Smith, Jane","said ""no""",true,0.000150\r\n' +
    '\r\n' +
    '2026-03-01T11:00:00Z,qwen-intl,qwen-plus,5,1,,"two\r\nlines",0,\r\n' +
    '2026-03-01T12:00:00Z,qwen-intl,qwen-plus,x,1,,,,\r\n';
  const r = parseUsageCsv(text);
  // The bad row starts on line 6: the quoted field of line 4 spans two lines.
  assert.deepEqual(errorsOf(r), ['line 6: input_tokens: expected a non-negative integer, got "x"']);

  const good = rowsOf(parseUsageCsv(text.split('\r\n').slice(0, 5).join('\r\n')));
  assert.equal(good.length, 2);
  assert.equal(good[0]!.user, 'Smith, Jane');
  assert.equal(good[0]!.error, 'said "no"');
  assert.equal(good[0]!.thinking, true);
  assert.equal(good[0]!.cost_usd, '0.000150');
  assert.equal(good[1]!.error, 'two\r\nlines');
  assert.equal(good[1]!.user, undefined);
  assert.equal(good[1]!.thinking, false);
  assert.equal(good[1]!.cost_usd, undefined);
});

test('CSV: thinking accepts true/false/1/0/empty only', () => {
  const text = 'ts,provider,model,thinking\n' + ['TRUE', 'false', '1', '0', '', 'yes'].map((v) => `2026-03-01T00:00:00Z,p,m,${v}`).join('\n');
  const r = parseUsageCsv(text);
  assert.deepEqual(errorsOf(r), ['line 7: thinking: expected true or false, got "yes"']);
  const ok = rowsOf(parseUsageCsv(text.split('\n').slice(0, 6).join('\n')));
  assert.deepEqual(ok.map((x) => x.thinking), [true, false, true, false, false]);
});

test('CSV: unknown, duplicate and missing columns are named on line 1', () => {
  const errs = errorsOf(parseUsageCsv('ts,provider,modle,cost,provider\n2026-03-01T00:00:00Z,p,m,1,p\n'));
  assert.equal(errs.length, 1);
  assert.match(errs[0]!, /^line 1: unknown column\(s\) "modle", "cost"; known columns: .*; column\(s\) "provider" appear more than once; missing column\(s\) "model"/);
});

test('CSV: wrong field count, unterminated quote, text after a closing quote', () => {
  assert.deepEqual(errorsOf(parseUsageCsv('ts,provider,model\n2026-03-01T00:00:00Z,p\n')), [
    'line 2: expected 3 fields as in the header, got 2',
  ]);
  assert.deepEqual(errorsOf(parseUsageCsv('ts,provider,model\n2026-03-01T00:00:00Z,p,m\n2026-03-01T00:00:00Z,"p,m\n')), [
    'line 3: a quoted field is never closed (missing ")',
  ]);
  assert.match(errorsOf(parseUsageCsv('ts,provider,model\n2026-03-01T00:00:00Z,"p"x,m\n'))[0]!, /^line 2: unexpected text after a closing quote/);
});

test('CSV records: empty fields, trailing comma, no final newline, BOM, whitespace-only lines', () => {
  const r = parseCsvRecords('\ufeffa,b,c\n1,,\n  \n"",x,"y"');
  assert.ok(r.ok);
  assert.deepEqual(r.records, [
    { line: 1, fields: ['a', 'b', 'c'] },
    { line: 2, fields: ['1', '', ''] },
    { line: 4, fields: ['', 'x', 'y'] },
  ]);
  assert.deepEqual(rowsOf(parseUsageCsv('')), []);
  assert.deepEqual(rowsOf(parseUsageCsv('ts,provider,model\r\n')), []);
});

test('at most MAX_ERRORS errors are listed, all are counted', () => {
  const text = ['ts,provider,model,input_tokens', ...Array.from({ length: 30 }, () => '2026-03-01T00:00:00Z,p,m,-1')].join('\n');
  const r = parseUsageCsv(text);
  assert.ok(!r.ok);
  assert.equal(r.errors.length, MAX_ERRORS);
  assert.equal(r.errorCount, 30);
  assert.equal(r.errors[0]?.line, 2);
});

test('JSON array (ingest): rows, or errors numbered by item', () => {
  const rows = rowsOf(parseUsageJsonArray('[{"ts":"2026-03-01T00:00:00Z","provider":"p","model":"m","request_id":42}]'));
  assert.equal(rows[0]!.request_id, '42');
  assert.deepEqual(errorsOf(parseUsageJsonArray([{ ts: '2026-03-01T00:00:00Z', provider: 'p', model: 'm' }, 5])), ['item 2: expected an object, got 5']);
  assert.deepEqual(errorsOf(parseUsageJsonArray({ rows: [] })), ['expected a JSON array of usage objects']);
  assert.match(errorsOf(parseUsageJsonArray('[{'))[0]!, /^line 1: not valid JSON/);
});

test('detectUsageFormat: by extension, else by the first non-blank character', () => {
  assert.equal(detectUsageFormat('usage.csv', '{"ts":1}'), 'csv');
  assert.equal(detectUsageFormat('usage.JSONL', ''), 'jsonl');
  assert.equal(detectUsageFormat('usage.ndjson', ''), 'jsonl');
  assert.equal(detectUsageFormat('usage.json', '  [ {} ]'), 'json');
  assert.equal(detectUsageFormat('usage.json', '{"a":1}\n{"a":2}'), 'jsonl');
  assert.equal(detectUsageFormat('-', '\n\n  {"ts":"x"}'), 'jsonl');
  assert.equal(detectUsageFormat('body', '[]'), 'json');
  assert.equal(detectUsageFormat('export.txt', 'ts,provider,model'), 'csv');
  assert.ok(parseUsageFile('x.txt', '[]').ok);
});

test('parseIsoInstant: zones, fractions, invalid dates', () => {
  assert.equal(parseIsoInstant('2026-03-01T12:00:00Z'), Date.UTC(2026, 2, 1, 12));
  assert.equal(parseIsoInstant('2026-03-01 12:00+0530'), Date.UTC(2026, 2, 1, 6, 30));
  assert.equal(parseIsoInstant('2026-03-01T12:00:00.123456-05:00'), Date.UTC(2026, 2, 1, 17, 0, 0, 123));
  assert.equal(parseIsoInstant('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
  for (const bad of ['2025-02-29T00:00:00Z', '2026-03-01T24:00:00Z', '2026-03-01T12:00:00', '2026-03-01', 'yesterday', '2026-13-01T00:00Z']) {
    assert.ok(Number.isNaN(parseIsoInstant(bad)), bad);
  }
});

test('cost_usd: decimals accepted, other text rejected', () => {
  const line = (v: string) => `{"ts":"2026-03-01T00:00:00Z","provider":"p","model":"m","cost_usd":${v}}`;
  assert.equal(rowsOf(parseUsageJsonl(line('"0.25"')))[0]!.cost_usd, '0.25');
  assert.equal(rowsOf(parseUsageJsonl(line('null')))[0]!.cost_usd, undefined);
  assert.match(errorsOf(parseUsageJsonl(line('"$1"')))[0]!, /cost_usd: expected an amount of US dollars from 0 to 1,000,000, like 0\.0125, got "\$1"/);
  assert.match(errorsOf(parseUsageJsonl(line('-1')))[0]!, /cost_usd: .*got -1/);
});

test('absurd token counts and costs are bad lines, not overflows later', () => {
  const lines = [
    '{"ts":"2026-05-01T00:00:00Z","provider":"deepseek","model":"m","input_tokens":1e15}',
    '{"ts":"2026-05-01T00:00:00Z","provider":"deepseek","model":"m","cost_usd":1e20}',
  ].join('\n');
  const r = parseUsageJsonl(lines);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.errors[0]!.message, /^line 1: input_tokens: expected at most 1,000,000,000 tokens/);
    assert.match(r.errors[1]!.message, /^line 2: cost_usd: expected an amount of US dollars from 0 to 1,000,000/);
  }
});
