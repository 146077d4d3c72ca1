// One OpenAI-compatible client per configured provider, on the `openai` SDK (pinned major).
// Adds what the SDK lacks for these providers (docs/PROVIDERS.md §1): request shaping per
// dialect, usage from wherever it arrives, error kinds, a request id from body/chunk when there
// is no x-request-id header, timeouts that also cover the response body (the SDK's `timeout`
// stops at the response headers, so a stream that goes quiet would otherwise wait forever), a
// first-token deadline and the caller's deadline per request, and a 200 that is not the reply
// (an HTML page, a body cut short) taken as the malformed reply it is.
// The pieces: call.ts (per-call state and timers), sdk-fetch.ts (the fetch under the SDK),
// read-events.ts (the streamed body), assemble.ts (chunks into one result).
import OpenAI, { APIError } from 'openai';
import type { ProviderConfig } from '../../config/schema.js';
import { isJsonObject } from '../../domain/json.js';
import { createNodeFetch } from '../http/node-fetch.js';
import { StreamAssembler } from './assemble.js';
import { Call, SilenceWatch } from './call.js';
import { dialectOf, shapeRequest, type Dialect } from './dialect.js';
import { ERROR_WORDING } from './error-wording.js';
import { MalformedReplyError, ProviderError, SilenceTimeoutError, classifyError } from './errors.js';
import { forwardCall, type ForwardContext } from './forward.js';
import { readChunks } from './stream-chunks.js';
import { makeFetch, type CallInit } from './sdk-fetch.js';
import type { ChatRequest, ChatResult, ProviderClient, StreamDelta, ToolCall } from './types.js';
import { readUsage } from './usage.js';

