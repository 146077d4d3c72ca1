// One chat-completions request through the gateway (docs/ARCHITECTURE.md §3.3 gateway): routed
// as /ask routes (ordered routes, fallback on the same error kinds, context-window skips, retired
// models swapped: src/features/routing), but the client's own body is forwarded and the reply
// passed back as the provider sent it. Fallback happens only before the client got a byte: a
// stream is opened at the first event of a route, and a route that fails after that ends the
// stream with an error event. Every upstream attempt is a ledger row (source 'gateway', the key's
// name as user), announced to the journal before it is sent and queued for the next batch.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config/load.js';
import type { Catalog } from '../../domain/catalog/catalog.js';
import { effectiveCost } from '../../domain/money/cost.js';
import { formatUsdDecimal } from '../../domain/money/units.js';
import type { UsageMeter } from '../../store/usage-meter.js';
import { ProviderError } from '../../upstream/providers/errors.js';
import type { ProviderClient } from '../../upstream/providers/types.js';
import { attemptToUsage, interruptedRow, shouldFallBack, type AttemptRecord, type MeterContext } from '../routing/execute.js';
import type { PlannedRoute, RoutePlan } from '../routing/plan.js';
import { errorBody, gatewayError, type GatewayError } from './errors.js';
import type { BatchedRecorder } from './recorder.js';
import type { ChatCall } from './request.js';
import { promptTokens } from './resolve.js';

/** Where the reply goes (the HTTP adapter's response). */
export interface GatewaySink {
  /** A whole reply (JSON text) with its status and headers. */
  send(status: number, headers: Record<string, string>, text: string): void;
  /** Starts a 200 event stream with these headers. */
  open(headers: Record<string, string>): void;
  write(text: string): void;
  end(): void;
}

export interface GatewayDeps {
  config: Config;
  catalog(): Catalog;
  clientFor(provider: string): ProviderClient | undefined;
  usage: Pick<UsageMeter, 'begin'>;
  recorder: BatchedRecorder;
  now(): number;
  /** A stream whose route sends no token within this falls back (config ask.first_token_timeout_ms). */
  firstTokenTimeoutMs?: number;
}

/** What the outcome was, for the key's error and fallback rates. */
export interface ServeOutcome {
  ok: boolean;
  attempts: number;
  fellBack: boolean;
}

const errorType = (e: ProviderError): GatewayError['type'] => (e.kind === 'timeout' ? 'timeout_error' : 'api_error');

/** The usage-only chunk a stream ends with when usage was asked for (no choices, a usage member). */
const usageOnly = (chunk: Record<string, unknown>): boolean => Array.isArray(chunk['choices']) && chunk['choices'].length === 0 && chunk['usage'] !== undefined;

/**
 * A chunk as the client asked for usage (routeops always asks upstream): without asking, no
 * usage chunk and no usage on a content chunk (DeepSeek's last, Kimi's inside its choice); with
 * asking, usage at the top level where OpenAI puts it (Kimi's lifted out of its choice). Null:
 * drop the chunk; the same object: send it as it came.
 */
export function usageAsAsked(chunk: Record<string, unknown>, asked: boolean): Record<string, unknown> | null {
  const choices = Array.isArray(chunk['choices']) ? (chunk['choices'] as unknown[]) : [];
  const inChoice = choices.find((c): c is Record<string, unknown> => typeof c === 'object' && c !== null && (c as Record<string, unknown>)['usage'] !== undefined);
  if (chunk['usage'] === undefined && !inChoice) return chunk;
  if (!asked) {
    if (usageOnly(chunk)) return null;
    const { usage: _usage, ...rest } = chunk;
    if (!inChoice) return rest;
    const { usage: _inner, ...choiceRest } = inChoice;
    return { ...rest, choices: choices.map((c) => (c === inChoice ? choiceRest : c)) };
  }
  if (chunk['usage'] !== undefined || !inChoice) return chunk;
  return { ...chunk, usage: inChoice['usage'] };
}

/** Why every route failed, one clause a route: "deepseek/deepseek-v4-flash: rate limited (HTTP 429)". */
function failureText(attempts: readonly AttemptRecord[], plan: RoutePlan): string {
  const tried = attempts.map((a) => `${a.route.provider}/${a.route.model}: ${a.error!.message.replace(`${a.route.provider}: `, '')}`);
  const skipped = plan.skipped.map((s) => `${s.provider}/${s.model} skipped: ${s.reason}`);
  return [...tried, ...skipped].join('; ');
}

export interface ServeContext {
  keyName: string;
  signal: AbortSignal;
  /** Told what each attempt cost (nano-USD; null: not priced), for the key's budget. */
  charge?(nano: bigint | null): void;
}

