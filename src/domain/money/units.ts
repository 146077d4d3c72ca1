// Integer money units (docs/ARCHITECTURE.md §4). Decimal prices are converted once, by parsing their
// decimal digits, never by multiplying floats (0.0028 * 1e6 is 2799.9999999999995).
//
//   rate: pico-USD per token  (= micro-USD per million tokens; 1 USD/M = 1,000,000)
//   cost: nano-USD ("nusd")   (1 USD = 1,000,000,000)
//
// A token count times a rate is pico-USD; costs are rounded once to nano-USD (see cost.ts).

/** Parse a decimal number (string, or a JS number via its shortest string) into sign and digits. */
function parseDecimal(value: number | string): { neg: boolean; digits: string; exp: number } {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
    // String(n) is the shortest string that reads back as n, which is what a person wrote in
    // YAML/JSON (0.0028 -> "0.0028"); it may use exponent form (2.8e-7).
    text = String(value);
  } else {
    text = value.trim();
  }
  const m = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || ((m[2] ?? '') === '' && (m[3] ?? '') === '')) throw new RangeError(`not a decimal number: "${text}"`);
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  // value = digits * 10^exp
  return { neg: m[1] === '-', digits: (intPart + fracPart).replace(/^0+/, '') || '0', exp: Number(m[4] ?? '0') - fracPart.length };
}

/**
 * value * 10^scale as a bigint, rounded half-up (half away from zero for negatives, so that
 * -x renders as the mirror of x) when digits fall below the last unit.
 */
function scaleDecimal(value: number | string, scale: number): bigint {
  const { neg, digits, exp } = parseDecimal(value);
  const shift = exp + scale;
  let mag: bigint;
  if (shift >= 0) {
    if (digits !== '0' && digits.length + shift > 40) throw new RangeError(`number too large: ${String(value)}`);
    mag = BigInt(digits) * 10n ** BigInt(shift);
  } else {
    const cut = -shift;
    if (cut > digits.length) {
      // Everything is below the unit; it rounds up only if it is at least half a unit, which
      // needs the first dropped digit to be in the tenths place.
      mag = 0n;
    } else {
      const kept = digits.slice(0, digits.length - cut);
      const first = digits.charCodeAt(digits.length - cut) - 48; // first dropped digit
      mag = BigInt(kept || '0') + (first >= 5 ? 1n : 0n);
    }
  }
  return neg ? -mag : mag;
}

