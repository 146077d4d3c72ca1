// OpenRouter GET /api/v1/models -> entries under provider 'openrouter' (test/fixtures/catalog/FORMATS.md).
import { isJsonObject } from '../../../domain/json.js';
import { mapEntries, type NormalizeContext, type RawEntry } from './mapping.js';
import { parseExpiry, parseRequestFee, parseTokenPrice, positiveInt } from './parse.js';
import { CatalogSourceError, type SourceEntry, type SourceRates } from './types.js';

/**
 * `{data:[{id, context_length, pricing:{prompt, completion, input_cache_read, input_cache_write,
 * internal_reasoning, request, …}, expiration_date, top_provider}]}` -> entries, model = id.
 * Prices are USD per token as strings; `request` is USD per request. `internal_reasoning` "0"
 * (the value nearly every model carries) means "no separate reasoning price" on OpenRouter, so it
 * maps to null (billed as output), not to free reasoning; only a non-zero value is kept.
 * `request` "0" is kept: OpenRouter says no fee is charged per request.
 */
export function normalizeOpenRouter(doc: unknown, ctx: NormalizeContext = {}): SourceEntry[] {
  if (!isJsonObject(doc) || !Array.isArray(doc.data)) throw new CatalogSourceError('not an OpenRouter /models response: no "data" array');
  const raws: RawEntry[] = [];
  for (const item of doc.data) {
    if (!isJsonObject(item) || typeof item.id !== 'string' || item.id === '') continue;
    const pricing = isJsonObject(item.pricing) ? item.pricing : {};
    const reasoning = parseTokenPrice(pricing.internal_reasoning);
    const rates: SourceRates = {
      input: parseTokenPrice(pricing.prompt),
      cached_input: parseTokenPrice(pricing.input_cache_read),
      cache_write: parseTokenPrice(pricing.input_cache_write),
      output: parseTokenPrice(pricing.completion),
      reasoning_output: reasoning === 0 ? null : reasoning,
    };
    const top = isJsonObject(item.top_provider) ? item.top_provider : {};
    raws.push({
      source_provider: 'openrouter',
      source_model: item.id,
      source_key: item.id,
      preference: 0,
      context: positiveInt(item.context_length) ?? positiveInt(top.context_length),
      rates,
      tiers: [],
      per_request_nusd: parseRequestFee(pricing.request),
      windows: [],
      effective_from: null,
      upcoming: [],
      expires_at: parseExpiry(item.expiration_date),
      deprecated: false,
      checked_at: null,
    });
  }
  return mapEntries('openrouter', raws, ctx);
}
