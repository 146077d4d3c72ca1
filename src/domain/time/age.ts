// How old a price's "checked" date is, in words: a day ("2026-11-15") counts in days, a month
// ("2026-07", all some sources give) in months. Calendar arithmetic on labels, so pure.
import type { DayString } from './zone.js';

const DAY_FORM = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_FORM = /^(\d{4})-(\d{2})$/;

const ago = (n: number, unit: string, zero: string): string => (n === 0 ? zero : n < 0 ? `${-n} ${unit}${n === -1 ? '' : 's'} ahead of today` : `${n} ${unit}${n === 1 ? '' : 's'} ago`);

/** "20 days ago", "today", "5 months ago", "this month"; null for a date of neither form. */
export function ageOf(checked: string, today: DayString): string | null {
  const day = DAY_FORM.exec(checked);
  if (day) {
    const days = Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${checked}T00:00:00Z`)) / 86_400_000);
    return Number.isNaN(days) ? null : ago(days, 'day', 'today');
  }
  const month = MONTH_FORM.exec(checked);
  if (month) {
    const months = (Number(today.slice(0, 4)) - Number(month[1])) * 12 + (Number(today.slice(5, 7)) - Number(month[2]));
    return ago(months, 'month', 'this month');
  }
  return null;
}

/** "checked 2026-11-15, 20 days ago"; "checked: not known" without a date. */
export function checkedText(checked: string | null, today: DayString): string {
  if (checked === null) return 'checked: not known';
  const age = ageOf(checked, today);
  return age === null ? `checked ${checked}` : `checked ${checked}, ${age}`;
}
