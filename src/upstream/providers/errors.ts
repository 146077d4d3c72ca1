// Error taxonomy: whatever went wrong upstream becomes a ProviderError with one ErrorKind
// (docs/PROVIDERS.md §1 table: each provider's not-found / out-of-balance status and body). Messages are
// short and never carry an API key or an Authorization header.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { ERROR_WORDING } from './error-wording.js';
import type { ChatResult, ErrorKind, TimeoutPhase } from './types.js';
import { isJsonObject } from '../../domain/json.js';

export interface ProviderErrorInit {
  kind: ErrorKind;
  provider: string;
  message: string;
  status?: number | null;
  requestId?: string | null;
  retryAfterMs?: number | null;
  /** What arrived before a stream failed (content, usage, …). */
  partial?: ChatResult;
  /** Upstream HTTP attempts made for this call (SDK retries included); 0 = none reached the network. */
  attempts?: number;
  /** The status each retried attempt failed with (null: no response), before the last one failed. */
  retriedAfter?: Array<number | null>;
  /** For a timeout of our own timers: which one fired, after how long. */
  timedOut?: { phase: TimeoutPhase; ms: number };
}

export class ProviderError extends Error {
  readonly kind: ErrorKind;
  readonly status: number | null;
  readonly requestId: string | null;
  readonly retryAfterMs: number | null;
  readonly provider: string;
  readonly partial?: ChatResult;
  readonly attempts: number;
  readonly retriedAfter: Array<number | null>;
  readonly timedOut?: { phase: TimeoutPhase; ms: number };

  constructor(init: ProviderErrorInit) {
    super(init.message);
    this.name = 'ProviderError';
    this.kind = init.kind;
    this.provider = init.provider;
    this.status = init.status ?? null;
    this.requestId = init.requestId ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    if (init.partial) this.partial = init.partial;
    this.attempts = init.attempts ?? 0;
    this.retriedAfter = init.retriedAfter ?? [];
    if (init.timedOut) this.timedOut = init.timedOut;
  }
}

const TIMEOUT_MESSAGES: Record<TimeoutPhase, (ms: number) => string> = {
  first_token: (ms) => `no first token within ${ms} ms`,
  silence: (ms) => `no data for ${ms} ms`,
  total: (ms) => `no complete answer within ${ms} ms`,
  deadline: (ms) => `the caller's deadline passed (${ms} ms were left for this call)`,
};

/** Thrown into a response body when no data arrived for too long (see client.ts). */
export class SilenceTimeoutError extends Error {
  constructor(readonly ms: number, readonly phase: TimeoutPhase) {
    super(TIMEOUT_MESSAGES[phase](ms));
    this.name = 'SilenceTimeoutError';
  }
}

/** A 200 whose body is not the reply: not JSON, not an event stream, or cut short (a proxy's page, a truncated body). */
export class MalformedReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedReplyError';
  }
}

/** A response body that ended before it was complete (the connection dropped mid-stream). */
export class StreamCutError extends Error {
  constructor(cause?: unknown) {
    super('stream cut before it finished', cause === undefined ? undefined : { cause });
    this.name = 'StreamCutError';
  }
}

export interface ClassifyContext {
  /** The whole error response body (the SDK keeps only its `error` member; Qwen's `request_id` is top-level). */
  body?: unknown;
  /** The id of the last stream chunk seen (request id of last resort). */
  lastChunkId?: string | null;
  partial?: ChatResult;
  /** Strings to scrub from messages (the API key). */
  secrets?: string[];
  /** Set when our own timer aborted the request. */
  timedOut?: SilenceTimeoutError | null;
  attempts?: number;
  retriedAfter?: Array<number | null>;
  /** Clock for HTTP-date Retry-After values. */
  now?: () => number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  let e: unknown = err;
  for (let i = 0; i < 6 && e; i++) {
    out.push(e);
    e = isJsonObject(e) || e instanceof Error ? (e as { cause?: unknown }).cause : undefined;
  }
  return out;
}

