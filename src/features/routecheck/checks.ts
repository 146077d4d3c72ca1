// The smoke-test checks of /routecheck, one function each. "OpenAI-compatible" is a request
// shape, not a promise: each check finds out whether one feature really works on a route.
import type { ChatRequest, ChatResult, ProviderClient, ToolDefinition } from '../../upstream/providers/types.js';
import { ProviderError } from '../../upstream/providers/errors.js';
import type { CheckRoute } from './targets.js';
import { NOT_FOUND_PROBE_MODEL } from '../../domain/spend.js';

export const CHECK_NAMES = ['models', 'key', 'chat', 'stream', 'tools', 'json', 'long', 'error'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];
export type CheckStatus = 'pass' | 'fail' | 'n/a';

export interface CheckOutcome {
  status: CheckStatus;
  reason: string;
  latency_ms: number | null;
  tokens?: { input: number; output: number };
  ttft_ms?: number | null;
  tokens_per_s?: number | null;
  /** Observed behaviour compared across routes (usage fields, reasoning, tool-call shape). */
  facts?: Record<string, string>;
}

/** How a check calls the route: metered (one ledger row per upstream call) and timed. */
export interface CheckCaller {
  chat(req: Omit<ChatRequest, 'model'>, opts?: { model?: string }): Promise<ChatResult>;
  stream(req: Omit<ChatRequest, 'model'>): Promise<ChatResult>;
  listModels(): Promise<string[]>;
}

export interface CheckContext {
  route: CheckRoute;
  client: ProviderClient;
  call: CheckCaller;
  apiKeyEnv: string;
  longTokens: number;
}

/** Output cap per check: room for a thinking model to reason and still answer (never max_tokens: 1). */
export const CHECK_MAX_TOKENS = 1024;
/** Thinking is asked off where a switch exists, so the budget goes to the answer. */
const BASE: Pick<ChatRequest, 'maxTokens' | 'thinking'> = { maxTokens: CHECK_MAX_TOKENS, thinking: false };

const ms = (r: ChatResult) => r.latencyMs;
const tokensOf = (r: ChatResult) => (r.usage ? { input: r.usage.input_tokens, output: r.usage.output_tokens } : undefined);
const pass = (reason: string, r?: ChatResult, extra: Partial<CheckOutcome> = {}): CheckOutcome => ({ status: 'pass', reason, latency_ms: r ? ms(r) : null, ...(r && tokensOf(r) ? { tokens: tokensOf(r)! } : {}), ...extra });
const fail = (reason: string, r?: ChatResult | null, extra: Partial<CheckOutcome> = {}): CheckOutcome => ({ status: 'fail', reason, latency_ms: r ? ms(r) : null, ...(r && tokensOf(r) ? { tokens: tokensOf(r)! } : {}), ...extra });

function failFromError(err: unknown, what: string): CheckOutcome {
  if (err instanceof ProviderError) {
    const partial = err.partial ?? null;
    return fail(`${what}: ${err.kind}${err.status ? ` (${err.status})` : ''} — ${err.message.slice(0, 160)}`, partial);
  }
  return fail(`${what}: ${(err as Error).message?.slice(0, 160) ?? 'unknown error'}`);
}

function usageFacts(r: ChatResult): Record<string, string> {
  const u = r.usage;
  if (!u) return { usage: 'missing' };
  return {
    usage: 'reported',
    cached_tokens: u.cached_input_tokens > 0 ? 'reported' : 'zero or absent',
    reasoning_tokens: u.reasoning_tokens > 0 ? 'reported' : 'zero or absent',
    provider_cost: u.provider_cost_usd !== null ? 'reported' : 'absent',
    reasoning_content: r.reasoning ? 'sent' : 'none',
  };
}

export async function checkModels(ctx: CheckContext): Promise<CheckOutcome> {
  const started = Date.now();
  try {
    const ids = await ctx.call.listModels();
    const latency = Date.now() - started;
    if (ids.includes(ctx.route.model)) return { status: 'pass', reason: `listed among ${ids.length} models`, latency_ms: latency };
    const near = ids.find((id) => id.toLowerCase() === ctx.route.model.toLowerCase());
    return { status: 'fail', reason: near ? `not listed; "${near}" is (model ids are case-sensitive)` : `not among the ${ids.length} models the provider lists`, latency_ms: latency };
  } catch (err) {
    if (err instanceof ProviderError && (err.status === 404 || err.status === 405)) return { status: 'n/a', reason: 'the provider has no GET /models endpoint', latency_ms: Date.now() - started };
    return failFromError(err, 'GET /models failed');
  }
}

