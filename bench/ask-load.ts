// The load side of the /ask benchmark (forked by bench/ask.ts, IPC for coordination): the
// provider simulator behind a pacing proxy (bench/ask-pace.ts), the fake Slack Web API, and the
// load driver. Kept out of the routeops process so that process's CPU and RSS are routeops' own.
// Everything listens on and talks to 127.0.0.1 only.
//
//   'ask'      -> fires n signed /ask slash commands at once at routeops, times each ack, waits
//                 for every final chat.update (the one whose blocks end with the footer)
//   'baseline' -> n concurrent streaming chat completions straight at the (paced) simulator
//                 with the openai SDK: same model, same prompts — "simulator only"
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { startSimulator } from '../tools/sim/server.js';
import { PROFILE_NAMES } from '../tools/sim/profiles.js';
import { startFakeSlack, type RecordedCall } from '../test/support/fake-slack.js';
import { slackSignature, slashCommandBody } from '../test/support/slack-request.js';
import { startPaceProxy } from './ask-pace.js';
import { BENCH_MODEL, BENCH_SIGNING_SECRET, benchQuestion, type AskResult, type BaselineResult, type FromChild, type LoadSettings, type ToChild } from './ask-ipc.js';

function numEnv(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return n;
}

const settings: LoadSettings = {
  ttftMs: numEnv('ASK_BENCH_TTFT_MS', 300),
  streamMs: numEnv('ASK_BENCH_STREAM_MS', 1500),
  repeat: Math.max(1, Math.round(numEnv('ASK_BENCH_REPEAT', 8))),
};
/** A phase that runs past this reports what it has (the parent aborts the whole bench at ASK_BENCH_TIMEOUT_S). */
const PHASE_TIMEOUT_MS = Math.max(5, numEnv('ASK_BENCH_TIMEOUT_S', 120) * 0.6) * 1000;
/** Close to routeops' own system prompt (src/features/ask/engine.ts), so the baseline sends as much. */
const SYSTEM_PROMPT =
  'You are routeops, an assistant in a team Slack workspace. Answer concisely and accurately. ' +
  "When tools are offered, use them for any question about the team's LLM spend, routes, prices or model retirements, and answer from their results only.";

const send = (m: FromChild) => process.send!(m);
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

const sim = await startSimulator({ host: '127.0.0.1' });
const proxy = await startPaceProxy({ upstream: sim.url, ...settings });
const slack = await startFakeSlack();
const bases: Record<string, string> = {};
for (const p of PROFILE_NAMES) bases[p] = sim.baseUrl(p).replace(sim.url, proxy.url);

// The driver speaks node:http over keep-alive connections opened before the burst (see warm()),
// so an ack's time is routeops' time, not the cost of 200 fetch() calls and TCP handshakes in
// this process (measured against a server that acks at once, the floor is printed too).
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, keepAliveMsecs: 1000 });

function post(url: URL, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens n keep-alive connections to the server (n concurrent GET /healthz) for the next burst. */
async function warm(base: string, n: number): Promise<void> {
  const url = new URL('/healthz', base);
  await Promise.all(
    Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
      const req = http.get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
    })),
  );
}

type Block = { type?: string; text?: { text?: string }; elements?: Array<{ text?: string }> };
const HEADING = /^<@([A-Z0-9]+)> asked:/;

/** The asker of an update (from the heading block), whether it is final, whether it shows answer text. */
function classify(c: RecordedCall): { user: string; final: boolean; error: boolean; text: boolean; blocks: Block[] } | null {
  const blocks = (c.body.blocks as Block[] | undefined) ?? [];
  const user = HEADING.exec(blocks[0]?.elements?.[0]?.text ?? '')?.[1];
  if (!user) return null;
  const error = blocks.some((b) => /No answer|budget|not a routeops/.test(b.text?.text ?? ''));
  const final = (blocks.length > 1 && blocks.at(-1)?.type === 'context') || error;
  const text = blocks.some((b) => b.type === 'section' && !!b.text?.text && b.text.text !== '_Thinking…_');
  return { user, final, error, text, blocks };
}

