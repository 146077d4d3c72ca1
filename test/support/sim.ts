// The local provider simulator (tools/sim) as tests start it, and provider clients wired to it.
import type { ProviderConfig } from '../../src/config/schema.js';
import { createProviderClient, type ProviderClientOptions } from '../../src/upstream/providers/client.js';
import type { ProviderClient } from '../../src/upstream/providers/types.js';
import { startSimulator, type ProfileName, type Simulator } from '../../tools/sim/server.js';
import type { CleanupOwner } from './temp.js';

export type { Simulator };

/**
 * Starts a simulator on a free port; with `owner`, closed when the owner (a test) ends. `now`:
 * the clock for OpenRouter's usage_daily/weekly/monthly (default: the system's).
 */
export async function startSim(owner?: CleanupOwner, opts: { now?: () => number } = {}): Promise<Simulator> {
  const sim = await startSimulator(opts);
  owner?.after(() => sim.close());
  return sim;
}

/** Each simulator profile with the routeops provider name it stands for and its facts (docs/PROVIDERS.md §1). */
export const SIM_PROFILES: ReadonlyArray<{
  profile: ProfileName;
  provider: string;
  model: string;
  keyEnv: string;
  /** Thinks by default. */
  thinks: boolean;
  /** usage carries a reasoning_tokens detail. */
  reasoningDetail: boolean;
  /** Sends x-request-id. */
  requestIdHeader: boolean;
  balanceStatus: number;
  notFoundStatus: number;
}> = [
  { profile: 'deepseek', provider: 'deepseek', model: 'deepseek-v4-flash', keyEnv: 'DEEPSEEK_API_KEY', thinks: true, reasoningDetail: true, requestIdHeader: true, balanceStatus: 402, notFoundStatus: 400 },
  { profile: 'qwen', provider: 'qwen-intl', model: 'qwen-plus', keyEnv: 'DASHSCOPE_API_KEY', thinks: false, reasoningDetail: false, requestIdHeader: true, balanceStatus: 400, notFoundStatus: 404 },
  { profile: 'kimi', provider: 'moonshot', model: 'kimi-k2.5', keyEnv: 'MOONSHOT_API_KEY', thinks: true, reasoningDetail: false, requestIdHeader: true, balanceStatus: 403, notFoundStatus: 404 },
  { profile: 'glm', provider: 'zai', model: 'glm-4.7', keyEnv: 'ZAI_API_KEY', thinks: true, reasoningDetail: false, requestIdHeader: false, balanceStatus: 429, notFoundStatus: 400 },
  { profile: 'openrouter', provider: 'openrouter', model: 'deepseek/deepseek-v4-flash', keyEnv: 'OPENROUTER_API_KEY', thinks: true, reasoningDetail: true, requestIdHeader: false, balanceStatus: 402, notFoundStatus: 400 },
];

export const SIM_TEST_KEY = 'sk-sim-test-0123456789';

export function simProviderConfig(sim: Simulator, profile: ProfileName, extra: Partial<ProviderConfig> = {}): ProviderConfig {
  const p = SIM_PROFILES.find((x) => x.profile === profile)!;
  return { base_url: sim.baseUrl(profile), api_key_env: p.keyEnv, timeout_ms: 5000, max_retries: 0, ...extra };
}

/** A client for a profile. key: the API key to put in the env (null = unset). */
export function simClient(
  sim: Simulator,
  profile: ProfileName,
  o: { config?: Partial<ProviderConfig>; key?: string | null; opts?: ProviderClientOptions } = {},
): ProviderClient {
  const p = SIM_PROFILES.find((x) => x.profile === profile)!;
  const key = o.key === undefined ? SIM_TEST_KEY : o.key;
  const env: Record<string, string | undefined> = key === null ? {} : { [p.keyEnv]: key };
  return createProviderClient(p.provider, simProviderConfig(sim, profile, o.config), env, o.opts);
}

/** Chat-completion requests the simulator recorded for a profile since index `from`. */
export function chatRequests(sim: Simulator, profile: ProfileName, from = 0) {
  return sim.requests.slice(from).filter((r) => r.profile === profile && r.path.endsWith('/chat/completions'));
}
