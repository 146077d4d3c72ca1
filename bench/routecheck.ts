// Bench: an alias with three routes, each on a simulated provider with its own first-token
// latency. Checks run concurrently, so the whole /routecheck should take at most ~1.3x its
// slowest single check. Prints figures; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfigText } from '../src/config/load.js';
import { createServices } from '../src/app/services.js';
import { startSimulator } from '../tools/sim/server.js';
import { CHECK_NAMES } from '../src/features/routecheck/checks.js';

const LATENCY_MS: Record<string, number> = { deepseek: 400, qwen: 700, openrouter: 1000 };

export async function benchRoutecheck(): Promise<Array<[string, string, string]>> {
  const sim = await startSimulator();
  const dir = mkdtempSync(join(tmpdir(), 'routeops-bench-rc-'));
  for (const [profile, ms] of Object.entries(LATENCY_MS)) sim.setFaults(profile, { slowFirstTokenMs: ms });
  const config = parseConfigText(
    `providers:
  deepseek:   { base_url: "${sim.baseUrl('deepseek')}", api_key_env: K, max_retries: 0 }
  qwen-intl:  { base_url: "${sim.baseUrl('qwen')}", api_key_env: K, max_retries: 0 }
  openrouter: { base_url: "${sim.baseUrl('openrouter')}", api_key_env: K, max_retries: 0 }
models:
  three:
    routes:
      - { provider: deepseek, model: deepseek-v4-flash }
      - { provider: qwen-intl, model: qwen-plus }
      - { provider: openrouter, model: qwen/qwen-plus }
`,
    'bench',
  );
  const services = createServices({ config, dbPath: join(dir, 'rc.db'), log: pino({ level: 'silent' }), secrets: { K: 'sk-bench' } });
  const rows: Array<[string, string, string]> = [];
  try {
    await services.routecheck.run({ target: 'three' }); // warm-up: connections, JIT
    const ratios: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const run = await services.routecheck.run({ target: 'three' });
      const total = performance.now() - started;
      if (!run.ok) throw new Error(run.error);
      // The slowest single check: the longest check latency on any route (tools makes two calls).
      const slowest = Math.max(...run.report.routes.flatMap((r) => CHECK_NAMES.map((c) => r.checks[c].latency_ms ?? 0)));
      ratios.push(total / slowest);
      if (i === 4) {
        rows.push(['routecheck, 3 routes: whole run (ms)', total.toFixed(0), '—']);
        rows.push(['routecheck: slowest single check (ms)', String(slowest), '—']);
      }
    }
    ratios.sort((a, b) => a - b);
    rows.push(['routecheck: whole / slowest check (median of 5)', ratios[2]!.toFixed(2), '<= 1.3']);
  } finally {
    await services.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchRoutecheck();
  for (const [name, value, target] of rows) console.log(`${name.padEnd(50)} ${value.padStart(10)}   target ${target}`);
}
