// Normalised catalog facts. Prices here are integer rates (pico-USD per token, see
// money/units.ts); the decimal USD-per-million inputs of config and built-in data are converted
// once, in catalog.ts.

/** Integer rates of one price (pico-USD per token). */
export interface Rates {
  input: number;
  /** Cache-hit input. Equals `input` when the source gives no separate cache price. */
  cached_input: number;
  output: number;
  /** Reasoning tokens priced apart from the rest of the output; null = billed as output. */
  reasoning_output: number | null;
  /** All output of a thinking-mode request; null = no separate thinking price. */
  thinking_output: number | null;
}

export interface PriceTier {
  /** Applies when the request's prompt tokens (input_tokens) are strictly above this. */
  above: number;
  rates: Rates;
}

export interface PriceWindow {
  /** As written, "01:00-04:00" (UTC). */
  spec: string;
  /** UTC minute of day, inclusive. */
  fromMinute: number;
  /** UTC minute of day, exclusive (1440 = end of day). */
  toMinute: number;
  rates: Rates;
}

/** One dated price of a (provider, model); in force from `effective` until the next version. */
export interface PriceVersion {
  /** "provider/model@ISO", e.g. "deepseek/deepseek-v4-flash@2026-04-26T00:00:00.000Z". */
  id: string;
  provider: string;
  model: string;
  /** ISO-8601 UTC (Date#toISOString form). */
  effective: string;
  effectiveMs: number;
  base: Rates;
  /** Sorted ascending by `above`. */
  tiers: PriceTier[];
  /** Sorted by fromMinute, non-overlapping. */
  windows: PriceWindow[];
  /** Where the price came from (page and date, "config file", importer name). */
  source: string;
}

export interface Retirement {
  provider: string;
  model: string;
  /** ISO-8601 UTC: calls fail from this instant on. */
  at: string;
  atMs: number;
  /** Model id (same provider) to move to, if one is named. */
  replacement: string | null;
  /** Thinking on/off when the replacement answers (deepseek-chat was v4-flash without it); null = its default. */
  replacementThinking: boolean | null;
  source: string;
}
