// /models: the catalog as users see it — each (provider, model) with its aliases, the price in
// force now, and its retirement. TEXT filters by provider, model or alias.
import type { Reply } from '../src/domain/reply.js';
import { formatRate } from '../src/domain/money/units.js';
import { ratesFor } from '../src/domain/money/cost.js';
import type { Services } from '../src/features/services.js';
import { truncateForMessage } from '../src/domain/time/period.js';
import { defineCommand } from './types.js';

interface ModelsArgs {
  filter: string;
}

const MAX_ROWS = 60;

/** Rates are pico-USD per token = micro-USD per million: USD per million for JSON. */
const perMillionUsd = (rate: number) => rate / 1e6;

function runModels(args: ModelsArgs, services: Services): Reply {
  const { catalog, config, clock } = services;
  const now = clock().getTime();
  const aliasesOf = new Map<string, string[]>();
  for (const [alias, def] of Object.entries(config.models)) {
    for (const r of def.routes) {
      const key = `${r.provider}\u0000${r.model}`;
      aliasesOf.set(key, [...(aliasesOf.get(key) ?? []), alias]);
    }
  }
  const keys = new Set<string>([...aliasesOf.keys()]);
  for (const e of catalog.entries()) keys.add(`${e.provider}\u0000${e.model}`);
  for (const r of catalog.retirements()) keys.add(`${r.provider}\u0000${r.model}`);

  const needle = args.filter.toLowerCase();
  const models = [...keys]
    .map((key) => {
      const [provider, model] = key.split('\u0000') as [string, string];
      const price = catalog.priceAt(provider, model, now);
      // The rates in force at this minute: a time window (e.g. peak hours) replaces the base.
      const rates = price ? ratesFor(price, now, 0).rates : null;
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

  const data = { models: models.map(({ price: _price, rates: _rates, ...m }) => m) };
  if (!models.length) {
    return { kind: 'result', title: 'Models', summary: `No model matches "${truncateForMessage(args.filter)}". Try /models with no text for the whole catalog.`, data };
  }
  const shown = models.slice(0, MAX_ROWS);
  return {
    kind: 'result',
    title: args.filter ? `Models matching "${truncateForMessage(args.filter)}"` : 'Models',
    table: {
      columns: [{ header: 'Route' }, { header: 'Aliases' }, { header: 'In /1M', align: 'right' }, { header: 'Cached /1M', align: 'right' }, { header: 'Out /1M', align: 'right' }, { header: 'Retires' }],
      rows: shown.map((m) => {
        const extras = m.price && (m.price.tiers.length || m.price.windows.length) ? ' *' : '';
        const retired = m.retires_at ? `${m.retires_at.slice(0, 16).replace('T', ' ')} UTC${m.replacement ? ` → ${m.replacement}` : ''}${Date.parse(m.retires_at) <= now ? ' (retired)' : ''}` : '';
        return [
          `${m.provider}/${m.model}`,
          m.aliases.join(', '),
          m.rates ? formatRate(m.rates.input) + extras : 'not priced',
          m.rates ? formatRate(m.rates.cached_input) : '',
          m.rates ? formatRate(m.rates.output) : '',
          retired,
        ];
      }),
    },
    footer: `Prices in force now, USD per million tokens; * = tiers or time windows apply. Gateway rows without a price are billed at the cost the gateway reports.${models.length > MAX_ROWS ? ` Showing ${MAX_ROWS} of ${models.length}: add text to narrow it.` : ''}`,
    data,
  };
}

export const modelsCommand = defineCommand<ModelsArgs>({
  name: 'models',
  summary: 'Catalog: prices in force, aliases and retirements',
  usage: 'models [TEXT]',
  parse: (text) => {
    const filter = text.trim();
    if (filter.length > 100) return { ok: false, error: 'the filter is longer than 100 characters' };
    return { ok: true, args: { filter } };
  },
  run: async (args, services) => runModels(args, services),
});
