// A routeops config whose providers all point at the local provider simulator.
export const SIM_KEYS = {
  DEEPSEEK_API_KEY: 'sk-sim-deepseek',
  DASHSCOPE_API_KEY: 'sk-sim-qwen',
  MOONSHOT_API_KEY: 'sk-sim-kimi',
  ZAI_API_KEY: 'sk-sim-glm',
  OPENROUTER_API_KEY: 'sk-sim-openrouter',
};

export function simConfig(sim: { baseUrl(profile: string): string }, extra = ''): string {
  return `timezone: UTC
default_model: deepseek-v4-flash
providers:
  deepseek:   { base_url: "${sim.baseUrl('deepseek')}", api_key_env: DEEPSEEK_API_KEY, timeout_ms: 3000, max_retries: 0 }
  qwen-intl:  { base_url: "${sim.baseUrl('qwen')}", api_key_env: DASHSCOPE_API_KEY, timeout_ms: 3000, max_retries: 0 }
  moonshot:   { base_url: "${sim.baseUrl('kimi')}", api_key_env: MOONSHOT_API_KEY, timeout_ms: 3000, max_retries: 0 }
  zai:        { base_url: "${sim.baseUrl('glm')}", api_key_env: ZAI_API_KEY, timeout_ms: 3000, max_retries: 0 }
  openrouter: { base_url: "${sim.baseUrl('openrouter')}", api_key_env: OPENROUTER_API_KEY, gateway: true, timeout_ms: 3000, max_retries: 0 }
  qwen-nokey: { base_url: "${sim.baseUrl('qwen')}", api_key_env: ROUTEOPS_TEST_UNSET_KEY, max_retries: 0 }
  deepseek-retry: { base_url: "${sim.baseUrl('deepseek')}", api_key_env: DEEPSEEK_API_KEY, timeout_ms: 3000, max_retries: 2 }
models:
  or-qwen:
    routes:
      - { provider: openrouter, model: qwen/qwen-plus }
  qwen-nokey:
    routes:
      - { provider: qwen-nokey, model: qwen-plus }
      - { provider: openrouter, model: qwen/qwen-plus }
  retrying:
    routes:
      - { provider: deepseek-retry, model: deepseek-v4-flash }
  legacy-chat:
    routes:
      - { provider: deepseek, model: deepseek-chat }
${extra}`;
}
