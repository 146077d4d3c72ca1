// Pure normalisers: a parsed source document -> SourceEntry[]. No I/O.
import { isJsonObject } from '../../../domain/json.js';
import { isDayForm } from '../../../domain/time/iso.js';
import { usdPerTokenToRate } from '../../../domain/money/units.js';
import {
  CatalogSourceError,
  NO_RATES,
  entryKey,
  sortEntries,
  type SourceEntry,
  type SourceRates,
  type SourceTier,
} from './types.js';

/**
 * A USD-per-token price (string or number) -> integer rate, or null when the source gives no
 * usable price: missing, empty, negative (OpenRouter uses "-1" for "varies", e.g. openrouter/auto),
 * or not a number. "0" stays 0 (free).
 */
export function parseTokenPrice(value: unknown): number | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  if (typeof value === 'string' && value.trim() === '') return null;
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  try {
    return usdPerTokenToRate(value);
  } catch {
    return null; // negative, not decimal, or out of range
  }
}

function positiveInt(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : null;
}

/**
 * "2026-01-15" / ISO text -> ISO-8601 UTC; a bare date is the start of that day UTC. Other text
 * is read by Date.parse (lenient: a source's date is taken where it can be read); unreadable
 * text is no expiry, not a rejected document.
 */
export function parseExpiry(v: unknown): string | null {
  if (typeof v !== 'string' || v.trim() === '') return null;
  const text = v.trim();
  const ms = isDayForm(text) ? Date.parse(`${text}T00:00:00.000Z`) : Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

const isPriced = (r: SourceRates): boolean => r.input !== null && r.output !== null;

// ---------------------------------------------------------------------------------------------
// OpenRouter GET /api/v1/models

/**
 * OpenRouter `{data:[{id, context_length, pricing:{prompt, completion, input_cache_read,
 * internal_reasoning, …}, expiration_date, top_provider}]}` -> entries under provider
 * 'openrouter', model = id. `internal_reasoning` "0" (the value nearly every model carries)
 * means "no separate reasoning price" on OpenRouter, so it maps to null (billed as output),
 * not to free reasoning; only a non-zero value is kept.
 */
export function normalizeOpenRouter(doc: unknown): SourceEntry[] {
  if (!isJsonObject(doc) || !Array.isArray(doc.data)) throw new CatalogSourceError('not an OpenRouter /models response: no "data" array');
  const byKey = new Map<string, SourceEntry>();
  for (const item of doc.data) {
    if (!isJsonObject(item) || typeof item.id !== 'string' || item.id === '') continue;
    const pricing = isJsonObject(item.pricing) ? item.pricing : {};
    const reasoning = parseTokenPrice(pricing.internal_reasoning);
    const rates: SourceRates = {
      input: parseTokenPrice(pricing.prompt),
      cached_input: parseTokenPrice(pricing.input_cache_read),
      output: parseTokenPrice(pricing.completion),
      reasoning_output: reasoning === 0 ? null : reasoning,
    };
    const top = isJsonObject(item.top_provider) ? item.top_provider : {};
    byKey.set(entryKey('openrouter', item.id), {
      source: 'openrouter',
      provider: 'openrouter',
      model: item.id,
      context: positiveInt(item.context_length) ?? positiveInt(top.context_length),
      rates,
      priced: isPriced(rates),
      expires_at: parseExpiry(item.expiration_date),
      tiers: [],
    });
  }
  return sortEntries([...byKey.values()]);
}

// ---------------------------------------------------------------------------------------------
// LiteLLM model_prices_and_context_window.json

/** LiteLLM provider names -> routeops provider names, where they are the same service. */
export const LITELLM_PROVIDER_MAP: Readonly<Record<string, string>> = Object.freeze({
  deepseek: 'deepseek',
  dashscope: 'qwen-intl',
  moonshot: 'moonshot',
  zai: 'zai',
  openrouter: 'openrouter',
});

const ABOVE_RE = /^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost)_above_(\d+)k_tokens$/;

function litellmTiers(v: Record<string, unknown>): { tiers: SourceTier[]; first: SourceTier | null } {
  const byAbove = new Map<number, SourceTier>();
  const tier = (above: number): SourceTier => {
    let t = byAbove.get(above);
    if (!t) byAbove.set(above, (t = { above, input: null, cached_input: null, output: null }));
    return t;
  };
  // `tiered_pricing: [{input_cost_per_token, output_cost_per_token, cache_read_input_token_cost?, range:[lo, hi]}]`
  if (Array.isArray(v.tiered_pricing)) {
    for (const t of v.tiered_pricing) {
      if (!isJsonObject(t) || !Array.isArray(t.range)) continue;
      const lo = t.range[0];
      if (typeof lo !== 'number' || !Number.isSafeInteger(lo) || lo < 0) continue;
      const x = tier(lo);
      x.input = parseTokenPrice(t.input_cost_per_token);
      x.output = parseTokenPrice(t.output_cost_per_token);
      x.cached_input = parseTokenPrice(t.cache_read_input_token_cost);
    }
  }
  // `input_cost_per_token_above_200k_tokens`-style keys.
  for (const [k, val] of Object.entries(v)) {
    const m = ABOVE_RE.exec(k);
    if (!m) continue;
    const x = tier(Number(m[2]) * 1000);
    const rate = parseTokenPrice(val);
    if (m[1] === 'input_cost_per_token') x.input = rate;
    else if (m[1] === 'output_cost_per_token') x.output = rate;
    else x.cached_input = rate;
  }
  const sorted = [...byAbove.values()].sort((a, b) => a.above - b.above);
  // A range starting at 0 is the base price, not a tier.
  const first = sorted[0]?.above === 0 ? sorted[0] : null;
  return { tiers: sorted.filter((t) => t.above > 0), first };
}

