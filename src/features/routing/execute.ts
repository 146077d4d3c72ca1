// Runs a route plan: calls each route in order until one answers, falling back on failures that
// are not the user's fault, until the caller's deadline (if any) is gone. Every attempt, failed or
// not, is reported to `onAttempt` so the caller can meter it (one ledger row per upstream call).
import { randomUUID } from 'node:crypto';
import type { ChatRequest, ChatResult, ProviderClient, StreamDelta } from '../../upstream/providers/types.js';
import { ProviderError } from '../../upstream/providers/errors.js';
import type { UsageInput, UsageStatus } from '../../domain/usage-rows/rows.js';
import type { PlannedRoute, RoutePlan } from './plan.js';

/**
 * A bad request caused by the user's input would fail the same way on every route, and a call
 * the caller stopped is not to be made again. Everything else may work elsewhere, including a
 * 404 that names no model (a route's base_url is wrong: config, not input) and a prompt over
 * one model's context window.
 */
export function shouldFallBack(error: Pick<ProviderError, 'kind' | 'status'>): boolean {
  if (error.kind === 'aborted') return false;
  if (error.kind === 'bad_request') return error.status === 404;
  return true;
}

export interface AttemptRecord {
  /** routeops' own id of this call (its ledger row's call_id). */
  callId: string;
  route: PlannedRoute;
  startedAtMs: number;
  endedAtMs: number;
  ok: boolean;
  result: ChatResult | null;
  error: ProviderError | null;
}

export interface ExecuteHooks {
  /** A call is about to be sent (the meter journals it: src/store/usage-meter.ts begin); it is sent once this resolves. */
  onStart?(start: { callId: string; route: PlannedRoute; startedAtMs: number }): void | Promise<void>;
  onAttempt(attempt: AttemptRecord): void;
  /** Streamed output of the current attempt. */
  onDelta?(delta: StreamDelta): void;
  /** A route failed after output was shown: what was shown is void. */
  onReset?(): void;
}

export type ExecuteResult =
  | { ok: true; route: PlannedRoute; result: ChatResult; attempts: AttemptRecord[] }
  | {
      ok: false;
      attempts: AttemptRecord[];
      error: ProviderError;
      /** The caller's deadline passed: nothing more was tried. */
      deadlinePassed: boolean;
      /** Routes of the plan that were not called. */
      untried: PlannedRoute[];
    };

export interface ExecuteOptions {
  plan: RoutePlan;
  clientFor(provider: string): ProviderClient | undefined;
  request(route: PlannedRoute): ChatRequest;
  stream: boolean;
  now(): number;
  hooks: ExecuteHooks;
  /**
   * Time left for the whole answer in ms (none = no deadline), read before each route: a call gets
   * at most that long (ChatRequest.timeoutMs), and once it is gone no further route is tried.
   */
  remainingMs?(): number;
}

export async function executePlan(opts: ExecuteOptions): Promise<ExecuteResult> {
  const attempts: AttemptRecord[] = [];
  const routes = opts.plan.routes;
  let lastError: ProviderError | null = null;
  let deadlinePassed = false;
  let next = 0;
  for (; next < routes.length; next++) {
    const route = routes[next]!;
    const left = opts.remainingMs?.();
    if (left !== undefined && left <= 0) {
      deadlinePassed = true;
      lastError ??= new ProviderError({ kind: 'timeout', provider: route.provider, message: 'no time was left for this route', timedOut: { phase: 'deadline', ms: 0 } });
      break;
    }
    const client = opts.clientFor(route.provider);
    const startedAtMs = opts.now();
    const callId = randomUUID();
    let produced = false;
    let result: ChatResult | null = null;
    let error: ProviderError | null = null;
    try {
      if (!client) throw new ProviderError({ kind: 'missing_key', provider: route.provider, message: `provider "${route.provider}" is not configured` });
      const asked: ChatRequest = { ...opts.request(route), clientRequestId: callId };
      const req = left === undefined ? asked : { ...asked, timeoutMs: Math.min(asked.timeoutMs ?? left, left) };
      await opts.hooks.onStart?.({ callId, route, startedAtMs });
      result = opts.stream
        ? await client.chatStream(req, (d) => {
            produced = true;
            opts.hooks.onDelta?.(d);
          })
        : await client.chat(req);
    } catch (err) {
      error = err instanceof ProviderError ? err : new ProviderError({ kind: 'server', provider: route.provider, message: (err as Error).message ?? 'unknown error' });
    }
    // Reported once per attempt, outside the call's try: a failing hook is not a failed route.
    const attempt: AttemptRecord = error
      ? { callId, route, startedAtMs, endedAtMs: opts.now(), ok: false, result: error.partial ?? null, error }
      : { callId, route, startedAtMs, endedAtMs: opts.now(), ok: true, result, error: null };
    attempts.push(attempt);
    opts.hooks.onAttempt(attempt);
    if (!error) return { ok: true, route, result: result!, attempts };
    lastError = error;
    if (error.timedOut?.phase === 'deadline') {
      deadlinePassed = true;
      next++;
      break;
    }
    if (!shouldFallBack(error)) {
      next++;
      break;
    }
    if (produced) opts.hooks.onReset?.();
  }
  return { ok: false, attempts, error: lastError!, deadlinePassed, untried: routes.slice(next) };
}

