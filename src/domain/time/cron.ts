// When did / will a cron expression fire, in a time zone? node-cron 4 only looks forward
// (getNextRun), and the catch-up at start needs the previous fire time, so this is a small pure
// matcher over node-cron's own parse of the expression (names, steps, lists, ranges, 7 = Sunday
// all expanded by it) with node-cron's matching rules: minute, hour, day of month, month and
// day of week must ALL match (node-cron does not OR the two day fields like Vixie cron), plus
// its day tokens L, L-n, nW, LW (day of month) and nL, n#k (day of week).
//
// The search walks wall-clock time backwards (or forwards) in the zone: a whole day at a time
// while the day does not match, an hour while the hour does not, then minute by minute, bounded
// to `maxDays` days. Across a DST change it falls back to smaller steps, never skipping a minute.
//
// Why not a library (cron-parser 5, compared with node-cron's matcher over many expressions and
// instants): it ORs the two day fields when both are set; it rejects tokens node-cron accepts
// (nW, LW, L-n, wrapping ranges such as 22-2 or fri-mon, @midnight); and at a DST change it
// fires at the landing hour of a skipped time and once in a repeated hour, where node-cron
// matches never and twice. The catch-up must agree with the scheduler, which is node-cron.
import cron from 'node-cron';
import { wallClockAt, type WallClock } from './zone.js';

type DayToken = number | string;

const MINUTE = 60_000;
const DAY = 86_400_000;

const lastDayOfMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