/** Removes secrets and bearer tokens, keeps it to one short line. */
export function scrub(message: string, secrets: string[] = []): string {
  let m = message;
  for (const s of secrets) if (s && s.length >= 4) m = m.split(s).join('[redacted]');
  m = m.replace(/(bearer\s+)[^\s"',]+/gi, '$1[redacted]').replace(/\b(sk|key)-[A-Za-z0-9_-]{8,}/g, '[redacted]');
  m = m.replace(/\s+/g, ' ').trim();
  return m.length > 300 ? `${m.slice(0, 297)}...` : m;
}

export function parseRetryAfter(headers: Headers | undefined | null, now: () => number = Date.now): number | null {
  if (!headers) return null;
  const ms = headers.get('retry-after-ms');
  if (ms && Number.isFinite(parseFloat(ms))) return Math.max(0, parseFloat(ms));
  const ra = headers.get('retry-after');
  if (!ra) return null;
  const secs = Number(ra.trim());
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? null : Math.max(0, at - now());
}

const BALANCE = /insufficient (balance|credits|quota)|arrear|exceeded_current_quota|account is suspended/i;
/** Providers' words for a prompt over the context window (400 on every provider). */
const CONTEXT = /context.{0,20}(length|window)|maximum context|too many tokens|prompt is too long|input (is )?too long|range of input length|exceed(s|ed)? (the )?(model'?s? )?(max(imum)? )?(context|token|input|prompt|length)/i;
const MODEL = /model not exist|model_not_found|not a valid model|unknown model|no endpoints found|model .{0,80}(does not exist|not found)|not found the model/i;

/** Kind of an upstream error from its HTTP status and error body (docs/PROVIDERS.md §1 table). */
export function kindOf(status: number | null, inner: unknown): ErrorKind {
  const e = isJsonObject(inner) ? inner : {};
  const code = str(e['code']);
  const type = str(e['type']);
  const text = `${code} ${type} ${str(e['message'])}`;
  const balance = code === 'Arrearage' || type === 'Arrearage' || type === 'exceeded_current_quota_error' || code === '1113' || BALANCE.test(text);
  const model = code === 'model_not_found' || type === 'resource_not_found_error' || code === '1211' || MODEL.test(text);
  if (status === null) {
    // A mid-stream `error` event (OpenRouter): its code is often an HTTP status.
    const n = Number(code);
    if (Number.isInteger(n) && n >= 400 && n < 600) return kindOf(n, inner);
    if (balance) return 'balance';
    if (/rate.?limit/i.test(text)) return 'rate_limited';
    if (/overload|unavailable/i.test(text)) return 'overloaded';
    return 'server';
  }
  if (status === 402) return 'balance';
  if (balance && status >= 400 && status < 500) return 'balance'; // Qwen 400 Arrearage, Kimi 403, GLM 429 code 1113
  if (status === 401) return 'auth';
  if (status === 403) return 'auth';
  if (model && status >= 400 && status < 500 && status !== 429) return 'model_not_found';
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if ((status === 400 || status === 413) && CONTEXT.test(text)) return 'context_length';
  if (status === 503 || status === 529) return 'overloaded';
  if (status >= 500) return 'server';
  return 'bad_request';
}

/** Turns anything thrown while calling a provider into a ProviderError. */
export function classifyError(err: unknown, provider: string, ctx: ClassifyContext = {}): ProviderError {
  if (err instanceof ProviderError) return err;
  const chain = causes(err);
  const base = { provider, attempts: ctx.attempts ?? 0, ...(ctx.retriedAfter?.length ? { retriedAfter: ctx.retriedAfter } : {}), ...(ctx.partial ? { partial: ctx.partial } : {}) };
  const make = (kind: ErrorKind, detail: string, extra: Partial<ProviderErrorInit> = {}) =>
    new ProviderError({
      ...base,
      kind,
      message: scrub(`${provider}: ${ERROR_WORDING[kind].label}${extra.status ? ` (HTTP ${extra.status})` : ''}${detail ? `: ${detail}` : ''}`, ctx.secrets),
      requestId: ctx.lastChunkId ?? null,
      ...extra,
    });

  const silence = ctx.timedOut ?? (chain.find((e) => e instanceof SilenceTimeoutError) as SilenceTimeoutError | undefined);
  if (silence) return make('timeout', silence.message, { timedOut: { phase: silence.phase, ms: silence.ms } });
  const malformed = chain.find((e) => e instanceof MalformedReplyError) as MalformedReplyError | undefined;
  if (malformed) return make('malformed', malformed.message);

  if (err instanceof APIError && !(err instanceof APIConnectionError) && !(err instanceof APIUserAbortError)) {
    const status = typeof err.status === 'number' ? err.status : null;
    const top = isJsonObject(ctx.body) ? ctx.body : {};
    const inner = err.error ?? top['error'];
    const innerObj = isJsonObject(inner) ? inner : {};
    const requestId = err.headers?.get('x-request-id') || str(top['request_id']) || str(innerObj['request_id']) || ctx.lastChunkId || null;
    let kind = kindOf(status, inner);
    let detail = str(innerObj['message']) || (typeof inner === 'string' ? inner : '') || err.message;
    if (status === 404 && kind === 'bad_request') detail = `not found (check base_url)${detail && detail !== err.message ? `: ${detail}` : ''}`;
    if (status === null) detail = `error event in stream: ${detail}`;
    if (status === null && !isJsonObject(inner)) kind = 'malformed';
    return make(kind, detail, {
      status,
      requestId,
      retryAfterMs: parseRetryAfter(err.headers, ctx.now),
    });
  }
  if (err instanceof APIConnectionTimeoutError) return make('timeout', 'no response headers in time');
  if (err instanceof StreamCutError) return make('connection', err.message);
  if (chain.some((e) => e instanceof SyntaxError)) return make('malformed', 'a response line was not JSON');
  // Our own timers abort with a SilenceTimeoutError (above); any other abort is the caller's.
  if (err instanceof APIUserAbortError || chain.some((e) => isJsonObject(e) && e['name'] === 'AbortError')) return make('aborted', 'the call was stopped');
  if (err instanceof APIConnectionError) {
    const cause = chain.slice(1).map((e) => (e instanceof Error ? e.message : '')).find(Boolean);
    return make('connection', cause ?? err.message);
  }
  const msg = err instanceof Error ? err.message : String(err);
  // Transport failures after the headers (socket closed mid-body: undici "terminated", ECONNRESET, …).
  if (chain.some((e) => isJsonObject(e) && /terminated|ECONNRESET|EPIPE|socket|other side closed|premature|aborted|fetch failed|UND_ERR/i.test(`${str(e['message'])} ${str(e['code'])}`))) {
    return make('connection', msg === 'terminated' ? 'stream cut before it finished' : msg);
  }
  return make('server', msg);
}