export async function checkChat(ctx: CheckContext): Promise<CheckOutcome> {
  try {
    const r = await ctx.call.chat({ ...BASE, messages: [{ role: 'user', content: 'Reply with one short sentence: what is 2 + 2?' }] });
    if (!r.content.trim()) return fail(r.finishReason === 'length' ? 'empty answer: the whole token budget went to reasoning (finish_reason "length")' : `empty answer (finish_reason ${JSON.stringify(r.finishReason)})`, r);
    if (!r.finishReason) return fail('no finish_reason', r);
    if (!r.usage) return fail('no usage in the response', r);
    return pass(`answered, finish_reason "${r.finishReason}"`, r, { facts: usageFacts(r) });
  } catch (err) {
    return failFromError(err, 'chat');
  }
}

export async function checkStream(ctx: CheckContext): Promise<CheckOutcome> {
  try {
    const r = await ctx.call.stream({ ...BASE, messages: [{ role: 'user', content: 'Count from 1 to 20, separated by spaces.' }] });
    const generation = r.ttftMs !== null ? Math.max(1, r.latencyMs - r.ttftMs) : null;
    const tps = r.usage && generation ? Math.round((r.usage.output_tokens * 1000) / generation) : null;
    const extra = { ttft_ms: r.ttftMs, tokens_per_s: tps, facts: usageFacts(r) };
    if (r.chunks === 0) return fail('no chunks arrived', r, extra);
    if (!r.content.trim()) return fail(`stream carried no content (finish_reason ${JSON.stringify(r.finishReason)})`, r, extra);
    if (!r.finishReason) return fail('the stream ended without a finish_reason', r, extra);
    if (!r.usage) return fail('no usage in the stream (stream_options.include_usage was sent)', r, extra);
    return pass(`${r.chunks} chunks, usage received`, r, extra);
  } catch (err) {
    const out = failFromError(err, 'stream');
    if (err instanceof ProviderError && err.kind === 'timeout') out.reason = `the stream did not end: ${out.reason}`;
    return out;
  }
}

const WEATHER_TOOL: ToolDefinition = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'], additionalProperties: false },
};

