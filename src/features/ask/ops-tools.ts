// Read-only tools the model may call to answer questions about our own operation ("what did we
// spend on qwen yesterday?", "which routes serve kimi?", "what retires this month?"). They read
// the ledger, config and catalog through the same reports as /spend and /models.
import { z } from 'zod';
import type { ToolDefinition } from '../../upstream/providers/types.js';
import type { Services } from '../services.js';
import { parsePeriod, PERIOD_HELP } from '../../domain/time/period.js';
import { SPEND_DIMS } from '../../domain/spend.js';
import { spendReport } from '../reports/spend.js';
import { spendJson } from '../reports/spend-json.js';
import { listModels, modelsJson } from '../catalog/listing.js';
import { sourcePricesOf } from '../catalog/source-prices.js';
import { mayUse, type Caller } from '../access.js';
import { nusdToUsd } from '../../domain/money/units.js';
const MAX_RESULT_CHARS = 8000;

const spendArgs = z.object({ period: z.string().default('week'), group_by: z.enum(SPEND_DIMS).default('provider'), provider: z.string().trim().min(1).optional() });
const routesArgs = z.object({ query: z.string().default('') });
const retirementsArgs = z.object({ within_days: z.number().int().min(1).max(3650).default(31) });
const pricesArgs = z.object({ query: z.string().default('') });

export const OPS_TOOLS: ToolDefinition[] = [
  {
    name: 'get_spend',
    description: `Spend from the routeops ledger (USD, exact) for a period, grouped by provider, model, user or route. Periods: ${PERIOD_HELP}.`,
    parameters: {
      type: 'object',
      properties: {
        period: { type: 'string' },
        group_by: { type: 'string', enum: [...SPEND_DIMS] },
        provider: { type: 'string', description: 'Only this provider (e.g. deepseek, qwen-intl; "qwen" matches qwen-intl); with group_by provider or model.' },
      },
      required: ['period'],
    },
  },
  {
    name: 'list_routes',
    description: 'Model aliases and the provider routes that serve them, in fallback order. Optional query filters by alias, provider or model.',
    parameters: { type: 'object', properties: { query: { type: 'string' } } },
  },
  {
    name: 'list_retirements',
    description: 'Model retirements in the catalog from 30 days ago up to within_days from now, with replacements and the aliases still pointing at them.',
    parameters: { type: 'object', properties: { within_days: { type: 'integer' } } },
  },
  {
    name: 'get_model_prices',
    description: 'Prices in force now (USD per million tokens) for catalog models matching the query.',
    parameters: { type: 'object', properties: { query: { type: 'string' } } },
  },
];

const OPS_WORDS = /\b(spen[dt]|spending|cost|costs|bill|budget|price|prices|pricing|route|routes|routing|retire|retires|retired|retirement|deprecat\w*|ledger|usage)\b/i;

/** Questions about our own operation get the tools; others are answered without them. */
export function looksLikeOpsQuestion(text: string): boolean {
  return OPS_WORDS.test(text);
}

