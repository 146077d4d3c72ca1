// Normalised records of the outside price/model sources (OpenRouter /models, LiteLLM's price
// map, models.dev's api.json, pydantic's genai-prices data, each provider's GET /models). Their
// formats are described in test/fixtures/catalog/FORMATS.md. Prices are integer rates (pico-USD
// per token, see money/units.ts), converted once from the source's decimal values; a fee per
// request is integer nano-USD.
//
// A price component is null when the source does not give it. An entry whose input or output
// price is unknown is "not priced" (`priced: false`) and is never shown as $0; 0 appears only
// when the source itself says "0" (a free model).
import type { CatalogSourceName } from '../../../config/schema.js';

export type { CatalogSourceName };

export type SourceKind = CatalogSourceName | 'provider';

export type PriceComponent = 'input' | 'cached_input' | 'cache_write' | 'output' | 'reasoning_output';
export const PRICE_COMPONENTS: readonly PriceComponent[] = ['input', 'cached_input', 'cache_write', 'output', 'reasoning_output'];

export interface SourceRates {
  input: number | null;
  /** Cache-hit input; null = the source gives no separate cache price (hits billed as input). */
  cached_input: number | null;
  /** Prompt tokens written to the cache; null = the source gives no cache-write price. */
  cache_write: number | null;
  output: number | null;
  /** Reasoning tokens priced apart; null = billed as output. */
  reasoning_output: number | null;
}

/**
 * A prompt-size tier (LiteLLM `tiered_pricing` and `*_above_256k_tokens` keys, models.dev
 * `cost.tiers`, genai-prices tiered values): the whole request is billed at it.
 */
export interface SourceTier extends SourceRates {
  /** The boundary, in prompt tokens. */
  above: number;
  /** false: applies above `above` tokens (every source so far); true: at `above` tokens or more. */
  inclusive: boolean;
}

/** What a source says one (provider, model) costs at one moment. */
export interface SourcePrice {
  rates: SourceRates;
  /** Sorted by `above`; empty when the source lists no tiers. */
  tiers: SourceTier[];
  /** Fee per request in nano-USD (OpenRouter `request`, genai `requests_kcount`); null = none given. */
  per_request_nusd: number | null;
}

/** A UTC time of day with its own price (genai-prices' start_time/end_time constraints). */
export interface SourceWindow extends SourcePrice {
  /** "HH:MM-HH:MM" UTC, start included, end excluded, "…-24:00" ending at midnight. Never wraps: a source window past midnight is two windows. */
  utc: string;
  /** UTC minute of the day, included. */
  from_minute: number;
  /** UTC minute of the day, excluded (1440 = midnight). */
  to_minute: number;
}

/** A price the source dates to start later than the fetch (genai-prices start_date constraints). */
export interface SourcePhase extends SourcePrice {
  /** ISO-8601 UTC: the start of the source's date. */
  effective_from: string;
  windows: SourceWindow[];
}

export interface SourceEntry extends SourcePrice {
  source: SourceKind;
  /**
   * A routeops provider (deepseek, qwen-intl, moonshot, zai, openrouter …) when `mapped`, else
   * the source's own provider name (alibaba-cn, zhipuai, novita …).
   */
  provider: string;
  model: string;
  /** The source's own name for the entry: OpenRouter id, LiteLLM key, "<provider>/<model>" for models.dev and genai-prices. */
  source_key: string;
  /** True when a mapping rule (sources/mapping.ts: a default or `catalog.map`) names the routeops provider. */
  mapped: boolean;
  /** Context window (input tokens), null when unknown. */
  context: number | null;
  /** True when both input and output prices are known. */
  priced: boolean;
  /** Time-of-day prices replacing the base (`rates`, `tiers`, `per_request_nusd`) in their minutes. */
  windows: SourceWindow[];
  /** When the price above started, by the source's own date (genai start_date); null when it gives none. */
  effective_from: string | null;
  /** Prices the source dates after the fetch, in date order. */
  upcoming: SourcePhase[];
  /** ISO-8601 UTC: OpenRouter expiration_date / LiteLLM deprecation_date; null when none. */
  expires_at: string | null;
  /** The source marks the model deprecated (models.dev status "deprecated", genai `deprecated`). */
  deprecated: boolean;
  /** Provenance: when routeops read the source (ISO-8601 UTC). */
  fetched_at: string;
  /** Provenance: the source's own date for the entry ("YYYY-MM-DD" or "YYYY-MM": models.dev last_updated, genai prices_checked); null when none. */
  checked_at: string | null;
  /**
   * Read from a row stored before the fields of issue 13 (cache_write, per-request fee, windows,
   * provenance): compared with a new fetch on the older fields only (see price-changes.ts).
   */
  legacy?: true;
}

/**
 * One fetch of one source. `source` names the scope the listing is complete for: 'openrouter',
 * 'litellm', 'models_dev', 'genai_prices', or 'models:<provider>' for a provider's own /models
 * (presence only). A model absent from a snapshot is absent from that scope, so scopes must never
 * be mixed in one snapshot.
 */
export interface Snapshot {
  source: string;
  kind: SourceKind;
  /** ISO-8601 UTC time of the fetch. */
  fetched_at: string;
  /** The newest of the entries' own dates (`checked_at`); null when the source gives none. */
  checked_at?: string | null;
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

export const NO_RATES: Readonly<SourceRates> = Object.freeze({ input: null, cached_input: null, cache_write: null, output: null, reasoning_output: null });

export const isPriced = (r: SourceRates): boolean => r.input !== null && r.output !== null;

/** The newest of the entries' own dates; dates of one form ("YYYY-MM[-DD]") compare as text. */
export function newestCheckedAt(entries: readonly SourceEntry[]): string | null {
  let newest: string | null = null;
  for (const e of entries) if (e.checked_at !== null && (newest === null || e.checked_at > newest)) newest = e.checked_at;
  return newest;
}
