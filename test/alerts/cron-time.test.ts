// previousFire / nextFire against hand-checked cases and, minute by minute, against node-cron's
// own matcher (task.match) across DST changes and odd offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cron from 'node-cron';
import { compileCron, matchesMinute, missedRun, nextFire, previousFire } from '../../src/domain/time/cron.js';

const d = (iso: string) => new Date(iso);
const iso = (x: Date | null) => x?.toISOString() ?? null;

test('previous and next fire times, UTC', () => {
  assert.equal(iso(previousFire('0 9 * * *', 'UTC', d('2026-07-17T10:00:00Z'))), '2026-07-17T09:00:00.000Z');
  assert.equal(iso(previousFire('0 9 * * *', 'UTC', d('2026-07-17T09:00:00Z'))), '2026-07-17T09:00:00.000Z', 'at the fire time itself');
  assert.equal(iso(previousFire('0 9 * * *', 'UTC', d('2026-07-17T08:59:59Z'))), '2026-07-16T09:00:00.000Z');
  assert.equal(iso(nextFire('0 9 * * *', 'UTC', d('2026-07-17T09:00:00Z'))), '2026-07-18T09:00:00.000Z', 'strictly after');
  assert.equal(iso(previousFire('*/15 * * * *', 'UTC', d('2026-07-17T10:07:30Z'))), '2026-07-17T10:00:00.000Z');
  assert.equal(iso(nextFire('*/15 * * * *', 'UTC', d('2026-07-17T10:07:30Z'))), '2026-07-17T10:15:00.000Z');
  // 2026-07-17 is a Friday: the previous Monday 09:00 is 07-13.
  assert.equal(iso(previousFire('0 9 * * 1', 'UTC', d('2026-07-17T10:00:00Z'))), '2026-07-13T09:00:00.000Z');
  assert.equal(iso(previousFire('0 9 * * mon', 'UTC', d('2026-07-13T09:00:00Z'))), '2026-07-13T09:00:00.000Z');
  assert.equal(iso(previousFire('0 */6 * * *', 'UTC', d('2026-07-17T05:59:00Z'))), '2026-07-17T00:00:00.000Z');
  // Steps inside ranges, lists, and names.
  assert.equal(iso(previousFire('5-20/5,45 8-10 * * mon-fri', 'UTC', d('2026-07-17T10:44:00Z'))), '2026-07-17T10:20:00.000Z');
  assert.equal(iso(previousFire('5-20/5,45 8-10 * * mon-fri', 'UTC', d('2026-07-20T08:04:00Z'))), '2026-07-17T10:45:00.000Z', 'over the weekend');
  assert.equal(iso(nextFire('0 0 1 jan,jul *', 'UTC', d('2026-07-17T00:00:00Z'))), '2027-01-01T00:00:00.000Z');
  assert.equal(iso(previousFire('0 0 L * *', 'UTC', d('2026-03-15T00:00:00Z'))), '2026-02-28T00:00:00.000Z');
  assert.equal(iso(previousFire('0 12 * * 5#2', 'UTC', d('2026-07-31T00:00:00Z'))), '2026-07-10T12:00:00.000Z');
  assert.equal(iso(previousFire('0 12 * * 7', 'UTC', d('2026-07-17T00:00:00Z'))), '2026-07-12T12:00:00.000Z', '7 is Sunday');
  // With seconds (6 fields).
  assert.equal(iso(previousFire('30 0 9 * * *', 'UTC', d('2026-07-17T09:00:10Z'))), '2026-07-16T09:00:30.000Z');
  // Not within the 366-day bound (the last Feb 29 was 2024): null.
  assert.equal(previousFire('0 0 29 2 *', 'UTC', d('2026-07-17T00:00:00Z')), null);
});

test('previous fire time in a zone', () => {
  // 09:00 in Berlin (CEST, +02:00) is 07:00 UTC.
  assert.equal(iso(previousFire('0 9 * * *', 'Europe/Berlin', d('2026-07-17T08:00:00Z'))), '2026-07-17T07:00:00.000Z');
  assert.equal(iso(previousFire('0 9 * * *', 'Europe/Berlin', d('2026-07-17T06:59:00Z'))), '2026-07-16T07:00:00.000Z');
  // Kathmandu is +05:45.
  assert.equal(iso(previousFire('0 9 * * *', 'Asia/Kathmandu', d('2026-07-17T04:00:00Z'))), '2026-07-17T03:15:00.000Z');
});

test('the catch-up decision: a scheduled time after the last run, up to now', () => {
  const last = Date.parse('2026-07-16T08:00:00Z');
  assert.equal(iso(missedRun('0 9 * * *', 'UTC', last, d('2026-07-17T10:00:00Z'))), '2026-07-17T09:00:00.000Z');
  assert.equal(missedRun('0 9 * * *', 'UTC', Date.parse('2026-07-17T09:00:05Z'), d('2026-07-17T10:00:00Z')), null, 'ran already');
  assert.equal(missedRun('0 9 * * *', 'UTC', Date.parse('2026-07-17T08:30:00Z'), d('2026-07-17T08:45:00Z')), null, 'not due yet');
  assert.equal(missedRun('0 9 * * *', 'UTC', null, d('2026-07-17T10:00:00Z')), null, 'never ran: nothing to catch up');
});

