// /ask load benchmark: N (default 200) /ask slash commands at once against routeops in HTTP
// mode, answered by the provider simulator, while the answers stream into the fake Slack.
//
//   npm run bench:ask   (node --expose-gc --max-semi-space-size=32: routeops runs in this process
//                        with the V8 flag `npm start` gives it)
//
// This process runs routeops only (startRouteops, HTTP mode, real SQLite in a temp dir). The
// simulator (behind a pacing proxy that makes answers stream like a real provider), the fake
// Slack Web API and the load driver run in a forked child (bench/ask-load.ts), so this process's
// CPU time and RSS over the load window are routeops' own. Figures printed (never asserted):
// ack latency percentiles, time until every answer is final against the simulator-only
// baseline (N streaming completions straight at the same paced simulator with the openai SDK),
// routeops CPU per answered /ask, and routeops' max RSS (sampled every 50 ms).
//
// Environment:
//   ASK_BENCH_N          concurrent /ask commands (default 200)
//   ASK_BENCH_WARMUP     /ask commands sent at once before measuring, not counted (default: ASK_BENCH_N, so
//                        the measured round meets a warmed-up server, as a running bot is; 0: none)
//   ASK_BENCH_TTFT_MS    simulator delay to the first token (default 300)
//   ASK_BENCH_STREAM_MS  time over which each answer streams after the first token (default 1500)
//   ASK_BENCH_REPEAT     answer length: the simulator's sentence repeated this many times (default 8, ~300 tokens)
//   ASK_BENCH_TIMEOUT_S  the whole bench is aborted after this (default 120)
//   ASK_BENCH_LOG_LEVEL  routeops LOG_LEVEL (default silent)
//   ASK_BENCH_CPU_PROF   write a V8 CPU profile of this process over the measured window only to this file
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Session } from 'node:inspector/promises';
import { startRouteops, type RunningApp } from '../src/app/main.js';
import { intEnv, percentile } from './stats.js';
import { BENCH_MODEL, BENCH_SIGNING_SECRET, type AskResult, type BaselineResult, type FromChild, type LoadSettings, type ToChild } from './ask-ipc.js';


const N = Math.max(1, intEnv('ASK_BENCH_N', 200));
const WARMUP = intEnv('ASK_BENCH_WARMUP', N);
const TIMEOUT_S = intEnv('ASK_BENCH_TIMEOUT_S', 120);
const LOG_LEVEL = process.env.ASK_BENCH_LOG_LEVEL || 'silent';
const CPU_PROF = process.env.ASK_BENCH_CPU_PROF || '';
const MB = 1024 * 1024;
const TARGET = { ackP99Ms: 100, cpuPerAskMs: 5, rssMb: 300 };

// ---- the load process -------------------------------------------------------------------

class Load {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (m: FromChild) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<Extract<FromChild, { type: 'ready' }>>;
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    let onReady!: (m: Extract<FromChild, { type: 'ready' }>) => void;
    this.ready = new Promise((r) => (onReady = r));
    this.exited = new Promise((r) => child.once('exit', () => r()));
    child.on('message', (raw) => {
      const m = raw as FromChild;
      if (m.type === 'ready') return onReady(m);
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.type === 'error') w.reject(new Error(`load process: ${m.message}`));
      else w.resolve(m);
    });
    child.once('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`load process exited (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  request(m: ToChild extends infer T ? (T extends ToChild ? Omit<T, 'id'> : never) : never): Promise<FromChild> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...m, id } as ToChild);
    });
  }

  async ask(phase: string, n: number, url: string, ackOnly = false): Promise<AskResult> {
    const r = await this.request({ type: 'ask', phase, n, url, ackOnly });
    return (r as Extract<FromChild, { type: 'askResult' }>).result;
  }

  async warm(url: string, n: number): Promise<void> {
    await this.request({ type: 'warm', url, n });
  }

  async baseline(phase: string, n: number): Promise<BaselineResult> {
    const r = await this.request({ type: 'baseline', phase, n });
    return (r as Extract<FromChild, { type: 'baselineResult' }>).result;
  }
}

// ---- routeops ---------------------------------------------------------------------------

function benchConfig(bases: Record<string, string>): string {
  // The default model's two routes (deepseek, then openrouter) on the simulator; no client retries.
  return `timezone: UTC
default_model: ${BENCH_MODEL}
providers:
  deepseek:   { base_url: "${bases['deepseek']}", api_key_env: DEEPSEEK_API_KEY, timeout_ms: 30000, max_retries: 0 }
  openrouter: { base_url: "${bases['openrouter']}", api_key_env: OPENROUTER_API_KEY, gateway: true, timeout_ms: 30000, max_retries: 0 }
`;
}

// ---- figures ----------------------------------------------------------------------------

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '—');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const pcts = (xs: number[], ps: number[]) => ps.map((p) => f0(percentile(xs, p))).join(' / ');
const ok = (met: boolean) => (met ? 'met' : 'MISSED');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('   ').trimEnd()).join('\n');
}

