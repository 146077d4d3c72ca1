// LiteLLM's model_prices_and_context_window.json -> entries (test/fixtures/catalog/FORMATS.md §3).
import { isJsonObject } from '../../../domain/json.js';
import { mapEntries, type NormalizeContext, type RawEntry } from './mapping.js';
import { parseExpiry, parseTokenPrice, positiveInt } from './parse.js';
import { CatalogSourceError, NO_RATES, type SourceEntry, type SourceRates, type SourceTier } from './types.js';

/** LiteLLM's price fields (USD per token) -> our components. */
const FIELDS: ReadonlyArray<[string, keyof SourceRates]> = [
  ['input_cost_per_token', 'input'],
  ['cache_read_input_token_cost', 'cached_input'],
  ['cache_creation_input_token_cost', 'cache_write'],
  ['output_cost_per_token', 'output'],
  ['output_cost_per_reasoning_token', 'reasoning_output'],
];
const COMPONENT_OF = new Map(FIELDS);

// `input_cost_per_token_above_256k_tokens`-style keys; `_priority` / `_flex` variants end otherwise and are not prices of a plain request.
const ABOVE_RE = /^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost|output_cost_per_reasoning_token)_above_(\d+)k_tokens$/;

function ratesOf(v: Record<string, unknown>): SourceRates {
  const r: SourceRates = { ...NO_RATES };
  for (const [field, component] of FIELDS) r[component] = parseTokenPrice(v[field]);
  return r;
}

/**
 * Tiers from `tiered_pricing: [{range:[start, end], input_cost_per_token, …}]` (the whole request
 * billed at the tier where start < prompt tokens <= end) and from `*_above_Nk_tokens` keys (all
 * tokens at the tier rate once prompt tokens > N·1000). Both are exclusive boundaries. A range
 * starting at 0 is the base price, returned apart.
 */
function litellmTiers(v: Record<string, unknown>): { tiers: SourceTier[]; first: SourceTier | null } {
  const keys = Object.keys(v);
  if (!Array.isArray(v.tiered_pricing) && !keys.some((k) => k.includes('_above_'))) return { tiers: [], first: null };
  const byAbove = new Map<number, SourceTier>();
  const tier = (above: number): SourceTier => {
    let t = byAbove.get(above);
    if (!t) byAbove.set(above, (t = { above, inclusive: false, ...NO_RATES }));
    return t;
  };
  if (Array.isArray(v.tiered_pricing)) {
    for (const t of v.tiered_pricing) {
      if (!isJsonObject(t) || !Array.isArray(t.range)) continue;
      const lo = t.range[0];
      if (typeof lo !== 'number' || !Number.isSafeInteger(lo) || lo < 0) continue;
      Object.assign(tier(lo), ratesOf(t));
    }
  }
  for (const k of keys) {
    const m = k.includes('_above_') ? ABOVE_RE.exec(k) : null;
    if (m) tier(Number(m[2]) * 1000)[COMPONENT_OF.get(m[1]!)!] = parseTokenPrice(v[k]);
  }
  const sorted = [...byAbove.values()].sort((a, b) => a.above - b.above);
  const first = sorted[0]?.above === 0 ? sorted[0] : null;
  return { tiers: sorted.filter((t) => t.above > 0), first };
}

/**
 * LiteLLM's map `{ "<provider>/<model>" | "<model>": {litellm_provider, input_cost_per_token,
 * output_cost_per_token, cache_read_input_token_cost, cache_creation_input_token_cost,
 * output_cost_per_reasoning_token, max_input_tokens, deprecation_date, tiered_pricing, …} }` ->
 * entries. The source provider is `litellm_provider` (else the key's first segment); the model is
 * the key without its "<litellm_provider>/" prefix. When two keys name the same model
 * ("deepseek-chat" and "deepseek/deepseek-chat"), the key with the explicit prefix wins.
 * `input_cost_per_token_cache_hit` (DeepSeek entries) is the cache price where
 * `cache_read_input_token_cost` is missing. `sample_spec` is skipped. Entries without token
 * prices (images, audio) are kept, not priced.
 */
export function normalizeLiteLLM(doc: unknown, ctx: NormalizeContext = {}): SourceEntry[] {
  if (!isJsonObject(doc)) throw new CatalogSourceError('not a LiteLLM price map: expected a JSON object of models');
  const raws: RawEntry[] = [];
  for (const [key, v] of Object.entries(doc)) {
    if (key === 'sample_spec' || !isJsonObject(v)) continue;
    const slash = key.indexOf('/');
    const provider = typeof v.litellm_provider === 'string' && v.litellm_provider !== '' ? v.litellm_provider : slash > 0 ? key.slice(0, slash) : 'unknown';
    const prefixed = key.startsWith(`${provider}/`);
    const { tiers, first } = litellmTiers(v);
    const own = ratesOf(v);
    own.cached_input ??= parseTokenPrice(v.input_cost_per_token_cache_hit);
    const rates: SourceRates = { ...NO_RATES };
    for (const [, c] of FIELDS) rates[c] = own[c] ?? first?.[c] ?? null;
    raws.push({
      source_provider: provider,
      source_model: prefixed ? key.slice(provider.length + 1) : key,
      source_key: key,
      preference: prefixed ? 1 : 0,
      context: positiveInt(v.max_input_tokens),
      rates,
      tiers,
      per_request_nusd: null,
      windows: [],
      effective_from: null,
      upcoming: [],
      expires_at: parseExpiry(v.deprecation_date),
      deprecated: false,
      checked_at: null,
    });
  }
  return mapEntries('litellm', raws, ctx);
}
