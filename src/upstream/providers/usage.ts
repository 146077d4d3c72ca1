// Usage normalisation: every shape listed in docs/PROVIDERS.md §1 "Where usage arrives" into one
// NormalizedUsage. Pure; unknown extra fields are ignored.
import type { NormalizedUsage } from './types.js';
import { isJsonObject } from '../../domain/json.js';


function count(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.round(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return null;
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
 * Normalises a provider's `usage` object:
 * - DeepSeek: top-level `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens` (plus
 *   `prompt_tokens_details.cached_tokens` in 2026), `completion_tokens_details.reasoning_tokens`
 * - Qwen / GLM / OpenAI: `prompt_tokens_details.cached_tokens`; GLM has no reasoning detail
 *   (reasoning counted inside completion_tokens, so reasoning_tokens is 0: unknown split)
 * - Kimi: top-level `cached_tokens`
 * - OpenRouter: `cost` (number, USD) -> decimal string; `reasoning_tokens` in details or top level
 * Returns null when there are no token counts at all.
 */
export function normalizeUsage(raw: unknown): NormalizedUsage | null {
  if (!isJsonObject(raw)) return null;
  const ptd = isJsonObject(raw['prompt_tokens_details']) ? raw['prompt_tokens_details'] : {};
  const ctd = isJsonObject(raw['completion_tokens_details']) ? raw['completion_tokens_details'] : {};
  const hit = count(raw['prompt_cache_hit_tokens']);
  const miss = count(raw['prompt_cache_miss_tokens']);
  let input = count(raw['prompt_tokens']) ?? count(raw['input_tokens']);
  if (input === null && (hit !== null || miss !== null)) input = (hit ?? 0) + (miss ?? 0);
  let output = count(raw['completion_tokens']) ?? count(raw['output_tokens']);
  const total = count(raw['total_tokens']);
  if (input === null && output === null) return null;
  if (output === null && input !== null && total !== null && total >= input) output = total - input;
  if (input === null && output !== null && total !== null && total >= output) input = total - output;
  const inTokens = input ?? 0;
  const outTokens = output ?? 0;

  const cached = hit ?? count(ptd['cached_tokens']) ?? count(raw['cached_tokens']) ?? 0;
  const reasoning = count(ctd['reasoning_tokens']) ?? count(raw['reasoning_tokens']) ?? 0;
  return {
    input_tokens: inTokens,
    cached_input_tokens: Math.min(cached, inTokens),
    output_tokens: outTokens,
    reasoning_tokens: Math.min(reasoning, outTokens),
    provider_cost_usd: toDecimalString(raw['cost']),
  };
}
