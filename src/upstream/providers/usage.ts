// Usage normalisation: every shape listed in docs/PROVIDERS.md §1 "Where usage arrives" into one
// NormalizedUsage. Pure; unknown extra fields are ignored. Usage is taken only when it is whole and
// believable: counts beyond any real request (the ingest bounds, MAX_TOKENS / MAX_COST_USD) make it
// invalid, and negative or non-numeric counts are as good as absent, so the row says "usage
// missing" instead of pricing zeros (docs/ARCHITECTURE.md §3.5).
import type { NormalizedUsage } from './types.js';
import { isJsonObject } from '../../domain/json.js';
import { MAX_COST_USD, MAX_TOKENS } from '../../domain/usage-rows/rows.js';

/** What a reply's usage gave: the usage, or null with, when it was beyond belief, why. */
export interface UsageReading {
  usage: NormalizedUsage | null;
  /** Set when a count or cost was beyond any real request; usage is then null. */
  invalid?: string;
}

/** A count that is far beyond any real request (thrown inside readUsage, caught there). */
class Unbelievable extends Error {}

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : String(v));

/** A token count: a non-negative number or digit string; null when absent or not usable (negative, "NaN", text). */
function count(v: unknown, name: string): number | null {
  let n: number;
  if (typeof v === 'number' && v >= 0) n = v;
  else if (typeof v === 'string' && /^\d+$/.test(v)) n = Number(v);
  else return null;
  // Infinity (1e400 parses to it) included; 2^53 and beyond is past MAX_TOKENS too.
  if (!(n <= MAX_TOKENS)) throw new Unbelievable(`${name} ${show(v)} is over ${MAX_TOKENS.toLocaleString('en-US')}`);
  // Tokens come whole: a fraction means the numbers are not what was billed.
  if (!Number.isInteger(n)) throw new Unbelievable(`${name} ${show(v)} is not a whole number of tokens`);
  return n;
}

/**
 * A number as a plain decimal string (no exponent): 1.5e-7 -> "0.00000015". Strings that are
 * already decimals are kept as sent.
 */
export function toDecimalString(v: unknown): string | null {
  if (typeof v === 'string') return /^-?\d+(\.\d+)?$/.test(v.trim()) ? v.trim() : null;
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac = '', expStr] = m as unknown as [string, string, string, string | undefined, string];
  const exp = Number(expStr);
  const digits = lead + frac;
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intLen = 1 + exp;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

/**
 * Reads a provider's `usage` object:
 * - DeepSeek: top-level `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens` (plus
 *   `prompt_tokens_details.cached_tokens` in 2026), `completion_tokens_details.reasoning_tokens`
 * - Qwen / GLM / OpenAI: `prompt_tokens_details.cached_tokens`; GLM has no reasoning detail
 *   (reasoning counted inside completion_tokens, so reasoning_tokens is 0: unknown split)
 * - Kimi: top-level `cached_tokens`
 * - cache writes: OpenRouter `prompt_tokens_details.cache_write_tokens`, Qwen's explicit cache
 *   `prompt_tokens_details.cache_creation_input_tokens` (both part of prompt_tokens)
 * - OpenRouter: `cost` (number, USD) -> decimal string; `reasoning_tokens` in details or top level
 * Both the prompt and the completion count are needed, sent or derived (cache hit + miss, total
 * minus the other); without them the usage is null (missing). A negative or non-numeric detail
 * (cached, reasoning) or cost counts as not sent.
 */
export function readUsage(raw: unknown): UsageReading {
  if (!isJsonObject(raw)) return { usage: null };
  try {
    return { usage: usageOf(raw) };
  } catch (err) {
    if (err instanceof Unbelievable) return { usage: null, invalid: `usage beyond any real request: ${err.message}` };
    throw err;
  }
}

/** readUsage's usage alone. */
export function normalizeUsage(raw: unknown): NormalizedUsage | null {
  return readUsage(raw).usage;
}

function usageOf(raw: Record<string, unknown>): NormalizedUsage | null {
  const ptd = isJsonObject(raw['prompt_tokens_details']) ? raw['prompt_tokens_details'] : {};
  const ctd = isJsonObject(raw['completion_tokens_details']) ? raw['completion_tokens_details'] : {};
  // Every count is read before any is used, so one beyond belief makes the whole usage invalid
  // wherever it is.
  const n = {
    prompt: count(raw['prompt_tokens'], 'prompt_tokens'),
    input: count(raw['input_tokens'], 'input_tokens'),
    completion: count(raw['completion_tokens'], 'completion_tokens'),
    output: count(raw['output_tokens'], 'output_tokens'),
    total: count(raw['total_tokens'], 'total_tokens'),
    hit: count(raw['prompt_cache_hit_tokens'], 'prompt_cache_hit_tokens'),
    miss: count(raw['prompt_cache_miss_tokens'], 'prompt_cache_miss_tokens'),
    cachedDetail: count(ptd['cached_tokens'], 'prompt_tokens_details.cached_tokens'),
    cachedTop: count(raw['cached_tokens'], 'cached_tokens'),
    writeDetail: count(ptd['cache_write_tokens'], 'prompt_tokens_details.cache_write_tokens'),
    creationDetail: count(ptd['cache_creation_input_tokens'], 'prompt_tokens_details.cache_creation_input_tokens'),
    reasoningDetail: count(ctd['reasoning_tokens'], 'completion_tokens_details.reasoning_tokens'),
    reasoningTop: count(raw['reasoning_tokens'], 'reasoning_tokens'),
  };
  const cost = toDecimalString(raw['cost']);
  if (cost !== null && Number(cost) > MAX_COST_USD) throw new Unbelievable(`cost ${show(raw['cost'])} is over ${MAX_COST_USD.toLocaleString('en-US')} USD`);
  const { total, hit, miss } = n;
  const cached = hit ?? n.cachedDetail ?? n.cachedTop ?? 0;
  const reasoning = n.reasoningDetail ?? n.reasoningTop ?? 0;

  let input = n.prompt ?? n.input ?? (hit !== null && miss !== null ? hit + miss : null);
  let output = n.completion ?? n.output;
  if (output === null && input !== null && total !== null && total >= input) output = total - input;
  if (input === null && output !== null && total !== null && total >= output) input = total - output;
  if (input === null || output === null) return null;
  if (input > MAX_TOKENS) throw new Unbelievable(`prompt tokens ${input} are over ${MAX_TOKENS.toLocaleString('en-US')}`);
  return {
    input_tokens: input,
    cached_input_tokens: Math.min(cached, input),
    cache_write_tokens: Math.min(n.writeDetail ?? n.creationDetail ?? 0, input - Math.min(cached, input)),
    output_tokens: output,
    reasoning_tokens: Math.min(reasoning, output),
    // A negative cost is no cost the provider could have billed.
    provider_cost_usd: cost !== null && !cost.startsWith('-') ? cost : null,
  };
}
