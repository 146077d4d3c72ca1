// Gateway heap benchmark (`npm run bench:gateway-heap`): prints figures, asserts nothing. The
// gateway in this process (the real app, no Slack) in front of the simulator, 10 concurrent
// openai SDK clients; the heap after a full GC every 3,000 calls. Flat means nothing per call is
// kept: before node-fetch cleared its unread-body timer once a body was done with, each call
// stayed alive 30 s (~18 KB a call: 86 → 142 MB between 3,000 and 6,000 calls).
import OpenAI from 'openai';
import { cli } from '../src/app/cli.js';
import { startTestApp } from '../test/support/app.js';
import { writeConfig } from '../test/support/config.js';
import { simConfig, simProviders, SIM_KEYS } from '../test/support/sim-config.js';
import { startSimulator } from '../tools/sim/server.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:gateway-heap does)');
const sim = await startSimulator();
for (const p of ['deepseek', 'kimi', 'openrouter']) sim.setBalance(p, { topUp: '1000000' });
const cfg = simConfig(sim, { gateway: { enabled: true }, providers: simProviders(sim, { timeout_ms: 30_000 }) });
const app = await startTestApp({ config: cfg, withSlack: false, env: SIM_KEYS });
let out = '';
await cli(['keys', 'create', 'heap', '--json'], { stdout: (s) => (out += s), stderr: () => {}, env: { ...SIM_KEYS, ROUTEOPS_CONFIG: writeConfig(`${app.dir}/k.yml`, cfg), ROUTEOPS_DB: app.dbPath, LOG_LEVEL: 'silent' } });
const client = new OpenAI({ apiKey: (JSON.parse(out) as { key: string }).key, baseURL: `${app.url}/v1`, maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'heap?' }];
const heapMb = () => {
  gc();
  gc();
  return (process.memoryUsage().heapUsed / 1e6).toFixed(1);
};
console.log(`before: heapUsed ${heapMb()} MB`);
for (let round = 1; round <= 4; round++) {
  for (let i = 0; i < 300; i++) await Promise.all(Array.from({ length: 10 }, () => client.chat.completions.create({ model: 'deepseek-v4-flash', messages })));
  sim.requests.length = 0; // the simulator's own record of requests is not the gateway's
  console.log(`after ${round * 3000} calls: heapUsed ${heapMb()} MB, RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
}
await app.close();
await sim.close();
