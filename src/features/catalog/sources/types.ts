// Normalised records of the outside price/model sources (OpenRouter /models, LiteLLM's price
// map, each provider's GET /models). Prices are integer rates (pico-USD per token, see
// money/units.ts), converted once from the source's USD-per-token values.
//
// A price component is null when the source does not give it. An entry whose input or output
// price is unknown is "not priced" (`priced: false`) and is never shown as $0; 0 appears only
// when the source itself says "0" (a free model).

export type SourceKind = 'openrouter' | 'litellm' | 'provider';

export type PriceComponent = 'input' | 'cached_input' | 'output' | 'reasoning_output';
export const PRICE_COMPONENTS: readonly PriceComponent[] = ['input', 'cached_input', 'output', 'reasoning_output'];

export interface SourceRates {
  input: number | null;
  /** Cache-hit input; null = the source gives no separate cache price (hits billed as input). */
  cached_input: number | null;
  output: number | null;
  /** Reasoning tokens priced apart; null = billed as output. */
  reasoning_output: number | null;
}

/** A prompt-size tier (LiteLLM `tiered_pricing`, `*_above_200k_tokens` keys). */
export interface SourceTier {
  /** Applies when the request's prompt tokens are strictly above this. */
  above: number;
  input: number | null;
  cached_input: number | null;
  output: number | null;
}

export interface SourceEntry {
  source: SourceKind;
  /** Our provider name where one corresponds (deepseek, qwen-intl, moonshot, zai, openrouter), else the source's. */
  provider: string;
  model: string;
  /** Context window (input tokens), null when unknown. */
  context: number | null;
  rates: SourceRates;
  /** True when both input and output prices are known. */
  priced: boolean;
  /** ISO-8601 UTC: OpenRouter expiration_date / LiteLLM deprecation_date; null when none. */
  expires_at: string | null;
  /** Sorted by `above`; empty when the source lists no tiers. */
  tiers: SourceTier[];
}

/**
 * One fetch of one source. `source` names the scope the listing is complete for: 'openrouter',
 * 'litellm', or 'models:<provider>' for a provider's own /models (presence only). A model absent
 * from a snapshot is absent from that scope, so scopes must never be mixed in one snapshot.
 */
export interface Snapshot {
  source: string;
  kind: SourceKind;
  /** ISO-8601 UTC time of the fetch. */
  fetched_at: string;
  /** Sorted by provider then model; (provider, model) unique. */
  entries: SourceEntry[];
}

/** A source that could not be read or understood. `message` is short and safe to show users. */
export class CatalogSourceError extends Error {
  constructor(
    message: string,
    readonly location?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CatalogSourceError';
  }
}

/** provider\0model: NUL cannot occur in either, so the key is unambiguous. */
export const entryKey = (provider: string, model: string): string => `${provider}\u0000${model}`;

export const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function sortEntries(entries: SourceEntry[]): SourceEntry[] {
  return entries.sort((a, b) => cmpStr(a.provider, b.provider) || cmpStr(a.model, b.model));
}

export const NO_RATES: Readonly<SourceRates> = Object.freeze({ input: null, cached_input: null, output: null, reasoning_output: null });
