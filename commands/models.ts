// /models [TEXT]: the catalog as users see it (src/features/catalog/listing.ts) — each
// (provider, model) with its aliases, the price in force now, and its retirement.
import type { Reply } from '../src/domain/reply.js';
import { formatRate } from '../src/domain/money/units.js';
import { truncateForMessage } from '../src/domain/text.js';
import { UsageError } from '../src/domain/errors.js';
import { listModels, modelsJson, type ModelListing } from '../src/features/catalog/listing.js';
import { cliFlags, commandPrefix, defineCommand, EVERYWHERE, leadingOption, unknownOptionError, type Adapter } from './types.js';

interface ModelsArgs {
  filter: string;
}

const MAX_ROWS = 60;

function renderModels(models: ModelListing[], filter: string, now: number, adapter: Adapter): Reply {
  const data = modelsJson(models);
  if (!models.length) {
    return { kind: 'result', title: 'Models', summary: `No model matches "${truncateForMessage(filter)}". Try ${commandPrefix(adapter)}models with no text for the whole catalog.`, data };
  }
  const shown = models.slice(0, MAX_ROWS);
  return {
    kind: 'result',
    title: filter ? `Models matching "${truncateForMessage(filter)}"` : 'Models',
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
    const { catalog, config, clock } = ctx.services();
    const now = clock().getTime();
    return renderModels(listModels(catalog, config.models, now, args.filter), args.filter, now, ctx.adapter);
  },
});