const EXPRESSIONS = ['0 9 * * *', '*/15 * * * *', '5-20/5,45 8-10 * * mon-fri', '30 2 * * *', '0,30 1-3 * * *', '0 0 L * *'];
/** 26-hour windows around DST changes and odd offsets. */
const WINDOWS: Array<[string, string]> = [
  ['Europe/Berlin', '2026-03-28T13:00:00Z'], // spring forward 2026-03-29 01:00 UTC
  ['Europe/Berlin', '2026-10-24T13:00:00Z'], // fall back 2026-10-25 01:00 UTC
  ['America/New_York', '2026-10-31T18:00:00Z'], // fall back 2026-11-01 06:00 UTC
  ['Asia/Kathmandu', '2026-02-27T12:00:00Z'], // +05:45, over a month end
  ['Australia/Lord_Howe', '2026-04-04T03:00:00Z'], // half-hour change 2026-04-04 15:00 UTC
];

/** previousFire and nextFire at `q` are the fires node-cron matched just before and after it. */
function expectNeighbours(m: ReturnType<typeof compileCron>, zone: string, expr: string, fires: number[], q: number): void {
  const prev = fires.filter((f) => f <= q).at(-1);
  const next = fires.find((f) => f > q);
  if (prev !== undefined) assert.equal(previousFire(m, zone, new Date(q))?.getTime(), prev, `previous of ${new Date(q).toISOString()} for ${expr} in ${zone}`);
  if (next !== undefined) assert.equal(nextFire(m, zone, new Date(q))?.getTime(), next, `next of ${new Date(q).toISOString()} for ${expr} in ${zone}`);
}

test('agrees with node-cron minute by minute, across DST changes', () => {
  const MIN = 60_000;
  const SPAN = 26 * 60;
  for (const expr of EXPRESSIONS) {
    for (const [zone, startIso] of WINDOWS) {
      const task = cron.createTask(expr, () => undefined, { timezone: zone });
      try {
        const m = compileCron(expr, zone);
        const start = Date.parse(startIso);
        const fires: number[] = [];
        for (let i = 0; i < SPAN; i++) {
          const t = start + i * MIN;
          const theirs = task.match(new Date(t));
          assert.equal(matchesMinute(m, t), theirs, `${expr} in ${zone} at ${new Date(t).toISOString()}`);
          if (theirs) fires.push(t);
        }
        // Query points between the fires: previous and next must be the neighbouring fires.
        for (let q = start + 7 * MIN + 13_000; q < start + SPAN * MIN; q += 97 * MIN) {
          expectNeighbours(m, zone, expr, fires, q);
        }
      } finally {
        void task.destroy();
      }
    }
  }
});

/** Expressions in node-cron's own grammar: names, steps, lists, wrapping ranges and its day tokens. */
function generatedExpressions(count: number): string[] {
  let seed = 20260717;
  const rnd = (n: number) => {
    // mulberry32: a fixed sequence, so every run checks the same expressions.
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0;
  };
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)]!;
  const MINUTES = ['0', '15', '30', '45', '*/15', '0,30', '15-45/15', '45,0'];
  const HOURS = ['*', '9', '*/6', '8-10', '22-2', '0,12', '1-3', '23'];
  const DOMS = ['*', '?', '1', '15', '1-7', 'L', 'L-3', '15W', '1W', 'LW', '1,L', '28-3', '*/10'];
  const MONTHS = ['*', '*', 'jan,jul', '3-10', 'nov-feb', '*/2'];
  const DOWS = ['*', '?', 'mon', 'mon-fri', 'fri-mon', '7', '0,6', '5#2', '1#1', '3#5', '5L', '0L', 'sat,sun', '1-5/2'];
  const out = ['@daily', '@weekly', '@monthly', '@midnight', '@hourly'];
  while (out.length < count) {
    const expr = `${pick(MINUTES)} ${pick(HOURS)} ${pick(DOMS)} ${pick(MONTHS)} ${pick(DOWS)}`;
    if (cron.validate(expr) && !out.includes(expr)) out.push(expr);
  }
  return out;
}

test('agrees with node-cron on generated expressions: day tokens, wrapping ranges, both day fields', () => {
  // Every zone here has whole-hour offsets, and every generated minute is a quarter hour, so
  // node-cron's matcher checked at each UTC quarter hour finds every fire time.
  const QUARTER = 15 * 60_000;
  const SPAN = 45 * 96;
  const windows: Array<[string, string]> = [
    ['UTC', '2026-01-20T00:00:00Z'],
    ['Europe/Berlin', '2026-02-15T00:00:00Z'], // spring forward 2026-03-29
    ['America/New_York', '2026-10-01T00:00:00Z'], // fall back 2026-11-01
  ];
  for (const expr of generatedExpressions(22)) {
    for (const [zone, startIso] of windows) {
      const task = cron.createTask(expr, () => undefined, { timezone: zone });
      try {
        const m = compileCron(expr, zone);
        const start = Date.parse(startIso);
        const fires: number[] = [];
        for (let i = 0; i < SPAN; i++) if (task.match(new Date(start + i * QUARTER))) fires.push(start + i * QUARTER);
        // Query points spread over the window, off the quarter hours.
        for (let q = start + 3 * 86_400_000 + 7_013; q < start + SPAN * QUARTER; q += 2 * 86_400_000 + 3_600_000 * 5 + 60_000 * 7) {
          // Only what the window can tell: a previous fire after its first day, a next one before its end.
          expectNeighbours(m, zone, expr, fires, q);
        }
      } finally {
        void task.destroy();
      }
    }
  }
});
