// The usage row schema (zod): each field accepts what JSON or CSV can carry (CSV: always
// strings; an empty cell = absent) and normalises it. It decides what a valid row is and words
// every error; validate.ts has a faster path for the rows it is sure of.
import { z } from 'zod';
import { isCanonicalInstant, parseIsoInstant } from '../time/iso.js';
import { MAX_COST_USD, MAX_TOKENS } from './rows.js';
import { CONTROL_CHARS, firstControl, withoutControls } from '../text.js';


export function show(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (typeof v === 'object' && v !== null) s = Array.isArray(v) ? 'a list' : 'an object';
  else s = String(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

const absent = (v: unknown): v is undefined | null | '' =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

type Ctx = z.core.$RefinementCtx;
function fail(ctx: Ctx, v: unknown, message: string): never {
  ctx.issues.push({ code: 'custom', message, input: v });
  return z.NEVER as never;
}

const DIGITS = /^\s*\d+\s*$/;
export function toCount(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && DIGITS.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

export function toTokenCount(v: unknown): number | undefined {
  const n = toCount(v);
  return n !== undefined && n <= MAX_TOKENS ? n : undefined;
}

const count = z
  .unknown()
  .optional()
  .transform((v, ctx): number => {
    if (absent(v)) return 0;
    const n = toCount(v);
    if (n === undefined) return fail(ctx, v, `expected a non-negative integer, got ${show(v)}`);
    return n <= MAX_TOKENS ? n : fail(ctx, v, `expected at most ${MAX_TOKENS.toLocaleString('en-US')} tokens, got ${show(v)}`);
  });

const optionalCount = z
  .unknown()
  .optional()
  .transform((v, ctx): number | undefined => {
    if (absent(v)) return undefined;
    return toCount(v) ?? fail(ctx, v, `expected a non-negative integer (milliseconds), got ${show(v)}`);
  });


const TS_HINT = 'an ISO-8601 time with a zone, e.g. 2026-03-01T12:00:00Z';
const ts = z
  .unknown()
  .optional()
  .transform((v, ctx): string => {
    if (absent(v)) return fail(ctx, v, `required (${TS_HINT})`);
    if (typeof v !== 'string') return fail(ctx, v, `expected ${TS_HINT}, got ${show(v)}`);
    const t = parseIsoInstant(v);
    if (Number.isNaN(t)) return fail(ctx, v, `expected ${TS_HINT}, got ${show(v)}`);
    return isCanonicalInstant(v) ? v : new Date(t).toISOString();
  });

function text(max: number) {
  return (v: unknown, ctx: Ctx): string | undefined => {
    if (absent(v)) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string') return fail(ctx, v, `expected text, got ${show(v)}`);
    const s = v.trim();
    if (s.length > max) return fail(ctx, v, `longer than ${max} characters`);
    if (CONTROL_CHARS.test(s)) return fail(ctx, v, `contains a control character (${firstControl(s)}); names are printable text`);
    return s;
  };
}

const requiredText = z
  .unknown()
  .optional()
  .transform((v, ctx): string => text(200)(v, ctx) ?? fail(ctx, v, 'required'));
const optionalText = z.unknown().optional().transform(text(256));
const status = z
  .unknown()
  .optional()
  .transform((v, ctx): string => text(64)(v, ctx) ?? 'ok');
const errorText = z
  .unknown()
  .optional()
  .transform((v, ctx): string | undefined => {
    if (absent(v)) return undefined;
    if (typeof v !== 'string') return fail(ctx, v, `expected text, got ${show(v)}`);
    const e = withoutControls(v);
    return e.length > 2000 ? `${e.slice(0, 1999)}…` : e;
  });

const thinking = z
  .unknown()
  .optional()
  .transform((v, ctx): boolean => {
    if (absent(v)) return false;
    if (typeof v === 'boolean') return v;
    if (v === 1 || v === 0) return v === 1;
    if (typeof v === 'string') {
      const s = v.trim().toLowerCase();
      if (s === 'true' || s === '1') return true;
      if (s === 'false' || s === '0') return false;
    }
    return fail(ctx, v, `expected true or false, got ${show(v)}`);
  });

export const DECIMAL = /^\d+(?:\.\d+)?$/;
const costUsd = z
  .unknown()
  .optional()
  .transform((v, ctx): string | number | undefined => {
    if (absent(v)) return undefined;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_COST_USD) return v;
    if (typeof v === 'string' && DECIMAL.test(v.trim()) && Number(v) <= MAX_COST_USD) return v.trim();
    return fail(ctx, v, `expected an amount of US dollars from 0 to ${MAX_COST_USD.toLocaleString('en-US')}, like 0.0125, got ${show(v)}`);
  });

export const usageRowSchema = z
  .object({
    ts,
    provider: requiredText,
    model: requiredText,
    input_tokens: count,
    cached_input_tokens: count,
    cache_write_tokens: count,
    output_tokens: count,
    reasoning_tokens: count,
    thinking,
    cost_usd: costUsd,
    user: optionalText,
    request_id: optionalText,
    route: optionalText,
    status,
    latency_ms: optionalCount,
    channel: optionalText,
    error: errorText,
    ttft_ms: optionalCount,
  })
  .superRefine((r, ctx) => {
    if (r.cached_input_tokens > r.input_tokens) {
      ctx.addIssue({
        code: 'custom',
        path: ['cached_input_tokens'],
        message: `${r.cached_input_tokens} is more than input_tokens (${r.input_tokens}); input_tokens counts all prompt tokens, cached ones included`,
      });
    }
    if (r.cache_write_tokens > r.input_tokens - r.cached_input_tokens) {
      ctx.addIssue({
        code: 'custom',
        path: ['cache_write_tokens'],
        message: `${r.cache_write_tokens} is more than the uncached input tokens (${r.input_tokens - r.cached_input_tokens}); cache writes are part of input_tokens, apart from the cached ones`,
      });
    }
    if (r.reasoning_tokens > r.output_tokens) {
      ctx.addIssue({
        code: 'custom',
        path: ['reasoning_tokens'],
        message: `${r.reasoning_tokens} is more than output_tokens (${r.output_tokens}); output_tokens counts all completion tokens, reasoning included`,
      });
    }
  })
  // Most rows write nothing to a cache: they carry no count rather than a 0 (as validate.ts's fast path).
  .transform(({ cache_write_tokens, ...row }) => (cache_write_tokens > 0 ? { ...row, cache_write_tokens } : row));

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}