function nearestWeekday(year: number, month: number, target: number): number {
  const last = lastDayOfMonth(year, month);
  if (target < 1 || target > last) return -1;
  const wd = new Date(Date.UTC(year, month - 1, target)).getUTCDay();
  if (wd === 6) return target === 1 ? target + 2 : target - 1;
  if (wd === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function dayOfMonthMatches(field: readonly DayToken[], p: WallClock): boolean {
  const last = lastDayOfMonth(p.year, p.month);
  for (const v of field) {
    if (v === p.day) return true;
    if (typeof v !== 'string') continue;
    const t = v.toUpperCase();
    if (t === 'L' && p.day === last) return true;
    const w = /^(\d{1,2}|L)W$/.exec(t);
    if (w && nearestWeekday(p.year, p.month, w[1] === 'L' ? last : Number(w[1])) === p.day) return true;
    const off = /^L-(\d{1,2})$/.exec(t);
    if (off && last - Number(off[1]) >= 1 && last - Number(off[1]) === p.day) return true;
  }
  return false;
}

function dayOfWeekMatches(field: readonly DayToken[], p: WallClock): boolean {
  for (const v of field) {
    if (v === p.weekday || v === p.weekday + 7) return true;
    if (typeof v !== 'string') continue;
    const nth = /^([0-7])#([1-5])$/.exec(v);
    if (nth) {
      if (Number(nth[1]) % 7 === p.weekday && Math.floor((p.day - 1) / 7) + 1 === Number(nth[2])) return true;
      continue;
    }
    const lastWd = /^([0-7])L$/i.exec(v);
    if (lastWd && Number(lastWd[1]) % 7 === p.weekday && p.day + 7 > lastDayOfMonth(p.year, p.month)) return true;
  }
  return false;
}

export interface CronMatcher {
  readonly expression: string;
  readonly timeZone: string;
  /** Seconds allowed (always [0] for a 5-field expression), ascending. */
  readonly seconds: readonly number[];
  /** Whether the day of month, month and day of week of these wall-clock fields match. */
  day(p: WallClock): boolean;
  hour(p: WallClock): boolean;
  minute(p: WallClock): boolean;
}

/** Compiles an expression (5 or 6 fields, as node-cron accepts them); throws on an invalid one. */
export function compileCron(expression: string, timeZone: string): CronMatcher {
  const f = cron.parse(expression);
  const minutes = new Set(f.minute);
  const hours = new Set(f.hour);
  const months = new Set(f.month);
  const seconds = [...new Set(f.second)].sort((a, b) => a - b);
  return {
    expression,
    timeZone,
    seconds,
    day: (p) => months.has(p.month) && dayOfMonthMatches(f.dayOfMonth, p) && dayOfWeekMatches(f.dayOfWeek, p),
    hour: (p) => hours.has(p.hour),
    minute: (p) => minutes.has(p.minute),
  };
}

/** Whether the wall-clock minute of `ms` in the zone matches (seconds ignored). */
export function matchesMinute(m: CronMatcher, ms: number): boolean {
  const p = wallClockAt(m.timeZone, ms);
  return m.day(p) && m.hour(p) && m.minute(p);
}

const matcherOf = (e: string | CronMatcher, timeZone: string): CronMatcher => (typeof e === 'string' ? compileCron(e, timeZone) : e);

/** The latest fire time at or before `at` (within `maxDays`), or null. */
export function previousFire(expression: string | CronMatcher, timeZone: string, at: Date, maxDays = 366): Date | null {
  const m = matcherOf(expression, timeZone);
  const atMs = at.getTime();
  const limit = atMs - maxDays * DAY;
  let cursor = Math.floor(atMs / MINUTE) * MINUTE;
  while (cursor >= limit) {
    const p = wallClockAt(m.timeZone, cursor);
    const dayOk = m.day(p);
    if (!dayOk || !m.hour(p)) {
      // Skip back to the last minute before this wall-clock day (or hour) began. If a zone
      // transition lies in between, the landing point is not that day's (hour's) first minute:
      // then go by hour, or minute, so that no existing minute is skipped.
      const dayStart = cursor - (p.hour * 60 + p.minute) * MINUTE;
      const hourStart = cursor - p.minute * MINUTE;
      const d = dayOk ? null : wallClockAt(m.timeZone, dayStart);
      const h = wallClockAt(m.timeZone, hourStart);
      if (d && d.hour === 0 && d.minute === 0 && d.day === p.day) cursor = dayStart - MINUTE;
      else if (h.minute === 0 && h.hour === p.hour && h.day === p.day) cursor = hourStart - MINUTE;
      else cursor -= MINUTE;
      continue;
    }
    if (m.minute(p)) {
      for (let i = m.seconds.length - 1; i >= 0; i--) {
        const t = cursor + m.seconds[i]! * 1000;
        if (t <= atMs && t >= limit) return new Date(t);
      }
    }
    cursor -= MINUTE;
  }
  return null;
}

/** The first fire time strictly after `after` (within `maxDays`), or null. */
export function nextFire(expression: string | CronMatcher, timeZone: string, after: Date, maxDays = 366): Date | null {
  const m = matcherOf(expression, timeZone);
  const afterMs = after.getTime();
  const limit = afterMs + maxDays * DAY;
  let cursor = Math.floor(afterMs / MINUTE) * MINUTE;
  while (cursor <= limit) {
    const p = wallClockAt(m.timeZone, cursor);
    const dayOk = m.day(p);
    if (!dayOk || !m.hour(p)) {
      // Skip to the first minute of the next wall-clock day (or hour); across a zone transition
      // (the landing point is not 00:00 of the next day, or :00), go by hour, or minute.
      const nextDay = cursor + ((23 - p.hour) * 60 + (60 - p.minute)) * MINUTE;
      const nextHour = cursor + (60 - p.minute) * MINUTE;
      const d = dayOk ? null : wallClockAt(m.timeZone, nextDay);
      if (d && d.hour === 0 && d.minute === 0 && d.day !== p.day) cursor = nextDay;
      else cursor = wallClockAt(m.timeZone, nextHour).minute === 0 ? nextHour : cursor + MINUTE;
      continue;
    }
    if (m.minute(p)) {
      for (const s of m.seconds) {
        const t = cursor + s * 1000;
        if (t > afterMs && t <= limit) return new Date(t);
      }
    }
    cursor += MINUTE;
  }
  return null;
}

/**
 * The catch-up decision at start: the scheduled time a job missed while the bot was down (the
 * latest fire time at or before `now` that is later than its recorded last run), or null when
 * nothing was missed. A job that never ran (no record) has nothing to catch up: a fresh install
 * does not post at once; its first run is its next scheduled one.
 */
export function missedRun(expression: string, timeZone: string, lastRunMs: number | null, now: Date): Date | null {
  if (lastRunMs === null) return null;
  const prev = previousFire(expression, timeZone, now);
  return prev !== null && prev.getTime() > lastRunMs ? prev : null;
}
