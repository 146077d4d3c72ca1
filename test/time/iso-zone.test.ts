// The time module's ISO-8601 parsing and its zone cache: one parser of instants, one cache of
// offsets per zone, shared by local days and wall-clock fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCanonicalInstant, isDayForm, isValidDay, parseIsoInstant } from '../../src/domain/time/iso.js';
import { makeZone, offsetAt, wallClockAt } from '../../src/domain/time/zone.js';

test('parseIsoInstant: zones, fractions, separators, invalid dates', () => {
  assert.equal(parseIsoInstant('2026-03-01T12:00:00Z'), Date.UTC(2026, 2, 1, 12));
  assert.equal(parseIsoInstant('2026-03-01 12:00+0530'), Date.UTC(2026, 2, 1, 6, 30));
  assert.equal(parseIsoInstant('2026-03-01T12:00:00.123456-05:00'), Date.UTC(2026, 2, 1, 17, 0, 0, 123));
  assert.equal(parseIsoInstant('2026-03-01t12:00:00,5z'), Date.UTC(2026, 2, 1, 12, 0, 0, 500));
  assert.equal(parseIsoInstant('2026-03-01T12:00+01'), Date.UTC(2026, 2, 1, 11));
  assert.equal(parseIsoInstant(' 2026-03-01T12:00Z '), Date.UTC(2026, 2, 1, 12));
  assert.equal(parseIsoInstant('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
  for (const bad of ['2025-02-29T00:00:00Z', '2026-02-30T00:00:00Z', '2026-03-01T24:00:00Z', '2026-03-01T12:00:00', '2026-03-01', 'yesterday', '2026-13-01T00:00Z', '2026-03-01T12:00+24:00']) {
    assert.ok(Number.isNaN(parseIsoInstant(bad)), bad);
  }
});

test('days: the form, and whether the day exists', () => {
  assert.ok(isDayForm('2026-02-30'));
  assert.ok(!isDayForm('2026-2-3'));
  assert.ok(isValidDay('2024-02-29'));
  assert.ok(!isValidDay('2026-02-30'));
  assert.ok(!isValidDay('2026-02-28T00:00Z'));
  assert.ok(isCanonicalInstant(new Date(Date.UTC(2026, 2, 1)).toISOString()));
  assert.ok(!isCanonicalInstant('2026-03-01T00:00:00Z'));
});

test('local days, offsets and wall-clock fields agree, across DST and odd offsets', () => {
  for (const name of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe']) {
    const zone = makeZone(name);
    const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: name, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const start = Date.UTC(2026, 2, 27);
    for (let ms = start; ms < start + 40 * 86_400_000; ms += 7 * 60_000 + 13_000) {
      const p: Record<string, string> = {};
      for (const part of fmt.formatToParts(new Date(ms))) p[part.type] = part.value;
      const day = `${p.year}-${p.month}-${p.day}`;
      assert.equal(zone.dayOf(ms), day, `${name} ${new Date(ms).toISOString()}`);
      const w = wallClockAt(name, ms);
      assert.deepEqual([w.year, w.month, w.day, w.hour, w.minute], [+p.year!, +p.month!, +p.day!, +p.hour!, +p.minute!]);
      assert.equal(new Date(ms + offsetAt(name, ms)).toISOString().slice(0, 10), day);
    }
    // Local midnight maps back to its own day.
    assert.equal(zone.dayOf(zone.startOfDay('2026-03-29')), '2026-03-29');
    assert.equal(zone.dayOf(zone.startOfDay('2026-03-29') - 1), '2026-03-28');
  }
});

test('an unknown zone is refused when the zone is made', () => {
  assert.throws(() => makeZone('Mars/Olympus_Mons'), RangeError);
});
