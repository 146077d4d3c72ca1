// One OpenAI-compatible client per configured provider, on the `openai` SDK (pinned major).
// Adds what the SDK lacks for these providers (DOMAIN §1): request shaping per dialect, usage
// from wherever it arrives, error kinds, a request id from body/chunk when there is no
// x-request-id header, and timeouts that also cover the response body (the SDK's `timeout`
// stops at the response headers, so a stream that goes quiet would otherwise wait forever).
import OpenAI, { APIError } from 'openai';
import type { ProviderConfig } from '../../config/schema.js';
import { StreamAssembler } from './assemble.js';
import { dialectOf, shapeRequest, type Dialect } from './dialect.js';
import { ProviderError, SilenceTimeoutError, StreamCutError, classifyError, kindOf, parseRetryAfter } from './errors.js';
import { SseDecoder, type SseEvent } from './sse.js';
import { createNodeFetch, rawBodyOf } from '../http/node-fetch.js';
import type { ChatRequest, ChatResult, ProviderClient, StreamDelta, ToolCall } from './types.js';
import { normalizeUsage } from './usage.js';

export interface ProviderClientOptions {
  /** fetch to use (tests, proxies). Default: routeops' node:http transport (src/http/node-fetch.ts), one per client. */
  fetch?: typeof fetch;
  /** Used when the provider config has no timeout_ms. Default 60 000. */
  defaultTimeoutMs?: number;
  /** Used when the provider config has no max_retries. Default 2, capped at 5. */
  maxRetries?: number;
  /** Streaming: fail when no content/reasoning/tool delta arrives within this time. Default: off. */
  firstTokenTimeoutMs?: number;
  /** Whole call, retries included. Default 10 minutes. */
  totalTimeoutMs?: number;
  /** A Retry-After longer than this is not waited for: the call fails rate_limited at once. Default 30 000. */
  maxRetryAfterMs?: number;
  /** Clock for latency/TTFT. Default Date.now. */
  now?: () => number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 2;
export const MAX_RETRIES_CAP = 5;
export const DEFAULT_TOTAL_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_RETRY_AFTER_MS = 30_000;

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
/** How long a body that stays open after [DONE] is still read before its connection is dropped. */
const DONE_LINGER_MS = 5000;
const RETRYABLE = (s: number) => s === 408 || s === 409 || s === 429 || s >= 500;

/** True when a chunk of SSE/JSON bytes carries something other than comment lines and blank lines. */
function carriesData(text: string): boolean {
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() && !line.startsWith(':')) return true;
  }
  return false;
}

/** Per-call state shared by the fetch wrapper and the call. */
class Call {
  attempts = 0;
  errorBody: unknown = undefined;
  timedOut: SilenceTimeoutError | null = null;
  /** Streamed calls time silence in their chunk loop; others get their body watched in fetch. */
  streamed = false;
  readonly controller = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly unlink: (() => void) | null = null;
  readonly deadline: number;

