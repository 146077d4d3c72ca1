// Gateway benchmark (`npm run bench:gateway`): prints figures beside a baseline measured in the
// same run, asserts nothing. routeops runs as its own process (`bin/routeops.js start`, no
// Slack), so its CPU and RSS are its own; the simulator and the openai SDK clients run here.
// Each figure is clients → gateway → simulator against clients → simulator directly:
// 1. added latency at 1 and at 4 requests in flight (non-streamed, p50 and p99), and added time
//    to first token (streamed, p50), each beside what a bare node:http proxy adds
//    (bench/bare-proxy.ts); the paths take turns in rounds so drift hits all;
// 2. gateway CPU per call at a fixed open-loop rate (GATEWAY_BENCH_RATE, default 500/s), from
//    /proc/PID/stat, beside its CPU idle over as long and beside a bare node:http proxy's CPU a
//    call at the same rate (bench/bare-proxy.ts: this machine's floor for passing a call on);
// 3. the highest sustained rate (steps of 100/s) whose p99 added latency stays under 10 ms, its
//    RSS, then 60 s at that rate (GATEWAY_BENCH_SOAK_S) with every call's ledger row counted.
// For profiling: GATEWAY_BENCH_ONLY_LOAD=N (only N rounds of 2., the gateway and the bare proxy
// alternating, CPU a call and its kernel part, RSS), GATEWAY_BENCH_NODE_ARGS and
// GATEWAY_BENCH_BARE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=bench/out"),
// GATEWAY_BENCH_CHILD_STDOUT=1 (routeops' stdout shown, e.g. with --trace-gc).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import Database from 'better-sqlite3';
import { cli } from '../src/app/cli.js';
import { startSimulator } from '../tools/sim/server.js';
import { writeConfig } from '../test/support/config.js';
import { simConfig, simProviders, SIM_KEYS } from '../test/support/sim-config.js';
import { tempDir } from '../test/support/temp.js';
import { percentile } from './stats.js';

const num = (name: string, def: number) => (process.env[name] ? Number(process.env[name]) : def);
const RATE = num('GATEWAY_BENCH_RATE', 500);
const ROUNDS = num('GATEWAY_BENCH_ROUNDS', 400);
const SOAK_S = num('GATEWAY_BENCH_SOAK_S', 60);
const STEP_S = num('GATEWAY_BENCH_STEP_S', 5);
const MODEL = 'deepseek-v4-flash';
const messages = [{ role: 'user' as const, content: 'bench: one short question' }];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** utime + stime of a process in ms (Linux /proc; clock ticks of 10 ms); `kernel`: stime only. */
function cpuMsOf(pid: number, kernel = false): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (((kernel ? 0 : Number(fields[11])) + Number(fields[12])) * 1000) / 100;
}
const rssMbOf = (pid: number) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

