// Burn and runway arithmetic (src/domain/money/runway.ts) with hand-computed figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { burnPerDayNano, convertNano, DAY_MS, patternDiffers, runwayByPattern, runwayOf } from '../../src/domain/money/runway.js';
import { makeZone } from '../../src/domain/time/zone.js';

const USD = 1_000_000_000n;
const T0 = Date.parse('2026-11-16T00:00:00Z');

test('burn per day over 7 days with a top-up inside the window adds the top-up back', () => {
  // 100.00 → 60.00 over 7 days with 30.00 topped up: spent 100 − 60 + 30 = 70, so 10.00/day.
  const burn = burnPerDayNano({ balance_nano: 100n * USD, at_ms: T0 }, { balance_nano: 60n * USD, at_ms: T0 + 7 * DAY_MS }, 30n * USD);
  assert.equal(burn, 10n * USD);
  // Without the top-up counted the burn would read 40/7 = 5.714285714/day.
  assert.equal(burnPerDayNano({ balance_nano: 100n * USD, at_ms: T0 }, { balance_nano: 60n * USD, at_ms: T0 + 7 * DAY_MS }, 0n), 5_714_285_714n);
});

test('burn over a partial window is scaled to 24 hours exactly; readings out of order give none', () => {
  // 12 hours, 3.000000001 spent → 6.000000002/day.
  assert.equal(burnPerDayNano({ balance_nano: 10n * USD, at_ms: T0 }, { balance_nano: 7n * USD - 1n, at_ms: T0 + DAY_MS / 2 }, 0n), 6_000_000_002n);
  assert.equal(burnPerDayNano({ balance_nano: 10n * USD, at_ms: T0 }, { balance_nano: 9n * USD, at_ms: T0 }, 0n), null);
});

test('runway: days to a tenth rounded down and the instant the balance reaches zero', () => {
  // 60.00 at 10.00/day: 6.0 days, out on T0 + 6 days.
  assert.deepEqual(runwayOf(60n * USD, 10n * USD, T0), { runway_days: 6, runs_out_ms: T0 + 6 * DAY_MS });
  // 25.00 at 7.00/day: 3.571… → 3.5 days; 25/7 days = 308571428 ms + 3 days.
  assert.deepEqual(runwayOf(25n * USD, 7n * USD, T0), { runway_days: 3.5, runs_out_ms: T0 + Math.floor((25 * DAY_MS) / 7) });
});

test('runway: none beyond ten years (a large credit at a trickle of spend), where no date can be named', () => {
  assert.equal(runwayOf(1000n * USD, 1_400n, T0), null);
  assert.equal(runwayOf(3660n * USD, USD, T0)?.runway_days, 3660);
  assert.equal(runwayOf(3661n * USD, USD, T0), null);
});

test('runway: none without burn; zero once the balance is used up (Kimi cash below zero)', () => {
  assert.equal(runwayOf(60n * USD, 0n, T0), null);
  assert.equal(runwayOf(60n * USD, -5n * USD, T0), null);
  assert.equal(runwayOf(60n * USD, null, T0), null);
  assert.deepEqual(runwayOf(-1_250_000_000n, 2n * USD, T0), { runway_days: 0, runs_out_ms: T0 });
});

test('a CNY amount converted at a configured rate, exact to the nano', () => {
  // CNY 123.45 at 0.14 = USD 17.283.
  assert.equal(convertNano(123_450_000_000n, 140_000_000n), 17_283_000_000n);
});

test('runway at a weekday/weekend pattern: day by day in local days, from what is left of the reading\'s day', () => {
  const utc = makeZone('UTC');
  const p = { weekday_nano: 10_000_000_000n, weekend_nano: 2_000_000_000n };
  // From Monday 2026-11-23 00:00 with 146.00: 54.00 a week, 38.00 left on Mon 12-07, 8.00 on
  // Thu 12-10, gone 8/10 into that day: 19:12.
  const r = runwayByPattern(146_000_000_000n, p, Date.parse('2026-11-23T00:00:00Z'), utc)!;
  assert.equal(new Date(r.runs_out_ms).toISOString(), '2026-12-10T19:12:00.000Z');
  assert.equal(r.runway_days, 17.8);
  // Read at Saturday noon with 3.00: half of Saturday (1.00), Sunday (2.00): gone at Monday 00:00.
  const sat = runwayByPattern(3_000_000_000n, p, Date.parse('2026-11-28T12:00:00Z'), utc)!;
  assert.equal(new Date(sat.runs_out_ms).toISOString(), '2026-11-30T00:00:00.000Z');
  assert.equal(sat.runway_days, 1.5);
  // A local zone: Shanghai's Saturday starts at Friday 16:00 UTC.
  const sh = runwayByPattern(1_000_000_000n, { weekday_nano: 0n, weekend_nano: 2_000_000_000n }, Date.parse('2026-11-27T12:00:00Z'), makeZone('Asia/Shanghai'))!;
  assert.equal(new Date(sh.runs_out_ms).toISOString(), '2026-11-28T04:00:00.000Z');
  assert.equal(runwayByPattern(5n, { weekday_nano: 0n, weekend_nano: 0n }, 0, utc), null, 'nothing burnt');
  assert.deepEqual(runwayByPattern(0n, p, 7, utc), { runway_days: 0, runs_out_ms: 7 });
  assert.equal(runwayByPattern(1_000_000_000_000_000n, { weekday_nano: 1n, weekend_nano: 1n }, 0, utc), null, 'beyond ten years');
});

test('the pattern is worth showing only when the two burns differ by more than 25% of the larger', () => {
  assert.equal(patternDiffers({ weekday_nano: 100n, weekend_nano: 75n }), false);
  assert.equal(patternDiffers({ weekday_nano: 100n, weekend_nano: 74n }), true);
  assert.equal(patternDiffers({ weekday_nano: 0n, weekend_nano: 0n }), false);
  assert.equal(patternDiffers({ weekday_nano: 0n, weekend_nano: 3n }), true);
});