  constructor(
    readonly now: () => number,
    totalMs: number,
    signal: AbortSignal | undefined,
  ) {
    this.deadline = Date.now() + totalMs;
    this.timer(totalMs, () => this.timeout(new SilenceTimeoutError(totalMs, 'total')));
    if (signal) {
      const onAbort = () => this.controller.abort(signal.reason);
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.unlink = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  timeout(err: SilenceTimeoutError) {
    if (this.controller.signal.aborted) return;
    this.timedOut = err;
    this.controller.abort(err);
  }

  timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  clear(t: NodeJS.Timeout | null) {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  done() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.unlink?.();
  }
}

/** Wraps a response body: errors it with SilenceTimeoutError when no data (comments and blank lines don't count) arrives for ms. */
function watchBody(body: ReadableStream<Uint8Array>, ms: number, call: Call): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let timer: NodeJS.Timeout | null = null;
  let finished = false;
  let ctrlRef: ReadableStreamDefaultController<Uint8Array> | null = null;
  const arm = () => {
    call.clear(timer);
    timer = call.timer(ms, () => {
      if (finished) return;
      finished = true;
      ctrlRef?.error(new SilenceTimeoutError(ms, 'silence'));
      reader.cancel().catch(() => {});
    });
  };
  return new ReadableStream<Uint8Array>({
    start(ctrl) {
      ctrlRef = ctrl;
      arm();
    },
    async pull(ctrl) {
      try {
        const { done, value } = await reader.read();
        if (finished) return;
        if (done) {
          finished = true;
          call.clear(timer);
          ctrl.close();
          return;
        }
        if (carriesData(decoder.decode(value, { stream: true }))) arm();
        ctrl.enqueue(value);
      } catch (err) {
        if (finished) return;
        finished = true;
        call.clear(timer);
        ctrl.error(err);
      }
    },
    cancel(reason) {
      finished = true;
      call.clear(timer);
      return reader.cancel(reason);
    },
  });
}

type SdkRequestOptions = NonNullable<Parameters<OpenAI['models']['list']>[0]>;

/** The per-call state rides to the shared fetch wrapper in the SDK's per-request fetchOptions. */
interface CallInit extends RequestInit {
  routeopsCall?: Call;
}

/**
 * The fetch given to the (one, shared) SDK client: counts attempts, keeps error bodies, caps
 * Retry-After, and for non-streamed calls watches the body for silence. Streamed calls time
 * their silence in the chunk loop instead (see chatStream), so their body is passed through.
 */
function makeFetch(base: typeof fetch, silenceMs: number, maxAttempts: number, maxRetryAfterMs: number): typeof fetch {
  return async (input, init) => {
    const { routeopsCall: call, ...rest } = (init ?? {}) as CallInit;
    if (!call) return base(input, init);
    call.attempts++;
    if (call.attempts > maxAttempts) throw new Error(`attempt cap reached (${maxAttempts})`);
    const res = await base(input, rest);
    if (!res.body) return res;
    if (!res.ok) {
      // Keep the whole error body: the SDK keeps only its `error` member (Qwen's request_id is top-level).
      const text = await res.text();
      try {
        call.errorBody = JSON.parse(text);
      } catch {
        call.errorBody = text;
      }
      const headers = new Headers(res.headers);
      if (RETRYABLE(res.status)) {
        const wait = parseRetryAfter(headers, call.now);
        // No retry storm: a Retry-After beyond our cap or the call's deadline ends the retries now,
        // and so does an empty account that answers 429 (GLM code 1113): waiting will not fill it.
        const inner = call.errorBody && typeof call.errorBody === 'object' ? (call.errorBody as { error?: unknown }).error : undefined;
        if ((wait !== null && (wait > maxRetryAfterMs || Date.now() + wait > call.deadline)) || kindOf(res.status, inner) === 'balance') headers.set('x-should-retry', 'false');
      }
      return new Response(text, { status: res.status, statusText: res.statusText, headers });
    }
    if (call.streamed) return res;
    return new Response(watchBody(res.body, silenceMs, call), { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/**
 * Silence timeout for a streamed call, driven from the chunk loop: one timer per call that,
 * when it fires, re-arms for the rest of the window if a chunk came meanwhile (no timer churn
 * per chunk). Keep-alive comments never become chunks, so they do not count as data.
 */
class SilenceWatch {
  private last = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly call: Call,
    private readonly ms: number,
  ) {
    this.arm(ms);
  }

  private arm(wait: number) {
    this.timer = this.call.timer(wait, () => {
      this.timer = null;
      if (this.stopped) return;
      const quiet = Date.now() - this.last;
      if (quiet >= this.ms) this.call.timeout(new SilenceTimeoutError(this.ms, 'silence'));
      else this.arm(this.ms - quiet);
    });
  }

  /** A chunk arrived. */
  touch() {
    this.last = Date.now();
  }

  stop() {
    this.stopped = true;
    this.call.clear(this.timer);
    this.timer = null;
  }
}

/**
 * Reads a streamed response's SSE events, handing each arriving batch to `onEvents` (which may
 * throw to stop, or return true once the stream is complete: `[DONE]`). Resolves at the end of
 * the body or once complete; rejects when it is cut, errored or aborted before.
 */
function readEvents(response: Response, onEvents: (events: SseEvent[]) => boolean): Promise<void> {
  const decoder = new SseDecoder();
  const batch: SseEvent[] = [];
  /** True once the stream said it is complete. */
  const take = (text: string): boolean => {
    decoder.push(text, batch);
    if (batch.length === 0) return false;
    try {
      return onEvents(batch);
    } finally {
      batch.length = 0;
    }
  };
  const raw = rawBodyOf(response);
  if (raw) {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        raw.destroy();
        reject(err);
      };
      raw.setEncoding('utf8');
      raw.on('data', (text: string) => {
        if (settled) return;
        try {
          if (!take(text)) return;
        } catch (err) {
          return fail(err);
        }
        // Complete: the answer is whole even if the server keeps the body open after [DONE]. The
        // rest is read and dropped (the connection stays reusable), for a while.
        settled = true;
        resolve();
        if (!raw.readableEnded) setTimeout(() => raw.readableEnded || raw.destroy(), DONE_LINGER_MS).unref();
      });
      raw.once('end', () => {
        if (settled) return;
        settled = true;
        decoder.end();
        resolve();
      });
      // Destroyed by an abort (its reason), or the connection dropped mid-body.
      raw.once('error', (err) => {
        if (!settled) fail(err instanceof SilenceTimeoutError || (err as { name?: string }).name === 'AbortError' ? err : new StreamCutError(err));
      });
      raw.once('close', () => {
        if (!settled) fail(new StreamCutError());
      });
    });
  }
  return (async () => {
    if (!response.body) throw new StreamCutError();
    const reader = response.body.getReader();
    const text = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (take(text.decode(value, { stream: true }))) {
          await reader.cancel().catch(() => {});
          return;
        }
      }
      take(text.decode());
      decoder.end();
    } catch (err) {
      await reader.cancel().catch(() => {});
      throw err;
    }
  })();
}

