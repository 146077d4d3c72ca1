// One parse of environment + YAML file into a resolved Config. Errors name the path of each
// bad key so a broken file can be fixed without guessing; start-up exits 2 on them.
import { readFileSync, existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import cron from 'node-cron';
import { BUILTIN_CATALOG } from '../domain/catalog/builtin.js';
import { CATALOG_SOURCES, configFileSchema, type AccessRule, type CatalogMapRule, type CatalogSourceName, type ConfigFile } from './schema.js';
import { DEFAULT_ASK_TIMEOUTS, DEFAULT_COST_DRIFT, DEFAULT_MODELS, DEFAULT_PROVIDERS, DEFAULT_SCHEDULES } from './defaults.js';
import { catalogProblems, catalogSource } from './catalog.js';
import { resolveBalances, type BalanceSetting } from './balances.js';
import { truncateForMessage } from '../domain/text.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[], readonly source: string) {
    super(`${source}: invalid configuration\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type Config = {
  timezone: string;
  default_model: string;
  slack: { alerts_channel?: string; reports_channel?: string };
  /** access rule (a command) -> Slack user ids allowed; a missing or empty list means everyone. */
  access: Partial<Record<AccessRule, string[]>>;
  providers: NonNullable<ConfigFile['providers']>;
  models: NonNullable<ConfigFile['models']>;
  /** /ask's deadlines in ms: per route to the first token, and for the whole answer; and how often progress is shown. */
  ask: { first_token_timeout_ms: number; answer_timeout_ms: number; progress_interval_ms: number };
  pricing: NonNullable<ConfigFile['pricing']>;
  retirements: NonNullable<ConfigFile['retirements']>;
  budgets: NonNullable<ConfigFile['budgets']>;
  catalog: {
    /** Where each price catalog is read from (URL or path); null = not read. */
    sources: Record<CatalogSourceName, string | null>;
    provider_models: boolean;
    /** Which routeops (provider, model) a source's entries belong to, over the defaults. */
    map: CatalogMapRule[];
    /** (source, provider) pairs whose price proposals apply without a person (never a suspect one). */
    auto_apply: Array<{ source: CatalogSourceName; provider: string }>;
  };
  /** Alert thresholds: a model's daily cost drift above both min_percent (of the provider's cost) and min_usd. */
  alerts: { cost_drift: { min_percent: number; min_usd: number } };
  /** Per provider: where its prepaid balance is read (null source: not read) and why (src/config/balances.ts). */
  balances: Record<string, BalanceSetting>;
  /** USD per unit of another currency, for /balance's total (none: balances in other currencies are not totalled). */
  balances_fx: Record<string, number>;
  /** The bill check's thresholds: a gap above both alerts (default 5% and $1). */
  reconcile: { threshold_pct: number; threshold_usd: number };
  /** The gateway: on with a key or `enabled`; the largest body; provider extras; its alert thresholds. */
  gateway: { enabled: boolean; body_max_bytes: number; extra_fields: Record<string, string[]>; alert_error_rate_pct: number; alert_fallback_rate_pct: number; alert_min_requests: number };
  schedules: Record<keyof typeof DEFAULT_SCHEDULES, string | null>;
  /** Where the file came from, for messages ("built-in defaults" when none). */
  source: string;
};

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** An IP address, or a host name that is not a malformed IPv4 address (999.1.1.1). */
export function isHost(value: string): boolean {
  if (isIP(value)) return true;
  return HOST_NAME.test(value) && !/^[\d.]+$/.test(value);
}

const envSchema = z.object({
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'expected a bot token starting with xoxb-').optional(),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'expected an app-level token starting with xapp-').optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_API_URL: z.url().optional(),
  PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'expected an integer from 0 to 65535')
    .transform(Number)
    .refine((n) => n <= 65535, 'expected an integer from 0 to 65535')
    .default(3000),
  /** Unset: 0.0.0.0 with Slack, 127.0.0.1 without (src/app/main.ts). */
  HOST: z.string().refine(isHost, 'expected an IP address (e.g. 127.0.0.1, 0.0.0.0, ::) or a host name').optional(),
  ROUTEOPS_CONFIG: z.string().min(1).optional(),
  ROUTEOPS_DB: z.string().min(1).default('./data/routeops.db'),
  /** postgres://…: the PostgreSQL store instead of the SQLite file (src/app/pg-services.ts). */
  ROUTEOPS_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/i, 'expected a PostgreSQL URL: postgres://user:password@host:5432/database')
    .optional(),
  ROUTEOPS_INGEST_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROUTEOPS_LOG_FILE: z.string().min(1).optional(),
  /** 1: open the shell even when stdin is not a terminal; 0: never (src/app/main.ts). */
  ROUTEOPS_SHELL: z.enum(['0', '1'], { error: 'expected 1 (open the shell on any stdin) or 0 (never open it)' }).optional(),
});
export type Env = z.infer<typeof envSchema>;

/** Renders a zod path the way users read config: `models.qwen-plus.routes[0].provider`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(top level)';
}

/** A zod schema seen through its definition: just what is needed to walk to the object at a path. */
interface SchemaNode {
  def: { type: string; innerType?: SchemaNode; shape?: Record<string, SchemaNode>; valueType?: SchemaNode; element?: SchemaNode };
}

/** The keys the object at `path` of `schema` accepts, so an "unknown key" message can list them. */
function acceptedKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let node: SchemaNode | undefined = schema as unknown as SchemaNode;
  const unwrap = () => {
    while (node?.def.innerType) node = node.def.innerType; // optional, nullable, default
  };
  for (const key of path) {
    unwrap();
    const def: SchemaNode['def'] | undefined = node?.def;
    if (def?.type === 'object') node = def.shape?.[String(key)];
    else if (def?.type === 'record') node = def.valueType;
    else if (def?.type === 'array') node = def.element;
    else return [];
  }
  unwrap();
  return node?.def.type === 'object' ? Object.keys(node.def.shape ?? {}) : [];
}

function zodProblems(error: z.ZodError, schema: z.ZodType): string[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const accepted = acceptedKeysAt(schema, issue.path);
      const hint = accepted.length ? ` (accepted: ${accepted.join(', ')})` : '';
      return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown key${hint}`).join('\n  ');
    }
    return `${formatPath(issue.path)}: ${issue.message}`;
  });
}

