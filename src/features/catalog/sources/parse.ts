// Reading one value of a source document: prices in the source's unit -> integer rates or
// nano-USD fees, dates, counts. Pure. A value that cannot be used is null ("not given"), never 0:
// 0 comes only from a source that says 0.
import { isDayForm, isValidDay } from '../../../domain/time/iso.js';
import { usdPerMillionToRate, usdPerThousandToNusd, usdPerTokenToRate, usdToNusd } from '../../../domain/money/units.js';

/** A decimal price as a string or a finite number; anything else is not a price. */
function decimal(value: unknown): number | string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  return null;
}

function convert(value: unknown, to: (v: number | string) => number): number | null {
  const v = decimal(value);
  if (v === null) return null;
  try {
    return to(v);
  } catch {
    return null; // negative, not decimal, or out of range
  }
}

/**
 * A USD-per-token price (OpenRouter, LiteLLM; string or number) -> integer rate, or null when the
 * source gives no usable price: missing, empty, negative (OpenRouter uses "-1" for "varies", e.g.
 * openrouter/auto), or not a number. "0" stays 0 (free).
 */
export const parseTokenPrice = (value: unknown): number | null => convert(value, usdPerTokenToRate);

/** A USD-per-million-tokens price (models.dev, genai-prices) -> integer rate, or null as above. */
export const parseMillionPrice = (value: unknown): number | null => convert(value, usdPerMillionToRate);

/** USD per request (OpenRouter `request`) -> nano-USD, or null as above. */
export const parseRequestFee = (value: unknown): number | null => {
  const nusd = convert(value, usdToNusd);
  return nusd !== null && nusd >= 0 ? nusd : null;
};

/** USD per thousand requests (genai-prices `requests_kcount`) -> nano-USD per request, or null as above. */
export const parseKcountFee = (value: unknown): number | null => convert(value, usdPerThousandToNusd);

export function positiveInt(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : null;
}

/**
 * "2026-01-15" / ISO text -> ISO-8601 UTC; a bare date is the start of that day UTC. Other text
 * is read by Date.parse (lenient: a source's date is taken where it can be read); unreadable
 * text is no expiry, not a rejected document.
 */
export function parseExpiry(v: unknown): string | null {
  if (typeof v !== 'string' || v.trim() === '') return null;
  const text = v.trim();
  const ms = isDayForm(text) ? Date.parse(`${text}T00:00:00.000Z`) : Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/**
 * A source's own date for an entry (models.dev `last_updated`, genai `prices_checked`):
 * "YYYY-MM-DD" or "YYYY-MM" kept as written when it is a real date, else null.
 */
export function parseSourceDay(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const text = v.trim();
  if (isValidDay(text)) return text;
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(text) ? text : null;
}
