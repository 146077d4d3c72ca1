// cost = f(usage, price version, time), in integers only: tokens x rate (pico-USD) summed as
// BigInt, rounded once to nano-USD. The same row always costs the same, on any machine.
import { picoToNusd, usdToNusd } from './units.js';
import type { Catalog } from '../catalog/catalog.js';
import type { PriceVersion, Rates } from '../catalog/types.js';

export interface UsageForCost {
  tsMs: number;
  /** ALL prompt tokens, cached ones included. */
  input_tokens: number;
  cached_input_tokens: number;
  /** The part of the prompt written to the provider's cache (not the cached part); default 0. */
  cache_write_tokens?: number;
  /** ALL completion tokens, reasoning included. */
  output_tokens: number;
  reasoning_tokens: number;
  thinking: boolean;
}

export interface CostOf {
  nusd: number;
  /** `above` of the tier that applied, or null (base or window price). */
  tier: number | null;
  /** Spec ("01:00-04:00") of the time window that applied, or null. */
  window: string | null;
}

const DAY_MS = 86_400_000;

/** UTC minute of the day (0..1439), also for instants before 1970. */
export function utcMinuteOfDay(tsMs: number): number {
  return Math.floor((((tsMs % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
}

/** Sorted ascending: is `day` in it? (A calendar has a few dozen days.) */
function hasDay(sorted: readonly number[], day: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const d = sorted[mid]!;
    if (d === day) return true;
    if (d < day) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * The rates a request pays. A time window replaces the whole price for its minutes, so tiers do
 * not apply inside a window (no source prices a tier within a discount window; a config that
 * needs both can give the window the tier's rates). A schedule's window applies only on its UTC
 * weekdays and not on the version's holidays (DeepSeek: peak on weekday mornings, off-peak all
 * weekend and on Chinese public holidays). Otherwise the highest tier the prompt reaches applies
 * to the whole request, else the base.
 */
export function ratesFor(version: PriceVersion, tsMs: number, inputTokens: number): { rates: Rates; tier: number | null; window: string | null } {
  if (version.windows.length > 0) {
    const minute = utcMinuteOfDay(tsMs);
    const day = Math.floor(tsMs / DAY_MS);
    // 1970-01-01 was a Thursday (getUTCDay 4).
    const weekdayBit = 1 << ((((day + 4) % 7) + 7) % 7);
    for (const w of version.windows) {
      if (minute < w.fromMinute || minute >= w.toMinute || (w.days & weekdayBit) === 0) continue;
      if (w.skipsHolidays && hasDay(version.holidayDays, day)) continue;
      return { rates: w.rates, tier: null, window: w.spec };
    }
  }
  for (let i = version.tiers.length - 1; i >= 0; i--) {
    const t = version.tiers[i]!;
    if (t.inclusive ? inputTokens >= t.above : inputTokens > t.above) return { rates: t.rates, tier: t.above, window: null };
  }
  return { rates: version.base, tier: null, window: null };
}

function count(n: number, name: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
  return n;
}

function clamp(n: number, max: number, name: string): number {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${name} must be an integer, got ${n}`);
  return n < 0 ? 0 : n > max ? max : n;
}

export function costOf(usage: UsageForCost, version: PriceVersion): CostOf {
  if (!Number.isFinite(usage.tsMs)) throw new RangeError(`tsMs must be a finite time, got ${usage.tsMs}`);
  const input = count(usage.input_tokens, 'input_tokens');
  const output = count(usage.output_tokens, 'output_tokens');
  // Providers occasionally report more cached than prompt (or reasoning than completion)
  // tokens; the totals are the billed truth, so the parts are clamped into them.
  const cached = clamp(usage.cached_input_tokens, input, 'cached_input_tokens');
  const written = clamp(usage.cache_write_tokens ?? 0, input - cached, 'cache_write_tokens');
  const reasoning = clamp(usage.reasoning_tokens, output, 'reasoning_tokens');

  const { rates, tier, window } = ratesFor(version, usage.tsMs, input);

  let pico = BigInt(input - cached - written) * BigInt(rates.input) + BigInt(cached) * BigInt(rates.cached_input) + BigInt(written) * BigInt(rates.cache_write);
  if (usage.thinking && rates.thinking_output !== null) {
    // Thinking mode has its own price for all output, answer and reasoning alike.
    pico += BigInt(output) * BigInt(rates.thinking_output);
  } else if (rates.reasoning_output !== null) {
    pico += BigInt(reasoning) * BigInt(rates.reasoning_output) + BigInt(output - reasoning) * BigInt(rates.output);
  } else {
    pico += BigInt(output) * BigInt(rates.output);
  }
  // The per-call fee is billed on calls that used tokens (a refused call is not billed).
  if (version.perRequestNusd > 0 && (input > 0 || output > 0)) pico += BigInt(version.perRequestNusd) * 1000n;
  const nano = picoToNusd(pico);
  if (nano > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`cost out of range: ${nano} nano-USD`);
  return { nusd: Number(nano), tier, window };
}

/**
 * Cost of a usage row by the version in force at its time. Not priced -> both null: an
 * unpriced row is reported as such, never counted as $0.
 */
export function priceUsage(
  catalog: Catalog,
  provider: string,
  model: string,
  usage: UsageForCost,
): { cost_nusd: number | null; price_version: string | null } {
  const version = catalog.priceAt(provider, model, usage.tsMs);
  // A call that used no tokens (a failed attempt, a GET /models) costs nothing whatever the price.
  if (!version) return usage.input_tokens === 0 && usage.output_tokens === 0 ? { cost_nusd: 0, price_version: null } : { cost_nusd: null, price_version: null };
  return { cost_nusd: costOf(usage, version).nusd, price_version: version.id };
}

/** The priced fields of a usage row; the ledger's UsageInput extends it (money stays independent). */
export interface CostedRow {
  provider: string;
  model: string;
  /** All prompt tokens, cached ones included. */
  input_tokens: number;
  /** The cached part of input_tokens (<= input_tokens). */
  cached_input_tokens: number;
  /** The part of input_tokens written to the cache (disjoint from the cached part). Default 0. */
  cache_write_tokens?: number;
  /** All completion tokens, reasoning included. */
  output_tokens: number;
  /** The reasoning part of output_tokens (<= output_tokens). */
  reasoning_tokens: number;
  /** Thinking mode was on (some providers price it differently). Default false. */
  thinking?: boolean;
  /**
   * How far the counts can be trusted (UsageStatus, src/domain/usage-rows/rows.ts): 'missing' and
   * 'invalid' mean they are unknown, so the row is not priced from them.
   */
  usage_status?: 'ok' | 'missing' | 'invalid' | 'estimated';
  /**
   * Cost the provider reported, US dollars, as given: a decimal string (CSV, or a JSON string)
   * or a JSON number. Converted once, exactly, to nano-USD.
   */
  cost_usd?: string | number;
}

export function usageForCost(row: CostedRow, tsMs: number): UsageForCost {
  return {
    tsMs,
    input_tokens: row.input_tokens,
    cached_input_tokens: row.cached_input_tokens,
    cache_write_tokens: row.cache_write_tokens ?? 0,
    output_tokens: row.output_tokens,
    reasoning_tokens: row.reasoning_tokens,
    thinking: row.thinking === true,
  };
}

/** What a row costs in reports: our price where known, else what the provider reported, else null (not priced). */
export function effectiveCost(catalog: Catalog, row: CostedRow, tsMs: number): number | null {
  const reported = row.cost_usd !== undefined && row.cost_usd !== null && row.cost_usd !== '' ? usdToNusd(row.cost_usd) : null;
  if (row.usage_status === 'missing' || row.usage_status === 'invalid') return reported;
  return ourCost(priceUsage(catalog, row.provider, row.model, usageForCost(row, tsMs)), reported) ?? reported;
}

/**
 * Our cost of a row (the ledger's cost_nusd), given its price and what the provider reported:
 * the price, except that $0 only because no tokens were counted, on a model we have no price
 * for, is no cost of ours when the provider billed the call (its bill then counts).
 */
export function ourCost(priced: { cost_nusd: number | null; price_version: string | null }, reportedNusd: number | null): number | null {
  return priced.price_version === null && priced.cost_nusd === 0 && reportedNusd !== null ? null : priced.cost_nusd;
}
