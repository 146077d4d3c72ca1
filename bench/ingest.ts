// Ingest benchmark (`npm run bench:ingest`): does a large POST /v1/usage delay what Slack waits
// for? routeops runs in its own process (bench/ingest-server.ts: HTTP mode, real SQLite in a temp
// dir, the fake Slack Web API); this process sends, every few milliseconds, the two cheapest
// requests Slack-facing work depends on — GET /healthz and a signed /help slash command, timed to
// its ack — and measures them in three phases of the same run:
//
//   baseline  no ingest running;
//   ingest    large JSONL bodies (~17 MB, new request ids each) posted one after another;
//   locked    another connection (this process) holds the database's write lock, as a
//             `routeops ledger import` does, while the same body is posted.
//
// Figures are printed (ack p50 / p99 / max per phase, routeops' own event-loop delay per phase,
// each ingest's answer and time, and the machine's load average, since on a shared machine the
// acks wait for a CPU too), never asserted. Target: ack p99 < 100 ms during ingest (Slack gives
// up on an ack after 3 s).
//
// Environment:
//   INGEST_BENCH_MB          size of each ingest body in MB (default 17)
//   INGEST_BENCH_ROUNDS      ingests in the `ingest` phase (default 3)
//   INGEST_BENCH_BASELINE_S  length of the baseline phase (default 3)
//   INGEST_BENCH_PROBE_MS    one probe of each kind every this many ms (default 10)
//   INGEST_BENCH_LOG_LEVEL   routeops LOG_LEVEL (default warn)
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { openDatabase } from '../src/store/open.js';
import { startFakeSlack } from '../test/support/fake-slack.js';
import { writeConfig } from '../test/support/config.js';
import { slackSignature, slashCommandBody } from '../test/support/slack-request.js';
import { toJsonl, UsageGenerator } from './gen.js';
import { fmtInt, intEnv, percentile } from './stats.js';

const BODY_MB = Math.max(1, intEnv('INGEST_BENCH_MB', 17));
const ROUNDS = Math.max(1, intEnv('INGEST_BENCH_ROUNDS', 3));
const BASELINE_MS = Math.max(1, intEnv('INGEST_BENCH_BASELINE_S', 3)) * 1000;
const PROBE_MS = Math.max(1, intEnv('INGEST_BENCH_PROBE_MS', 10));
const LOG_LEVEL = process.env.INGEST_BENCH_LOG_LEVEL || 'warn';
const TARGET_ACK_P99_MS = 100;
const SECRET = 'bench-signing-secret-0123456789';
const TOKEN = 'bench-ingest-token-0123456789';
const MB = 1024 * 1024;

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// ---- bodies -----------------------------------------------------------------------------

let generated = 0;
/** A JSONL body of about BODY_MB, with request ids no other body of this run shares. */
/** Bytes, encoded once here: sending a string would encode 17 MB on this process's loop mid-measure. */
function ingestBody(): { bytes: Buffer; rows: number } {
  const gen = new UsageGenerator({
    seed: 7 + generated,
    // More than a body takes (it stops at BODY_MB): rows spread over about 20 days of November.
    rows: Math.ceil((BODY_MB * MB) / 200),
    fromMs: Date.parse('2026-11-01T00:00:00Z'),
    toMs: Date.parse('2026-11-21T00:00:00Z'),
    idPrefix: `bench${generated++}-`,
  });
  const parts: string[] = [];
  let size = 0;
  let rows = 0;
  while (size < BODY_MB * MB) {
    const piece = toJsonl(gen.next(1000));
    parts.push(piece);
    size += Buffer.byteLength(piece);
    rows += 1000;
  }
  return { bytes: Buffer.from(parts.join('')), rows };
}

// ---- requests ---------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  ms: number;
}

function request(url: string, method: string, headers: Record<string, string>, body?: string | Buffer): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Probes {
  healthz: number[];
  ack: number[];
  failures: string[];
}

