// pydantic's genai-prices data (v1 prices/data.json and v2 prices/new_data/v2/data.json, the same
// layout) -> entries (test/fixtures/catalog/FORMATS.md §2).
import { isJsonObject } from '../../../domain/json.js';
import { resolveConditionals, readConstraint, type Conditional } from './genai-conditions.js';
import { mapEntries, type NormalizeContext, type RawEntry } from './mapping.js';
import { parseKcountFee, parseMillionPrice, parseSourceDay, positiveInt } from './parse.js';
import { CatalogSourceError, NO_RATES, type SourceEntry, type SourcePrice, type SourceRates, type SourceTier } from './types.js';

/**
 * Our components and the `_mtok` keys giving them, first found wins: the plain key, then v2's
 * text-only one (and for cache writes the default 5-minute lifetime). Audio, image and search
 * prices are left out: routeops sends text.
 */
const KEYS: ReadonlyArray<[keyof SourceRates, readonly string[]]> = [
  ['input', ['input_mtok', 'input_text_mtok']],
  ['cached_input', ['cache_read_mtok', 'cache_text_read_mtok']],
  ['cache_write', ['cache_write_mtok', 'cache_write_5m_mtok', 'cache_text_write_mtok', 'cache_text_write_5m_mtok']],
  ['output', ['output_mtok', 'output_text_mtok']],
  ['reasoning_output', ['output_reasoning_mtok', 'output_text_reasoning_mtok']],
];

/** A value: a plain price, or tiered `{base, tiers:[{start, price}]}` (a rate per tier start). */
interface Value {
  base: number | null;
  tiers: Array<{ start: number; rate: number | null }>;
}

function readValue(v: unknown): Value | null {
  if (v === undefined || v === null) return null;
  if (!isJsonObject(v)) return { base: parseMillionPrice(v), tiers: [] };
  const tiers = Array.isArray(v.tiers) ? v.tiers : [];
  const out: Value = { base: parseMillionPrice(v.base), tiers: [] };
  for (const t of tiers) {
    const start = isJsonObject(t) ? t.start : undefined;
    if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0) return { base: null, tiers: [] }; // unreadable: unknown
    out.tiers.push({ start, rate: parseMillionPrice((t as Record<string, unknown>).price) });
  }
  out.tiers.sort((a, b) => a.start - b.start);
  return out;
}

/** The rate of a value for prompts just above `start`: its tier with the largest start <= it, else its base. */
function rateAt(v: Value, start: number): number | null {
  let rate = v.base;
  for (const t of v.tiers) if (t.start <= start) rate = t.rate;
  return rate;
}

/**
 * A ModelPrice -> SourcePrice. Tiered values are a cliff (once prompt tokens exceed `start`, the
 * tier's price applies to all of them), so each distinct start is one exclusive tier of the whole
 * request. `{}` is a free model (genai-prices allows no zero prices). Undefined when not an object.
 */
export function readModelPrice(p: unknown): SourcePrice | undefined {
  if (!isJsonObject(p)) return undefined;
  const per_request_nusd = parseKcountFee(p.requests_kcount);
  if (Object.keys(p).length === 0) return { rates: { ...NO_RATES, input: 0, output: 0 }, tiers: [], per_request_nusd };
  const values = new Map<keyof SourceRates, Value>();
  for (const [component, keys] of KEYS) {
    const key = keys.find((k) => p[k] !== undefined);
    const v = key === undefined ? null : readValue(p[key]);
    if (v) values.set(component, v);
  }
  const rates: SourceRates = { ...NO_RATES };
  for (const [c, v] of values) rates[c] = v.base;
  const starts = [...new Set([...values.values()].flatMap((v) => v.tiers.map((t) => t.start)))].sort((a, b) => a - b);
  const tiers: SourceTier[] = starts.map((start) => {
    const t: SourceTier = { above: start, inclusive: false, ...NO_RATES };
    for (const [c, v] of values) t[c] = rateAt(v, start);
    return t;
  });
  return { rates, tiers, per_request_nusd };
}

/** A model's `prices` (a ModelPrice or a list of ConditionalPrice) -> conditionals; undefined when unreadable. */
function readConditionals(prices: unknown): Conditional[] | undefined {
  if (!Array.isArray(prices)) {
    const price = readModelPrice(prices);
    return price && [{ constraint: null, price }];
  }
  const out: Conditional[] = [];
  for (const item of prices) {
    if (!isJsonObject(item)) return undefined;
    const constraint = readConstraint(item.constraint);
    const price = readModelPrice(item.prices);
    if (constraint === undefined || price === undefined) return undefined;
    out.push({ constraint, price });
  }
  return out.length > 0 ? out : undefined;
}

const unknownPrice = () => ({ rates: { ...NO_RATES }, tiers: [], per_request_nusd: null, windows: [], effective_from: null, upcoming: [] });

/**
 * `[{id, name, api_pattern, models:[{id, match, context_window?, prices, deprecated?,
 * prices_checked?}]}]` -> entries keyed "<provider>/<model id>". The model is the id in lower
 * case: genai-prices matches names case-insensitively and its ids are the providers' names
 * (zai "GLM-5.2" is glm-5.2 on the wire). A model whose prices or constraints cannot be read is
 * kept, not priced. The price is the one in force at the fetch time.
 */
export function normalizeGenaiPrices(doc: unknown, ctx: NormalizeContext = {}): SourceEntry[] {
  const wrongShape = 'not a genai-prices data.json: expected a list of providers ([{"id", "models": […]}])';
  if (!Array.isArray(doc)) throw new CatalogSourceError(wrongShape);
  const atMs = Date.parse(ctx.fetched_at ?? new Date().toISOString());
  const raws: RawEntry[] = [];
  let providers = 0;
  for (const p of doc) {
    if (!isJsonObject(p) || typeof p.id !== 'string' || p.id === '' || !Array.isArray(p.models)) continue;
    providers++;
    for (const m of p.models) {
      if (!isJsonObject(m) || typeof m.id !== 'string' || m.id === '') continue;
      const conditionals = readConditionals(m.prices);
      raws.push({
        source_provider: p.id,
        source_model: m.id.toLowerCase(),
        source_key: `${p.id}/${m.id}`,
        preference: 0,
        context: positiveInt(m.context_window),
        ...(conditionals ? resolveConditionals(conditionals, atMs) : unknownPrice()),
        expires_at: null,
        deprecated: m.deprecated === true,
        checked_at: parseSourceDay(m.prices_checked),
      });
    }
  }
  if (providers === 0) throw new CatalogSourceError(wrongShape);
  return mapEntries('genai_prices', raws, ctx);
}
