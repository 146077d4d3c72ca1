// The fetch given to the (one, shared) SDK client of a provider: it counts a call's attempts,
// keeps error bodies whole, stops retries that cannot help, and for non-streamed calls errors
// the body when it goes quiet (the SDK's own timeout stops at the response headers).
import { SilenceTimeoutError, kindOf, parseRetryAfter } from './errors.js';
import type { Call } from './call.js';
import { rawBodyOf } from '../http/node-fetch.js';

const RETRYABLE = (s: number) => s === 408 || s === 409 || s === 429 || s >= 500;

/** True when a chunk of SSE/JSON bytes carries something other than comment lines and blank lines. */
function carriesData(text: string): boolean {
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() && !line.startsWith(':')) return true;
  }
  return false;
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

/** The per-call state rides to the shared fetch wrapper in the SDK's per-request fetchOptions. */
export interface CallInit extends RequestInit {
  routeopsCall?: Call;
}

/**
 * The fetch given to the (one, shared) SDK client: counts attempts, keeps error bodies, caps
 * Retry-After, and for non-streamed calls watches the body for silence. Streamed calls time
 * their silence in the chunk loop instead (see chatStream), so their body is passed through.
 */
export function makeFetch(base: typeof fetch, silenceMs: number, maxAttempts: number, maxRetryAfterMs: number): typeof fetch {
  return async (input, init) => {
    const { routeopsCall: call, ...rest } = (init ?? {}) as CallInit;
    if (!call) return base(input, init);
    call.attempts++;
    if (call.attempts > maxAttempts) throw new Error(`attempt cap reached (${maxAttempts})`);
    // A second attempt is the SDK retrying the one before (what the asker is told, and the footer's "retried once after 429").
    if (call.attempts > 1) call.onRetry?.(call.failures.at(-1) ?? null);
    let res: Response;
    try {
      res = await base(input, rest);
    } catch (err) {
      call.failures.push(null);
      throw err;
    }
    if (!res.ok) call.failures.push(res.status);
    // Our transport's responses carry their node:http body (rawBodyOf): asking for `.body` would
    // make a WHATWG stream over it that nobody reads, and such a stream stays in Node's cleanup
    // queue with the whole call behind it (the gateway leaked ~18 KB a call: bench/gateway.ts).
    if (!rawBodyOf(res) && !res.body) return res;
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
    if (call.streamed || !res.body) return res;
    return new Response(watchBody(res.body, silenceMs, call), { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

