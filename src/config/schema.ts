// The YAML config file (docs/ARCHITECTURE.md §3.4) as zod schemas. Unknown keys are rejected so a typo
// is reported with its path instead of being silently ignored.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseIsoInstant } from '../domain/time/iso.js';
import { balanceSchema, envName } from './balance-schema.js';

export { BALANCE_KINDS, type BalanceConfig, type BalanceKind } from './balance-schema.js';

/**
 * The keys of `access`: the commands a list of Slack users can limit (docs/ARCHITECTURE.md §3.1).
 * Commands name their rule with the AccessRule type, so this is the one list; any other key
 * under `access` is a config error, since a misspelt rule would leave its command open to all.
 */
export const ACCESS_RULES = ['spend', 'routecheck', 'prices', 'keys'] as const;
export type AccessRule = (typeof ACCESS_RULES)[number];

const isoInstant = z
  .union([z.string(), z.date()])
  .transform((v, ctx) => {
    const ms = v instanceof Date ? v.getTime() : parseIsoInstant(v);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `expected an ISO-8601 time with a zone, like 2026-07-24T15:59:00Z` });
      return z.NEVER;
    }
    return new Date(ms).toISOString();
  });

/** A price in USD per million tokens: a non-negative number (kept as given; converted exactly later). */
const usdPerMillion = z.number().nonnegative().finite();

const rateFields = {
  input: usdPerMillion,
  cached_input: usdPerMillion.optional(),
  /** Prompt tokens written to the provider's cache; default: the input price. */
  cache_write: usdPerMillion.optional(),
  output: usdPerMillion,
  reasoning_output: usdPerMillion.optional(),
  thinking_output: usdPerMillion.optional(),
};

export const perMillionSchema = z.strictObject(rateFields);

/**
 * A prompt-size tier: `above: N` applies to prompts of more than N tokens, `at_least: N` to
 * prompts of N tokens or more (sources differ on which side a boundary belongs to).
 */
export const tierSchema = z
  .strictObject({
    above: z.number().int().nonnegative().optional(),
    at_least: z.number().int().positive().optional(),
    ...rateFields,
  })
  .superRefine((t, ctx) => {
    if ((t.above === undefined) === (t.at_least === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of "above" (more than N prompt tokens) or "at_least" (N or more)' });
    }
  });

const windowSpec = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'expected "HH:MM-HH:MM" in UTC, like "01:00-04:00"');

export const windowSchema = z.strictObject({
  utc: windowSpec,
  per_million: perMillionSchema,
});

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A UTC calendar date, "2026-10-01", or "china": China's public holidays built into src/domain/catalog/holidays.ts. */
const holidayEntry = z.union([
  z.literal('china'),
  z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'expected a date "YYYY-MM-DD" (UTC) or "china"'),
]);

/** Windows that apply on some days of the week only, and not on holidays (DeepSeek's peak hours). */
export const scheduleSchema = z.strictObject({
  windows: z
    .array(
      z.strictObject({
        days: z.array(z.enum(WEEKDAYS)).min(1),
        utc: windowSpec,
        per_million: perMillionSchema,
      }),
    )
    .min(1),
  holidays: z.array(holidayEntry).optional(),
});

export const priceVersionSchema = z.strictObject({
  effective: isoInstant,
  per_million: perMillionSchema,
  tiers: z.array(tierSchema).optional(),
  windows: z.array(windowSchema).optional(),
  schedule: scheduleSchema.optional(),
  /** A fee per call that used tokens, in USD (OpenRouter's `request` price). */
  per_request: z.number().nonnegative().finite().optional(),
  source: z.string().optional(),
  /** When the price was last confirmed at its source ("YYYY-MM-DD" or "YYYY-MM"): what `/models` ages. */
  checked: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/, 'expected a date "YYYY-MM-DD" (or "YYYY-MM")').optional(),
});

export const pricingEntrySchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  versions: z.array(priceVersionSchema).min(1),
});

export const retirementSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  at: isoInstant,
  replacement: z.string().min(1).optional(),
  /** Thinking on/off for calls moved to the replacement (a retired mode alias of it). */
  replacement_thinking: z.boolean().optional(),
  source: z.string().optional(),
});

export const providerSchema = z.strictObject({
  base_url: z.url({ protocol: /^https?$/ }),
  api_key_env: envName('DEEPSEEK_API_KEY'),
  gateway: z.boolean().optional(),
  timeout_ms: z.number().int().positive().optional(),
  max_retries: z.number().int().min(0).max(5).optional(),
  /** Where its prepaid balance is read; null = not read; absent = inferred from base_url. */
  balance: balanceSchema.nullable().optional(),
});

