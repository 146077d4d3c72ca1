// What each catalog source says a (provider, model) costs, beside the price in force: the latest
// entry each source accepted (price-changes.ts: a change counts once it held across two fetches),
// for /models and its JSON (docs/ARCHITECTURE.md §3.1 `models`). Only the price catalogs
// (OpenRouter, LiteLLM, models.dev, genai-prices) and only entries mapped to a routeops provider;
// a provider's own /models lists names, not prices.
import type { CatalogSnapshotStore } from '../../store/catalog-snapshots.js';
import type { PriceVersion } from '../../domain/catalog/types.js';
import { CATALOG_SOURCES } from '../../config/schema.js';
import { entryFromStored } from './sources/stored.js';
import { entryKey, type SourceEntry } from './sources/types.js';

export interface SourceSays {
  /** The source's name: openrouter, litellm, models_dev, genai_prices. */
  source: string;
  entry: SourceEntry;
  /** The source's last accepted fetch (ISO-8601 UTC). */
  fetched_at: string;
}

/** Per (provider, model) key (entryKey), what each source says, sources in name order. */
export type SourcePrices = Map<string, SourceSays[]>;

const PRICE_SOURCES: ReadonlySet<string> = new Set(CATALOG_SOURCES);

export async function sourcePricesOf(store: CatalogSnapshotStore, models: ReadonlyArray<{ provider: string; model: string }>): Promise<SourcePrices> {
  const out: SourcePrices = new Map();
  for (const a of await store.acceptedOf(models)) {
    if (!PRICE_SOURCES.has(a.source)) continue;
    const entry = entryFromStored(a.data, a.last_fetch_at);
    if (!entry.mapped) continue;
    const key = entryKey(a.provider, a.model);
    out.set(key, [...(out.get(key) ?? []), { source: a.source, entry, fetched_at: a.last_fetch_at }]);
  }
  return out;
}

/** What /models compares: input, cached input (a source without one bills hits as input) and output. Null: not priced. */
function headline(e: SourceEntry): [number, number, number] | null {
  const { input, cached_input, output } = e.rates;
  return input === null || output === null ? null : [input, cached_input ?? input, output];
}

/**
 * Whether the sources' entries disagree with the price in force (its base prices: input, cached
 * input, output) or with each other. A source that does not price the model says nothing here,
 * unless routeops has no price either way; a source pricing a model routeops does not is a
 * disagreement.
 */
export function sourcesDisagree(price: PriceVersion | null, says: readonly SourceSays[]): boolean {
  const ours = price ? ([price.base.input, price.base.cached_input, price.base.output] as const) : null;
  const theirs = says.map((s) => headline(s.entry)).filter((h) => h !== null);
  if (theirs.length === 0) return false;
  if (ours === null) return true;
  return theirs.some((h) => h.some((rate, i) => rate !== ours[i]));
}

/** USD per million, as JSON money is (rates are integer micro-USD per million, §4). */
const perMillion = (rate: number | null): number | null => (rate === null ? null : rate / 1e6);

/** The `sources` of a `models --json` entry. */
export function sourcesJson(says: readonly SourceSays[]) {
  return says.map((s) => {
    const r = s.entry.rates;
    return {
      source: s.source,
      per_million: s.entry.priced
        ? { input: perMillion(r.input), cached_input: perMillion(r.cached_input), cache_write: perMillion(r.cache_write), output: perMillion(r.output), reasoning_output: perMillion(r.reasoning_output) }
        : null,
      checked_at: s.entry.checked_at,
      fetched_at: s.fetched_at,
    };
  });
}