export async function serveChat(deps: GatewayDeps, call: ChatCall, plan: RoutePlan, ctx: ServeContext, sink: GatewaySink): Promise<ServeOutcome> {
  const meter: MeterContext = { source: 'gateway', user: ctx.keyName, route: plan.alias };
  const attempts: AttemptRecord[] = [];
  let opened = false;
  const headersFor = (route: PlannedRoute, callId: string): Record<string, string> => ({
    'x-routeops-route': `${route.provider}/${route.model}`,
    'x-routeops-attempts': String(attempts.length + 1),
    'x-request-id': callId,
  });
  // What an interrupted row says the prompt was (never 0 tokens: that would price the call at $0).
  let estimatedPrompt: number | null = null;
  for (const [i, route] of plan.routes.entries()) {
    if (ctx.signal.aborted) break;
    // With a route after this one, a failure falls back at once (the client's SDK retries
    // the whole request if it wants); the last route keeps its provider's retries.
    const last = i === plan.routes.length - 1;
    const callId = randomUUID();
    const startedAtMs = deps.now();
    // Journaled before it is sent: the line is written now (a process that dies leaves it, an
    // interrupted row); its fsync is group-committed within milliseconds and not waited for
    // (src/store/journal.ts, docs/ARCHITECTURE.md "Nothing lost").
    estimatedPrompt ??= promptTokens(call.body['messages']);
    void deps.usage.begin(interruptedRow({ callId, route, startedAtMs }, meter, estimatedPrompt), 'gateway');
    let error: ProviderError | null = null;
    let result = null;
    try {
      const client = deps.clientFor(route.provider);
      if (!client) throw new ProviderError({ kind: 'missing_key', provider: route.provider, message: `provider "${route.provider}" is not configured` });
      result = await client.forward({
        body: call.body,
        ...(route.thinking === undefined ? {} : { thinking: route.thinking }),
        model: route.model,
        stream: call.stream,
        ...(last ? {} : { maxRetries: 0 }),
        ...(call.stream && deps.firstTokenTimeoutMs ? { firstTokenTimeoutMs: deps.firstTokenTimeoutMs } : {}),
        signal: ctx.signal,
        clientRequestId: callId,
        extraFields: deps.config.gateway.extra_fields[route.provider] ?? [],
        onEvent(data, chunk) {
          if (!opened) {
            opened = true;
            sink.open(headersFor(route, callId));
          }
          const shaped = usageAsAsked(chunk, call.wantsUsage);
          if (shaped === null) return;
          sink.write(shaped === chunk ? `data: ${data}\n\n` : `data: ${JSON.stringify(shaped)}\n\n`);
        },
      });
    } catch (err) {
      error = err instanceof ProviderError ? err : new ProviderError({ kind: 'server', provider: route.provider, message: (err as Error).message ?? 'unknown error' });
    }
    const attempt: AttemptRecord = error
      ? { callId, route, startedAtMs, endedAtMs: deps.now(), ok: false, result: error.partial ?? null, error }
      : { callId, route, startedAtMs, endedAtMs: deps.now(), ok: true, result, error: null };
    attempts.push(attempt);
    const rows = attemptToUsage(attempt, meter);
    deps.recorder.record(rows);
    if (ctx.charge) {
      let nano: bigint | null = null;
      for (const r of rows) {
        const c = effectiveCost(deps.catalog(), r, startedAtMs);
        if (c !== null) nano = (nano ?? 0n) + BigInt(c);
      }
      ctx.charge(nano);
    }
    if (!error) {
      const headers = headersFor(route, callId);
      headers['x-routeops-attempts'] = String(attempts.length);
      if (call.stream) {
        sink.write('data: [DONE]\n\n');
        sink.end();
      } else {
        const last = rows.at(-1)!;
        const cost = effectiveCost(deps.catalog(), last, startedAtMs);
        headers['x-routeops-cost-usd'] = cost === null ? (last.usage_status === 'missing' ? 'usage-missing' : 'not-priced') : formatUsdDecimal(cost);
        sink.send(200, headers, result!.text ?? '{}');
      }
      return { ok: true, attempts: attempts.length, fellBack: attempts.length > 1 };
    }
    if (opened) {
      // Bytes went out: no other route may answer now. The SDKs raise a stream error event.
      sink.write(`data: ${JSON.stringify({ error: { message: error.message, type: errorType(error), param: null, code: error.kind } })}\n\n`);
      sink.end();
      return { ok: false, attempts: attempts.length, fellBack: attempts.length > 1 };
    }
    if (!shouldFallBack(error)) break;
  }
  const last = attempts.at(-1)?.error;
  if (ctx.signal.aborted || last?.kind === 'aborted') return { ok: false, attempts: attempts.length, fellBack: attempts.length > 1 };
  const e = respondFailure(attempts, plan);
  sink.send(e.status, { 'x-routeops-attempts': String(attempts.length) }, errorBody(e));
  return { ok: false, attempts: attempts.length, fellBack: attempts.length > 1 };
}

/** The error when no route answered: the provider's 4xx as the client's mistake, else 502 (504 when they timed out). */
function respondFailure(attempts: readonly AttemptRecord[], plan: RoutePlan): GatewayError {
  const last = attempts.at(-1)?.error;
  if (last && !shouldFallBack(last)) {
    return gatewayError(400, 'invalid_request_error', last.kind, `${last.message} (on ${attempts.at(-1)!.route.provider}/${attempts.at(-1)!.route.model})`);
  }
  // No provider knows the model (a `provider/model` id made up): the client's model is wrong.
  if (attempts.length > 0 && attempts.every((a) => a.error?.kind === 'model_not_found')) {
    return gatewayError(404, 'not_found_error', 'model_not_found', `no route of "${plan.alias}" knows its model: ${failureText(attempts, plan)}`, 'model');
  }
  const allTimedOut = attempts.length > 0 && attempts.every((a) => a.error?.kind === 'timeout');
  const text = `no route of "${plan.alias}" answered: ${failureText(attempts, plan)}`;
  return allTimedOut ? gatewayError(504, 'timeout_error', 'upstream_timeout', text) : gatewayError(502, 'api_error', 'upstream_failed', text);
}
