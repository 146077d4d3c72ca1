// models.dev's api.json -> entries (test/fixtures/catalog/FORMATS.md §1).
import { isJsonObject } from '../../../domain/json.js';
import { mapEntries, type NormalizeContext, type RawEntry } from './mapping.js';
import { parseMillionPrice, parseSourceDay, positiveInt } from './parse.js';
import { CatalogSourceError, NO_RATES, type SourceEntry, type SourceRates, type SourceTier } from './types.js';

/** `cost` fields, USD per 1M tokens (audio prices are left out: routeops sends text). */
function costRates(c: Record<string, unknown>): SourceRates {
  return {
    input: parseMillionPrice(c.input),
    cached_input: parseMillionPrice(c.cache_read),
    cache_write: parseMillionPrice(c.cache_write),
    output: parseMillionPrice(c.output),
    reasoning_output: parseMillionPrice(c.reasoning),
  };
}

/**
 * `cost.tiers: [{…cost, tier:{type:"context", size}}]`, else the older `cost.context_over_200k`
 * (one tier above 200,000 prompt tokens; models.dev also writes it beside `tiers` for a single
 * tier of 200k or more, even at 256k, so `tiers` wins). A tier applies to prompts of more than
 * `size` tokens, as the providers bill them (Alibaba: "256K < tokens <= 1M"). Tiers of another
 * type than "context" are left out: there are none, and they would not be prompt-size tiers.
 */
function costTiers(c: Record<string, unknown>): SourceTier[] {
  const out: SourceTier[] = [];
  if (Array.isArray(c.tiers)) {
    for (const t of c.tiers) {
      if (!isJsonObject(t) || !isJsonObject(t.tier)) continue;
      const type = t.tier.type ?? 'context';
      const size = t.tier.size;
      if (type !== 'context' || typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) continue;
      out.push({ above: size, inclusive: false, ...costRates(t) });
    }
  } else if (isJsonObject(c.context_over_200k)) {
    out.push({ above: 200_000, inclusive: false, ...costRates(c.context_over_200k) });
  }
  return out.sort((a, b) => a.above - b.above);
}

/**
 * `{"<provider>": {id, env, npm, api?, name, doc, models: {"<model>": {id, cost?, limit, status?,
 * last_updated, …}}}}` -> entries keyed "<provider>/<model>". A model without `cost` is not
 * priced; `status: "deprecated"` marks it deprecated; `last_updated` is its own date.
 */
export function normalizeModelsDev(doc: unknown, ctx: NormalizeContext = {}): SourceEntry[] {
  if (!isJsonObject(doc)) throw new CatalogSourceError('not a models.dev api.json: expected an object of providers ({"<provider>": {"id", "models": {…}}})');
  const raws: RawEntry[] = [];
  let providers = 0;
  for (const [providerId, p] of Object.entries(doc)) {
    if (!isJsonObject(p) || !isJsonObject(p.models)) continue;
    providers++;
    for (const [modelId, m] of Object.entries(p.models)) {
      if (!isJsonObject(m) || modelId === '') continue;
      const cost = isJsonObject(m.cost) ? m.cost : null;
      const limit = isJsonObject(m.limit) ? m.limit : {};
      raws.push({
        source_provider: providerId,
        source_model: modelId,
        source_key: `${providerId}/${modelId}`,
        preference: 0,
        context: positiveInt(limit.input) ?? positiveInt(limit.context),
        rates: cost ? costRates(cost) : { ...NO_RATES },
        tiers: cost ? costTiers(cost) : [],
        per_request_nusd: null,
        windows: [],
        effective_from: null,
        upcoming: [],
        expires_at: null,
        deprecated: m.status === 'deprecated',
        checked_at: parseSourceDay(m.last_updated),
      });
    }
  }
  if (providers === 0) throw new CatalogSourceError('not a models.dev api.json: no provider with a "models" object');
  return mapEntries('models_dev', raws, ctx);
}
