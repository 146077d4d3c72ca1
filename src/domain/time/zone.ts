// Wall-clock time and calendar days in IANA time zones. Converting an instant through Intl is
// slow, so a zone's UTC offset is cached per 15-minute slot (every zone in use changes its offset
// only on 15-minute boundaries). There is one such cache per zone name, shared by every reader:
// reports and the ledger (local days), the cron look-up (wall-clock fields).

const SLOT_MS = 15 * 60 * 1000;
/** Slots kept per zone before its cache starts afresh (bounded memory for odd workloads). */
const MAX_CACHED_SLOTS = 200_000;

export type DayString = string; // YYYY-MM-DD

/** What is cached of a 15-minute slot: the offset, and the local day once asked for. */
interface Slot {
  offset: number;
  /** undefined until asked; null when the offset is not whole quarter hours (the day can change inside the slot). */
  day?: DayString | null;
}

/** One zone's slots. */
class ZoneSlots {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly bySlot = new Map<number, Slot>();
  // Rows and reports mostly come in time order: the last slot's day is the likeliest.
  private lastDaySlot = NaN;
  private lastDay: DayString = '';

  constructor(timeZone: string) {
    this.fmt = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
  }

  private slot(index: number): Slot {
    let s = this.bySlot.get(index);
    if (s === undefined) {
      const p: Record<string, number> = {};
      for (const part of this.fmt.formatToParts(new Date(index * SLOT_MS))) if (part.type !== 'literal') p[part.type] = Number(part.value);
      s = { offset: Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - index * SLOT_MS };
      if (this.bySlot.size > MAX_CACHED_SLOTS) this.bySlot.clear();
      this.bySlot.set(index, s);
    }
    return s;
  }

  offset(ms: number): number {
    return this.slot(Math.floor(ms / SLOT_MS)).offset;
  }

  day(ms: number): DayString {
    const index = Math.floor(ms / SLOT_MS);
    if (index === this.lastDaySlot) return this.lastDay;
    const s = this.slot(index);
    // With a whole-quarter-hour offset a slot lies within one local day (days start on quarter
    // hours too), so the slot's day holds for every instant in it.
    if (s.day === undefined) s.day = s.offset % SLOT_MS === 0 ? new Date(index * SLOT_MS + s.offset).toISOString().slice(0, 10) : null;
    if (s.day === null) return new Date(ms + s.offset).toISOString().slice(0, 10);
    this.lastDaySlot = index;
    this.lastDay = s.day;
    return s.day;
  }
}

const zones = new Map<string, ZoneSlots>();

function slotsOf(timeZone: string): ZoneSlots {
  let z = zones.get(timeZone);
  if (!z) zones.set(timeZone, (z = new ZoneSlots(timeZone)));
  return z;
}

/** Offset (local - UTC, ms) of a zone at an instant. Throws a RangeError for an unknown zone. */
export function offsetAt(timeZone: string, ms: number): number {
  return slotsOf(timeZone).offset(ms);
}

/** Wall-clock fields of an instant in a zone (month 1-12, weekday 0 = Sunday). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

export function wallClockAt(timeZone: string, ms: number): WallClock {
  const d = new Date(ms + slotsOf(timeZone).offset(ms));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

export interface Zone {
  readonly name: string;
  /** The local calendar day of an instant. */
  dayOf(ms: number): DayString;
  /** The instant at which a local day starts (00:00 local). */
  startOfDay(day: DayString): number;
}

export function makeZone(name: string): Zone {
  const slots = slotsOf(name);
  return {
    name,
    dayOf: (ms) => slots.day(ms),
    startOfDay(day) {
      const utcMidnight = Date.parse(`${day}T00:00:00Z`);
      // Local midnight = utcMidnight - offset; the offset there may differ (DST), so refine once.
      let guess = utcMidnight - slots.offset(utcMidnight);
      guess = utcMidnight - slots.offset(guess);
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
