// Normalised catalog facts. Prices here are integer rates (pico-USD per token, see
// money/units.ts); the decimal USD-per-million inputs of config and built-in data are converted
// once, in catalog.ts.

/** Integer rates of one price (pico-USD per token). */
export interface Rates {
  input: number;
  /** Cache-hit input. Equals `input` when the source gives no separate cache price. */
  cached_input: number;
  /** Prompt tokens written to the cache. Equals `input` when the source gives no cache-write price. */
  cache_write: number;
  output: number;
  /** Reasoning tokens priced apart from the rest of the output; null = billed as output. */
  reasoning_output: number | null;
  /** All output of a thinking-mode request; null = no separate thinking price. */
  thinking_output: number | null;
}

export interface PriceTier {
  /** Applies when the request's prompt tokens (input_tokens) are above this (or equal, if inclusive). */
  above: number;
  /** Written `at_least: N` (N or more) rather than `above: N` (more than N). */
  inclusive: boolean;
  rates: Rates;
}

export interface PriceWindow {
  /** As written, "01:00-04:00" (UTC). */
  spec: string;
  /** UTC minute of day, inclusive. */
  fromMinute: number;
  /** UTC minute of day, exclusive (1440 = end of day). */
  toMinute: number;
  /** UTC days of the week it applies on, bit d = Date#getUTCDay() d (0 = Sunday); 127 = every day. */
  days: number;
  /** Not on the version's holidays (windows of a schedule); every-day windows ignore holidays. */
  skipsHolidays: boolean;
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
  /** Sorted by fromMinute; no two apply at the same minute of the same day. */
  windows: PriceWindow[];
  /** UTC dates "YYYY-MM-DD", sorted, on which schedule windows do not apply. */
  holidays: string[];
  /** The same dates as days since 1970-01-01, sorted (for the per-row lookup). */
  holidayDays: number[];
  /** Fee per call that used tokens, nano-USD (0 = none). */
  perRequestNusd: number;
  /** Where the price came from (page and date, "config file", importer name). */
  source: string;
  /** When the price was last confirmed at its source ("YYYY-MM-DD" or "YYYY-MM"); null when nobody said. */
  checked: string | null;
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
