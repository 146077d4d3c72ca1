// The catalog as users see it: each (provider, model) that is routed to, priced or retiring,
// with its aliases, the rates in force at a moment and its retirement. Shared by /models and the
// /ask `get_model_prices` tool.
import type { Config } from '../../config/load.js';
import type { Catalog } from '../../domain/catalog/catalog.js';
import type { PriceVersion, Rates } from '../../domain/catalog/types.js';
import { ratesFor } from '../../domain/money/cost.js';

export interface ModelListing {
  provider: string;
  model: string;
  aliases: string[];
  /** USD per million tokens in force at the moment asked, null when not priced. */
  per_million: { input: number; cached_input: number; output: number } | null;
  rates: Rates | null;
  price: PriceVersion | null;
  retires_at: string | null;
  replacement: string | null;
}

/** Rates are pico-USD per token = micro-USD per million: USD per million for JSON. */
const perMillionUsd = (rate: number) => rate / 1e6;

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
      const rates = price ? ratesFor(price, atMs, 0).rates : null;
      const retirement = catalog.retirementOf(provider, model);
      return {
        provider,
        model,
        aliases: aliasesOf.get(key) ?? [],
        per_million: rates ? { input: perMillionUsd(rates.input), cached_input: perMillionUsd(rates.cached_input), output: perMillionUsd(rates.output) } : null,
        rates,
        price,
        retires_at: retirement?.at ?? null,
        replacement: retirement?.replacement ?? null,
      };
    })
    .filter((m) => !needle || `${m.provider}/${m.model} ${m.aliases.join(' ')}`.toLowerCase().includes(needle))
    .sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
}

/** The JSON document of `/models --json` and of the ops tool: the listing without internal rate objects. */
export function modelsJson(models: readonly ModelListing[]) {
  return { models: models.map(({ price: _price, rates: _rates, ...m }) => m) };
}
