// A catalog source's entry as a price version of the config's shape (src/config/schema.ts
// priceVersionSchema), so an applied proposal is an ordinary price version; and whether two
// versions bill the same. Pure.
import type { PerMillion, PriceVersionInput } from '../../../config/schema.js';
import type { PriceVersion, Rates } from '../../../domain/catalog/types.js';
import type { SourceEntry, SourceRates } from '../sources/types.js';

// Integer rates are pico-USD per token = micro-USD per million: one division gives the decimal
// USD-per-million a person would write (150000 -> 0.15), read back exactly by usdPerMillionToRate.
const usdPerMillion = (rate: number): number => rate / 1e6;

/** Source rates -> per_million; a component the source leaves out stays out (the catalog's defaults apply). */
function perMillionOf(r: SourceRates, base?: PerMillion): PerMillion | null {
  const input = r.input ?? base?.input;
  const output = r.output ?? base?.output;
  if (input === undefined || output === undefined || input === null || output === null) return null;
  const pm: PerMillion = { input: r.input === null ? input : usdPerMillion(r.input), output: r.output === null ? output : usdPerMillion(r.output) };
  if (r.cached_input !== null) pm.cached_input = usdPerMillion(r.cached_input);
  else if (base?.cached_input !== undefined) pm.cached_input = base.cached_input;
  if (r.cache_write !== null) pm.cache_write = usdPerMillion(r.cache_write);
  else if (base?.cache_write !== undefined) pm.cache_write = base.cache_write;
  if (r.reasoning_output !== null) pm.reasoning_output = usdPerMillion(r.reasoning_output);
  return pm;
}

/** Where a proposed version came from, as its `source` text. */
export function provenanceOf(e: SourceEntry): string {
  const checked = e.checked_at === null ? '' : `, checked ${e.checked_at}`;
  return `${e.source} (${e.source_key}), fetched ${e.fetched_at}${checked}`;
}

/**
 * The entry's current price as a version effective at `effective`, or null when the source does
 * not price it (input or output unknown). A tier or window without its own input/output price
 * takes the base's. Window-level tiers have no place in the config shape and are left out.
 */
export function versionFromEntry(e: SourceEntry, effective: string): PriceVersionInput | null {
  const per_million = perMillionOf(e.rates);
  if (!per_million) return null;
  const v: PriceVersionInput = { effective, per_million, source: provenanceOf(e) };
  // The source's own date when it gives a day or month, else the day it was fetched.
  const checked = e.checked_at !== null && /^\d{4}-\d{2}(-\d{2})?$/.test(e.checked_at) ? e.checked_at : e.fetched_at.slice(0, 10);
  v.checked = checked;
  const tiers = e.tiers.flatMap((t) => {
    const pm = perMillionOf(t, per_million);
    if (!pm) return [];
    // `at_least` must be positive: an inclusive boundary at 0 is every prompt, i.e. `above: 0` minus the empty one.
    return [t.inclusive && t.above > 0 ? { at_least: t.above, ...pm } : { above: t.above, ...pm }];
  });
  if (tiers.length) v.tiers = tiers;
  const windows = e.windows.flatMap((w) => {
    const pm = perMillionOf(w.rates, per_million);
    return pm ? [{ utc: w.utc, per_million: pm }] : [];
  });
  if (windows.length) v.windows = windows;
  if (e.per_request_nusd !== null && e.per_request_nusd > 0) v.per_request = e.per_request_nusd / 1e9;
  return v;
}

/** Integer rates back to per_million (what `prices list` shows as `previous`). */
export function perMillionFromRates(r: Rates): PerMillion {
  const pm: PerMillion = { input: usdPerMillion(r.input), output: usdPerMillion(r.output) };
  if (r.cached_input !== r.input) pm.cached_input = usdPerMillion(r.cached_input);
  if (r.cache_write !== r.input) pm.cache_write = usdPerMillion(r.cache_write);
  if (r.reasoning_output !== null) pm.reasoning_output = usdPerMillion(r.reasoning_output);
  if (r.thinking_output !== null) pm.thinking_output = usdPerMillion(r.thinking_output);
  return pm;
}

/** What a version bills, as text: equal for two versions that bill every request the same. */
export const termsOf = (v: PriceVersion): string =>
  JSON.stringify([v.base, v.tiers.map((t) => [t.above, t.inclusive, t.rates]), v.windows.map((w) => [w.fromMinute, w.toMinute, w.days, w.skipsHolidays, w.rates]), v.holidays, v.perRequestNusd]);

/** Whether two versions bill every request the same (their dates and provenance aside). */
export function sameTerms(a: PriceVersion, b: PriceVersion): boolean {
  return termsOf(a) === termsOf(b);
}