/** Validates tool-call arguments against WEATHER_TOOL's schema. */
function toolCallProblem(r: ChatResult): string | null {
  const call = r.toolCalls[0];
  if (!call) return `no tool call (finish_reason ${JSON.stringify(r.finishReason)}, content ${JSON.stringify(r.content.slice(0, 60))})`;
  if (call.name !== WEATHER_TOOL.name) return `called "${call.name.slice(0, 40)}" instead of "${WEATHER_TOOL.name}"`;
  if (!call.id) return 'tool call has no id';
  let args: unknown;
  try {
    args = JSON.parse(call.arguments);
  } catch {
    return `arguments are not JSON: ${JSON.stringify(call.arguments.slice(0, 60))}`;
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return 'arguments are not a JSON object';
  const obj = args as Record<string, unknown>;
  if (typeof obj.city !== 'string' || !obj.city) return 'arguments lack the required string "city"';
  const extra = Object.keys(obj).filter((k) => k !== 'city');
  if (extra.length) return `arguments have keys the schema does not allow: ${extra.join(', ')}`;
  return null;
}

export async function checkTools(ctx: CheckContext): Promise<CheckOutcome> {
  const req: Omit<ChatRequest, 'model'> = { ...BASE, messages: [{ role: 'user', content: 'What is the weather in Lisbon? Use the tool.' }], tools: [WEATHER_TOOL], toolChoice: { name: WEATHER_TOOL.name } };
  // Plain and streamed run side by side: they are independent, and the check takes one call's time.
  const [plainRun, streamedRun] = await Promise.allSettled([ctx.call.chat(req), ctx.call.stream(req)]);
  if (plainRun.status === 'rejected') return failFromError(plainRun.reason, 'tool call');
  const plain = plainRun.value;
  const plainProblem = toolCallProblem(plain);
  if (plainProblem) return fail(`plain: ${plainProblem}`, plain);
  if (streamedRun.status === 'rejected') return failFromError(streamedRun.reason, 'streamed tool call');
  const streamed = streamedRun.value;
  const streamProblem = toolCallProblem(streamed);
  if (streamProblem) return fail(`streamed: ${streamProblem}`, streamed);
  const notes = [...(plain.notes ?? []), ...(streamed.notes ?? [])];
  return pass(`well-formed ${WEATHER_TOOL.name} call, plain and streamed${notes.length ? ` (${notes[0]})` : ''}`, streamed, { latency_ms: Math.max(plain.latencyMs, streamed.latencyMs), facts: { tool_choice: notes.some((n) => /auto/.test(n)) ? 'forced choice sent as "auto"' : 'forced choice accepted' } });
}

export async function checkJson(ctx: CheckContext): Promise<CheckOutcome> {
  try {
    const r = await ctx.call.chat({ ...BASE, responseFormat: 'json_object', messages: [{ role: 'user', content: 'Return a JSON object with keys "city" and "country" for Lisbon.' }] });
    const text = r.content.trim();
    if (!text) return fail('JSON mode returned empty or whitespace-only content', r);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return fail(`JSON mode returned text that is not JSON: ${JSON.stringify(text.slice(0, 60))}`, r);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('JSON mode returned JSON that is not one object', r);
    return pass('one parseable JSON object', r);
  } catch (err) {
    return failFromError(err, 'JSON mode');
  }
}

/** A long prompt with a fact hidden in the middle; the answer must contain it. */
export function longPrompt(tokens: number): { text: string; code: string } {
  const code = 'KIWI-7341';
  const filler = 'The archive lists shipping records, weather notes and routine maintenance logs for the harbour. ';
  const repeats = Math.max(1, Math.floor((tokens * 4) / filler.length));
  const half = Math.floor(repeats / 2);
  const text = `${filler.repeat(half)}The secret code is ${code}. ${filler.repeat(repeats - half)}`;
  return { text, code };
}

export async function checkLong(ctx: CheckContext): Promise<CheckOutcome> {
  const { text, code } = longPrompt(ctx.longTokens);
  try {
    const r = await ctx.call.chat({ ...BASE, messages: [{ role: 'user', content: `What is the secret code mentioned in the text below? Answer with the code only.\n\n${text}` }] });
    if (!r.content.includes(code)) return fail(`the answer does not contain the hidden fact (got ${JSON.stringify(r.content.slice(0, 60))})`, r);
    return pass(`found the fact in ~${Math.round(ctx.longTokens / 1000)}K tokens`, r);
  } catch (err) {
    return failFromError(err, 'long prompt');
  }
}

/** Reports leave this probe out of the models and the request count (src/domain/spend.ts). */
export const NO_SUCH_MODEL = NOT_FOUND_PROBE_MODEL;

export async function checkError(ctx: CheckContext): Promise<CheckOutcome> {
  const started = Date.now();
  try {
    const r = await ctx.call.chat({ maxTokens: 16, messages: [{ role: 'user', content: 'ping' }] }, { model: NO_SUCH_MODEL });
    return fail(`a model that does not exist answered (${JSON.stringify(r.content.slice(0, 40))})`, r);
  } catch (err) {
    const latency = Date.now() - started;
    if (!(err instanceof ProviderError)) return { status: 'fail', reason: `unclassified error: ${(err as Error).message?.slice(0, 120)}`, latency_ms: latency };
    if (err.attempts > 1) return { status: 'fail', reason: `retried ${err.attempts} times for an unknown model (a retry storm)`, latency_ms: latency };
    if (err.kind !== 'model_not_found') return { status: 'fail', reason: `an unknown model gave ${err.kind}${err.status ? ` (${err.status})` : ''}, not a model-not-found error`, latency_ms: latency };
    if (err.status !== null && err.status >= 500) return { status: 'fail', reason: `an unknown model gave status ${err.status}; a client error (400/404) was expected`, latency_ms: latency };
    return { status: 'pass', reason: `model-not-found (${err.status ?? 'no status'}) in one attempt`, latency_ms: latency };
  }
}