export function parseEnv(env: NodeJS.ProcessEnv): Env {
  // Treat empty variables as unset: `FOO= npm start` should not count as a value.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) throw new ConfigError(zodProblems(result.error, envSchema), 'environment');
  return result.data;
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * provider -> the models routeops knows for it: priced or retired in the built-in catalog or the
 * file, or the target of an alias's route.
 */
function knownModels(models: Config['models'], file: ConfigFile): Map<string, Set<string>> {
  const known = new Map<string, Set<string>>();
  const add = (provider: string, model: string) => {
    let set = known.get(provider);
    if (!set) known.set(provider, (set = new Set()));
    set.add(model);
  };
  for (const entry of [...BUILTIN_CATALOG.pricing, ...(file.pricing ?? [])]) add(entry.provider, entry.model);
  for (const r of [...BUILTIN_CATALOG.retirements, ...(file.retirements ?? [])]) add(r.provider, r.model);
  for (const def of Object.values(models)) for (const route of def.routes) add(route.provider, route.model);
  return known;
}

/** The known names most like `name` (longest common prefix first), at most 8, and how many more. */
function closestNames(name: string, known: ReadonlySet<string> | undefined): string {
  const names = [...(known ?? [])];
  if (names.length === 0) return 'none';
  const shared = (a: string) => {
    let n = 0;
    while (n < a.length && a[n] === name[n]) n++;
    return n;
  };
  const shown = names.sort((a, b) => shared(b) - shared(a) || (a < b ? -1 : 1)).slice(0, 8).sort();
  const more = names.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? `, and ${more} more: routeops models lists them` : ''}`;
}

/** Validates an already-parsed YAML value and merges it over the built-in defaults. */
export function resolveConfig(raw: unknown, source: string): Config {
  const parsed = configFileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error, configFileSchema), source);
  const file = parsed.data;
  const providers = { ...DEFAULT_PROVIDERS, ...file.providers };
  const models = { ...DEFAULT_MODELS, ...file.models };
  const problems: string[] = [];
  const providerNames = Object.keys(providers);
  const unknownProvider = (name: string) => `unknown provider "${name}" (known: ${providerNames.join(', ')})`;

  for (const [alias, def] of Object.entries(file.models ?? {})) {
    def.routes.forEach((route, i) => {
      if (!providers[route.provider]) problems.push(`models.${alias}.routes[${i}].provider: ${unknownProvider(route.provider)}`);
    });
  }
  (file.pricing ?? []).forEach((entry, i) => {
    if (!providers[entry.provider]) problems.push(`pricing[${i}].provider: ${unknownProvider(entry.provider)}`);
    entry.versions.forEach((v, j) => {
      (v.windows ?? []).forEach((w, k) => {
        const [from, to] = w.utc.split('-') as [string, string];
        if (from >= to) problems.push(`pricing[${i}].versions[${j}].windows[${k}].utc: start must be before end ("${w.utc}")`);
      });
    });
  });
  const known = knownModels(models, file);
  (file.retirements ?? []).forEach((r, i) => {
    if (!providers[r.provider]) problems.push(`retirements[${i}].provider: ${unknownProvider(r.provider)}`);
    else if (r.replacement !== undefined && !known.get(r.provider)?.has(r.replacement)) {
      // A replacement is called on the retired model's provider (src/features/routing/plan.ts).
      problems.push(`retirements[${i}].replacement: unknown model "${r.replacement}" for provider ${r.provider} (known: ${closestNames(r.replacement, known.get(r.provider))})`);
    }
  });
  for (const name of Object.keys(file.budgets?.providers ?? {})) {
    if (!providers[name]) problems.push(`budgets.providers.${name}: ${unknownProvider(name)}`);
  }
  for (const name of Object.keys(file.budgets?.balance_floor ?? {})) {
    if (!providers[name]) problems.push(`budgets.balance_floor.${name}: ${unknownProvider(name)}`);
    else if (providers[name].balance === null) problems.push(`budgets.balance_floor.${name}: ${name}'s balance is not read (balance: null), so no floor can be checked`);
  }
  if (file.balances_fx?.['USD'] !== undefined) problems.push('balances_fx.USD: balances in USD need no rate (rates are USD per unit of another currency, like CNY: 0.14)');
  for (const [code, rate] of Object.entries(file.balances_fx ?? {})) {
    if (!/^[A-Z]{3}$/.test(code)) {
      problems.push(`balances_fx.${truncateForMessage(code)}: not a currency code: use its three capital letters, like CNY: 0.14`);
      continue;
    }
    if (rate < 1e-9) problems.push(`balances_fx.${code}: ${rate} is below 0.000000001 USD, the smallest amount routeops keeps`);
  }
  for (const name of Object.keys(file.gateway?.extra_fields ?? {})) {
    if (!providers[name]) problems.push(`gateway.extra_fields.${name}: ${unknownProvider(name)}`);
  }
  problems.push(...catalogProblems(file, providerNames, unknownProvider));
  (file.catalog?.auto_apply ?? []).forEach((pair, i) => {
    if (!providers[pair.provider]) problems.push(`catalog.auto_apply[${i}].provider: ${unknownProvider(pair.provider)}`);
  });
  const timezone = file.timezone ?? 'UTC';
  if (!isValidTimeZone(timezone)) problems.push(`timezone: unknown time zone "${timezone}" (use an IANA name like UTC or Europe/Berlin)`);
  const defaultModel = file.default_model ?? 'deepseek-flash';
  if (!models[defaultModel]) problems.push(`default_model: unknown alias "${defaultModel}" (known: ${Object.keys(models).join(', ')})`);
  const schedules = { ...DEFAULT_SCHEDULES, ...file.schedules } as Config['schedules'];
  for (const [name, expr] of Object.entries(schedules)) {
    if (expr !== null && !cron.validate(expr)) problems.push(`schedules.${name}: invalid cron expression "${expr}"`);
  }
  if (problems.length) throw new ConfigError(problems, source);

  const access: Config['access'] = {};
  for (const [rule, ids] of Object.entries(file.access ?? {}) as [AccessRule, string[] | null | undefined][]) access[rule] = ids ?? [];
  return {
    timezone,
    default_model: defaultModel,
    slack: { ...file.slack },
    access,
    providers,
    models,
    ask: { ...DEFAULT_ASK_TIMEOUTS, ...file.ask },
    pricing: file.pricing ?? [],
    retirements: file.retirements ?? [],
    budgets: file.budgets ?? {},
    catalog: {
      sources: Object.fromEntries(CATALOG_SOURCES.map((name) => [name, catalogSource(file, name)])) as Config['catalog']['sources'],
      provider_models: file.catalog?.provider_models ?? false,
      map: file.catalog?.map ?? [],
      // OpenRouter's own listing is exact for openrouter routes: trusted by default (docs/ARCHITECTURE.md §3.4).
      auto_apply: file.catalog?.auto_apply ?? [{ source: 'openrouter', provider: 'openrouter' }],
    },
    alerts: { cost_drift: { ...DEFAULT_COST_DRIFT, ...file.alerts?.cost_drift } },
    balances: resolveBalances(providers),
    balances_fx: file.balances_fx ?? {},
    reconcile: { threshold_pct: 5, threshold_usd: 1, ...file.reconcile },
    gateway: { enabled: false, body_max_bytes: 4 * 1024 * 1024, extra_fields: {}, alert_error_rate_pct: 20, alert_fallback_rate_pct: 30, alert_min_requests: 20, ...file.gateway },
    schedules,
    source,
  };
}

