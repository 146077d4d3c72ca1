// The catalog as users see it: each (provider, model) that is routed to, priced or retiring,
// with its aliases, the rates in force at a moment and its retirement. Shared by /models and the
// /ask `get_model_prices` tool.
import type { Config } from '../../config/load.js';
import type { Catalog } from '../../domain/catalog/catalog.js';
import type { PriceVersion, Rates } from '../../domain/catalog/types.js';
import { ratesFor } from '../../domain/money/cost.js';
import { sourcesJson, type SourcePrices } from './source-prices.js';
import { entryKey } from './sources/types.js';

/**
 * Rates as JSON: USD per million tokens. `reasoning_output` (reasoning tokens priced apart) and
 * `thinking_output` (all output of a thinking-mode call) are null where the output price applies.
 */
export interface PerMillion {
  input: number;
  cached_input: number;
  cache_write: number;
  output: number;
  reasoning_output: number | null;
  thinking_output: number | null;
}

export interface ModelListing {
  provider: string;
  model: string;
  aliases: string[];
  /** USD per million tokens in force at the moment asked (below the first tier), null when not priced. */
  per_million: PerMillion | null;
  rates: Rates | null;
  price: PriceVersion | null;
  /** The UTC window ("01:00-04:00") whose prices are in force at the moment asked, or null. */
  window: string | null;
  retires_at: string | null;
  replacement: string | null;
}

/**
 * Rates are integer pico-USD per token = micro-USD per million: one division gives the double
 * nearest the exact decimal (0.0028, never 0.0027999…), as money in JSON is (docs/ARCHITECTURE.md §3.1).
 */
const perMillionUsd = (rate: number) => rate / 1e6;

export function perMillionOf(r: Rates): PerMillion {
  return {
    input: perMillionUsd(r.input),
    cached_input: perMillionUsd(r.cached_input),
    cache_write: perMillionUsd(r.cache_write),
    output: perMillionUsd(r.output),
    reasoning_output: r.reasoning_output === null ? null : perMillionUsd(r.reasoning_output),
    thinking_output: r.thinking_output === null ? null : perMillionUsd(r.thinking_output),
  };
}

/** Every model matching `filter` (provider, model or alias; empty = all), sorted by provider then model. */
export function listModels(catalog: Catalog, models: Config['models'], atMs: number, filter = ''): ModelListing[] {
  const aliasesOf = new Map<string, string[]>();
  for (const [alias, def] of Object.entries(models)) {
    for (const r of def.routes) {
      const key = `${r.provider}\u0000${r.model}`;
      aliasesOf.set(key, [...(aliasesOf.get(key) ?? []), alias]);
    }
  }
  const keys = new Set<string>([...aliasesOf.keys()]);
  for (const e of catalog.entries()) keys.add(`${e.provider}\u0000${e.model}`);
  for (const r of catalog.retirements()) keys.add(`${r.provider}\u0000${r.model}`);

  const needle = filter.toLowerCase();
  return [...keys]
    .map((key) => {
      const [provider, model] = key.split('\u0000') as [string, string];
      const price = catalog.priceAt(provider, model, atMs);
      // The rates in force at this minute: a time window (e.g. peak hours) replaces the base.
      const inForce = price ? ratesFor(price, atMs, 0) : null;
      const rates = inForce?.rates ?? null;
      const retirement = catalog.retirementOf(provider, model);
      return {
        provider,
        model,
        aliases: aliasesOf.get(key) ?? [],
        per_million: rates ? perMillionOf(rates) : null,
        rates,
        price,
        window: inForce?.window ?? null,
        retires_at: retirement?.at ?? null,
        replacement: retirement?.replacement ?? null,
      };
    })
    .filter((m) => !needle || `${m.provider}/${m.model} ${m.aliases.join(' ')}`.toLowerCase().includes(needle))
    .sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
}

const WEEKDAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** A window's days as the config writes them; null = every day. */
const daysOf = (mask: number) => (mask === 0b111_1111 ? null : WEEKDAY_NAMES.filter((_, d) => (mask & (1 << d)) !== 0));

/**
 * The price version in force as JSON: its base prices, the tiers by prompt size (`above`: the
 * prompt tokens a request must exceed, or reach when `inclusive`; the tier bills the whole
 * request) and the UTC windows that replace the prices for their minutes (tiers included), on
 * their `days` (null = every day) and, for a schedule's windows, not on `holidays`. What the
 * text's `*` marks. `ratesInForce` are the rates listModels found in force (to mark the window).
 */
export function priceJson(price: PriceVersion, ratesInForce: Rates | null) {
  return {
    effective: price.effective,
    per_million: perMillionOf(price.base),
    per_request_usd: price.perRequestNusd / 1e9,
    tiers: price.tiers.map((t) => ({ above: t.above, inclusive: t.inclusive, per_million: perMillionOf(t.rates) })),
    windows: price.windows.map((w) => ({ utc: w.spec, days: daysOf(w.days), skips_holidays: w.skipsHolidays, per_million: perMillionOf(w.rates), in_force: w.rates === ratesInForce })),
    holidays: price.holidays,
    source: price.source,
  };
}

/**
 * The JSON document of `/models --json` and of the ops tool (docs/ARCHITECTURE.md §3.1 `models`).
 * `sources`: what each catalog source says of the listed models (source-prices.ts).
 */
export function modelsJson(models: readonly ModelListing[], sources: SourcePrices) {
  return {
    models: models.map((m) => ({
      provider: m.provider,
      model: m.model,
      aliases: m.aliases,
      per_million: m.per_million,
      price: m.price ? priceJson(m.price, m.window === null ? null : m.rates) : null,
      retires_at: m.retires_at,
      replacement: m.replacement,
      source: m.price?.source ?? null,
      checked_at: m.price?.checked ?? null,
      sources: sourcesJson(sources.get(entryKey(m.provider, m.model)) ?? []),
    })),
  };
}