function toSafeNumber(n: bigint, what: string): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what} out of range: ${n}`);
  return Number(n);
}

function nonNegativeRate(n: bigint, value: number | string): number {
  if (n < 0n) throw new RangeError(`a price cannot be negative: ${String(value)}`);
  return toSafeNumber(n, 'price');
}

/**
 * USD per million tokens -> integer rate (pico-USD per token), exactly: 0.0028 -> 2800.
 * Beyond 6 decimal places (below a millionth of a dollar per million tokens) the value is
 * rounded half-up to the nearest integer rate; no provider prices that finely.
 */
export function usdPerMillionToRate(value: number | string): number {
  return nonNegativeRate(scaleDecimal(value, 6), value);
}

/**
 * USD per token (OpenRouter /models, LiteLLM price map) -> integer rate: "0.00000014" -> 140000.
 * Exact up to 12 decimals; finer digits are rounded half-up.
 */
export function usdPerTokenToRate(value: number | string): number {
  return nonNegativeRate(scaleDecimal(value, 12), value);
}

/**
 * USD per thousand (genai-prices' `requests_kcount`: USD per 1,000 requests) -> nano-USD per one,
 * exactly: 0.005 -> 5000. Beyond 6 decimals rounded half-up.
 */
export function usdPerThousandToNusd(value: number | string): number {
  return nonNegativeRate(scaleDecimal(value, 6), value);
}

/**
 * USD -> nano-USD, exactly (budgets in config, provider-reported cost_usd). Beyond 9 decimals
 * rounded half-up (away from zero for negatives).
 */
export function usdToNusd(value: number | string): number {
  return toSafeNumber(scaleDecimal(value, 9), 'amount');
}

/**
 * A decimal amount of any currency (a decimal string as DeepSeek sends, or a JSON number as Kimi
 * sends, read through its shortest string) -> integer nano-units of that currency as a bigint,
 * exactly: "110.50" -> 110500000000n, -3.00001 -> -3000010000n. Beyond 9 decimals rounded
 * half-up (away from zero for negatives). Throws RangeError for anything that is not a finite
 * decimal number (an empty string, "1,5", "NaN", Infinity).
 */
export function decimalToNano(value: number | string): bigint {
  return scaleDecimal(value, 9);
}

/**
 * Nano-units of a currency -> the JS number nearest to the exact amount, for JSON: one
 * conversion from the exact decimal text, never arithmetic on doubles.
 */
export function nanoToNumber(nano: bigint): number {
  return Number(formatUsdDecimal(nano));
}

/** Nano-units for people: thousands separators, at least 2 decimals, exact ("1,234.50", "-3.00001"). */
export function formatNanoAmount(nano: bigint): string {
  const neg = nano < 0n;
  return `${neg ? '-' : ''}${renderScaled(neg ? -nano : nano, 9, 2)}`;
}

/** pico-USD (tokens x rate) -> nano-USD, rounded half-up (costs are never negative). */
export function picoToNusd(pico: bigint): bigint {
  return (pico + 500n) / 1000n;
}

/**
 * nano-USD -> USD as a JS number, for JSON output. A single division is correctly rounded, so
 * the result is the double nearest to the exact decimal, and JSON.stringify prints that decimal
 * back (at most 9 decimals) for any |nusd| below 1e15 (one million dollars): at most 15
 * significant digits always round-trip. Never sum these numbers; sum nusd.
 */
export function nusdToUsd(nusd: number | bigint): number {
  // A BigInt sum past 2^53 converts through its exact decimal text: still the nearest double.
  return typeof nusd === 'bigint' ? Number(formatUsdDecimal(nusd)) : nusd / 1e9;
}

function checkNusd(nusd: number | bigint): bigint {
  if (typeof nusd === 'bigint') return nusd;
  if (!Number.isSafeInteger(nusd)) throw new RangeError(`expected an integer amount of nano-USD, got ${nusd}`);
  return BigInt(nusd);
}

function groupThousands(intDigits: string): string {
  return intDigits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** |units| / 10^decimals as a plain decimal (no grouping), trailing zeros trimmed to minDecimals. */
function plainScaled(mag: bigint, decimals: number, minDecimals: number): string {
  const unit = 10n ** BigInt(decimals);
  const intDigits = (mag / unit).toString();
  let frac = (mag % unit).toString().padStart(decimals, '0');
  let end = frac.length;
  while (end > minDecimals && frac[end - 1] === '0') end--;
  frac = frac.slice(0, end);
  return intDigits + (frac ? `.${frac}` : '');
}

/** Render |units| / 10^decimals with thousands separators, trailing zeros trimmed to minDecimals. */
function renderScaled(mag: bigint, decimals: number, minDecimals: number): string {
  const plain = plainScaled(mag, decimals, minDecimals);
  const dot = plain.indexOf('.');
  return dot < 0 ? groupThousands(plain) : groupThousands(plain.slice(0, dot)) + plain.slice(dot);
}

/**
 * Render nano-USD for people. Default: cents, half-up (away from zero), thousands separators,
 * "-$1,234.57" for negatives. An amount that is not zero but rounds to $0.00 renders as
 * "<$0.01" ("-<$0.01" if negative) so a real cost never looks free.
 * With `cents: false` it renders like formatUsdExact.
 */
export function formatUsd(nusd: number | bigint, opts: { cents?: boolean } = {}): string {
  if (opts.cents === false) return formatUsdExact(nusd);
  const n = checkNusd(nusd);
  const neg = n < 0n;
  const mag = neg ? -n : n;
  const cents = (mag + 5_000_000n) / 10_000_000n; // 1 cent = 10,000,000 nusd; half-up
  const sign = neg ? '-' : '';
  if (cents === 0n && mag !== 0n) return `${sign}<$0.01`;
  return `${sign}$${renderScaled(cents, 2, 2)}`;
}

/** Render nano-USD with all 9 decimals, trailing zeros trimmed to at least cents: "$0.000001234", "$1.50". */
export function formatUsdExact(nusd: number | bigint): string {
  const n = checkNusd(nusd);
  const neg = n < 0n;
  return `${neg ? '-' : ''}$${renderScaled(neg ? -n : n, 9, 2)}`;
}

/**
 * Nano-USD as a machine-readable decimal of US dollars, exact to 1e-9: a dot, no grouping, no
 * currency sign, at least cents ("2000.00", "-0.000001234", "8999999.999999991"). For CSV and
 * other files read by programs, where "2,000.00" would split a cell.
 */
export function formatUsdDecimal(nusd: number | bigint): string {
  const n = checkNusd(nusd);
  const neg = n < 0n;
  return `${neg ? '-' : ''}${plainScaled(neg ? -n : n, 9, 2)}`;
}

/** Render an integer rate as USD per 1M tokens, exact: 2800 -> "$0.0028", 1200000 -> "$1.20". */
export function formatRate(rate: number): string {
  if (!Number.isSafeInteger(rate) || rate < 0) throw new RangeError(`expected a non-negative integer rate, got ${rate}`);
  return `$${renderScaled(BigInt(rate), 6, 2)}`;
}
