// Burn and runway of a prepaid balance (docs/ARCHITECTURE.md §3.1 `balance`): exact integer
// arithmetic on nano-units of the balance's own currency (src/domain/money/balance.ts). Money
// added between the two readings (top-ups, grants) is added back, so a top-up is never negative
// spend and never hides what was spent.
import { addDays, type Zone } from '../time/zone.js';

export const DAY_MS = 86_400_000;
/** Days looked ahead at most (ten years): a balance that lasts longer has no runway worth a date. */
export const HORIZON_DAYS = 3660;

export interface BalancePoint {
  balance_nano: bigint;
  at_ms: number;
}

/**
 * What was spent per day between two readings of one provider and currency: (start − end +
 * added) scaled to 24 h, truncated toward zero. Null when the readings are not at least one
 * millisecond apart in order.
 */
export function burnPerDayNano(start: BalancePoint, end: BalancePoint, addedNano: bigint): bigint | null {
  const span = end.at_ms - start.at_ms;
  if (!(span > 0)) return null;
  const spent = start.balance_nano - end.balance_nano + addedNano;
  return (spent * BigInt(DAY_MS)) / BigInt(span);
}

export interface Runway {
  /** Days left at the burn, to a tenth, rounded down (0 once the balance is used up). */
  runway_days: number;
  /** The instant the balance reaches zero at that burn. */
  runs_out_ms: number;
}

/**
 * When `balanceNano` runs out at `burnNano` per day, counted from `atMs` (the reading's time).
 * Null when nothing is burnt (burn ≤ 0) or it lasts beyond HORIZON_DAYS: no runway to speak of.
 */
export function runwayOf(balanceNano: bigint, burnNano: bigint | null, atMs: number): Runway | null {
  if (burnNano === null || burnNano <= 0n) return null;
  if (balanceNano <= 0n) return { runway_days: 0, runs_out_ms: atMs };
  const tenths = (balanceNano * 10n) / burnNano;
  // Beyond the horizon there is no date worth naming (and no Date to hold it: a large credit at a
  // trickle of spend lasts millions of years).
  if (tenths > BigInt(HORIZON_DAYS * 10)) return null;
  return { runway_days: Number(tenths) / 10, runs_out_ms: atMs + Number((balanceNano * BigInt(DAY_MS)) / burnNano) };
}

/** An amount in another currency at a rate given in nano-units (1 unit = rate × 1e9), exact to the nano, truncated. */
export function convertNano(amountNano: bigint, rateNano: bigint): bigint {
  return (amountNano * rateNano) / 1_000_000_000n;
}

/** A local day's weekday: Saturday and Sunday are the weekend. */
export function isWeekend(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`).getUTCDay();
  return d === 0 || d === 6;
}


export interface PatternBurn {
  /** Average burn of a weekday and of a weekend day (nano-units a day). */
  weekday_nano: bigint;
  weekend_nano: bigint;
}

/** The two burns differ by more than this share of the larger (percent): then the pattern's runway is worth showing. */
export const PATTERN_DIFFERS_PCT = 25n;

export function patternDiffers(p: PatternBurn): boolean {
  const hi = p.weekday_nano > p.weekend_nano ? p.weekday_nano : p.weekend_nano;
  const diff = p.weekday_nano > p.weekend_nano ? p.weekday_nano - p.weekend_nano : p.weekend_nano - p.weekday_nano;
  return hi > 0n && diff * 100n > hi * PATTERN_DIFFERS_PCT;
}


/**
 * When `balanceNano` runs out if each coming weekday burns `weekday_nano` and each weekend day
 * `weekend_nano`, counted from `atMs`: day by day in local days (the reading's own day only for
 * what is left of it), the instant found inside the day it runs out in. Null when nothing is
 * burnt or it lasts beyond ten years.
 */
export function runwayByPattern(balanceNano: bigint, p: PatternBurn, atMs: number, clock: Zone): Runway | null {
  if (p.weekday_nano <= 0n && p.weekend_nano <= 0n) return null;
  if (balanceNano <= 0n) return { runway_days: 0, runs_out_ms: atMs };
  let left = balanceNano;
  let day = clock.dayOf(atMs);
  let from = atMs;
  for (let i = 0; i < HORIZON_DAYS; i++) {
    const next = addDays(day, 1);
    const end = clock.startOfDay(next);
    const burn = isWeekend(day) ? p.weekend_nano : p.weekday_nano;
    // What this (part of a) day burns: its share of the day's burn.
    const spent = (burn * BigInt(end - from)) / BigInt(DAY_MS);
    if (spent >= left && burn > 0n) {
      const runsOut = from + Number((left * BigInt(DAY_MS)) / burn);
      return { runway_days: Math.floor(((runsOut - atMs) * 10) / DAY_MS) / 10, runs_out_ms: runsOut };
    }
    left -= spent;
    day = next;
    from = end;
  }
  return null;
}