/**
 * How far aliases may expand (the `yaml` package's count of alias uses times the aliases inside
 * each anchor; its default): a config reuses a route list a few times, while a "billion laughs"
 * file (anchors of aliases of anchors) would take gigabytes to expand.
 */
export const MAX_ALIAS_COUNT = 100;

/** Parses YAML text; syntax errors are reported with their line. */
export function parseConfigText(text: string, source: string): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`),
      source,
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // The yaml package throws (a ReferenceError) for an alias bomb and for an alias used before its anchor.
    const message = (err as Error).message.split('\n')[0] ?? '';
    if (/excessive alias count/i.test(message)) {
      throw new ConfigError([`config too complex: its YAML aliases expand too far (limit ${MAX_ALIAS_COUNT}); write the values out or use fewer aliases`], source);
    }
    throw new ConfigError([`YAML: ${message}`], source);
  }
  return resolveConfig(raw, source);
}

/** Reads ROUTEOPS_CONFIG, or ./routeops.yml when present, or the built-in defaults. */
export function loadConfig(env: Env, cwd = process.cwd()): Config {
  const path = env.ROUTEOPS_CONFIG ?? (existsSync(`${cwd}/routeops.yml`) ? `${cwd}/routeops.yml` : undefined);
  if (!path) return resolveConfig({}, 'built-in defaults');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`], path);
  }
  return parseConfigText(text, path);
}