export interface ProviderClientOptions {
  /** fetch to use (tests, proxies). Default: routeops' node:http transport (src/upstream/http/node-fetch.ts), one per client. */
  fetch?: typeof fetch;
  /** Used when the provider config has no timeout_ms. Default 60 000. */
  defaultTimeoutMs?: number;
  /** Used when the provider config has no max_retries. Default 2, capped at 5. */
  maxRetries?: number;
  /** Streaming: fail when no content/reasoning/tool delta arrives within this time, unless the request sets its own. Default: off. */
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

type SdkRequestOptions = NonNullable<Parameters<OpenAI['models']['list']>[0]>;

/**
 * The reply of a plain call as a JSON object with choices. The SDK hands over the text of a body
 * that is not labelled JSON (an HTML page from a proxy): a JSON object in it is still taken; an
 * `error` member on a 200 is the provider's error, as in a stream.
 */
function replyObject(data: unknown, headers: Headers): Record<string, unknown> {
  const type = headers.get('content-type')?.split(';')[0]?.trim() || 'no content type';
  let reply = data;
  if (typeof data === 'string') {
    try {
      reply = JSON.parse(data.charCodeAt(0) === 0xfeff ? data.slice(1) : data);
    } catch {
      throw new MalformedReplyError(`the reply was not JSON (${type}, ${data.length} characters)`);
    }
  }
  if (!isJsonObject(reply)) throw new MalformedReplyError(`the reply was not a JSON object (${type})`);
  if (!Array.isArray(reply['choices'])) {
    if (reply['error']) throw new APIError(undefined, reply['error'] as object, undefined, headers);
    throw new MalformedReplyError('the reply had no choices');
  }
  return reply;
}

/** OpenAI's header for an id the client chose (docs/PROVIDERS.md §1): the call's row has it as call_id. */
function sendClientRequestId(options: SdkRequestOptions, req: ChatRequest): void {
  if (req.clientRequestId) options.headers = { 'X-Client-Request-Id': req.clientRequestId };
}

function toolCallsOf(message: Record<string, unknown>): ToolCall[] {
  const raw = Array.isArray(message['tool_calls']) ? message['tool_calls'] : [];
  return raw.filter(isJsonObject).map((t) => {
    const fn = isJsonObject(t['function']) ? t['function'] : {};
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
    new ProviderError({ kind: 'missing_key', provider: name, message: `${name}: ${ERROR_WORDING.missing_key.label} (set ${cfg.api_key_env})`, attempts: 0 });

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

  function begin(signal: AbortSignal | undefined, streamed = false, callerMs?: number, onRetry?: (after: number | null) => void) {
    const call = new Call(now, totalMs, signal, callerMs);
    call.streamed = streamed;
    call.onRetry = onRetry;
    const init: CallInit = { routeopsCall: call };
    const fetchOptions = init as unknown as SdkRequestOptions['fetchOptions'];
    const options: SdkRequestOptions = { signal: call.controller.signal, fetchOptions };
    return { call, sdk: sdkOf(), options };
  }

  const fail = (err: unknown, call: Call, extra: { lastChunkId?: string | null; partial?: ChatResult } = {}) =>
    classifyError(err, name, { body: call.errorBody, secrets, timedOut: call.timedOut, attempts: call.attempts, retriedAfter: call.retriedAfter(), now, ...extra });

  const forwarding: ForwardContext = {
    dialect,
    now,
    silenceMs: timeoutMs,
    begin: (signal, streamed, callerMs) => begin(signal, streamed, callerMs),
    fail,
    ...(opts.firstTokenTimeoutMs ? { firstTokenTimeoutMs: opts.firstTokenTimeoutMs } : {}),
  };

  return {
    name,
    hasKey,

    forward(req) {
      if (!hasKey) return Promise.reject(missingKey());
      return forwardCall(forwarding, req);
    },

    async chat(req: ChatRequest): Promise<ChatResult> {
      if (!hasKey) throw missingKey();
      const { body, notes } = shapeRequest(dialect, req);
      const { call, sdk, options } = begin(req.signal, false, req.timeoutMs, req.onRetry);
      const startedAt = now();
      sendClientRequestId(options, req);
      try {
        const params = { ...body, stream: false } as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
        const { data, response } = await sdk.chat.completions.create(params, options).withResponse();
        const d = replyObject(data, response.headers);
        const choices = Array.isArray(d['choices']) ? d['choices'] : [];
        const choice = isJsonObject(choices[0]) ? choices[0] : {};
        const message = isJsonObject(choice['message']) ? choice['message'] : {};
        const usage = readUsage(d['usage'] ?? choice['usage']);
        const reasoning = typeof message['reasoning_content'] === 'string' ? message['reasoning_content'] : typeof message['reasoning'] === 'string' ? message['reasoning'] : '';
        const result: ChatResult = {
          content: typeof message['content'] === 'string' ? message['content'] : '',
          reasoning,
          toolCalls: toolCallsOf(message),
          finishReason: typeof choice['finish_reason'] === 'string' ? choice['finish_reason'] : null,
          usage: usage.usage,
          requestId: response.headers.get('x-request-id') || (typeof d['request_id'] === 'string' ? d['request_id'] : null) || (typeof d['id'] === 'string' ? d['id'] : null),
          model: typeof d['model'] === 'string' ? d['model'] : null,
          latencyMs: Math.max(0, now() - startedAt),
          ttftMs: null,
          chunks: 0,
          attempts: call.attempts,
        };
        const retried = call.retriedAfter();
        if (retried.length) result.retriedAfter = retried;
        if (usage.invalid) result.usageInvalid = usage.invalid;
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
      const { call, sdk, options } = begin(req.signal, true, req.timeoutMs, req.onRetry);
      const startedAt = now();
      sendClientRequestId(options, req);
      const asm = new StreamAssembler();
      let requestId: string | null = null;
      // From the start of the call, SDK retries and time to the headers included.
      const firstTokenMs = req.firstTokenTimeoutMs ?? opts.firstTokenTimeoutMs;
      const firstToken = firstTokenMs ? call.timer(firstTokenMs, () => call.timeout(new SilenceTimeoutError(firstTokenMs, 'first_token'))) : null;
      const partial = () => asm.result({ requestId, startedAt, endedAt: now(), notes, attempts: call.attempts, retriedAfter: call.retriedAfter() });
      let silence: SilenceWatch | null = null;
      try {
        // docs/PROVIDERS.md §1: usage only with include_usage on Qwen; others ignore or accept it.
        const params = { ...body, stream: true, stream_options: { include_usage: true } } as unknown as OpenAI.Chat.ChatCompletionCreateParamsStreaming;
        // The SDK sends the request (auth, retries, error statuses); the SSE body is read here
        // (readEvents), from node:http's own stream when our transport made the response.
        const response = await sdk.chat.completions.create(params, options).asResponse();
        requestId = response.headers.get('x-request-id') || null;
        // From the headers on, the body must keep sending data (the SDK's timeout stops at the headers).
        silence = new SilenceWatch(call, timeoutMs);
        await readChunks(response, { asm, call, watch: silence, firstToken, now, onChunk: (_data, _chunk, deltas) => {
            for (const d of deltas) onDelta(d);
          },
        });
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
