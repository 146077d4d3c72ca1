// Burn and runway of a prepaid balance (docs/ARCHITECTURE.md §3.1 `balance`): exact integer
// arithmetic on nano-units of the balance's own currency (src/domain/money/balance.ts). Money
// added between the two readings (top-ups, grants) is added back, so a top-up is never negative
// spend and never hides what was spent.

export const DAY_MS = 86_400_000;

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
 * Null when nothing is burnt (burn ≤ 0): no runway to speak of.
 */
export function runwayOf(balanceNano: bigint, burnNano: bigint | null, atMs: number): Runway | null {
  if (burnNano === null || burnNano <= 0n) return null;
  if (balanceNano <= 0n) return { runway_days: 0, runs_out_ms: atMs };
  const tenths = (balanceNano * 10n) / burnNano;
  return { runway_days: Number(tenths) / 10, runs_out_ms: atMs + Number((balanceNano * BigInt(DAY_MS)) / burnNano) };
}

/** An amount in another currency at a rate given in nano-units (1 unit = rate × 1e9), exact to the nano, truncated. */
export function convertNano(amountNano: bigint, rateNano: bigint): bigint {
  return (amountNano * rateNano) / 1_000_000_000n;
}