/**
 * CPU ms per thread group of this process from /proc (Linux; empty elsewhere): the main thread
 * (where latency is made), V8's workers (GC, compilation), libuv's pool, others.
 */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    const tick = 10; // USER_HZ is 100 on Linux
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(f[11]) + Number(f[12])) * tick;
      const group = tid === String(process.pid) ? 'main thread' : /^V8|^DelayedTask/.test(comm) ? 'V8 workers (GC, JIT)' : /^libuv/.test(comm) ? 'libuv pool' : 'other threads (V8 GC/JIT, libuv)';
      out.set(group, (out.get(group) ?? 0) + ms);
    }
  } catch {
    /* not Linux */
  }
  return out;
}

function diffThreads(a: Map<string, number>, b: Map<string, number>): Array<[string, number]> {
  return [...b]
    .map(([k, v]) => [k, v - (a.get(k) ?? 0)] as [string, number])
    .filter(([, v]) => v > 0)
    .sort(([x], [y]) => (x === 'main thread' ? -1 : y === 'main thread' ? 1 : x.localeCompare(y)));
}

/** A server in this process that acks every request at once: what the driver and transport alone cost. */
async function startNullAcker(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Measured {
  nullAcks: number[];
  threads: Array<[string, number]>;
  ask: AskResult;
  base: BaselineResult;
  cpuMs: number;
  wallMs: number;
  rssBaseMb: number;
  rssMaxMb: number;
  heapMaxMb: number;
  eldP99Ms: number;
  eldMaxMs: number;
  settings: LoadSettings;
}

function report(m: Measured): void {
  const { ask, base } = m;
  const ackP99 = percentile(ask.acks, 99);
  const cpuPer = ask.answered ? m.cpuMs / ask.answered : NaN;
  const perAnswer = (method: string) => f2((ask.slackCalls[method] ?? 0) / Math.max(1, ask.answered));
  const answerTokens = Math.round(ask.sampleAnswerChars / 4);
  const s = m.settings;
  console.log(
    `\n/ask load: ${N} /ask at once, ${BENCH_MODEL} on the simulator (first token after ${s.ttftMs} ms, then streamed over ${s.streamMs} ms, ` +
      `~${answerTokens} tokens in ${f0(ask.eventsPerStream)} SSE events per answer); Node ${process.version} ${process.execArgv.filter((a) => a !== '--expose-gc').join(' ') || '(no V8 flags)'}, ${cpus().length} CPUs; warm-up ${WARMUP} /ask.`,
  );
  console.log(
    table([
      ['', 'routeops', 'simulator only', 'target'],
      ['ack latency p50 / p95 / p99 / max', `${pcts(ask.acks, [50, 95, 99, 100])} ms`, `${pcts(m.nullAcks, [50, 95, 99, 100])} ms (server that acks at once)`, `p99 < ${TARGET.ackP99Ms} ms: ${ok(ackP99 < TARGET.ackP99Ms && ask.ackFailures.length === 0)}`],
      ['acked (HTTP 200, empty body)', `${ask.acks.length}/${ask.n}`, '—', ''],
      ['answered (final message)', `${ask.answered - ask.errors}/${ask.n}${ask.errors ? ` (+${ask.errors} error replies)` : ''}`, `${base.completed}/${base.n}`, `${N}/${N}: ${ok(ask.answered - ask.errors === N)}`],
      ['all answers done in', `${f2(ask.lastAnswerMs / 1000)} s`, `${f2(base.lastMs / 1000)} s`, ''],
      ['answer time p50 / p99 / max', `${pcts(ask.answerMs, [50, 99, 100])} ms`, `${pcts(base.perStreamMs, [50, 99, 100])} ms`, ''],
      ['first answer text in Slack p50 / p99', `${pcts(ask.firstTextMs, [50, 99])} ms`, '—', ''],
      ['routeops CPU per answered /ask', `${f2(cpuPer)} ms (${f0(m.cpuMs)} ms in ${f2(m.wallMs / 1000)} s)`, '—', `< ${TARGET.cpuPerAskMs} ms: ${ok(cpuPer < TARGET.cpuPerAskMs)}`],
      ['  by thread', m.threads.map(([k, v]) => `${k} ${f2(v / Math.max(1, ask.answered))}`).join(', ') || '—', '—', ''],
      ['routeops max RSS', `${f0(m.rssMaxMb)} MB (${f0(m.rssBaseMb)} MB before; heap max ${f0(m.heapMaxMb)} MB)`, '—', `< ${TARGET.rssMb} MB: ${ok(m.rssMaxMb < TARGET.rssMb)}`],
      ['routeops event-loop delay p99 / max', `${f1(m.eldP99Ms)} / ${f1(m.eldMaxMs)} ms`, '—', ''],
      ['Slack calls per answer', `postMessage ${perAnswer('chat.postMessage')}, update ${perAnswer('chat.update')}`, '—', ''],
      ['load process CPU (sim + proxy + fake Slack + driver)', `${f0(ask.childCpuMs)} ms`, `${f0(base.childCpuMs)} ms (sim + proxy + SDK)`, ''],
    ]),
  );
  if (ask.ackFailures.length) console.log(`ack failures (${ask.ackFailures.length}): ${[...new Set(ask.ackFailures)].slice(0, 3).join(' | ')}`);
  if (base.failures.length) console.log(`baseline failures (${base.failures.length}): ${[...new Set(base.failures)].slice(0, 3).join(' | ')}`);
  if (ask.timedOut) console.log(`the /ask phase stopped waiting before every answer was final (${ask.answered}/${ask.n} final)`);
  if (ask.upstreamStreams !== ask.n) console.log(`upstream streams during the /ask phase: ${ask.upstreamStreams} (expected ${ask.n})`);
  if (ask.sampleFooter) console.log(`sample footer: ${ask.sampleFooter}`);
}

// ---- main -------------------------------------------------------------------------------

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) console.log('(run with node --expose-gc for a settled RSS before the load)');

  // The child runs without this process's flags (--cpu-prof, --expose-gc stay here).
  const child = fork(fileURLToPath(new URL('./ask-load.js', import.meta.url)), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const load = new Load(child);
  const dir = mkdtempSync(join(tmpdir(), 'routeops-askbench-'));
  let app: RunningApp | undefined;
  const abort = setTimeout(() => {
    console.error(`\n/ask bench aborted: not finished after ${TIMEOUT_S} s (raise ASK_BENCH_TIMEOUT_S, or lower ASK_BENCH_N).`);
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  }, TIMEOUT_S * 1000);
  abort.unref();

  try {
    const ready = await load.ready;
    const configPath = join(dir, 'routeops.yml');
    writeFileSync(configPath, benchConfig(ready.bases));
    app = await startRouteops({
      env: {
        ROUTEOPS_CONFIG: configPath,
        ROUTEOPS_DB: join(dir, 'routeops.db'),
        PORT: '0',
        LOG_LEVEL: LOG_LEVEL,
        SLACK_BOT_TOKEN: 'xoxb-bench-token',
        SLACK_SIGNING_SECRET: BENCH_SIGNING_SECRET,
        SLACK_API_URL: ready.slackApiUrl,
        DEEPSEEK_API_KEY: 'sk-sim-deepseek',
        OPENROUTER_API_KEY: 'sk-sim-openrouter',
      },
      shell: false,
    });
    const url = `http://127.0.0.1:${app.port}`;

    if (WARMUP) {
      const w = await load.ask('w', WARMUP, url);
      if (w.answered - w.errors < WARMUP) console.log(`warm-up: only ${w.answered - w.errors}/${WARMUP} answered (${w.ackFailures[0] ?? 'no ack failure'})`);
      await load.baseline('w', WARMUP);
    }

    // The driver floor: the same burst against a bare server in this process that acks at once.
    const nullAcker = await startNullAcker();
    await load.ask('n', WARMUP || 10, nullAcker.url, true);
    await load.warm(nullAcker.url, N);
    const nullAcks = (await load.ask('n', N, nullAcker.url, true)).acks;
    await nullAcker.close();

    gc?.();
    await new Promise((r) => setTimeout(r, 200));
    // Connections are opened before the burst (and outside the measured window), as by a client that keeps them alive.
    await load.warm(url, N);
    const rssBase = process.memoryUsage.rss();
    let rssMax = rssBase;
    let heapMax = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => {
      const mu = process.memoryUsage();
      if (mu.rss > rssMax) rssMax = mu.rss;
      if (mu.heapUsed > heapMax) heapMax = mu.heapUsed;
    }, 50);
    sampler.unref();
    let prof: Session | undefined;
    if (CPU_PROF) {
      prof = new Session();
      prof.connect();
      await prof.post('Profiler.enable');
      await prof.post('Profiler.setSamplingInterval', { interval: 200 });
      await prof.post('Profiler.start');
    }
    const eld = monitorEventLoopDelay({ resolution: 5 });
    eld.enable();
    const threads0 = threadCpuMs();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const ask = await load.ask('m', N, url);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const threads = diffThreads(threads0, threadCpuMs());
    eld.disable();
    clearInterval(sampler);
    rssMax = Math.max(rssMax, process.memoryUsage.rss());
    if (prof) {
      const { profile } = await prof.post('Profiler.stop');
      writeFileSync(CPU_PROF, JSON.stringify(profile));
      prof.disconnect();
      console.log(`CPU profile of the measured window: ${CPU_PROF}`);
    }

    const base = await load.baseline('m', N);
    report({
      nullAcks,
      threads,
      ask,
      base,
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs,
      rssBaseMb: rssBase / MB,
      rssMaxMb: rssMax / MB,
      heapMaxMb: heapMax / MB,
      eldP99Ms: eld.percentile(99) / 1e6,
      eldMaxMs: eld.max / 1e6,
      settings: ready.settings,
    });
  } finally {
    await app?.stop();
    if (child.connected) child.send({ type: 'close', id: 0 } satisfies ToChild);
    await Promise.race([load.exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    if (child.exitCode === null) child.kill();
    rmSync(dir, { recursive: true, force: true });
    clearTimeout(abort);
  }
}

main().catch((err: unknown) => {
  console.error(`/ask bench failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
});