export interface MeterContext {
  source: 'ask' | 'routecheck' | 'gateway';
  user?: string;
  channel?: string;
  /** Alias or target the call served. */
  route: string;
  thinking?: boolean;
}

/**
 * Ledger rows for one attempt: the call itself (failures keep whatever usage arrived) plus one
 * row per retry the client made inside it, so every upstream HTTP call is a row.
 */
export function attemptToUsage(a: AttemptRecord, ctx: MeterContext): UsageInput[] {
  const row = attemptRow(a, ctx);
  const upstreamCalls = a.result?.attempts ?? a.error?.attempts ?? 1;
  const retriedAfter = a.result?.retriedAfter ?? a.error?.retriedAfter ?? [];
  // Retried calls carry no usage or cost of their own, and their latency is not known (the row's
  // latency is the whole call's).
  const { cost_usd: _cost, ttft_ms: _ttft, latency_ms: _latency, usage_status: _usage, ...base } = row;
  const retries: UsageInput[] = [];
  const { request_id: _requestId, ...retryBase } = base;
  for (let i = 1; i < upstreamCalls; i++) {
    const status = retriedAfter[i - 1];
    retries.push({
      ...retryBase,
      input_tokens: 0,
      cached_input_tokens: 0,
      output_tokens: 0,
      reasoning_tokens: 0,
      call_id: `${a.callId}/retry-${i}`,
      status: 'retried',
      error: `failed (${status ? `HTTP ${status}` : 'no response'}) and retried by the client before the final attempt`,
    });
  }
  return [...retries, row];
}

/**
 * How far an attempt's token counts can be trusted (src/domain/usage-rows/rows.ts): a call that
 * produced output (answered, or failed after chunks arrived) without usable usage is "missing"
 * (or "invalid" when the usage was beyond belief), never zero tokens at $0; a call that failed
 * before any output has nothing to bill, and its zeros are right.
 */
function usageStatusOf(a: AttemptRecord): UsageStatus {
  if (a.result?.usageInvalid) return 'invalid';
  if (!a.result || a.result.usage) return 'ok';
  return 'missing';
}

function attemptRow(a: AttemptRecord, ctx: MeterContext): UsageInput {
  const usage = a.result?.usage;
  const requestId = a.result?.requestId ?? a.error?.requestId ?? null;
  const row: UsageInput = {
    ts: new Date(a.startedAtMs).toISOString(),
    provider: a.route.provider,
    model: a.route.model,
    input_tokens: usage?.input_tokens ?? 0,
    cached_input_tokens: usage?.cached_input_tokens ?? 0,
    output_tokens: usage?.output_tokens ?? 0,
    reasoning_tokens: usage?.reasoning_tokens ?? 0,
    // Thinking-mode prices apply when the call thought: asked for, or reasoning came back (Qwen
    // and GLM report no reasoning token count, but stream reasoning_content).
    thinking: ctx.thinking ?? a.route.thinking ?? ((usage ? usage.reasoning_tokens > 0 : false) || (a.result?.reasoning.length ?? 0) > 0),
    route: ctx.route,
    // The call is found by our own id; the provider's is kept beside it (support tickets, and a
    // provider export imported later skips the call: src/store/ledger/writer.ts).
    call_id: a.callId,
    status: a.ok ? 'ok' : a.error!.kind,
    usage_status: usageStatusOf(a),
  };
  if (requestId) row.request_id = requestId;
  if (usage?.provider_cost_usd != null) row.cost_usd = usage.provider_cost_usd;
  if (usage && usage.cache_write_tokens > 0) row.cache_write_tokens = usage.cache_write_tokens;
  if (ctx.user) row.user = ctx.user;
  if (ctx.channel) row.channel = ctx.channel;
  if (a.error) row.error = a.error.message.slice(0, 500);
  row.latency_ms = a.result ? a.result.latencyMs : Math.max(0, a.endedAtMs - a.startedAtMs);
  if (a.result?.ttftMs != null) row.ttft_ms = a.result.ttftMs;
  return row;
}

/**
 * The row a call is recorded as if routeops stops or dies before it ends (UsageMeter.begin):
 * interrupted, with the prompt tokens estimated (the output is unknown, counted as none).
 */
export function interruptedRow(start: { callId: string; route: PlannedRoute; startedAtMs: number }, ctx: MeterContext, estimatedInputTokens: number): UsageInput {
  const row: UsageInput = {
    ts: new Date(start.startedAtMs).toISOString(),
    provider: start.route.provider,
    model: start.route.model,
    input_tokens: Math.max(0, Math.round(estimatedInputTokens)),
    cached_input_tokens: 0,
    output_tokens: 0,
    reasoning_tokens: 0,
    thinking: ctx.thinking ?? start.route.thinking ?? false,
    route: ctx.route,
    call_id: start.callId,
    usage_status: 'estimated',
    status: 'interrupted',
    error: 'routeops stopped during this call: prompt tokens estimated, output unknown',
  };
  if (ctx.user) row.user = ctx.user;
  if (ctx.channel) row.channel = ctx.channel;
  return row;
}