function cap(json: unknown): string {
  const text = JSON.stringify(json);
  return text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)}…(truncated)` : text;
}

/**
 * Which group keys belong to `provider`: its own name, or (as people say "qwen" for qwen-intl) the
 * providers whose name starts with it; the model keys are "provider/model". An error text when
 * the grouping cannot tell providers apart or no provider matches.
 */
function providerFilter(provider: string, groupBy: string, keys: readonly string[]): ((key: string) => boolean) | string {
  if (groupBy !== 'provider' && groupBy !== 'model') return `provider works with group_by provider or model, not ${groupBy}`;
  const providerOf = (key: string) => (groupBy === 'model' ? key.slice(0, Math.max(0, key.indexOf('/'))) : key);
  const p = provider.toLowerCase();
  const names = new Set(keys.map(providerOf));
  const exact = names.has(p);
  const match = (name: string) => (exact ? name === p : name.startsWith(p));
  if (![...names].some(match)) return `no spend of a provider "${provider}" in this period (providers with spend: ${[...names].join(', ') || 'none'})`;
  return (key: string) => match(providerOf(key));
}

/** Who asked: the tools answer with the asker's rights (get_spend follows access.spend). */
export async function runOpsTool(name: string, rawArgs: string, services: Services, caller: Caller): Promise<string> {
  let input: unknown;
  try {
    input = rawArgs.trim() ? JSON.parse(rawArgs) : {};
  } catch {
    return cap({ error: 'arguments are not valid JSON' });
  }
  switch (name) {
    case 'get_spend': {
      // The same rule as /spend (access.spend).
      if (!mayUse('spend', caller, services.config.access)) return cap({ error: 'not allowed: this user is not in access.spend, so spend figures are not available to them' });
      const args = spendArgs.safeParse(input);
      if (!args.success) return cap({ error: args.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      const today = services.zone.dayOf(services.clock().getTime());
      const period = parsePeriod(args.data.period, today);
      if (!period.ok) return cap({ error: `${period.error}. Periods: ${PERIOD_HELP}` });
      const report = await spendReport(services.ledger, services.config.budgets, { period: period.period, groupBy: args.data.group_by, today });
      const data = spendJson(report, services.config.timezone);
      // Days with no spend only cost tokens.
      const groups = data.groups.map((g) => ({ ...g, days: g.days.filter((d) => d.usd !== 0) }));
      if (args.data.provider === undefined) return cap({ ...data, groups });
      const only = providerFilter(args.data.provider, args.data.group_by, report.groups.map((g) => g.key));
      if (typeof only === 'string') return cap({ error: only });
      // The provider's own total, summed exactly from its groups (nano-USD), first so it leads.
      const total = report.groups.filter((g) => only(g.key)).reduce((sum, g) => sum + g.total, 0n);
      return cap({ provider: args.data.provider, provider_total_usd: nusdToUsd(total), ...data, groups: groups.filter((g) => only(g.key)) });
    }
    case 'list_routes': {
      const args = routesArgs.safeParse(input);
      const q = (args.success ? args.data.query : '').toLowerCase();
      const now = services.clock().getTime();
      const aliases = Object.entries(services.config.models)
        .map(([alias, def]) => ({
          alias,
          default: alias === services.config.default_model,
          routes: def.routes.map((r) => {
            const ret = services.catalog.retirementOf(r.provider, r.model);
            return { provider: r.provider, model: r.model, retired: ret ? ret.atMs <= now : false, retires_at: ret?.at ?? null, replacement: ret?.replacement ?? null };
          }),
        }))
        .filter((a) => !q || `${a.alias} ${a.routes.map((r) => `${r.provider}/${r.model}`).join(' ')}`.toLowerCase().includes(q));
      return cap({ aliases });
    }
    case 'list_retirements': {
      const args = retirementsArgs.safeParse(input);
      const days = args.success ? args.data.within_days : 31;
      const now = services.clock().getTime();
      const retirements = services.catalog
        .retirements()
        .filter((r) => r.atMs >= now - 30 * 86_400_000 && r.atMs <= now + days * 86_400_000)
        .map((r) => ({
          provider: r.provider,
          model: r.model,
          at: r.at,
          already_retired: r.atMs <= now,
          replacement: r.replacement,
          aliases_still_pointing: Object.entries(services.config.models)
            .filter(([, def]) => def.routes.some((x) => x.provider === r.provider && x.model === r.model))
            .map(([alias]) => alias),
        }));
      return cap({ now: new Date(now).toISOString(), retirements });
    }
    case 'get_model_prices': {
      const args = pricesArgs.safeParse(input);
      const models = listModels(services.catalog, services.config.models, services.clock().getTime(), args.success ? args.data.query : '');
      return cap(modelsJson(models, await sourcePricesOf(services.store.catalog, models)));
    }
    default:
      return cap({ error: `unknown tool "${name}"` });
  }
}