/** Sends GET /healthz and a signed /help every PROBE_MS until `until` settles; times each answer. */
async function probe(base: string, responseUrl: string, until: Promise<unknown>): Promise<Probes> {
  const out: Probes = { healthz: [], ack: [], failures: [] };
  const inFlight = new Set<Promise<void>>();
  const fire = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    fire(
      request(`${base}/healthz`, 'GET', {}).then(
        (a) => (a.status === 200 ? void out.healthz.push(a.ms) : void out.failures.push(`healthz ${a.status}`)),
        (err: Error) => void out.failures.push(`healthz ${err.message}`),
      ),
    );
    const body = slashCommandBody({ command: '/help', text: '', response_url: responseUrl });
    const ts = Math.floor(Date.now() / 1000);
    fire(
      request(`${base}/slack/events`, 'POST', { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SECRET, ts, body) }, body).then(
        (a) => (a.status === 200 ? void out.ack.push(a.ms) : void out.failures.push(`/help ${a.status}`)),
        (err: Error) => void out.failures.push(`/help ${err.message}`),
      ),
    );
    await new Promise((r) => setTimeout(r, PROBE_MS));
  }
  await Promise.allSettled([...inFlight]);
  return out;
}

const ingest = (base: string, body: Buffer) => request(`${base}/v1/usage`, 'POST', { 'content-type': 'application/x-ndjson', authorization: `Bearer ${TOKEN}` }, body);

// ---- figures ----------------------------------------------------------------------------

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '—');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const stat = (xs: number[]) => `${f1(percentile(xs, 50))} / ${f1(percentile(xs, 99))} / ${f0(xs.length ? Math.max(...xs) : NaN)}`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('   ').trimEnd()).join('\n');
}

const summary = (a: Answer) => `${a.status}${a.headers['retry-after'] ? ` (Retry-After ${a.headers['retry-after']})` : ''} after ${fmtInt(a.ms)} ms: ${a.text.slice(0, 80)}`;

