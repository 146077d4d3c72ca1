// The POST of a forwarded call (the gateway, forward.ts) without the openai SDK's request
// machinery: the same fetch as the provider's SDK client (sdk-fetch.ts: attempts counted, error
// bodies kept, Retry-After capped, over src/upstream/http/node-fetch.ts), the SDK's retry rules
// (connection failures and per-attempt timeouts; 408, 409, 429 and 5xx unless x-should-retry
// says otherwise; waiting retry-after-ms, Retry-After or the SDK's backoff) and its error
// classes, so classifyError (errors.ts) reads a failure exactly as it reads the SDK's.
// Measured (bench/gateway.ts, 1 call in flight, the gateway instrumented): from a request's
// arrival to its upstream send took 1.1 ms of CPU through the SDK (its request building,
// header objects, debug-log formatting and promise chain), 0.4-0.9 ms this way.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

/** Where and how a provider's calls go (its SDK client's settings, client.ts). */
export interface PostTarget {
  /** The provider's base URL (…/v1). */
  baseUrl: string;
  apiKey: string;
  /** Per attempt, up to the response headers (the SDK's `timeout`). */
  timeoutMs: number;
  maxRetries: number;
  /** The SDK client's fetch (sdk-fetch.ts's wrapper). */
  fetch: typeof fetch;
}

export interface PostOptions {
  signal: AbortSignal;
  headers?: Record<string, string>;
  maxRetries?: number;
  /** Per-call state for the fetch wrapper (sdk-fetch.ts CallInit). */
  fetchOptions?: object;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

/** As the SDK's shouldRetry: x-should-retry when sent, else 408, 409, 429 and 5xx. */
function shouldRetry(res: Response): boolean {
  const header = res.headers.get('x-should-retry');
  if (header === 'true') return true;
  if (header === 'false') return false;
  return res.status === 408 || res.status === 409 || res.status === 429 || res.status >= 500;
}

/** As the SDK's retryRequest: retry-after-ms, else Retry-After (seconds or a date), else backoff 0.5 s doubling to 8 s, less up to 25%. */
function retryDelayMs(headers: Headers | null, retriesDone: number): number {
  let wait: number | undefined;
  const ms = headers?.get('retry-after-ms');
  if (ms && !Number.isNaN(parseFloat(ms))) wait = parseFloat(ms);
  const after = headers?.get('retry-after');
  if (after && !wait) {
    const s = parseFloat(after);
    wait = Number.isNaN(s) ? Date.parse(after) - Date.now() : s * 1000;
  }
  return wait ?? Math.min(0.5 * 2 ** retriesDone, 8) * (1 - Math.random() * 0.25) * 1000;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** POSTs `body` to `<baseUrl>/chat/completions`: the response of the last attempt when it is 2xx, else the SDK's error for it. */
export async function postChat(t: PostTarget, body: unknown, o: PostOptions): Promise<Response> {
  const url = `${t.baseUrl.endsWith('/') ? t.baseUrl.slice(0, -1) : t.baseUrl}/chat/completions`;
  const text = JSON.stringify(body);
  const headers = { accept: 'application/json', 'content-type': 'application/json', authorization: `Bearer ${t.apiKey}`, ...o.headers };
  const maxRetries = o.maxRetries ?? t.maxRetries;
  for (let left = maxRetries; ; left--) {
    if (o.signal.aborted) throw new APIUserAbortError();
    // As the SDK: the attempt's own controller, stopped by the call's signal or the attempt's
    // timeout; the link stays for the body, so a stop after the headers ends the read.
    const controller = new AbortController();
    const abort = () => controller.abort();
    o.signal.addEventListener('abort', abort, { once: true });
    const timer = setTimeout(abort, t.timeoutMs);
    let res: Response | Error;
    try {
      res = await t.fetch(url, { ...o.fetchOptions, method: 'POST', headers, body: text, signal: controller.signal });
    } catch (err) {
      res = err instanceof Error ? err : new Error(String(err));
    } finally {
      clearTimeout(timer);
    }
    if (res instanceof Error) {
      if (o.signal.aborted) throw new APIUserAbortError();
      const cause = (res as { cause?: unknown }).cause;
      const timedOut = isAbort(res) || /timed? ?out/i.test(String(res) + (cause === undefined ? '' : String(cause)));
      if (left > 0) {
        await sleep(retryDelayMs(null, maxRetries - left));
        continue;
      }
      if (timedOut) throw new APIConnectionTimeoutError();
      throw new APIConnectionError({ cause: res });
    }
    if (res.ok) return res;
    if (left > 0 && shouldRetry(res)) {
      await res.body?.cancel().catch(() => {});
      await sleep(retryDelayMs(res.headers, maxRetries - left));
      continue;
    }
    const errText = await res.text().catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
    const errJson = safeJson(errText) as object | undefined;
    throw APIError.generate(res.status, errJson, errJson ? undefined : errText, res.headers);
  }
}