/** A deadline in ms: a positive whole number, at most an hour. */
const deadlineMs = z.number().int().positive().max(3_600_000);

/** /ask's deadlines (docs/ARCHITECTURE.md §3.4), beside each provider's own timeout_ms. */
export const askTimeoutsSchema = z.strictObject({
  /** Each route must send its first token (content, reasoning or a tool call) within this; keep-alives do not count. */
  first_token_timeout_ms: deadlineMs.optional(),
  /** The whole answer, every route and tool round included: past it nothing more is tried. */
  answer_timeout_ms: deadlineMs.optional(),
  /** How often the shell and Slack say what an answer is waiting for, before its first words. */
  progress_interval_ms: deadlineMs.optional(),
});

export const routeSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  /** Prompt + answer tokens the route accepts; routes a prompt does not fit are skipped. */
  context_window: z.number().int().positive().optional(),
});

export const aliasSchema = z.strictObject({
  routes: z.array(routeSchema).min(1),
  description: z.string().optional(),
});

const slackUserId = z.string().regex(/^[UW][A-Z0-9]+$/, 'expected a Slack user id like U0123ABCD');
const slackChannelId = z.string().regex(/^[CGD][A-Z0-9]+$/, 'expected a Slack channel id like C0123ABCD');
const usd = z.number().positive().finite();
const cron = z.string().min(1).nullable();
const accessList = z.array(slackUserId).nullable().optional();
const accessSchema = z.strictObject(Object.fromEntries(ACCESS_RULES.map((rule) => [rule, accessList])) as Record<AccessRule, typeof accessList>);

const ACCEPTED_LOCATIONS = 'use an http(s) URL, a file: URL or a file path (null = off)';

/**
 * Why a `catalog.*` location could never be read, or null when it can be: an http(s) URL with a
 * host, a file: URL, or a file path — what src/features/catalog/sources/fetch.ts reads. The value
 * itself is not echoed (a URL may carry credentials).
 */
