// Reading fields out of a balance reply, for the per-kind parsers: a dot path into the JSON, and
// an amount (decimal string or JSON number) into exact nano-units (src/domain/money/units.ts).
// A field that is missing or not an amount is a BalanceError naming the field.
import { decimalToNano } from '../../domain/money/units.js';
import { truncateForMessage } from '../../domain/text.js';
import { BalanceError } from './types.js';

/** Nano-units a SQLite INTEGER holds (int64): an amount beyond is refused, never wrapped. */
const MAX_NANO = 2n ** 63n - 1n;

/** The value at a dot path (`data.balance`, `items.0.amount`); undefined when any step is missing. */
export function atPath(body: unknown, path: string): unknown {
  let node: unknown = body;
  for (const step of path.split('.')) {
    if (Array.isArray(node) && /^\d+$/.test(step)) node = node[Number(step)];
    else if (typeof node === 'object' && node !== null && !Array.isArray(node) && Object.hasOwn(node, step)) node = (node as Record<string, unknown>)[step];
    else return undefined;
  }
  return node;
}

/** The parsers of one provider's reply: each throws a BalanceError that names the field. */
export function fieldReader(provider: string) {
  const missing = (path: string) => new BalanceError(provider, 'field_missing', `the reply has no ${path} (has the API changed? see docs/PROVIDERS.md §6)`);

  /** An amount at `path`: a decimal string ("110.50") or a JSON number (49.58894), exactly. */
  function amount(body: unknown, path: string): bigint {
    const value = atPath(body, path);
    if (value === undefined || value === null) throw missing(path);
    return amountOf(value, path);
  }

  function amountOf(value: unknown, path: string): bigint {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new BalanceError(provider, 'bad_amount', `${path} is not an amount (got ${Array.isArray(value) ? 'a list' : typeof value})`);
    }
    let nano: bigint;
    try {
      nano = decimalToNano(value);
    } catch {
      throw new BalanceError(provider, 'bad_amount', `${path} is not a decimal amount (got "${truncateForMessage(String(value), 24)}")`);
    }
    if (nano > MAX_NANO || nano < -MAX_NANO) throw new BalanceError(provider, 'bad_amount', `${path} is too large to be a balance`);
    return nano;
  }

  /** An amount at `path`, or undefined when the reply leaves it out (null counts as left out). */
  function optionalAmount(body: unknown, path: string): bigint | undefined {
    const value = atPath(body, path);
    return value === undefined || value === null ? undefined : amountOf(value, path);
  }

  /** An object at `path` (the body itself for ""). */
  function object(body: unknown, path: string): Record<string, unknown> {
    const value = path === '' ? body : atPath(body, path);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      if (path === '') throw new BalanceError(provider, 'not_json', 'the reply is not a JSON object');
      throw missing(path);
    }
    return value as Record<string, unknown>;
  }

  return { amount, optionalAmount, object, missing };
}

/** The given fields of `obj` that are plain values, for a reading's `detail` (only what is listed: never a key or label). */
export function pickDetail(obj: Record<string, unknown>, keys: readonly string[], prefix = ''): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const k of keys) {
    const v = obj[k];
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[`${prefix}${k}`] = typeof v === 'string' ? v.slice(0, 64) : v;
  }
  return out;
}
