// A routeops config (as a config object, see config.ts) whose providers all point at the local
// provider simulator, and the API keys those providers read.
import type { ConfigObject } from './config.js';

export const SIM_KEYS = {
  DEEPSEEK_API_KEY: 'sk-sim-deepseek',
  DASHSCOPE_API_KEY: 'sk-sim-qwen',
  MOONSHOT_API_KEY: 'sk-sim-kimi',
  ZAI_API_KEY: 'sk-sim-glm',
  OPENROUTER_API_KEY: 'sk-sim-openrouter',
};

type SimBase = { baseUrl(profile: string): string };
type Providers = NonNullable<ConfigObject['providers']>;

/** The routeops providers on the simulator; `timeout_ms` replaces the 3000 ms of the keyed ones. */
export function simProviders(sim: SimBase, o: { timeout_ms?: number } = {}): Providers {
  const timeout_ms = o.timeout_ms ?? 3000;
  return {
    deepseek: { base_url: sim.baseUrl('deepseek'), api_key_env: 'DEEPSEEK_API_KEY', timeout_ms, max_retries: 0 },
    'qwen-intl': { base_url: sim.baseUrl('qwen'), api_key_env: 'DASHSCOPE_API_KEY', timeout_ms, max_retries: 0 },
    moonshot: { base_url: sim.baseUrl('kimi'), api_key_env: 'MOONSHOT_API_KEY', timeout_ms, max_retries: 0 },
    zai: { base_url: sim.baseUrl('glm'), api_key_env: 'ZAI_API_KEY', timeout_ms, max_retries: 0 },
    openrouter: { base_url: sim.baseUrl('openrouter'), api_key_env: 'OPENROUTER_API_KEY', gateway: true, timeout_ms, max_retries: 0 },
    // A provider whose key is never set.
    'qwen-nokey': { base_url: sim.baseUrl('qwen'), api_key_env: 'ROUTEOPS_TEST_UNSET_KEY', max_retries: 0 },
    'deepseek-retry': { base_url: sim.baseUrl('deepseek'), api_key_env: 'DEEPSEEK_API_KEY', timeout_ms, max_retries: 2 },
  };
}

/** The aliases the simulator tests use, on top of the built-in ones. */
export const SIM_MODELS: NonNullable<ConfigObject['models']> = {
  // A team's alias from before DeepSeek's rename: the legacy name is still accepted and billed as
  // deepseek-flash (docs/PROVIDERS.md §2). The built-in alias is deepseek-flash.
  'deepseek-v4-flash': {
    routes: [
      { provider: 'deepseek', model: 'deepseek-v4-flash' },
      { provider: 'openrouter', model: 'deepseek/deepseek-v4-flash' },
    ],
  },
  'or-qwen': { routes: [{ provider: 'openrouter', model: 'qwen/qwen-plus' }] },
  'qwen-nokey': {
    routes: [
      { provider: 'qwen-nokey', model: 'qwen-plus' },
      { provider: 'openrouter', model: 'qwen/qwen-plus' },
    ],
  },
  retrying: { routes: [{ provider: 'deepseek-retry', model: 'deepseek-v4-flash' }] },
  'legacy-chat': { routes: [{ provider: 'deepseek', model: 'deepseek-chat' }] },
};

/**
 * The simulator config; each top-level key of `overrides` replaces the base one whole (spread
 * SIM_MODELS or simProviders() into it to extend them).
 */
export function simConfig(sim: SimBase, overrides: ConfigObject = {}): ConfigObject {
  return {
    timezone: 'UTC',
    default_model: 'deepseek-v4-flash',
    providers: simProviders(sim),
    models: SIM_MODELS,
    ...overrides,
  };
}
