// One parse of environment + YAML file into a resolved Config. Errors name the path of each
// bad key so a broken file can be fixed without guessing; start-up exits 2 on them.
import { readFileSync, existsSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import cron from 'node-cron';
import { configFileSchema, type ConfigFile } from './schema.js';
import { DEFAULT_ASK_TIMEOUTS, DEFAULT_MODELS, DEFAULT_PROVIDERS, DEFAULT_SCHEDULES } from './defaults.js';

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
  /** command name -> Slack user ids allowed; a missing or empty list means everyone. */
  access: Record<string, string[]>;
  providers: NonNullable<ConfigFile['providers']>;
  models: NonNullable<ConfigFile['models']>;
  /** /ask's deadlines in ms: per route to the first token, and for the whole answer. */
  ask: { first_token_timeout_ms: number; answer_timeout_ms: number };
  pricing: NonNullable<ConfigFile['pricing']>;
  retirements: NonNullable<ConfigFile['retirements']>;
  budgets: NonNullable<ConfigFile['budgets']>;
  catalog: { openrouter: string | null; litellm: string | null; provider_models: boolean };
  schedules: Record<keyof typeof DEFAULT_SCHEDULES, string | null>;
  /** Where the file came from, for messages ("built-in defaults" when none). */
  source: string;
};

const envSchema = z.object({
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'expected a bot token starting with xoxb-').optional(),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'expected an app-level token starting with xapp-').optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_API_URL: z.url().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  ROUTEOPS_CONFIG: z.string().min(1).optional(),
  ROUTEOPS_DB: z.string().min(1).default('./data/routeops.db'),
  ROUTEOPS_INGEST_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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

function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown key`).join('\n  ');
    }
    return `${formatPath(issue.path)}: ${issue.message}`;
  });
}

export function parseEnv(env: NodeJS.ProcessEnv): Env {
  // Treat empty variables as unset: `FOO= npm start` should not count as a value.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) throw new ConfigError(zodProblems(result.error), 'environment');
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

/** Validates an already-parsed YAML value and merges it over the built-in defaults. */
export function resolveConfig(raw: unknown, source: string): Config {
  const parsed = configFileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error), source);
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
  (file.retirements ?? []).forEach((r, i) => {
    if (!providers[r.provider]) problems.push(`retirements[${i}].provider: ${unknownProvider(r.provider)}`);
  });
  for (const name of Object.keys(file.budgets?.providers ?? {})) {
    if (!providers[name]) problems.push(`budgets.providers.${name}: ${unknownProvider(name)}`);
  }
  const timezone = file.timezone ?? 'UTC';
  if (!isValidTimeZone(timezone)) problems.push(`timezone: unknown time zone "${timezone}" (use an IANA name like UTC or Europe/Berlin)`);
  const defaultModel = file.default_model ?? 'deepseek-v4-flash';
  if (!models[defaultModel]) problems.push(`default_model: unknown alias "${defaultModel}" (known: ${Object.keys(models).join(', ')})`);
  const schedules = { ...DEFAULT_SCHEDULES, ...file.schedules } as Config['schedules'];
  for (const [name, expr] of Object.entries(schedules)) {
    if (expr !== null && !cron.validate(expr)) problems.push(`schedules.${name}: invalid cron expression "${expr}"`);
  }
  if (problems.length) throw new ConfigError(problems, source);

  const access: Record<string, string[]> = {};
  for (const [cmd, ids] of Object.entries(file.access ?? {})) access[cmd] = ids ?? [];
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
      openrouter: file.catalog?.openrouter ?? null,
      litellm: file.catalog?.litellm ?? null,
      provider_models: file.catalog?.provider_models ?? false,
    },
    schedules,
    source,
  };
}

/** Parses YAML text; syntax errors are reported with their line. */
export function parseConfigText(text: string, source: string): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`),
      source,
    );
  }
  return resolveConfig(doc.toJS(), source);
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
