// Built-in providers and aliases (docs/PROVIDERS.md §1). A config file adds to or overrides these by name.
import type { ConfigFile } from './schema.js';

export const DEFAULT_PROVIDERS: NonNullable<ConfigFile['providers']> = {
  deepseek: { base_url: 'https://api.deepseek.com', api_key_env: 'DEEPSEEK_API_KEY' },
  'qwen-intl': { base_url: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1', api_key_env: 'DASHSCOPE_API_KEY' },
  moonshot: { base_url: 'https://api.moonshot.ai/v1', api_key_env: 'MOONSHOT_API_KEY' },
  zai: { base_url: 'https://api.z.ai/api/paas/v4', api_key_env: 'ZAI_API_KEY' },
  openrouter: { base_url: 'https://openrouter.ai/api/v1', api_key_env: 'OPENROUTER_API_KEY', gateway: true },
};

export const DEFAULT_MODELS: NonNullable<ConfigFile['models']> = {
  // DeepSeek's current name for V4.1 Flash (docs/PROVIDERS.md §2); `deepseek-v4-flash` is its legacy
  // name. OpenRouter's id is its own: the newest OpenRouter listing we have names the V4 Flash id.
  'deepseek-flash': {
    routes: [
      { provider: 'deepseek', model: 'deepseek-flash' },
      { provider: 'openrouter', model: 'deepseek/deepseek-v4-flash' },
    ],
  },
  'deepseek-v4-pro': {
    routes: [
      { provider: 'deepseek', model: 'deepseek-v4-pro' },
      { provider: 'openrouter', model: 'deepseek/deepseek-v4-pro' },
    ],
  },
  'qwen-plus': {
    routes: [
      { provider: 'qwen-intl', model: 'qwen-plus' },
      { provider: 'openrouter', model: 'qwen/qwen-plus' },
    ],
  },
  'kimi-k2.5': {
    routes: [
      { provider: 'moonshot', model: 'kimi-k2.5' },
      { provider: 'openrouter', model: 'moonshotai/kimi-k2.5' },
    ],
  },
  'glm-4.7': {
    routes: [
      { provider: 'zai', model: 'glm-4.7' },
      { provider: 'openrouter', model: 'z-ai/glm-4.7' },
    ],
  },
};

/**
 * /ask's deadlines: a route that sends no first token within 20 s is left for the next one (a
 * hung provider, or DeepSeek's keep-alives while it queues), and no answer takes more than 2 min.
 * Until its first words, an answer says what it waits for every 5 s.
 */
export const DEFAULT_ASK_TIMEOUTS = { first_token_timeout_ms: 20_000, answer_timeout_ms: 120_000, progress_interval_ms: 5_000 } as const;

export const DEFAULT_SCHEDULES = {
  deprecations: '0 9 * * *',
  prices: '0 */6 * * *',
  budgets: '*/15 * * * *',
  spend_report: '0 9 * * 1',
  routecheck: null,
  cost_drift: '0 8 * * *',
  // Prepaid balances are polled every hour: runway and the bill check work from these snapshots.
  balances: '0 * * * *',
  // The gateway's keys: error and fallback rates over the last hour.
  gateway: '*/15 * * * *',
} as const;

/**
 * A model's day is a cost-drift alert when our cost and the provider-reported cost of the same
 * rows differ by more than 1% of the provider's and more than $1: below that, rounding and cent
 * fractions, not prices, explain it.
 */
export const DEFAULT_COST_DRIFT = { min_percent: 1, min_usd: 1 } as const;
