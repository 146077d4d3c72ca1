// PERIOD words of docs/ARCHITECTURE.md §3.1 -> an inclusive range of local calendar days. Pure: "today"
// is passed in, so every period can be tested against a fixed date.
import { isValidDay } from './iso.js';
import { addDays, daysBetweenInclusive, type DayString } from './zone.js';
import { truncateForMessage } from '../text.js';

export interface Period {
  from: DayString;
  to: DayString;
  /** How the user asked for it, for titles ("week", "2026-05-01..2026-05-31"). */
  label: string;
  /** True for `month`: the report projects the month-end total. */
  monthToDate: boolean;
}

export const PERIOD_HELP =
  'today, yesterday, week (last 7 days), last-week (previous Mon–Sun), month (to date), last-month, Nd (e.g. 30d), or YYYY-MM-DD..YYYY-MM-DD';

const MAX_DAYS = 3660;

function startOfMonth(day: DayString): DayString {
  return `${day.slice(0, 7)}-01`;
}

function isoWeekday(day: DayString): number {
  const wd = new Date(`${day}T00:00:00Z`).getUTCDay();
  return wd === 0 ? 7 : wd;
}

export type PeriodResult = { ok: true; period: Period } | { ok: false; error: string };

export function parsePeriod(word: string, today: DayString): PeriodResult {
  const w = word.trim().toLowerCase();
  const make = (from: DayString, to: DayString, monthToDate = false): PeriodResult => ({
    ok: true,
    period: { from, to, label: w, monthToDate },
  });
  switch (w) {
    case 'today':
      return make(today, today);
    case 'yesterday': {
      const y = addDays(today, -1);
      return make(y, y);
    }
    case 'week':
      return make(addDays(today, -6), today);
    case 'last-week': {
      const thisMonday = addDays(today, 1 - isoWeekday(today));
      return make(addDays(thisMonday, -7), addDays(thisMonday, -1));
    }
    case 'month':
      return make(startOfMonth(today), today, true);
    case 'last-month': {
      const lastDay = addDays(startOfMonth(today), -1);
      return make(startOfMonth(lastDay), lastDay);
    }
  }
  const nDays = /^(\d{1,5})d$/.exec(w);
  if (nDays) {
    const n = Number(nDays[1]);
    if (n < 1 || n > MAX_DAYS) return { ok: false, error: `"${word}" is out of range: use 1d to ${MAX_DAYS}d` };
    return make(addDays(today, -(n - 1)), today);
  }
  const range = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(w);
  if (range) {
    const [, from, to] = range as unknown as [string, string, string];
    if (!isValidDay(from) || !isValidDay(to)) return { ok: false, error: `"${word}" has a date that does not exist` };
    if (from > to) return { ok: false, error: `"${word}" ends before it starts` };
    if (daysBetweenInclusive(from, to) > MAX_DAYS) return { ok: false, error: `"${word}" is longer than ${MAX_DAYS} days` };
    return make(from, to);
  }
  return { ok: false, error: `"${truncateForMessage(word)}" is not a period` };
}

/** The period of the same length just before `p`, for "change vs previous period". */
export function previousPeriod(p: Period): { from: DayString; to: DayString } {
  const len = daysBetweenInclusive(p.from, p.to);
  return { from: addDays(p.from, -len), to: addDays(p.from, -1) };
}