/**
 * LiteLLM's map `{ "<provider>/<model>" | "<model>": {litellm_provider, input_cost_per_token,
 * output_cost_per_token, cache_read_input_token_cost, output_cost_per_reasoning_token,
 * max_input_tokens, deprecation_date, tiered_pricing, …} }` -> entries. The provider is
 * `litellm_provider` (else the key's first segment) mapped by LITELLM_PROVIDER_MAP; the model is
 * the key without its "<litellm_provider>/" prefix. When two keys name the same (provider, model)
 * ("deepseek-chat" and "deepseek/deepseek-chat"), the key with the explicit prefix wins.
 * `sample_spec` is skipped. Entries without token prices (images, audio) are kept, not priced.
 */
export function normalizeLiteLLM(doc: unknown): SourceEntry[] {
  if (!isJsonObject(doc)) throw new CatalogSourceError('not a LiteLLM price map: expected a JSON object of models');
  const byKey = new Map<string, { entry: SourceEntry; prefixed: boolean }>();
  for (const [key, v] of Object.entries(doc)) {
    if (key === 'sample_spec' || !isJsonObject(v)) continue;
    const slash = key.indexOf('/');
    const raw = typeof v.litellm_provider === 'string' && v.litellm_provider !== '' ? v.litellm_provider : slash > 0 ? key.slice(0, slash) : 'unknown';
    const prefixed = key.startsWith(`${raw}/`);
    const model = prefixed ? key.slice(raw.length + 1) : key;
    const provider = LITELLM_PROVIDER_MAP[raw] ?? raw;
    const { tiers, first } = litellmTiers(v);
    const rates: SourceRates = {
      input: parseTokenPrice(v.input_cost_per_token) ?? first?.input ?? null,
      cached_input: parseTokenPrice(v.cache_read_input_token_cost) ?? parseTokenPrice(v.input_cost_per_token_cache_hit) ?? first?.cached_input ?? null,
      output: parseTokenPrice(v.output_cost_per_token) ?? first?.output ?? null,
      reasoning_output: parseTokenPrice(v.output_cost_per_reasoning_token),
    };
    const entry: SourceEntry = {
      source: 'litellm',
      provider,
      model,
      context: positiveInt(v.max_input_tokens),
      rates,
      priced: isPriced(rates),
      expires_at: parseExpiry(v.deprecation_date),
      tiers,
    };
    const k = entryKey(provider, model);
    const prev = byKey.get(k);
    if (!prev || (prefixed && !prev.prefixed)) byKey.set(k, { entry, prefixed });
  }
  return sortEntries([...byKey.values()].map((x) => x.entry));
}

// ---------------------------------------------------------------------------------------------
// Provider GET /models

/** A provider's model ids -> presence-only entries (no prices, no context). Duplicates collapse. */
export function normalizeProviderModels(provider: string, ids: readonly string[]): SourceEntry[] {
  const seen = new Set<string>();
  const out: SourceEntry[] = [];
  for (const id of ids) {
    if (typeof id !== 'string' || id === '' || seen.has(id)) continue;
    seen.add(id);
    out.push({ source: 'provider', provider, model: id, context: null, rates: { ...NO_RATES }, priced: false, expires_at: null, tiers: [] });
  }
  return sortEntries(out);
}

// ---------------------------------------------------------------------------------------------
// Format detection (saved responses given to `catalog diff`)

export type DocFormat = 'openrouter' | 'litellm';

/** OpenRouter when the document has a `data` array; LiteLLM when it is an object of model objects. */
export function detectFormat(doc: unknown): DocFormat | null {
  if (!isJsonObject(doc)) return null;
  if (Array.isArray(doc.data)) return 'openrouter';
  const values = Object.entries(doc).filter(([k]) => k !== 'sample_spec');
  if (values.length === 0) return null;
  const modelLike = values.filter(([, v]) => isJsonObject(v) && ('litellm_provider' in v || 'input_cost_per_token' in v || 'max_input_tokens' in v || 'mode' in v));
  return modelLike.length * 2 >= values.length ? 'litellm' : null;
}

export function normalizeDocument(doc: unknown, format: DocFormat): SourceEntry[] {
  return format === 'openrouter' ? normalizeOpenRouter(doc) : normalizeLiteLLM(doc);
}
