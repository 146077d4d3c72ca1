// `routeops sim [--port N] [--host H]`: runs the provider simulator until SIGINT/SIGTERM and
// prints how to point routeops at it.
import { CONTROL_PREFIX, FAULT_NAMES, PROFILE_NAMES, startSimulator, type ProfileName, type Simulator } from './server.js';

/** Which routeops provider (config/defaults.ts) each simulator profile stands for. */
export const SIM_PROVIDER_FOR: Record<ProfileName, { provider: string; apiKeyEnv: string }> = {
  deepseek: { provider: 'deepseek', apiKeyEnv: 'DEEPSEEK_API_KEY' },
  qwen: { provider: 'qwen-intl', apiKeyEnv: 'DASHSCOPE_API_KEY' },
  kimi: { provider: 'moonshot', apiKeyEnv: 'MOONSHOT_API_KEY' },
  glm: { provider: 'zai', apiKeyEnv: 'ZAI_API_KEY' },
  openrouter: { provider: 'openrouter', apiKeyEnv: 'OPENROUTER_API_KEY' },
};

export interface SimArgs {
  port: number;
  host: string;
}

/** Parses `[--port N] [--host H]`; throws an Error with a usage message on bad input. */
export function parseSimArgs(argv: string[]): SimArgs {
  const out: SimArgs = { port: 4010, host: '127.0.0.1' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? (a.split(/=(.*)/s, 2) as [string, string]) : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value. Usage: routeops sim [--port N] [--host H]`);
      return v;
    };
    if (flag === '--port') {
      const v = value();
      const n = Number(v);
      if (!/^\d+$/.test(v) || n > 65535) throw new Error(`--port: expected a port number 0-65535, got "${v}"`);
      out.port = n;
    } else if (flag === '--host') out.host = value();
    else throw new Error(`unknown argument "${a}". Usage: routeops sim [--port N] [--host H]`);
  }
  return out;
}

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
    lines.push(`  ${provider}: { base_url: "${sim.baseUrl(p)}", api_key_env: ${apiKeyEnv}${p === 'openrouter' ? ', gateway: true' : ''} }`);
  }
  lines.push(
    '',
    `and e.g. ${PROFILE_NAMES.map((p) => `${SIM_PROVIDER_FOR[p].apiKeyEnv}=sim`).join(' ')}`,
    '',
    `Faults on demand (${FAULT_NAMES.join(', ')}):`,
    `  curl -X POST ${sim.url}${CONTROL_PREFIX}/faults/deepseek -d '{"status":429,"times":1}'`,
    `  curl -X DELETE ${sim.url}${CONTROL_PREFIX}/faults`,
    '',
    'Ctrl-C stops it.',
  );
  return lines.join('\n');
}

/** Starts the simulator and resolves when it has been stopped by SIGINT/SIGTERM. Returns the exit code. */
export async function runSim(argv: string[], io: { out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s + '\n'));
  const err = io.err ?? ((s: string) => process.stderr.write(s + '\n'));
  let args: SimArgs;
  try {
    args = parseSimArgs(argv);
  } catch (e) {
    err((e as Error).message);
    return 2;
  }
  let sim: Simulator;
  try {
    sim = await startSimulator({ port: args.port, host: args.host });
  } catch (e) {
    err(`cannot start the simulator on ${args.host}:${args.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 1;
  }
  out(describeSim(sim));
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
  return 0;
}
