// Exact money for the simulator's balances: integer femto-units (1e-15 of a currency unit) in
// BigInt. A price per million tokens given to the nano-unit is a whole number of femto-units per
// token, so a call's cost is tokens × price with no rounding anywhere (the house rule in
// docs/ARCHITECTURE.md: money is exact, never floats summed). Rounding happens only where an
// amount is rendered the way a provider shows it (DeepSeek 2 decimals, Kimi 5).

/** Femto-units in one unit of a currency (USD, CNY). */
export const FEMTO_PER_UNIT = 10n ** 15n;

const AMOUNT_RE = /^(-)?(\d{1,12})(?:\.(\d{1,15}))?$/;

/** An amount as typed ("50.00", "-1.5", 3): femto-units, or null when it is not a plain decimal. */
export function parseAmount(v: unknown): bigint | null {
  let s: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    s = String(v);
  } else if (typeof v === 'string') s = v.trim();
  else return null;
  const m = AMOUNT_RE.exec(s);
  if (!m) return null;
  const units = BigInt(m[2]!) * FEMTO_PER_UNIT;
  const frac = BigInt((m[3] ?? '').padEnd(15, '0'));
  const abs = units + frac;
  return m[1] ? -abs : abs;
}

/** A price per million tokens ("0.0028"): femto-units per token, or null (negative, or finer than 1e-9). */
export function parsePerMillion(v: unknown): bigint | null {
  const f = parseAmount(v);
  if (f === null || f < 0n || f % 1_000_000n !== 0n) return null;
  return f / 1_000_000n;
}

/** The amount rounded to `decimals` places, half away from zero: "110.00", "-0.01", "49.58894". */
export function fixedAmount(f: bigint, decimals: number): string {
  const neg = f < 0n;
  const abs = neg ? -f : f;
  const step = 10n ** BigInt(15 - decimals);
  const rounded = (abs + step / 2n) / step;
  const scale = 10n ** BigInt(decimals);
  const whole = (rounded / scale).toString();
  const frac = decimals > 0 ? `.${(rounded % scale).toString().padStart(decimals, '0')}` : '';
  return `${neg && rounded !== 0n ? '-' : ''}${whole}${frac}`;
}

/** The amount in full, at least 2 decimals, no trailing zeros beyond: "109.999986", "0.00". */
export function exactAmount(f: bigint): string {
  const s = fixedAmount(f, 15);
  const [whole, frac = ''] = s.split('.');
  const trimmed = frac.replace(/0+$/, '').padEnd(2, '0');
  return `${whole}.${trimmed}`;
}

/** The amount as a JSON number: the double nearest to it (one rounding, from the exact decimal). */
export function amountNumber(f: bigint, decimals = 15): number {
  return Number(fixedAmount(f, decimals));
}