const sim = await startSimulator();
const tmp = tempDir('routeops-bench-gateway-');
const port = await freePort();
// Generous provider timeouts: an overloaded machine queues, it does not fail calls here.
const config = simConfig(sim, { gateway: { enabled: true }, providers: simProviders(sim, { timeout_ms: 30_000 }) });
// The simulator's prepaid accounts must not run dry over tens of thousands of calls.
for (const p of ['deepseek', 'kimi', 'openrouter']) sim.setBalance(p, { topUp: '1000000' });
const env = { ...process.env, ...SIM_KEYS, ROUTEOPS_CONFIG: writeConfig(tmp.file('routeops.yml'), config), ROUTEOPS_DB: tmp.dbPath, PORT: String(port), LOG_LEVEL: 'error', ROUTEOPS_SHELL: '0' };
let out = '';
const created = await cli(['keys', 'create', 'bench', '--json'], { stdout: (s) => (out += s), stderr: (s) => process.stderr.write(s), env });
if (created !== 0) throw new Error('could not create the bench key');
const key = (JSON.parse(out) as { key: string }).key;
// GATEWAY_BENCH_NODE_ARGS: flags for routeops' node, e.g. "--cpu-prof --cpu-prof-dir=bench/out".
const nodeArgs = (process.env.GATEWAY_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
// Node's flags as deployed (npm start, the Dockerfile): a 32 MB young generation.
const child: ChildProcess = spawn(process.execPath, ['--max-semi-space-size=32', ...nodeArgs, 'bin/routeops.js', 'start'], { env, stdio: ['ignore', process.env.GATEWAY_BENCH_CHILD_STDOUT ? 'inherit' : 'ignore', 'inherit'] });
const gatewayUrl = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  const ok = await fetch(`${gatewayUrl}/healthz`).then((r) => r.ok).catch(() => false);
  if (ok) break;
  if (i > 300) throw new Error('routeops did not start');
  await new Promise((r) => setTimeout(r, 100));
}
const pid = child.pid!;
const viaGateway = new OpenAI({ apiKey: key, baseURL: `${gatewayUrl}/v1`, maxRetries: 0 });
const direct = new OpenAI({ apiKey: 'sim', baseURL: sim.baseUrl('deepseek'), maxRetries: 0 });
const barePort = await freePort();
// GATEWAY_BENCH_BARE_NODE_ARGS: flags for the bare proxy's node (to profile it alike).
const bareArgs = (process.env.GATEWAY_BENCH_BARE_NODE_ARGS ?? '').split(' ').filter(Boolean);
const bare: ChildProcess = spawn(process.execPath, [...bareArgs, 'dist/bench/bare-proxy.js'], { env: { ...process.env, PORT: String(barePort), TARGET: sim.baseUrl('deepseek') }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
await new Promise((r) => bare.once('message', r));
const viaBare = new OpenAI({ apiKey: 'sim', baseURL: `http://127.0.0.1:${barePort}/v1`, maxRetries: 0 });
// A bench that fails or is interrupted leaves no routeops or proxy behind.
process.on('exit', () => {
  child.kill('SIGKILL');
  bare.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(1));
const stopChildren = async () => {
  for (const c of [child, bare]) {
    c.kill('SIGTERM');
    if (c.exitCode === null) await new Promise((r) => c.once('exit', r));
  }
};

async function once(client: OpenAI): Promise<number> {
  const t0 = performance.now();
  await client.chat.completions.create({ model: MODEL, messages });
  return performance.now() - t0;
}
async function firstToken(client: OpenAI): Promise<number> {
  const t0 = performance.now();
  const stream = await client.chat.completions.create({ model: MODEL, messages, stream: true });
  let at = NaN;
  for await (const chunk of stream) if (Number.isNaN(at) && chunk.choices[0]?.delta.content) at = performance.now() - t0;
  return at;
}

/**
 * `rounds` rounds of `inFlight` concurrent calls on each path in turn (gateway, direct, bare
 * proxy), the order turning round by round so drift hits all three.
 */
async function paired(inFlight: number, rounds: number, f: (c: OpenAI) => Promise<number>): Promise<{ gw: number[]; base: number[]; bare: number[] }> {
  const out = { gw: [] as number[], base: [] as number[], bare: [] as number[] };
  const paths: Array<[OpenAI, number[]]> = [[viaGateway, out.gw], [direct, out.base], [viaBare, out.bare]];
  for (let i = 0; i < rounds; i++) {
    for (let j = 0; j < paths.length; j++) {
      const [client, into] = paths[(i + j) % paths.length]!;
      into.push(...(await Promise.all(Array.from({ length: inFlight }, () => f(client)))));
    }
  }
  return out;
}

/** Open-loop calls at `rate`/s for `seconds`: each call's latency, and the CPU of process `of` (the gateway's) over the span. */
async function openLoop(client: OpenAI, rate: number, seconds: number, of = pid): Promise<{ latencies: number[]; failed: number; firstError: string; cpuMs: number; calls: number }> {
  const latencies: number[] = [];
  let failed = 0;
  let firstError = '';
  const pending: Array<Promise<void>> = [];
  const cpu0 = cpuMsOf(of);
  const start = performance.now();
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      once(client).then(
        (ms) => void latencies.push(ms),
        (err: unknown) => {
          failed++;
          firstError ||= `${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${String((err as { cause?: Error }).cause)})` : ''}`;
        },
      ),
    );
  }
  await Promise.all(pending);
  return { latencies, failed, firstError, cpuMs: cpuMsOf(of) - cpu0, calls: total };
}

const f = (ms: number) => `${ms.toFixed(2)} ms`;
if (process.env.GATEWAY_BENCH_ONLY_LOAD) {
  // Profiling and quick comparisons: warm up, then the open loop only, the gateway and the bare
  // proxy alternating GATEWAY_BENCH_ONLY_LOAD times.
  await paired(4, 20, once);
  // The first seconds at the rate still compile and grow the heap: not counted.
  await openLoop(viaGateway, RATE, 5);
  await openLoop(viaBare, RATE, 5, bare.pid);
  for (let i = 0; i < Number(process.env.GATEWAY_BENCH_ONLY_LOAD); i++) {
    const k0 = [cpuMsOf(pid, true), cpuMsOf(bare.pid!, true)];
    const load = await openLoop(viaGateway, RATE, 10);
    const floor = await openLoop(viaBare, RATE, 10, bare.pid);
    const [gk, bk] = [(cpuMsOf(pid, true) - k0[0]!) / load.calls, (cpuMsOf(bare.pid!, true) - k0[1]!) / floor.calls];
    console.log(`CPU per call ${f(load.cpuMs / load.calls)} (kernel ${f(gk)}, ${load.failed} failed${load.firstError ? `: ${load.firstError}` : ''}); bare proxy ${f(floor.cpuMs / floor.calls)} (kernel ${f(bk)}, ${floor.failed} failed); gateway RSS ${rssMbOf(pid).toFixed(0)} MB`);
  }
  await stopChildren();
  await sim.close();
  process.exit(0);
}
const row = (label: string, measured: string, target: string) => console.log(`${label.padEnd(58)} ${measured.padStart(12)}  ${target}`);

// Warm the paths (JIT, keep-alive sockets).
await paired(4, 20, once);
for (const inFlight of [1, 4]) {
  const { gw, base, bare: floor } = await paired(inFlight, Math.round(ROUNDS / inFlight), once);
  const added = (p: number, xs: number[]) => f(percentile(xs, p) - percentile(base, p));
  row(`added latency, ${inFlight} in flight, p50 (non-streamed)`, added(50, gw), `< 0.4 ms; direct p50 ${f(percentile(base, 50))}, via gateway ${f(percentile(gw, 50))}; bare proxy adds ${added(50, floor)}`);
  row(`added latency, ${inFlight} in flight, p99`, added(99, gw), `< 2 ms; direct p99 ${f(percentile(base, 99))}, via gateway ${f(percentile(gw, 99))}; bare proxy adds ${added(99, floor)}`);
}
const ttft = await paired(1, Math.round(ROUNDS / 2), firstToken);
row('added time to first token, p50 (streamed)', f(percentile(ttft.gw, 50) - percentile(ttft.base, 50)), `< 0.5 ms; direct ${f(percentile(ttft.base, 50))}, via gateway ${f(percentile(ttft.gw, 50))}; bare proxy adds ${f(percentile(ttft.bare, 50) - percentile(ttft.base, 50))}`);

const idle0 = cpuMsOf(pid);
await new Promise((r) => setTimeout(r, 5000));
const idleMs = cpuMsOf(pid) - idle0;
const load = await openLoop(viaGateway, RATE, 10);
row(`gateway CPU per call at ${RATE} calls/s open loop`, f((load.cpuMs - idleMs * 2) / load.calls), `< 0.3 ms; raw ${f(load.cpuMs / load.calls)}, idle CPU ${f(idleMs / 5)} per s subtracted; ${load.failed} failed`);
const floor = await openLoop(viaBare, RATE, 10, bare.pid);
row(`  a bare node:http proxy at ${RATE} calls/s (the floor)`, f(floor.cpuMs / floor.calls), `bench/bare-proxy.ts; ${floor.failed} failed`);

// The highest rate whose p99 added latency stays under 10 ms (direct p99 at the same rate as baseline).
let best = 0;
let bestRss = 0;
for (let rate = 100; rate <= 3000; rate += 100) {
  const gw = await openLoop(viaGateway, rate, STEP_S);
  const base = await openLoop(direct, rate, STEP_S);
  const added = percentile(gw.latencies, 99) - percentile(base.latencies, 99);
  const rss = rssMbOf(pid);
  console.log(`  ${rate}/s: p99 via gateway ${f(percentile(gw.latencies, 99))}, direct ${f(percentile(base.latencies, 99))}, added ${f(added)}, ${gw.failed} failed${gw.firstError ? ` (${gw.firstError})` : ''}, RSS ${rss.toFixed(0)} MB`);
  if (added >= 10 || gw.failed > 0) break;
  best = rate;
  bestRss = rss;
}
row('highest sustained rate with p99 added < 10 ms', `${best}/s`, `RSS there ${bestRss.toFixed(0)} MB (< 300 MB)`);

// SOAK_S seconds at that rate: every call one ledger row.
const db = new Database(tmp.dbPath, { readonly: true });
const count = () => db.prepare("SELECT COUNT(*) FROM usage WHERE source = 'gateway'").pluck().get() as number;
const before = count();
if (best === 0) throw new Error('no rate met p99 added < 10 ms here: no soak');
const soak = await openLoop(viaGateway, best, SOAK_S);
for (let i = 0; i < 100 && count() - before < soak.calls - soak.failed; i++) await new Promise((r) => setTimeout(r, 50));
row(`${SOAK_S} s at ${best}/s: ledger rows for the calls`, `${count() - before}/${soak.calls}`, `${soak.failed} failed; RSS ${rssMbOf(pid).toFixed(0)} MB; p99 ${f(percentile(soak.latencies, 99))}`);
db.close();

await stopChildren();
await sim.close();
tmp.cleanup();
console.log(`(Node ${process.version}; ${ROUNDS} rounds for latency; open-loop steps of ${STEP_S} s)`);
