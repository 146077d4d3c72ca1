// Where a price came from and how old it is, in words, for /models (commands/models.ts): the
// price in force's source and "checked" date with its age, and what each catalog source says
// when they disagree (source-prices.ts). Pure.
import { formatRate } from '../../domain/money/units.js';
import { ageOf, checkedText } from '../../domain/time/age.js';
import type { DayString } from '../../domain/time/zone.js';
import type { ModelListing } from './listing.js';
import { sourcesDisagree, type SourceSays } from './source-prices.js';

const utcMinute = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** "litellm: in $0.28, cached $0.028, out $0.42 per 1M (no date of its own; read 2026-12-05 12:00 UTC)". */
export function sourceLine(s: SourceSays): string {
  const r = s.entry.rates;
  const dated = `${s.entry.checked_at === null ? 'no date of its own' : `its date ${s.entry.checked_at}`}; read ${utcMinute(s.fetched_at)}`;
  if (r.input === null || r.output === null) return `${s.source}: not priced (${dated})`;
  const cached = r.cached_input === null ? 'no cache price' : `cached ${formatRate(r.cached_input)}`;
  return `${s.source}: in ${formatRate(r.input)}, ${cached}, out ${formatRate(r.output)} per 1M (${dated})`;
}

/**
 * The provenance of one model's price in force: where it came from, when it was checked and how
 * long ago, and the catalog sources: each one's prices when any disagrees, else who agrees.
 */
export function provenanceText(m: ModelListing, says: readonly SourceSays[], today: DayString): string {
  const lines = [m.price ? `Price in force since ${utcMinute(m.price.effective)}, from ${m.price.source}; ${checkedText(m.price.checked, today)}.` : 'Not priced.'];
  if (sourcesDisagree(m.price, says)) lines.push(m.price ? 'Catalog sources disagree:' : 'Catalog sources price it:', ...says.map((s) => `  ${sourceLine(s)}`));
  else if (says.length) lines.push(`Catalog sources agree: ${says.map((s) => s.source).join(', ')}.`);
  return lines.join('\n');
}

/**
 * How old the listed prices are, compactly: "Prices checked 2026-07 (5 months ago) … 2026-11-15
 * (20 days ago); 2 without a date." Null when nothing listed is priced.
 */
export function checkedRangeNote(models: readonly ModelListing[], today: DayString): string | null {
  const priced = models.filter((m) => m.price !== null);
  if (!priced.length) return null;
  const dates = priced.flatMap((m) => (m.price!.checked === null ? [] : [m.price!.checked])).sort();
  const undated = priced.length - dates.length;
  const without = undated ? `${undated} without a date` : '';
  if (!dates.length) return `No price in force says when it was checked.`;
  const at = (d: string) => {
    const age = ageOf(d, today);
    return age === null ? d : `${d} (${age})`;
  };
  const oldest = dates[0]!;
  const newest = dates[dates.length - 1]!;
  const range = oldest === newest ? `Prices checked ${at(oldest)}` : `Prices checked ${at(oldest)} … ${at(newest)}`;
  return `${range}${without ? `; ${without}` : ''}.`;
}

/**
 * Schedules whose holiday list has run out (src/domain/catalog/holidays.ts has China's 2026
 * holidays only): from the next year their peak windows apply on every listed weekday until dates
 * are added (`schedule.holidays` in the config). Null when none in force has.
 */
export function holidayCalendarNote(models: readonly ModelListing[], today: DayString): string | null {
  const yearStart = `${today.slice(0, 4)}-01-01`;
  const stale = models.filter((m) => m.price && m.price.windows.some((w) => w.skipsHolidays) && (m.price.holidays.at(-1) ?? '') < yearStart);
  if (!stale.length) return null;
  const names = stale.map((m) => `${m.provider}/${m.model}`);
  const last = stale.map((m) => m.price!.holidays.at(-1) ?? 'none').sort().at(-1)!;
  return `Holiday dates of ${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''} end on ${last}: peak prices apply on every weekday until this year's dates are added (schedule.holidays).`;
}
