// The simulator's own price list: what its prepaid providers deduct from their balances for a
// call, per million tokens in the account's currency (the simulator does not convert: a Kimi
// account switched to CNY is charged the same figures in CNY). Flat at every hour: DeepSeek's
// off-peak rates (docs/PROVIDERS.md §2 "Off-peak is half of peak"; the simulator has no peak
// hours), Kimi's list prices, and for OpenRouter the deepseek-v4-flash list price behind the
// `usage.cost` it reports on every reply. A model without an entry of its own (e.g. one a test
// serves with setModels) is charged at its profile's default. Tests and `routeops sim` users
// replace an entry with POST /_sim/balance/<profile>/prices (balance-control.ts), e.g. to make
// routeops' prices stale. Amounts are exact (amounts.ts).
import { parsePerMillion } from './amounts.js';
import type { SimUsage } from './profile.js';

/** Femto-units per token (= nano-units per million tokens). */
export interface SimRate {
  input: bigint;
  cachedInput: bigint;
  output: bigint;
}

/** The profiles that keep a balance (the others have no balance API: docs/PROVIDERS.md §6). */
export const BALANCE_PROFILES = ['deepseek', 'kimi', 'openrouter'] as const;
export type BalanceProfile = (typeof BALANCE_PROFILES)[number];

export function isBalanceProfile(p: string): p is BalanceProfile {
  return (BALANCE_PROFILES as readonly string[]).includes(p);
}

/** A rate from prices per million tokens as decimal strings; throws on a bad one (a typo in this file). */
export function rate(input: string, cachedInput: string, output: string): SimRate {
  const [i, c, o] = [input, cachedInput, output].map(parsePerMillion);
  if (i == null || c == null || o == null) throw new Error(`bad simulator price ${input}/${cachedInput}/${output}`);
  return { input: i, cachedInput: c, output: o };
}

// docs/PROVIDERS.md §2: deepseek-flash off-peak 0.003 / 0.15 / 0.60 (cache hit / input / output);
// "the legacy names … are billed at Flash prices"; deepseek-v4-pro off-peak 0.022 / 0.66 / 1.98.
const DEEPSEEK_FLASH = rate('0.15', '0.003', '0.60');
// docs/PROVIDERS.md §2: Kimi K2.5 0.10 / 0.60 / 3.00, K2.6 0.16 / 0.95 / 4.00 (cache hit / input / output).
const KIMI_K25 = rate('0.60', '0.10', '3.00');
/** OpenRouter's reported `usage.cost` rate: deepseek-v4-flash list price, docs/PROVIDERS.md §2 (0.14 / 0.0028 / 0.28). */
export const OPENROUTER_RATE = rate('0.14', '0.0028', '0.28');

export const SIM_PRICES: Record<BalanceProfile, { default: SimRate; models: Record<string, SimRate> }> = {
  deepseek: {
    default: DEEPSEEK_FLASH,
    models: {
      'deepseek-flash': DEEPSEEK_FLASH,
      'deepseek-v4-flash': DEEPSEEK_FLASH,
      'deepseek-chat': DEEPSEEK_FLASH,
      'deepseek-reasoner': DEEPSEEK_FLASH,
      'deepseek-v4-pro': rate('0.66', '0.022', '1.98'),
    },
  },
  kimi: {
    default: KIMI_K25,
    models: {
      'kimi-k2.5': KIMI_K25,
      'kimi-k2.6': rate('0.95', '0.16', '4.00'),
      // No cache price listed (the catalog's genai-prices entry): cache hits at the input price.
      'moonshot-v1-8k': rate('0.20', '0.20', '2.00'),
    },
  },
  openrouter: { default: OPENROUTER_RATE, models: {} },
};

/** What a call costs at a rate, in femto-units: uncached input, cache hits and output (reasoning is output). */
export function costAt(r: SimRate, u: SimUsage): bigint {
  const cached = BigInt(Math.min(u.cached, u.prompt));
  return (BigInt(u.prompt) - cached) * r.input + cached * r.cachedInput + BigInt(u.completion) * r.output;
}
