// A call forwarded as the client made it (the gateway, docs/ARCHITECTURE.md §3.3): the body goes
// out with the route's fixes (forward-body.ts) through the provider's SDK client (auth, retries,
// error statuses, the same timers as chat/chatStream in client.ts), and comes back as it was
// sent: a plain reply as its own JSON text, a stream event by event as each arrives, so the
// gateway passes both on without building them again. Usage, ids and timings are read on the way
// (StreamAssembler) for the ledger row.
import type OpenAI from 'openai';
import { APIError } from 'openai';
import { isJsonObject } from '../../domain/json.js';
import { StreamAssembler } from './assemble.js';
import { type Call, SilenceWatch } from './call.js';
import type { Dialect } from './dialect.js';
import { MalformedReplyError, SilenceTimeoutError, type ProviderError } from './errors.js';
import { shapeForwardBody } from './forward-body.js';
import { rawBodyOf } from '../http/node-fetch.js';
import { readChunks } from './stream-chunks.js';
import type { ChatResult, ForwardRequest, ForwardResult } from './types.js';
import { readUsage } from './usage.js';

type SdkRequestOptions = NonNullable<Parameters<OpenAI['models']['list']>[0]>;

/** What forward needs of its provider client (client.ts). */
export interface ForwardContext {
  dialect: Dialect;
  now(): number;
  silenceMs: number;
  begin(signal: AbortSignal | undefined, streamed: boolean, callerMs?: number): { call: Call; sdk: OpenAI; options: SdkRequestOptions };
  fail(err: unknown, call: Call, extra?: { lastChunkId?: string | null; partial?: ChatResult }): ProviderError;
  /** The first-token deadline when the request sets none. */
  firstTokenTimeoutMs?: number;
}

/** A plain reply: its JSON text checked to be an answer (choices), its usage read. */
function readPlain(text: string, headers: Headers): Record<string, unknown> {
  let reply: unknown;
  try {
    reply = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    throw new MalformedReplyError(`the reply was not JSON (${headers.get('content-type')?.split(';')[0] || 'no content type'}, ${text.length} characters)`);
  }
  if (!isJsonObject(reply)) throw new MalformedReplyError('the reply was not a JSON object');
  if (!Array.isArray(reply['choices'])) {
    if (reply['error']) throw new APIError(undefined, reply['error'] as object, undefined, headers);
    throw new MalformedReplyError('the reply had no choices');
  }
  return reply;
}

/** A plain reply's body as text, each chunk keeping the silence watch quiet; rejects when the call is aborted. */
function bodyText(response: Response, watch: SilenceWatch, signal: AbortSignal): Promise<string> {
  const raw = rawBodyOf(response);
  if (!raw) return response.text();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onAbort = () => {
      raw.destroy();
      reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    raw.on('data', (c: Buffer) => {
      watch.touch();
      chunks.push(c);
    });
    raw.once('end', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    raw.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    });
    raw.once('close', () => {
      if (!raw.complete) {
        signal.removeEventListener('abort', onAbort);
        reject(new TypeError('terminated: the connection closed before the reply ended'));
      }
    });
  });
}

export async function forwardCall(ctx: ForwardContext, req: ForwardRequest): Promise<ForwardResult> {
  const { body, notes } = shapeForwardBody(ctx.dialect, req.model, req.body, req.stream, req.extraFields, req.thinking);
  // Both kinds are read from node:http's own body here (as a stream is in client.ts), with the
  // silence watched per chunk: the fetch wrapper's WHATWG body watch cost a plain call ~8% of the
  // gateway's CPU (bench/gateway.ts).
  const { call, sdk, options } = ctx.begin(req.signal, true, req.timeoutMs);
  if (req.clientRequestId) options.headers = { 'X-Client-Request-Id': req.clientRequestId };
  if (req.maxRetries !== undefined) options.maxRetries = req.maxRetries;
  const startedAt = ctx.now();
  const asm = new StreamAssembler();
  const meta = () => ({ startedAt, endedAt: ctx.now(), notes, attempts: call.attempts, retriedAfter: call.retriedAfter() });
  let silence: SilenceWatch | null = null;
  const firstTokenMs = req.stream ? (req.firstTokenTimeoutMs ?? ctx.firstTokenTimeoutMs) : undefined;
  const firstToken = firstTokenMs ? call.timer(firstTokenMs, () => call.timeout(new SilenceTimeoutError(firstTokenMs, 'first_token'))) : null;
  let requestId: string | null = null;
  try {
    const response = await sdk.chat.completions.create(body as unknown as OpenAI.Chat.ChatCompletionCreateParams, options).asResponse();
    requestId = response.headers.get('x-request-id') || null;
    silence = new SilenceWatch(call, ctx.silenceMs);
    if (!req.stream) {
      const text = await bodyText(response, silence, call.controller.signal);
      const reply = readPlain(text, response.headers);
      const choice = Array.isArray(reply['choices']) && isJsonObject(reply['choices'][0]) ? reply['choices'][0] : {};
      const message = isJsonObject(choice['message']) ? choice['message'] : {};
      const usage = readUsage(reply['usage'] ?? choice['usage']);
      const reasoning = typeof message['reasoning_content'] === 'string' ? message['reasoning_content'] : '';
      const m = meta();
      const result: ForwardResult = {
        text,
        content: '',
        reasoning,
        toolCalls: [],
        finishReason: typeof choice['finish_reason'] === 'string' ? choice['finish_reason'] : null,
        usage: usage.usage,
        requestId: requestId ?? (typeof reply['id'] === 'string' ? reply['id'] : null),
        model: typeof reply['model'] === 'string' ? reply['model'] : null,
        latencyMs: Math.max(0, m.endedAt - startedAt),
        ttftMs: null,
        chunks: 0,
        attempts: call.attempts,
      };
      if (m.retriedAfter.length) result.retriedAfter = m.retriedAfter;
      if (usage.invalid) result.usageInvalid = usage.invalid;
      if (notes.length) result.notes = notes;
      return result;
    }
    await readChunks(response, { asm, call, watch: silence, firstToken, now: ctx.now, objectsOnly: true, onChunk: (data, chunk) => req.onEvent?.(data, chunk as Record<string, unknown>) });
    return { ...asm.result({ requestId, ...meta() }), text: null };
  } catch (err) {
    const got = asm.chunks > 0 ? { partial: asm.result({ requestId, ...meta() }) } : {};
    throw ctx.fail(err, call, { lastChunkId: asm.lastChunkId, ...got });
  } finally {
    silence?.stop();
    call.done();
  }
}
