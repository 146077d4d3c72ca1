// Public holiday calendars that providers' price schedules refer to. DeepSeek bills Chinese
// public holidays at off-peak prices all day (docs/PROVIDERS.md §2). A schedule lists
// "china" to use this calendar; dates are UTC dates, which is right for DeepSeek because its
// peak hours (09:00-12:00 and 14:00-18:00 Beijing time) fall on the same date in UTC.

/** Inclusive date ranges, as the State Council announced them (November 2025) for 2026. */
const CHINA_2026: readonly (readonly [string, string])[] = [
  ['2026-01-01', '2026-01-03'], // New Year's Day
  ['2026-02-15', '2026-02-23'], // Spring Festival
  ['2026-04-04', '2026-04-06'], // Qingming
  ['2026-05-01', '2026-05-05'], // Labour Day
  ['2026-06-19', '2026-06-21'], // Dragon Boat Festival
  ['2026-09-25', '2026-09-27'], // Mid-Autumn Festival
  ['2026-10-01', '2026-10-07'], // National Day
];

const DAY_MS = 86_400_000;

function expand(ranges: readonly (readonly [string, string])[]): string[] {
  const out: string[] = [];
  for (const [from, to] of ranges) {
    for (let ms = Date.parse(`${from}T00:00:00Z`); ms <= Date.parse(`${to}T00:00:00Z`); ms += DAY_MS) out.push(new Date(ms).toISOString().slice(0, 10));
  }
  return out;
}

/** The built-in calendars by the name a schedule uses. */
export const HOLIDAY_CALENDARS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  china: Object.freeze(expand(CHINA_2026)),
});

