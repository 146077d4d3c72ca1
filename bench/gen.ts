// Synthetic usage rows for the ledger benchmark: a seeded PRNG (never Math.random), rows in
// time order over one year, generated batch by batch so 10M rows are never held in memory.
import type { UsageInput } from '../src/store/ledger.js';

/** sfc32: a small seeded PRNG with 128 bits of state, floats in [0, 1). */
export function sfc32(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

/** A 32-bit integer hash (lowbias32): a bijection, so distinct inputs give distinct outputs. */
export function mix32(x: number): number {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

interface ModelSpec {
  provider: string;
  model: string;
  /** Relative share of the traffic. */
  weight: number;
  /** Share of rows with reasoning tokens, and the reasoning part of output when they have some. */
  reasoning?: number;
  /** Share of rows sent in thinking mode. */
  thinking?: number;
  /** OpenRouter: share of rows carrying the provider-reported cost, and USD per million tokens for it. */
  reportedCost?: { share: number; input: number; output: number };
}

/**
 * 30 models over 5 providers. The catalog prices deepseek-v4-flash/-pro, deepseek-chat/-reasoner,
 * qwen-plus, kimi-k2.5/-k2.6 and glm-4.7/-5 (DeepSeek from 2026-04-24 on); the rest are "not
 * priced" unless they are OpenRouter rows with a reported cost.
 */
export const MODELS: readonly ModelSpec[] = [
  { provider: 'deepseek', model: 'deepseek-v4-flash', weight: 30 },
  { provider: 'deepseek', model: 'deepseek-v4-pro', weight: 8, reasoning: 0.5 },
  { provider: 'deepseek', model: 'deepseek-chat', weight: 5 },
  { provider: 'deepseek', model: 'deepseek-reasoner', weight: 3, reasoning: 1 },
  { provider: 'deepseek', model: 'deepseek-coder-lite', weight: 1 },
  { provider: 'deepseek', model: 'deepseek-v3-legacy', weight: 0.5 },
  { provider: 'qwen-intl', model: 'qwen-plus', weight: 12, thinking: 0.2, reasoning: 0.2 },
  { provider: 'qwen-intl', model: 'qwen-max', weight: 2 },
  { provider: 'qwen-intl', model: 'qwen-turbo', weight: 2 },
  { provider: 'qwen-intl', model: 'qwen3-coder-plus', weight: 1.5 },
  { provider: 'qwen-intl', model: 'qwen-flash', weight: 1 },
  { provider: 'qwen-intl', model: 'qwen-vl-plus', weight: 0.5 },
  { provider: 'moonshot', model: 'kimi-k2.5', weight: 5 },
  { provider: 'moonshot', model: 'kimi-k2.6', weight: 6, reasoning: 0.3 },
  { provider: 'moonshot', model: 'moonshot-v1-8k', weight: 1 },
  { provider: 'moonshot', model: 'moonshot-v1-32k', weight: 0.7 },
  { provider: 'moonshot', model: 'moonshot-v1-128k', weight: 0.5 },
  { provider: 'moonshot', model: 'kimi-latest', weight: 0.5 },
  { provider: 'zai', model: 'glm-4.7', weight: 5 },
  { provider: 'zai', model: 'glm-5', weight: 4, reasoning: 0.4 },
  { provider: 'zai', model: 'glm-4.5-air', weight: 1.5 },
  { provider: 'zai', model: 'glm-4.6', weight: 1 },
  { provider: 'zai', model: 'glm-z1-flash', weight: 0.5, reasoning: 1 },
  { provider: 'zai', model: 'glm-4v', weight: 0.3 },
  { provider: 'openrouter', model: 'qwen/qwen-plus', weight: 2, reportedCost: { share: 0.95, input: 0.4, output: 1.2 } },
  { provider: 'openrouter', model: 'deepseek/deepseek-v4-flash', weight: 2, reportedCost: { share: 0.95, input: 0.3, output: 0.9 } },
  { provider: 'openrouter', model: 'moonshotai/kimi-k2.6', weight: 1.5, reportedCost: { share: 0.9, input: 1.0, output: 4.2 } },
  { provider: 'openrouter', model: 'z-ai/glm-5', weight: 1, reportedCost: { share: 0.9, input: 1.05, output: 3.4 } },
  { provider: 'openrouter', model: 'meta-llama/llama-4-maverick', weight: 0.7, reportedCost: { share: 0.8, input: 0.15, output: 0.6 } },
  { provider: 'openrouter', model: 'mistralai/mistral-large', weight: 0.3 },
];

export const PROVIDERS = [...new Set(MODELS.map((m) => m.provider))];
export const USER_COUNT = 200;

const ROUTES = [
  'chat-default', 'chat-fast', 'coding', 'code-review', 'summarize', 'support-bot', 'sales-assist', 'translate',
  'extract', 'classify', 'batch-eval', 'rag-search', 'long-context', 'agent-planner', 'agent-tools', 'nightly-report',
];
const CHANNELS = ['C0GENERAL', 'C0ENG', 'C0SUPPORT', 'C0SALES', 'C0DATA', 'C0OPS', 'C0LEGAL', 'C0FINANCE'];
const ERRORS = ['upstream 429: rate limited', 'upstream 500: internal error', 'timeout after 60000 ms', 'upstream 400: context length exceeded'];

export interface GeneratorOptions {
  seed: number;
  /** Rows in all. */
  rows: number;
  /** First and last instant (ms) of the data; rows are spread evenly and in order in between. */
  fromMs: number;
  toMs: number;
  /** Prefix of request ids, so separate runs of the generator never share one. */
  idPrefix: string;
}

/** Rows in time order; next(k) returns the next k rows (fewer at the end, [] when done). */
export class UsageGenerator {
  private readonly rnd: () => number;
  private readonly stepMs: number;
  private readonly cumulative: Float64Array;
  private readonly users: string[];
  private readonly userCumulative: Float64Array;
  private i = 0;

  constructor(private readonly opts: GeneratorOptions) {
    this.rnd = sfc32(opts.seed);
    this.stepMs = (opts.toMs - opts.fromMs) / opts.rows;
    let sum = 0;
    this.cumulative = Float64Array.from(MODELS, (m) => (sum += m.weight));
    for (let k = 0; k < this.cumulative.length; k++) this.cumulative[k]! /= sum;
    this.users = Array.from({ length: USER_COUNT }, (_, k) => `U0${(100000 + k).toString(36).toUpperCase()}`);
    // Zipf-like: a few heavy users, a long tail.
    let usum = 0;
    this.userCumulative = Float64Array.from(this.users, (_, k) => (usum += 1 / Math.pow(k + 1, 0.9)));
    for (let k = 0; k < this.userCumulative.length; k++) this.userCumulative[k]! /= usum;
  }

  get generated(): number {
    return this.i;
  }

  private pick(cum: Float64Array): number {
    const u = this.rnd();
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** exp(N(mu, sigma)) via Box-Muller. */
  private logNormal(median: number, sigma: number): number {
    const u1 = this.rnd() || 1e-12;
    const u2 = this.rnd();
    return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
  }

  private requestId(i: number): string {
    // Random-looking like provider ids (so the unique index sees random inserts), unique by i.
    const h1 = mix32(i ^ 0x5bd1e995).toString(16).padStart(8, '0');
    const h2 = mix32(i + 0x27d4eb2f).toString(16).padStart(8, '0');
    return `${this.opts.idPrefix}${h1}${h2}-${i.toString(36)}`;
  }

  next(k: number): UsageInput[] {
    const out: UsageInput[] = [];
    const end = Math.min(this.opts.rows, this.i + k);
    const rnd = this.rnd;
    for (; this.i < end; this.i++) {
      const i = this.i;
      const m = MODELS[this.pick(this.cumulative)]!;
      const tsMs = Math.floor(this.opts.fromMs + (i + rnd()) * this.stepMs);
      const longContext = rnd() < 0.01;
      const input = Math.max(20, Math.min(longContext ? 250_000 : 120_000, Math.round(this.logNormal(longContext ? 60_000 : 1500, 1.2))));
      const cached = rnd() < 0.4 ? Math.floor(input * (0.2 + 0.7 * rnd())) : 0;
      const output = Math.max(1, Math.min(16_000, Math.round(this.logNormal(300, 1.0))));
      const reasoning = m.reasoning !== undefined && rnd() < m.reasoning ? Math.floor(output * (0.3 + 0.6 * rnd())) : 0;
      const row: UsageInput = {
        ts: new Date(tsMs).toISOString(),
        provider: m.provider,
        model: m.model,
        input_tokens: input,
        cached_input_tokens: cached,
        output_tokens: output,
        reasoning_tokens: reasoning,
        request_id: this.requestId(i),
        latency_ms: Math.round(this.logNormal(1800, 0.6)),
        ttft_ms: Math.round(this.logNormal(350, 0.5)),
      };
      if (m.thinking !== undefined && rnd() < m.thinking) row.thinking = true;
      if (rnd() < 0.95) row.user = this.users[this.pick(this.userCumulative)]!;
      if (rnd() < 0.85) row.route = ROUTES[Math.floor(rnd() * ROUTES.length)]!;
      if (rnd() < 0.5) row.channel = CHANNELS[Math.floor(rnd() * CHANNELS.length)]!;
      if (rnd() < 0.02) {
        row.status = 'error';
        row.error = ERRORS[Math.floor(rnd() * ERRORS.length)]!;
      }
      if (m.reportedCost && rnd() < m.reportedCost.share) {
        const usd = ((input * m.reportedCost.input + output * m.reportedCost.output) / 1e6) * (0.9 + 0.2 * rnd());
        // As OpenRouter reports it: a JSON number, at most 9 decimals.
        row.cost_usd = Math.round(usd * 1e9) / 1e9;
      }
      out.push(row);
    }
    return out;
  }
}

/** The rows as JSONL (one JSON object a line), as `routeops ledger import` reads them. */
export function toJsonl(rows: readonly UsageInput[]): string {
  let s = '';
  for (const r of rows) s += `${JSON.stringify(r)}\n`;
  return s;
}