// ---- run --------------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'routeops-ingest-bench-'));
const dbPath = join(dir, 'routeops.db');
const slack = await startFakeSlack();
const here = fileURLToPath(new URL('.', import.meta.url));
const child: ChildProcess = fork(join(here, 'ingest-server.js'), [], {
  env: {
    ...process.env,
    ROUTEOPS_DB: dbPath,
    ROUTEOPS_CONFIG: writeConfig(join(dir, 'routeops.yml'), { timezone: 'UTC' }),
    ROUTEOPS_INGEST_TOKEN: TOKEN,
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    LOG_LEVEL: LOG_LEVEL,
  },
  execArgv: ['--max-semi-space-size=32'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
/** This process's own event-loop delay: how late the probes themselves may be timed. */
const driverDelay = monitorEventLoopDelay({ resolution: 5 });
driverDelay.enable();

/**
 * [on CPU, waiting for a CPU] in ms so far, of routeops' main thread (Linux schedstat; null
 * elsewhere). A long wait for a CPU means the machine, not routeops, delayed the acks.
 */
function mainThreadSched(): [number, number] | null {
  try {
    const [run, wait] = readFileSync(`/proc/${child.pid}/task/${child.pid}/schedstat`, 'utf8').split(' ').map(Number);
    return [run! / 1e6, wait! / 1e6];
  } catch {
    return null;
  }
}

/** routeops' event-loop delay (p99 / max, ms) over `phase`, this process's, and routeops' main-thread CPU time and wait for a CPU. */
async function withLoopDelay<T>(phase: () => Promise<T>): Promise<[T, string, string, string]> {
  child.send('eld-reset');
  driverDelay.reset();
  const sched0 = mainThreadSched();
  const t0 = performance.now();
  const result = await phase();
  const sched1 = mainThreadSched();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = sched0 && sched1 ? `${f0((sched1[0] - sched0[0]) / wallS)} / ${f0((sched1[1] - sched0[1]) / wallS)}` : '—';
  const driver = `${f1(driverDelay.percentile(99) / 1e6)} / ${f0(driverDelay.max / 1e6)}`;
  const eld = new Promise<{ p99Ms: number; maxMs: number }>((resolve) => {
    const on = (m: unknown) => {
      if ((m as { type?: string }).type !== 'eld') return;
      child.off('message', on);
      resolve(m as { p99Ms: number; maxMs: number });
    };
    child.on('message', on);
  });
  child.send('eld-read');
  const d = await eld;
  return [result, `${f1(d.p99Ms)} / ${f0(d.maxMs)}`, driver, cpu];
}

const loadAtStart = loadavg()[0]!;
try {
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`routeops exited (${code}) before it started`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const responseUrl = `${slack.baseUrl}/respond/bench`;

  log(`building ${ROUNDS + 2} bodies of ~${BODY_MB} MB`);
  const bodies = Array.from({ length: ROUNDS + 2 }, ingestBody);
  const warm = bodies.pop()!;
  const lockedBody = bodies.pop()!;

  log('warm-up');
  await probe(base, responseUrl, new Promise((r) => setTimeout(r, 1000)));
  const warmAnswer = await ingest(base, warm.bytes.subarray(0, warm.bytes.indexOf('\n', 1024 * 1024) + 1));
  if (warmAnswer.status !== 200) throw new Error(`warm-up ingest failed: ${summary(warmAnswer)}`);

  log('baseline');
  const [baseline, baselineLoop, baselineDriver, baselineCpu] = await withLoopDelay(() => probe(base, responseUrl, new Promise((r) => setTimeout(r, BASELINE_MS))));

  log(`ingest: ${ROUNDS} x ${BODY_MB} MB`);
  const answers: Answer[] = [];
  const [during, duringLoop, duringDriver, duringCpu] = await withLoopDelay(() =>
    probe(
      base,
      responseUrl,
      (async () => {
        for (const b of bodies) answers.push(await ingest(base, b.bytes));
      })(),
    ),
  );

  log('locked: another connection holds the write lock while the same body is posted');
  const holder = openDatabase(dbPath);
  let lockedAnswer: Answer | undefined;
  let locked: Probes;
  let lockedLoop: string;
  let lockedDriver: string;
  let lockedCpu: string;
  try {
    holder.prepare('BEGIN IMMEDIATE').run();
    [locked, lockedLoop, lockedDriver, lockedCpu] = await withLoopDelay(() =>
      probe(
        base,
        responseUrl,
        (async () => {
          lockedAnswer = await ingest(base, lockedBody.bytes);
          // Keep probing a little after the answer: a writer that stalls the loop afterwards shows too.
          await new Promise((r) => setTimeout(r, 500));
        })(),
      ),
    );
    holder.prepare('ROLLBACK').run();
  } finally {
    holder.close();
  }

  const rows = bodies[0]!.rows;
  console.log(
    `\nIngest vs. acks: ${ROUNDS} POST /v1/usage of ${BODY_MB} MB (${fmtInt(rows)} JSONL rows each) one after another, ` +
      `probes every ${PROBE_MS} ms; Node ${process.version}, ${cpus().length} CPUs, load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end.`,
  );
  console.log(
    table([
      ['phase', 'GET /healthz p50 / p99 / max (ms)', 'signed /help ack p50 / p99 / max (ms)', 'routeops loop delay p99 / max (ms)', 'bench loop delay p99 / max (ms)', 'routeops main thread on CPU / waiting for one (ms per s)', 'probes', 'failed'],
      ['baseline (no ingest)', stat(baseline.healthz), stat(baseline.ack), baselineLoop, baselineDriver, baselineCpu, String(baseline.healthz.length + baseline.ack.length), String(baseline.failures.length)],
      ['during ingest', stat(during.healthz), stat(during.ack), duringLoop, duringDriver, duringCpu, String(during.healthz.length + during.ack.length), String(during.failures.length)],
      ['ingest, database locked', stat(locked.healthz), stat(locked.ack), lockedLoop, lockedDriver, lockedCpu, String(locked.healthz.length + locked.ack.length), String(locked.failures.length)],
    ]),
  );
  const p99 = Math.max(percentile(during.ack, 99), percentile(locked.ack, 99));
  console.log(`target: ack p99 < ${TARGET_ACK_P99_MS} ms during ingest: ${p99 < TARGET_ACK_P99_MS ? 'met' : 'MISSED'} (${f1(p99)} ms)`);
  answers.forEach((a, i) => console.log(`ingest ${i + 1}: ${summary(a)}`));
  if (lockedAnswer) console.log(`ingest while locked: ${summary(lockedAnswer)}`);
  const failures = [...during.failures, ...locked.failures, ...baseline.failures];
  if (failures.length) console.log(`failed probes: ${[...new Set(failures)].join(', ')}`);
} finally {
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
  agent.destroy();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
}
