// Calendar days in a configured IANA time zone. Reports group by local day; converting every
// ledger row through Intl is slow, so offsets are cached per 15-minute slot (every zone in
// use changes its offset only on 15-minute boundaries).

const SLOT_MS = 15 * 60 * 1000;

export type DayString = string; // YYYY-MM-DD

export interface Zone {
  readonly name: string;
  /** The local calendar day of an instant. */
  dayOf(ms: number): DayString;
  /** The instant at which a local day starts (00:00 local). */
  startOfDay(day: DayString): number;
}

export function makeZone(name: string): Zone {
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone: name,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const offsetCache = new Map<number, number>();

  /** Offset (local - UTC) in ms at an instant. */
  function offsetAt(ms: number): number {
    const slot = Math.floor(ms / SLOT_MS);
    let off = offsetCache.get(slot);
    if (off === undefined) {
      const parts: Record<string, number> = {};
      for (const p of fmt.formatToParts(new Date(slot * SLOT_MS))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
      const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
      off = asUtc - slot * SLOT_MS;
      if (offsetCache.size > 200_000) offsetCache.clear();
      offsetCache.set(slot, off);
    }
    return off;
  }

  return {
    name,
    dayOf(ms) {
      return new Date(ms + offsetAt(ms)).toISOString().slice(0, 10);
    },
    startOfDay(day) {
      const utcMidnight = Date.parse(`${day}T00:00:00Z`);
      // Local midnight = utcMidnight - offset; the offset there may differ (DST), so refine once.
      let guess = utcMidnight - offsetAt(utcMidnight);
      guess = utcMidnight - offsetAt(guess);
      return guess;
    },
  };
}

/** Calendar arithmetic on YYYY-MM-DD strings (zone-free: days are labels here). */
export function addDays(day: DayString, n: number): DayString {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function daysBetweenInclusive(from: DayString, to: DayString): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

export function isValidDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}