async function runAsks(phase: string, n: number, url: string, ackOnly = false): Promise<AskResult> {
  const fromCall = slack.calls.length;
  const fromStreams = proxy.streams;
  const fromEvents = proxy.events;
  const users = Array.from({ length: n }, (_, i) => `UB${phase.toUpperCase()}${String(i).padStart(5, '0')}`);
  const index = new Map(users.map((u, i) => [u, i]));
  const sentAt = new Array<number>(n).fill(0);
  const answerMs = new Array<number>(n).fill(NaN);
  const firstTextMs = new Array<number>(n).fill(NaN);
  const acks: number[] = [];
  const ackFailures: string[] = [];
  let answered = 0;
  let errors = 0;
  let sampleAnswerChars = 0;
  let sampleFooter = '';
  let seen = fromCall;
  let lastAt = 0;

  const cpu0 = process.cpuUsage();
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const scan = () => {
    for (; seen < slack.calls.length; seen++) {
      const c = slack.calls[seen]!;
      if (c.method !== 'chat.update') continue;
      const k = classify(c);
      const i = k ? index.get(k.user) : undefined;
      if (!k || i === undefined) continue;
      const now = performance.now();
      if (k.text && Number.isNaN(firstTextMs[i]!)) firstTextMs[i] = now - sentAt[i]!;
      if (k.final && Number.isNaN(answerMs[i]!)) {
        answerMs[i] = now - sentAt[i]!;
        lastAt = now;
        answered++;
        if (k.error) errors++;
        if (!sampleFooter && !k.error) {
          sampleAnswerChars = k.blocks.slice(1, -1).reduce((s, b) => s + (b.text?.text?.length ?? 0), 0);
          sampleFooter = k.blocks.at(-1)?.elements?.[0]?.text ?? '';
        }
      }
    }
    if (ackOnly || answered + ackFailures.length >= n) resolveDone();
  };
  const poll = setInterval(scan, 10);

  const endpoint = new URL('/slack/events', url);
  const ts = Math.floor(Date.now() / 1000);
  const signed = users.map((user, i) => {
    const body = slashCommandBody({ command: '/ask', text: benchQuestion(phase, i), user_id: user, channel_id: 'C0BENCH', response_url: `${slack.baseUrl}/respond/${randomUUID()}` });
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(BENCH_SIGNING_SECRET, ts, body) };
    return { body, headers };
  });
  const t0 = performance.now();
  await Promise.all(
    signed.map(async ({ body, headers }, i) => {
      sentAt[i] = performance.now();
      try {
        const res = await post(endpoint, body, headers);
        const ms = performance.now() - sentAt[i]!;
        if (res.status === 200 && res.text === '') acks.push(ms);
        else ackFailures.push(`HTTP ${res.status} ${res.text.slice(0, 80)}`);
      } catch (err) {
        ackFailures.push((err as Error).message);
      }
    }),
  );

  let timedOut = false;
  const limit = setTimeout(() => {
    timedOut = true;
    resolveDone();
  }, PHASE_TIMEOUT_MS);
  scan();
  await done;
  clearTimeout(limit);
  clearInterval(poll);
  const slackCalls: Record<string, number> = {};
  for (const c of slack.calls.slice(fromCall)) slackCalls[c.method] = (slackCalls[c.method] ?? 0) + 1;
  return {
    phase,
    n,
    acks,
    ackFailures,
    answered,
    errors,
    lastAnswerMs: lastAt ? lastAt - t0 : NaN,
    answerMs: answerMs.filter((x) => !Number.isNaN(x)),
    firstTextMs: firstTextMs.filter((x) => !Number.isNaN(x)),
    slackCalls,
    upstreamStreams: proxy.streams - fromStreams,
    eventsPerStream: (proxy.events - fromEvents) / Math.max(1, proxy.streams - fromStreams),
    childCpuMs: cpuMs(process.cpuUsage(cpu0)),
    timedOut,
    sampleAnswerChars,
    sampleFooter,
  };
}

async function runBaseline(phase: string, n: number): Promise<BaselineResult> {
  const client = new OpenAI({ apiKey: 'sk-sim-deepseek', baseURL: bases['deepseek']!, maxRetries: 0, timeout: PHASE_TIMEOUT_MS });
  const failures: string[] = [];
  const perStreamMs: number[] = [];
  let contentChars = 0;
  let lastAt = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const all = Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const started = performance.now();
      try {
        const stream = await client.chat.completions.create({
          model: BENCH_MODEL,
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: benchQuestion(phase, i) },
          ],
          max_tokens: 4096,
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
        contentChars += text.length;
        lastAt = performance.now();
        perStreamMs.push(lastAt - started);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, PHASE_TIMEOUT_MS)))]);
  clearTimeout(timer);
  return { phase, n, completed: perStreamMs.length, failures, lastMs: lastAt ? lastAt - t0 : NaN, perStreamMs, childCpuMs: cpuMs(process.cpuUsage(cpu0)), contentChars };
}

process.on('message', (raw) => {
  const m = raw as ToChild;
  void (async () => {
    try {
      if (m.type === 'ask') send({ type: 'askResult', id: m.id, result: await runAsks(m.phase, m.n, m.url, m.ackOnly) });
      else if (m.type === 'warm') {
        await warm(m.url, m.n);
        send({ type: 'warmed', id: m.id });
      } else if (m.type === 'baseline') send({ type: 'baselineResult', id: m.id, result: await runBaseline(m.phase, m.n) });
      else if (m.type === 'close') {
        await proxy.close();
        await sim.close();
        await slack.close();
        process.exit(0);
      }
    } catch (err) {
      send({ type: 'error', id: m.id, message: (err as Error).stack ?? String(err) });
    }
  })();
});
// The parent going away ends this process too.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', bases, slackApiUrl: slack.apiUrl, settings });