export function catalogLocationProblem(location: string): string | null {
  if (location.trim() === '') return `empty; ${ACCEPTED_LOCATIONS}`;
  if (location !== location.trim()) return `starts or ends with spaces; ${ACCEPTED_LOCATIONS}`;
  if (/\p{Cc}/u.test(location)) return `contains a control character; ${ACCEPTED_LOCATIONS}`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(location)?.[1]?.toLowerCase();
  // No scheme, or a Windows drive letter (C:\prices.json): a path.
  if (scheme === undefined || (scheme.length === 1 && /^[a-z]:[\\/]/i.test(location))) return null;
  if (scheme === 'http' || scheme === 'https') {
    return /^https?:\/\/[^/?#]/i.test(location) && URL.canParse(location) ? null : `not a valid ${scheme} URL; ${ACCEPTED_LOCATIONS}`;
  }
  if (scheme === 'file') {
    try {
      fileURLToPath(location);
      return null;
    } catch {
      return `not a usable file: URL; ${ACCEPTED_LOCATIONS}`;
    }
  }
  return `unsupported URL scheme "${scheme}:"; ${ACCEPTED_LOCATIONS}`;
}

const catalogLocation = z
  .string()
  .nullable()
  .optional()
  .superRefine((location, ctx) => {
    const problem = typeof location === 'string' ? catalogLocationProblem(location) : null;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * The price catalogs routeops can read (docs/ARCHITECTURE.md §3.4 `catalog.sources`), each
 * normalised by src/features/catalog/sources/.
 */
export const CATALOG_SOURCES = ['openrouter', 'litellm', 'models_dev', 'genai_prices'] as const;
export type CatalogSourceName = (typeof CATALOG_SOURCES)[number];

/**
 * One rule of `catalog.map`: which routeops (provider, model) a source's entries belong to.
 * `key` names one entry by the source's own key ("alibaba/qwen-plus"); `source_provider` names
 * all entries of one of the source's providers ("alibaba-cn"). `provider: null` says they are
 * no routeops provider's. Cross-field rules (exactly one of key/source_provider, model only with
 * key) are checked here; known providers and duplicates in src/config/load.ts.
 */
export const catalogMapRuleSchema = z
  .strictObject({
    source: z.enum(CATALOG_SOURCES),
    key: z.string().min(1).optional(),
    source_provider: z.string().min(1).optional(),
    provider: z.string().min(1).nullable(),
    model: z.string().min(1).optional(),
  })
  .superRefine((r, ctx) => {
    if ((r.key === undefined) === (r.source_provider === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of "key" (one entry of the source, like "alibaba/qwen-plus") or "source_provider" (all entries of one of its providers, like "alibaba-cn")' });
    }
    if (r.model !== undefined && (r.key === undefined || r.provider === null)) {
      ctx.addIssue({ code: 'custom', path: ['model'], message: '"model" goes with a "key" and a provider: a "source_provider" rule keeps each model\'s own id' });
    }
    if (r.key !== undefined && (r.source === 'models_dev' || r.source === 'genai_prices') && !/^[^/]+\/./.test(r.key)) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: `expected "<source provider>/<model id>", like "alibaba/qwen-plus"` });
    }
  });
export type CatalogMapRule = z.infer<typeof catalogMapRuleSchema>;

export const configFileSchema = z.strictObject({
  timezone: z.string().optional(),
  default_model: z.string().optional(),
  slack: z
    .strictObject({ alerts_channel: slackChannelId.optional(), reports_channel: slackChannelId.optional() })
    .optional(),
  access: accessSchema.optional(),
  providers: z.record(z.string(), providerSchema).optional(),
  models: z.record(z.string(), aliasSchema).optional(),
  ask: askTimeoutsSchema.optional(),
  pricing: z.array(pricingEntrySchema).optional(),
  retirements: z.array(retirementSchema).optional(),
  budgets: z
    .strictObject({
      daily: usd.optional(),
      monthly: usd.optional(),
      providers: z.record(z.string(), z.strictObject({ daily: usd.optional(), monthly: usd.optional() })).optional(),
      per_user_daily: usd.optional(),
      /** Runway alerts: when a prepaid balance's days left fall under each (default [7, 2]). */
      runway_days: z.array(z.number().positive().finite()).min(1).optional(),
      /** A balance alert under this amount, in the provider's own currency. */
      balance_floor: z.record(z.string(), z.number().finite()).optional(),
    })
    .optional(),
  catalog: z
    .strictObject({
      sources: z.strictObject(Object.fromEntries(CATALOG_SOURCES.map((s) => [s, catalogLocation])) as Record<CatalogSourceName, typeof catalogLocation>).optional(),
      /** The older spelling of sources.openrouter / sources.litellm (one spelling per source). */
      openrouter: catalogLocation,
      litellm: catalogLocation,
      provider_models: z.boolean().optional(),
      map: z.array(catalogMapRuleSchema).optional(),
      /** (source, provider) pairs whose price proposals apply themselves (never a suspect one). */
      auto_apply: z.array(z.strictObject({ source: z.enum(CATALOG_SOURCES), provider: z.string().min(1) })).optional(),
    })
    .optional(),
  /** USD per unit of another currency (CNY: 0.14): /balance totals balances across currencies only with these. */
  // Keys are checked in load.ts: zod 4 words a bad record key only as "Invalid key in record".
  balances_fx: z.record(z.string(), z.number().positive().finite()).optional(),
  /** The bill check: a gap between what a provider deducted and the ledger alerts above both. */
  reconcile: z.strictObject({ threshold_pct: z.number().nonnegative().finite().optional(), threshold_usd: z.number().nonnegative().finite().optional() }).optional(),
  // The OpenAI-compatible gateway (docs/ARCHITECTURE.md §3.3): on when a key exists or `enabled`.
  gateway: z
    .strictObject({
      enabled: z.boolean().optional(),
      body_max_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).optional(),
      // Provider fields beyond OpenAI's and the built-in allowlist, per provider.
      extra_fields: z.record(z.string(), z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a field name like top_k'))).optional(),
      // A key's error or fallback rate over the last hour that alerts (with at least min_requests).
      alert_error_rate_pct: z.number().min(0).max(100).optional(),
      alert_fallback_rate_pct: z.number().min(0).max(100).optional(),
      alert_min_requests: z.number().int().positive().optional(),
    })
    .optional(),
  /** Thresholds of the alert jobs (the jobs themselves run per `schedules`). */
  alerts: z
    .strictObject({
      /** A model's daily gap between our cost and the provider-reported one is an alert above both. */
      cost_drift: z
        .strictObject({
          min_percent: z.number().nonnegative().max(1000).finite().optional(),
          min_usd: z.number().nonnegative().finite().optional(),
        })
        .optional(),
    })
    .optional(),
  schedules: z
    .strictObject({
      deprecations: cron.optional(),
      prices: cron.optional(),
      budgets: cron.optional(),
      spend_report: cron.optional(),
      routecheck: cron.optional(),
      cost_drift: cron.optional(),
      balances: cron.optional(),
    })
    .optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
export type PerMillion = z.infer<typeof perMillionSchema>;
export type PriceVersionInput = z.infer<typeof priceVersionSchema>;
export type PricingEntry = z.infer<typeof pricingEntrySchema>;
export type RetirementInput = z.infer<typeof retirementSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type RouteConfig = z.infer<typeof routeSchema>;
