import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestKeyCache } from '../../src/store/ledger/request-key-cache.js';

/** A fake index: hashes per day, counting the reads and the ids each read went through. */
function store(days: Record<number, number[]>) {
  const reads: Array<{ day: number; limit: number }> = [];
  let idsRead = 0;
  const read = (day: number, limit: number) => {
    reads.push({ day, limit });
    const hashes = days[day] ?? [];
    idsRead += Math.min(hashes.length, limit + 1);
    return hashes.length > limit ? null : hashes;
  };
  return { read, reads, idsRead: () => idsRead };
}

test('a day is read once it has been asked about often enough; then "no" is answered from memory and is exact', () => {
  const s = store({ 5: [1, 2, 3] });
  const cache = new RequestKeyCache(s.read, { minLookups: 4 });
  for (let i = 0; i < 3; i++) assert.equal(cache.mayHold(5, 99), true, 'not read yet: look it up');
  assert.equal(s.reads.length, 0);
  assert.equal(cache.mayHold(5, 99), false, 'read on the 4th lookup');
  assert.deepEqual(s.reads, [{ day: 5, limit: 32 }]);
  assert.equal(cache.mayHold(5, 2), true);
  assert.equal(cache.mayHold(5, 4), false);
  assert.equal(s.reads.length, 1, 'read once');
  assert.deepEqual(cache.heldDays(), [5]);
});

test('add: a held day learns the keys its connection inserts; an unheld day needs nothing', () => {
  const s = store({});
  const cache = new RequestKeyCache(s.read, { minLookups: 1 });
  assert.equal(cache.mayHold(7, 10), false);
  cache.add(7, 10);
  assert.equal(cache.mayHold(7, 10), true);
  cache.add(8, 11); // not held: its lookups go to SQLite, which has the row
  assert.equal(cache.heldDays().includes(8), false);
});

test('a day holding more ids than a read is worth is not held, and its reads stay bounded by the lookups it costs', () => {
  const big = Array.from({ length: 10_000 }, (_, i) => i);
  const s = store({ 1: big });
  const cache = new RequestKeyCache(s.read, { minLookups: 4 });
  let lookups = 0;
  let answer = true;
  while (answer && lookups < 10_000) {
    lookups++;
    answer = cache.mayHold(1, 20_000);
  }
  // Held once a read was worth it (at 8 ids a lookup, not before 1,250 lookups); the reads cut
  // short before were tried at 4 lookups and then each time the lookups had doubled.
  assert.deepEqual(cache.heldDays(), [1]);
  assert.ok(lookups >= 1250 && lookups < 2500, `held after ${lookups} lookups`);
  assert.ok(s.reads.length >= 3 && s.reads.length <= 12, `reads ${s.reads.length}`);
  assert.ok(s.idsRead() <= 3 * 8 * lookups, `ids read ${s.idsRead()} for ${lookups} lookups`);
  assert.equal(cache.mayHold(1, 20_000), false);
  assert.equal(cache.mayHold(1, 9_999), true);
  assert.ok(s.reads.every((r) => r.limit <= 100_000));
});

test('a day over maxDayEntries is never held, even when it grows there through add', () => {
  const s = store({ 1: [1, 2, 3, 4, 5, 6], 2: [1, 2] });
  const cache = new RequestKeyCache(s.read, { minLookups: 1, maxDayEntries: 4, maxEntries: 100 });
  for (let i = 0; i < 50; i++) assert.equal(cache.mayHold(1, 9), true);
  assert.ok(s.reads.every((r) => r.limit <= 4));
  assert.equal(cache.mayHold(2, 9), false);
  cache.add(2, 10);
  cache.add(2, 11);
  assert.deepEqual(cache.heldDays(), [2]);
  cache.add(2, 12);
  assert.deepEqual(cache.heldDays(), [], 'dropped past 4');
  assert.equal(cache.mayHold(2, 99), true);
});

test('past maxEntries the least recently asked days are dropped; clear forgets everything', () => {
  const s = store({ 1: [1, 2, 3], 2: [1, 2, 3], 3: [1, 2, 3] });
  const cache = new RequestKeyCache(s.read, { minLookups: 2, maxEntries: 7 });
  for (const day of [1, 1, 2, 2]) cache.mayHold(day, 0);
  cache.mayHold(1, 0); // day 1 is now more recent than day 2
  for (const day of [3, 3]) cache.mayHold(day, 0);
  assert.deepEqual(cache.heldDays().sort(), [1, 3]);
  assert.equal(cache.mayHold(2, 0), true, 'day 2 dropped: look it up');
  cache.clear();
  assert.deepEqual(cache.heldDays(), []);
  assert.equal(cache.mayHold(1, 0), true, 'counting again after clear');
  assert.equal(cache.mayHold(1, 0), false, 'read again');
});
