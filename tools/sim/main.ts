// Serving the provider simulator from a terminal (`routeops sim`, commands/sim.ts) until
// SIGINT/SIGTERM, with a banner on how to point routeops at it.
import { BALANCE_PATHS } from './balance-http.js';
import { CONTROL_PREFIX, FAULT_NAMES, PROFILE_NAMES, SIM_MANAGEMENT_KEY, startSimulator, type ProfileName, type Simulator } from './server.js';
import { ACCEPTED_PROFILE_NAMES, PROVIDER_OF } from './profile.js';

/** Which routeops provider (config/defaults.ts) each simulator profile stands for. */
export const SIM_PROVIDER_FOR: Record<ProfileName, { provider: string; apiKeyEnv: string }> = {
  deepseek: { provider: PROVIDER_OF.deepseek, apiKeyEnv: 'DEEPSEEK_API_KEY' },
  qwen: { provider: PROVIDER_OF.qwen, apiKeyEnv: 'DASHSCOPE_API_KEY' },
  kimi: { provider: PROVIDER_OF.kimi, apiKeyEnv: 'MOONSHOT_API_KEY' },
  glm: { provider: PROVIDER_OF.glm, apiKeyEnv: 'ZAI_API_KEY' },
  openrouter: { provider: PROVIDER_OF.openrouter, apiKeyEnv: 'OPENROUTER_API_KEY' },
};

export interface SimArgs {
  port: number;
  host: string;
}

export const SIM_DEFAULTS: SimArgs = { port: 4010, host: '127.0.0.1' };

/** The text printed at start: each profile's base URL and a config snippet using them. */
export function describeSim(sim: Simulator): string {
  const lines = ['routeops provider simulator listening on ' + sim.url, ''];
  for (const p of PROFILE_NAMES) lines.push(`  ${p.padEnd(11)} ${sim.baseUrl(p)}`);
  lines.push(
    '',
    'Point routeops at it with provider base_url overrides in routeops.yml (any non-empty key works;',
    `"bad-key" gets a 401):`,
    '',
    'providers:',
  );
  for (const p of PROFILE_NAMES) {
    const { provider, apiKeyEnv } = SIM_PROVIDER_FOR[p];
    // The balance kinds too: a local URL infers none (src/config/balances.ts).
    const balance = p === 'deepseek' ? ', balance: { kind: deepseek }' : p === 'kimi' ? ', balance: { kind: moonshot }' : p === 'openrouter' ? ', balance: { kind: openrouter }' : '';
    lines.push(`  ${provider}: { base_url: "${sim.baseUrl(p)}", api_key_env: ${apiKeyEnv}${p === 'openrouter' ? ', gateway: true' : ''}${balance} }`);
  }
  lines.push(
    '',
    `and e.g. ${PROFILE_NAMES.map((p) => `${SIM_PROVIDER_FOR[p].apiKeyEnv}=sim`).join(' ')}`,
    '',
    `Faults on demand (${FAULT_NAMES.join(', ')}):`,
    `  curl -X POST ${sim.url}${CONTROL_PREFIX}/faults/deepseek -d '{"status":429,"times":1}'`,
    `  curl -X DELETE ${sim.url}${CONTROL_PREFIX}/faults`,
    `(a profile or provider name after /faults/: ${ACCEPTED_PROFILE_NAMES})`,
    '',
    'Prepaid balances, charged for every answered call at the simulator\'s prices:',
    ...BALANCE_PATHS.map((p) => `  GET ${sim.url}${p}`),
    `(OpenRouter's /credits answers in full to the management key ${SIM_MANAGEMENT_KEY}, zeros to others)`,
    `  curl -X POST ${sim.url}${CONTROL_PREFIX}/balance/deepseek -d '{"topUp":"50.00"}'`,
    `  curl -X POST ${sim.url}${CONTROL_PREFIX}/balance/deepseek/outside -d '{"usd":"1.25"}'   (spend routeops never sees)`,
    `  curl -X POST ${sim.url}${CONTROL_PREFIX}/balance/kimi/faults -d '{"status":500}'`,
    `  curl ${sim.url}${CONTROL_PREFIX}/balance      curl -X DELETE ${sim.url}${CONTROL_PREFIX}/balance`,
    '',
    'Ctrl-C stops it.',
  );
  return lines.join('\n');
}

/**
 * Starts the simulator, shows its banner, and resolves once SIGINT or SIGTERM has stopped it.
 * Rejects when it cannot listen (the port is taken, the host is not ours).
 */
export async function serveSimulator(args: SimArgs, show: (banner: string) => void): Promise<void> {
  const sim = await startSimulator({ port: args.port, host: args.host });
  show(describeSim(sim));
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sim.close();
}
