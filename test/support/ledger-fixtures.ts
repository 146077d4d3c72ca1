// Shared fixtures for the db and ledger tests: a real SQLite file in a temp folder (store.ts), a fake
// pricer, exact decimal USD -> nano-USD, and a seeded PRNG (tests never use Math.random).
import type { Db } from '../../src/store/open.js';
import type { Pricer, UsageInput } from '../../src/store/ledger.js';
import { SqliteLedger } from '../../src/store/ledger/sqlite-ledger.js';
import { makeZone } from '../../src/domain/time/zone.js';

export { tempDb } from './store.js';

/** 1 nano-USD per token (input + output); models whose name starts with "free-" have no price. */
export const fakePrice: Pricer = (row) =>
  row.model.startsWith('free-')
    ? { cost_nusd: null, price_version: null }
    : { cost_nusd: row.input_tokens + row.output_tokens, price_version: 'test-v1' };

/** Exact decimal USD -> nano-USD (rounds half up past the 9th decimal). */
export function usdToNusd(v: string | number): number {
  const s = typeof v === 'number' ? v.toFixed(10) : v.trim();
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) throw new Error(`not a decimal amount: ${s}`);
  const frac = (m[2] ?? '').padEnd(10, '0');
  let n = BigInt(m[1]!) * 1_000_000_000n + BigInt(frac.slice(0, 9));
  if (Number(frac[9]) >= 5) n += 1n;
  return Number(n);
}

export function makeLedger(db: Db, zoneName = 'UTC', price: Pricer = fakePrice): SqliteLedger {
  return new SqliteLedger({ db, zone: makeZone(zoneName), price, usdToNusd });
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * n varied rows over `days` days from `start` (UTC ms): several providers and models (some
 * unpriced), users and routes sometimes missing, provider costs sometimes reported, some
 * duplicate request ids.
 */
export function randomRows(n: number, seed: number, start = Date.UTC(2026, 2, 1), days = 10): UsageInput[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const providers = ['deepseek', 'qwen-intl', 'openrouter'] as const;
  const models = ['chat', 'reasoner', 'free-mini'] as const;
  const users = ['U1', 'U2', 'U3', undefined] as const;
  const routes = ['fast', 'smart', undefined, undefined] as const;
  const rows: UsageInput[] = [];
  for (let i = 0; i < n; i++) {
    const input = Math.floor(rand() * 5000);
    const output = Math.floor(rand() * 2000);
    const reported = rand() < 0.3;
    rows.push({
      ts: new Date(start + Math.floor(rand() * days * 86_400_000)).toISOString(),
      provider: pick(providers),
      model: pick(models),
      input_tokens: input,
      cached_input_tokens: Math.floor(input * rand() * 0.5),
      output_tokens: output,
      reasoning_tokens: Math.floor(output * rand() * 0.3),
      thinking: rand() < 0.2,
      cost_usd: reported ? `0.${String(Math.floor(rand() * 1e6)).padStart(6, '0')}` : undefined,
      user: pick(users),
      route: pick(routes),
      request_id: rand() < 0.8 ? `req-${Math.floor(rand() * n * 2)}` : undefined,
      status: rand() < 0.95 ? 'ok' : 'error',
      latency_ms: Math.floor(rand() * 3000),
    });
  }
  return rows;
}
