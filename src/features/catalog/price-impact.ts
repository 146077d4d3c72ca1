// What a price change costs: the last 30 days' token volume of a model priced at the old and at
// the new rates, in nano-USD (docs/ARCHITECTURE.md §4: integer money).
import { picoToNusd } from '../../domain/money/units.js';
import type { SourceRates, SourceEntry } from './sources/types.js';

/** Tokens used by a (provider, model) over the last 30 days (ledger: spendRollup('model', …) sums). */
export interface Volume {
  input_tokens: number;
  /** Part of input_tokens. */
  cached_input_tokens: number;
  output_tokens: number;
}
export type VolumeLookup = (provider: string, model: string) => Volume | null;

export interface MonthlyImpact {
  volume: Volume;
  /** nano-USD at the old / new price; null = not priced on that side. */
  old_nusd: number | null;
  new_nusd: number | null;
  delta_nusd: number | null;
}

/** Cost in nano-USD of `v` at rates `r` (cache hits at the cache price, else input); null if not priced. */
export function costNusd(r: SourceRates, priced: boolean, v: Volume): number | null {
  if (!priced || r.input === null || r.output === null) return null;
  const input = Math.max(0, Math.trunc(v.input_tokens));
  const cached = Math.min(input, Math.max(0, Math.trunc(v.cached_input_tokens)));
  const output = Math.max(0, Math.trunc(v.output_tokens));
  const pico = BigInt(input - cached) * BigInt(r.input) + BigInt(cached) * BigInt(r.cached_input ?? r.input) + BigInt(output) * BigInt(r.output);
  return Number(picoToNusd(pico));
}

/** Monthly (= last 30 days' volume) cost at the old and the new price. */
export function monthlyImpact(oldEntry: SourceEntry | null, newEntry: SourceEntry | null, volume: Volume | null): MonthlyImpact | null {
  if (!volume || volume.input_tokens + volume.output_tokens <= 0) return null;
  const o = oldEntry ? costNusd(oldEntry.rates, oldEntry.priced, volume) : null;
  const n = newEntry ? costNusd(newEntry.rates, newEntry.priced, volume) : null;
  return { volume, old_nusd: o, new_nusd: n, delta_nusd: o !== null && n !== null ? n - o : null };
}
