// The normalisers, one per source format (openrouter.ts, litellm.ts, models-dev.ts,
// genai-prices.ts: pure, a parsed document -> SourceEntry[]), provider /models listings, and the
// recognition of a saved document's format (`routeops catalog diff`).
import { isJsonObject } from '../../../domain/json.js';
import { normalizeGenaiPrices } from './genai-prices.js';
import { normalizeLiteLLM } from './litellm.js';
import type { NormalizeContext } from './mapping.js';
import { normalizeModelsDev } from './models-dev.js';
import { normalizeOpenRouter } from './openrouter.js';
import { NO_RATES, sortEntries, type CatalogSourceName, type SourceEntry } from './types.js';

export { normalizeGenaiPrices, normalizeLiteLLM, normalizeModelsDev, normalizeOpenRouter };
export { parseExpiry, parseTokenPrice } from './parse.js';
export type { NormalizeContext } from './mapping.js';

/** The normaliser of each source format. */
export const NORMALIZERS: Readonly<Record<CatalogSourceName, (doc: unknown, ctx?: NormalizeContext) => SourceEntry[]>> = Object.freeze({
  openrouter: normalizeOpenRouter,
  litellm: normalizeLiteLLM,
  models_dev: normalizeModelsDev,
  genai_prices: normalizeGenaiPrices,
});

/** A provider's model ids -> presence-only entries (no prices, no context). Duplicates collapse. */
export function normalizeProviderModels(provider: string, ids: readonly string[], fetchedAt = new Date().toISOString()): SourceEntry[] {
  const seen = new Set<string>();
  const out: SourceEntry[] = [];
  for (const id of ids) {
    if (typeof id !== 'string' || id === '' || seen.has(id)) continue;
    seen.add(id);
    out.push({
      source: 'provider',
      provider,
      model: id,
      source_key: id,
      mapped: true,
      context: null,
      rates: { ...NO_RATES },
      priced: false,
      tiers: [],
      per_request_nusd: null,
      windows: [],
      effective_from: null,
      upcoming: [],
      expires_at: null,
      deprecated: false,
      fetched_at: fetchedAt,
      checked_at: null,
    });
  }
  return sortEntries(out);
}

export type DocFormat = CatalogSourceName;

const isProviderList = (doc: unknown[]) => doc.length > 0 && doc.every((p) => isJsonObject(p) && typeof p.id === 'string' && Array.isArray(p.models));

/**
 * OpenRouter when the document has a `data` array; genai-prices when it is a list of providers
 * with `models` lists; models.dev when it is an object of providers with `models` objects;
 * LiteLLM when it is an object of model objects.
 */
export function detectFormat(doc: unknown): DocFormat | null {
  if (Array.isArray(doc)) return isProviderList(doc) ? 'genai_prices' : null;
  if (!isJsonObject(doc)) return null;
  if (Array.isArray(doc.data)) return 'openrouter';
  const values = Object.entries(doc).filter(([k]) => k !== 'sample_spec');
  if (values.length === 0) return null;
  if (values.every(([, v]) => isJsonObject(v) && isJsonObject(v.models))) return 'models_dev';
  const modelLike = values.filter(([, v]) => isJsonObject(v) && ('litellm_provider' in v || 'input_cost_per_token' in v || 'max_input_tokens' in v || 'mode' in v));
  return modelLike.length * 2 >= values.length ? 'litellm' : null;
}

export function normalizeDocument(doc: unknown, format: DocFormat, ctx: NormalizeContext = {}): SourceEntry[] {
  return NORMALIZERS[format](doc, ctx);
}
