// /models [TEXT]: the catalog as users see it (src/features/catalog/listing.ts) — each
// (provider, model) with its aliases, the price in force now, and its retirement; how old the
// prices are; and for a few models (a filter that names one), where each price came from and what
// the catalog sources say (src/features/catalog/provenance-text.ts).
import type { Reply } from '../src/domain/reply.js';
import { formatRate } from '../src/domain/money/units.js';
import { truncateForMessage } from '../src/domain/text.js';
import { UsageError } from '../src/domain/errors.js';
import type { DayString } from '../src/domain/time/zone.js';
import { listModels, modelsJson, type ModelListing } from '../src/features/catalog/listing.js';
import { checkedRangeNote, holidayCalendarNote, provenanceText } from '../src/features/catalog/provenance-text.js';
import { sourcePricesOf, type SourcePrices } from '../src/features/catalog/source-prices.js';
import { entryKey } from '../src/features/catalog/sources/types.js';
import { cliFlags, commandPrefix, defineCommand, EVERYWHERE, leadingOption, unknownOptionError, type Adapter } from './types.js';

interface ModelsArgs {
  filter: string;
}

const MAX_ROWS = 60;
/** A filter matching this many models or fewer shows each one's provenance. */
const MAX_DETAILED = 3;

function renderModels(models: ModelListing[], sources: SourcePrices, filter: string, now: number, today: DayString, adapter: Adapter): Reply {
  const data = modelsJson(models, sources);
  if (!models.length) {
    return { kind: 'result', title: 'Models', summary: `No model matches "${truncateForMessage(filter)}". Try ${commandPrefix(adapter)}models with no text for the whole catalog.`, data };
  }
  // Too many to show: the models an alias routes to or that retire come first (the built-in
  // catalog prices whole provider listings), the rest fill up; shown in the usual order.
  const rank = (m: ModelListing) => (m.aliases.length > 0 || m.retires_at !== null ? 0 : 1);
  const picked = new Set(models.map((m, i) => ({ m, i })).sort((a, b) => rank(a.m) - rank(b.m) || a.i - b.i).slice(0, MAX_ROWS).map((x) => x.m));
  const shown = models.filter((m) => picked.has(m));
  const detailed = filter !== '' && models.length <= MAX_DETAILED;
  return {
    kind: 'result',
    title: filter ? `Models matching "${truncateForMessage(filter)}"` : 'Models',
    ...(detailed ? { sections: models.map((m) => ({ heading: `${m.provider}/${m.model}`, text: provenanceText(m, sources.get(entryKey(m.provider, m.model)) ?? [], today) })) } : {}),
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
    footer: [
      'Prices in force now, USD per million tokens; * = tiers or time windows apply. Gateway rows without a price are billed at the cost the gateway reports.',
      models.length > MAX_ROWS ? `Showing ${MAX_ROWS} of ${models.length} (every model an alias routes to or that retires first): add text to narrow it.` : '',
      checkedRangeNote(models, today) ?? '',
      holidayCalendarNote(models, today) ?? '',
      detailed ? '' : `${commandPrefix(adapter)}models MODEL says where a price came from and what the catalog sources say.`,
    ]
      .filter(Boolean)
      .join(' '),
    data,
  };
}

export const modelsCommand = defineCommand<ModelsArgs>({
  name: 'models',
  summary: 'Catalog: prices in force, aliases and retirements',
  usage: (adapter) => `models [TEXT]${cliFlags(adapter)}`,
  adapters: EVERYWHERE,
  parse: (input, adapter) => {
    const filter = input.text.trim();
    // Only leading words are options: "--bogus" is no model to search for.
    const option = leadingOption(filter);
    if (option) throw unknownOptionError(option, 'models', [], adapter);
    if (filter.length > 100) throw new UsageError('the filter is longer than 100 characters');
    return { filter };
  },
  async run(args, ctx) {
    const { catalog, config, clock, zone, store } = ctx.services();
    const now = clock().getTime();
    const models = listModels(catalog, config.models, now, args.filter);
    const sources = await sourcePricesOf(store.catalog, models);
    return renderModels(models, sources, args.filter, now, zone.dayOf(now), ctx.adapter);
  },
});
