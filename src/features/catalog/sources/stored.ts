// Entries read back from the store (src/store/catalog-snapshots.ts keeps them as JSON). A row
// written before the fields of issue 13 (cache write, per-request fee, windows, dated prices,
// lifecycle, provenance) gets them as "not given" and is marked `legacy`, so the detection
// compares it with the next fetch on the fields it had (price-changes.ts) instead of announcing
// every newly read field as a change.
import { isJsonObject } from '../../../domain/json.js';
import { DEFAULT_PROVIDER_MAP } from './mapping.js';
import { NO_RATES, isPriced, type SourceEntry, type SourceKind, type SourceRates, type SourceTier } from './types.js';

const LITELLM_MAPPED = new Set(Object.values(DEFAULT_PROVIDER_MAP.litellm));

/** Whether stored data has the current shape (every entry written since carries its fetch time). */
const isCurrent = (d: Record<string, unknown>): boolean => typeof d.fetched_at === 'string' && isJsonObject(d.rates) && 'cache_write' in d.rates;

/**
 * Stored entry data -> SourceEntry. `fetchedAt` is the time the stored row stands for (the
 * listing's fetch, the state's last fetch): a current entry is given it when `restamp` is set, a
 * legacy one always (it kept none).
 */
export function entryFromStored(data: unknown, fetchedAt: string, restamp = false): SourceEntry {
  const d = isJsonObject(data) ? data : {};
  if (isCurrent(d)) return restamp ? { ...(d as unknown as SourceEntry), fetched_at: fetchedAt } : (d as unknown as SourceEntry);
  const old = d as { source?: SourceKind; provider?: string; model?: string; context?: number | null; rates?: Partial<SourceRates>; expires_at?: string | null; tiers?: Array<Partial<SourceTier>> };
  const source = old.source ?? 'provider';
  const provider = old.provider ?? '';
  const model = old.model ?? '';
  const rates: SourceRates = { ...NO_RATES, ...old.rates };
  return {
    source,
    provider,
    model,
    source_key: model,
    mapped: source !== 'litellm' || LITELLM_MAPPED.has(provider),
    context: old.context ?? null,
    rates,
    priced: isPriced(rates),
    tiers: (old.tiers ?? []).map((t) => ({ ...NO_RATES, inclusive: false, above: 0, ...t })),
    per_request_nusd: null,
    windows: [],
    effective_from: null,
    upcoming: [],
    expires_at: old.expires_at ?? null,
    deprecated: false,
    fetched_at: fetchedAt,
    checked_at: null,
    legacy: true,
  };
}