function toolCallsOf(message: Record<string, unknown>): ToolCall[] {
  const raw = Array.isArray(message['tool_calls']) ? message['tool_calls'] : [];
  return raw.filter(isObj).map((t) => {
    const fn = isObj(t['function']) ? t['function'] : {};
    return {
      id: typeof t['id'] === 'string' ? t['id'] : '',
      name: typeof fn['name'] === 'string' ? fn['name'] : '',
      arguments: typeof fn['arguments'] === 'string' ? fn['arguments'] : '',
    };
  });
}

export function createProviderClient(
  name: string,
  cfg: ProviderConfig,
  env: Record<string, string | undefined>,
  opts: ProviderClientOptions = {},
): ProviderClient {
  const apiKey = env[cfg.api_key_env]?.trim() || '';
  const hasKey = apiKey !== '';
  const dialect: Dialect = dialectOf(name, cfg.base_url);
  const timeoutMs = cfg.timeout_ms ?? opts.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRetries = Math.max(0, Math.min(MAX_RETRIES_CAP, cfg.max_retries ?? opts.maxRetries ?? DEFAULT_MAX_RETRIES));
  const totalMs = opts.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  const now = opts.now ?? Date.now;
  const baseFetch = opts.fetch ?? createNodeFetch();
  const secrets = hasKey ? [apiKey] : [];

  const missingKey = () =>
    new ProviderError({ kind: 'missing_key', provider: name, message: `${name}: missing API key (set ${cfg.api_key_env})`, attempts: 0 });

  // One SDK client per provider: per-call state travels in each request's fetchOptions.
  let sdkClient: OpenAI | null = null;
  const sdkOf = () =>
    (sdkClient ??= new OpenAI({
      apiKey,
      baseURL: cfg.base_url,
      organization: null,
      project: null,
      timeout: timeoutMs,
      maxRetries,
      fetch: makeFetch(baseFetch, timeoutMs, maxRetries + 1, maxRetryAfterMs),
      logLevel: 'off',
    }));

  function begin(signal: AbortSignal | undefined, streamed = false) {
    const call = new Call(now, totalMs, signal);
    call.streamed = streamed;
    const fetchOptions = { routeopsCall: call } as unknown as SdkRequestOptions['fetchOptions'];
    const options: SdkRequestOptions = { signal: call.controller.signal, fetchOptions };
    return { call, sdk: sdkOf(), options };
  }

  const fail = (err: unknown, call: Call, extra: { lastChunkId?: string | null; partial?: ChatResult } = {}) =>
    classifyError(err, name, { body: call.errorBody, secrets, timedOut: call.timedOut, attempts: call.attempts, now, ...extra });

  return {
    name,
    hasKey,

    async chat(req: ChatRequest): Promise<ChatResult> {
      if (!hasKey) throw missingKey();
      const { body, notes } = shapeRequest(dialect, req);
      const { call, sdk, options } = begin(req.signal);
      const startedAt = now();
      try {
        const params = { ...body, stream: false } as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
        const { data, response } = await sdk.chat.completions.create(params, options).withResponse();
        const d = data as unknown as Record<string, unknown>;
        const choices = Array.isArray(d['choices']) ? d['choices'] : [];
        const choice = isObj(choices[0]) ? choices[0] : {};
        const message = isObj(choice['message']) ? choice['message'] : {};
        const reasoning = typeof message['reasoning_content'] === 'string' ? message['reasoning_content'] : typeof message['reasoning'] === 'string' ? message['reasoning'] : '';
        const result: ChatResult = {
          content: typeof message['content'] === 'string' ? message['content'] : '',
          reasoning,
          toolCalls: toolCallsOf(message),
          finishReason: typeof choice['finish_reason'] === 'string' ? choice['finish_reason'] : null,
          usage: normalizeUsage(d['usage'] ?? choice['usage']),
          requestId: response.headers.get('x-request-id') || (typeof d['request_id'] === 'string' ? d['request_id'] : null) || (typeof d['id'] === 'string' ? d['id'] : null),
          model: typeof d['model'] === 'string' ? d['model'] : null,
          latencyMs: Math.max(0, now() - startedAt),
          ttftMs: null,
          chunks: 0,
          attempts: call.attempts,
        };
        if (notes.length) result.notes = notes;
        return result;
      } catch (err) {
        throw fail(err, call);
      } finally {
        call.done();
      }
    },

    async chatStream(req: ChatRequest, onDelta: (d: StreamDelta) => void): Promise<ChatResult> {
      if (!hasKey) throw missingKey();
      const { body, notes } = shapeRequest(dialect, req);
      const { call, sdk, options } = begin(req.signal, true);
      const startedAt = now();
      const asm = new StreamAssembler();
      let requestId: string | null = null;
      const firstToken = opts.firstTokenTimeoutMs
        ? call.timer(opts.firstTokenTimeoutMs, () => call.timeout(new SilenceTimeoutError(opts.firstTokenTimeoutMs!, 'first_token')))
        : null;
      const partial = () => asm.result({ requestId, startedAt, endedAt: now(), notes, attempts: call.attempts });
      let silence: SilenceWatch | null = null;
      try {
        // DOMAIN §1: usage only with include_usage on Qwen; others ignore or accept it.
        const params = { ...body, stream: true, stream_options: { include_usage: true } } as unknown as OpenAI.Chat.ChatCompletionCreateParamsStreaming;
        // The SDK sends the request (auth, retries, error statuses); the SSE body is read here
        // (readEvents), from node:http's own stream when our transport made the response.
        const response = await sdk.chat.completions.create(params, options).asResponse();
        requestId = response.headers.get('x-request-id') || null;
        // From the headers on, the body must keep sending data (the SDK's timeout stops at the headers).
        silence = new SilenceWatch(call, timeoutMs);
        const watch = silence;
        let gotToken = firstToken === null;
        let done = false;
        await readEvents(response, (events) => {
          // As the SDK's Stream does: [DONE] ends it, an `error` member is an APIError, anything
          // not JSON is a SyntaxError (a malformed response).
          for (const ev of events) {
            if (done) return true;
            if (ev.data.startsWith('[DONE]')) {
              done = true;
              return true;
            }
            if (ev.event !== null && ev.event.startsWith('thread.')) continue;
            const chunk = JSON.parse(ev.data) as unknown;
            if (isObj(chunk) && chunk['error']) throw new APIError(undefined, chunk['error'] as object, undefined, response.headers);
            watch.touch();
            const deltas = asm.push(chunk, now());
            if (!gotToken && deltas.length) {
              gotToken = true;
              call.clear(firstToken);
            }
            for (const d of deltas) onDelta(d);
          }
          return false;
        });
        if (call.controller.signal.aborted) throw call.timedOut ?? new DOMException('aborted', 'AbortError');
        return partial();
      } catch (err) {
        const got = asm.chunks > 0 ? { partial: partial() } : {};
        throw fail(err, call, { lastChunkId: asm.lastChunkId, ...got });
      } finally {
        silence?.stop();
        call.done();
      }
    },

    async listModels(signal?: AbortSignal): Promise<string[]> {
      if (!hasKey) throw missingKey();
      const { call, sdk, options } = begin(signal);
      try {
        const page = await sdk.models.list(options);
        return page.data.map((m) => m.id);
      } catch (err) {
        throw fail(err, call);
      } finally {
        call.done();
      }
    },
  };
}

/** One client per configured provider, by name. */
export function createProviderClients(
  providers: Record<string, ProviderConfig>,
  env: Record<string, string | undefined>,
  opts: ProviderClientOptions = {},
): Map<string, ProviderClient> {
  const out = new Map<string, ProviderClient>();
  for (const [name, cfg] of Object.entries(providers)) out.set(name, createProviderClient(name, cfg, env, opts));
  return out;
}
