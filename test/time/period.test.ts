import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePeriod, previousPeriod } from '../../src/domain/time/period.js';
import { makeZone } from '../../src/domain/time/zone.js';

// 2026-11-23 is a Monday.
const today = '2026-11-23';
const range = (word: string) => {
  const r = parsePeriod(word, today);
  assert.ok(r.ok, `${word} should parse`);
  return [r.period.from, r.period.to];
};

test('every PERIOD word resolves to inclusive local days', () => {
  assert.deepEqual(range('today'), ['2026-11-23', '2026-11-23']);
  assert.deepEqual(range('yesterday'), ['2026-11-22', '2026-11-22']);
  assert.deepEqual(range('week'), ['2026-11-17', '2026-11-23']);
  assert.deepEqual(range('last-week'), ['2026-11-16', '2026-11-22']);
  assert.deepEqual(range('month'), ['2026-11-01', '2026-11-23']);
  assert.deepEqual(range('last-month'), ['2026-10-01', '2026-10-31']);
  assert.deepEqual(range('30d'), ['2026-10-25', '2026-11-23']);
  assert.deepEqual(range('1d'), ['2026-11-23', '2026-11-23']);
  assert.deepEqual(range('2026-02-01..2026-02-28'), ['2026-02-01', '2026-02-28']);
  assert.deepEqual(range('WEEK'), ['2026-11-17', '2026-11-23']);
});

test('last-week on a Sunday is the week before, not the current one', () => {
  const r = parsePeriod('last-week', '2026-11-29');
  assert.ok(r.ok);
  assert.deepEqual([r.period.from, r.period.to], ['2026-11-16', '2026-11-22']);
});

test('last-month across a year boundary and month to date flag', () => {
  const r = parsePeriod('last-month', '2026-01-05');
  assert.ok(r.ok);
  assert.deepEqual([r.period.from, r.period.to], ['2025-12-01', '2025-12-31']);
  const m = parsePeriod('month', today);
  assert.ok(m.ok && m.period.monthToDate);
});

test('bad periods say what was wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['fortnight', /"fortnight" is not a period/],
    ['0d', /out of range/],
    ['99999d', /out of range/],
    ['2026-02-30..2026-03-01', /does not exist/],
    ['2026-03-01..2026-02-01', /ends before it starts/],
    ['2026-03-01', /is not a period/],
  ];
  for (const [word, re] of cases) {
    const r = parsePeriod(word, today);
    assert.equal(r.ok, false, word);
    if (!r.ok) assert.match(r.error, re);
  }
});

test('previous period has the same length and ends the day before', () => {
  const r = parsePeriod('week', today);
  assert.ok(r.ok);
  assert.deepEqual(previousPeriod(r.period), { from: '2026-11-10', to: '2026-11-16' });
});

test('local days follow the configured zone, including DST changes', () => {
  const ny = makeZone('America/New_York');
  // 2026-03-08 is the US spring-forward day: 02:00 local jumps to 03:00.
  assert.equal(ny.dayOf(Date.parse('2026-03-08T04:59:59Z')), '2026-03-07');
  assert.equal(ny.dayOf(Date.parse('2026-03-08T05:00:00Z')), '2026-03-08');
  assert.equal(ny.dayOf(Date.parse('2026-03-09T03:59:59Z')), '2026-03-08');
  assert.equal(ny.dayOf(Date.parse('2026-03-09T04:00:00Z')), '2026-03-09');
  assert.equal(ny.startOfDay('2026-03-09'), Date.parse('2026-03-09T04:00:00Z'));
  const kolkata = makeZone('Asia/Kolkata');
  assert.equal(kolkata.dayOf(Date.parse('2026-05-01T18:29:59Z')), '2026-05-01');
  assert.equal(kolkata.dayOf(Date.parse('2026-05-01T18:30:00Z')), '2026-05-02');
  assert.equal(makeZone('UTC').dayOf(Date.parse('2026-05-01T23:59:59.999Z')), '2026-05-01');
});
