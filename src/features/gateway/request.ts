// What the gateway accepts as a chat-completions body (docs/ARCHITECTURE.md §3.3 gateway):
// OpenAI's fields, typed where a wrong value would only fail upstream, plus the provider extras
// on the allowlists (src/upstream/providers/forward-body.ts and config `gateway.extra_fields`).
// Messages and tools keep fields of their own (names, images, cache hints): they pass as given.
// Pure: the first problem found is the 400's message, with its path as `param`.
import { z } from 'zod';
import { EXTRA_FIELDS, OPENAI_FIELDS } from '../../upstream/providers/forward-body.js';
import { truncateForMessage } from '../../domain/text.js';
import { gatewayError, type GatewayError } from './errors.js';

const positiveInt = z.number().int().positive();
const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
});
export const chatBody = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  tools: z.array(z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1) }) })).optional(),
  tool_choice: z.union([z.enum(['auto', 'none', 'required']), z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1) }) })]).optional(),
  response_format: z.looseObject({ type: z.enum(['text', 'json_object', 'json_schema']) }).optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  max_tokens: positiveInt.nullable().optional(),
  max_completion_tokens: positiveInt.nullable().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  n: z.number().int().min(1).max(8).nullable().optional(),
});

const ROLES: ReadonlySet<unknown> = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
const isNum = (v: unknown, min: number, max: number): boolean => v == null || (typeof v === 'number' && v >= min && v <= max);
const isInt = (v: unknown, min: number, max: number): boolean => v == null || (Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max);

/**
 * A fast path: true only for a body chatBody certainly accepts, in the shape most calls have
 * (text messages; the sampling fields, stream and its options; no tools, response_format or
 * stop, which go through zod). Anything else is left to chatBody, whose message a refusal is.
 * Measured (bench/gateway.ts profile, 500 calls/s): chatBody.safeParse was ~1.8% of the
 * gateway's CPU for the bench's body; this check is under 0.1%.
 */
export function plainChat(b: Record<string, unknown>): boolean {
  if (typeof b['model'] !== 'string' || b['model'] === '') return false;
  if (b['tools'] !== undefined || b['tool_choice'] !== undefined || b['response_format'] !== undefined || b['stop'] !== undefined) return false;
  const messages = b['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return false;
  for (const m of messages) {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
    const c = (m as Record<string, unknown>)['content'];
    if (!ROLES.has((m as Record<string, unknown>)['role']) || (c !== undefined && c !== null && typeof c !== 'string')) return false;
  }
  const stream = b['stream'];
  if (stream != null && typeof stream !== 'boolean') return false;
  const options = b['stream_options'];
  if (options != null) {
    if (typeof options !== 'object' || Array.isArray(options)) return false;
    const usage = (options as Record<string, unknown>)['include_usage'];
    if (usage !== undefined && typeof usage !== 'boolean') return false;
  }
  const big = Number.MAX_SAFE_INTEGER;
  return (
    isNum(b['temperature'], 0, 2) &&
    isNum(b['top_p'], 0, 1) &&
    isInt(b['max_tokens'], 1, big) &&
    isInt(b['max_completion_tokens'], 1, big) &&
    isInt(b['seed'], -big, big) &&
    isInt(b['n'], 1, 8)
  );
}

export interface ChatCall {
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** The client asked for the usage chunk (stream_options.include_usage). */
  wantsUsage: boolean;
  maxTokens: number;
}

/** Every provider extra any route may take: a field outside these and OpenAI's is a mistake. */
export function knownFields(extra: readonly string[] = []): Set<string> {
  return new Set([...OPENAI_FIELDS, ...Object.values(EXTRA_FIELDS).flat(), ...extra]);
}

/** Deeper JSON than this is refused: no chat request needs it, and serialising it again overflows the stack. */
export const MAX_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `max` (iterative: a hostile depth cannot overflow the check). */
export function deeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

export function parseChatBody(raw: unknown, known: ReadonlySet<string>): { ok: true; call: ChatCall } | { ok: false; error: GatewayError } {
  const bad = (message: string, param: string | null) => ({ ok: false as const, error: gatewayError(400, 'invalid_request_error', 'invalid_request', message, param) });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('the body must be a JSON object with "model" and "messages"', null);
  if (deeperThan(raw, MAX_DEPTH)) return bad(`the body nests deeper than ${MAX_DEPTH} levels: flatten it`, null);
  for (const k of Object.keys(raw)) {
    if (!known.has(k)) return bad(`unknown field "${truncateForMessage(k)}": accepted are OpenAI's chat-completions fields and the provider extras listed in the gateway docs (e.g. thinking, enable_thinking, reasoning)`, k);
  }
  let body: Record<string, unknown> & z.infer<typeof chatBody>;
  if (plainChat(raw as Record<string, unknown>)) body = raw as Record<string, unknown> & z.infer<typeof chatBody>;
  else {
    const parsed = chatBody.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.path.map(String).join('.');
      return bad(`${path || 'body'}: ${issue.message}`, path || null);
    }
    body = parsed.data as Record<string, unknown> & z.infer<typeof chatBody>;
  }
  return {
    ok: true,
    call: {
      body,
      model: body.model,
      stream: body.stream === true,
      wantsUsage: body.stream_options?.include_usage === true,
      maxTokens: body.max_completion_tokens ?? body.max_tokens ?? 0,
    },
  };
}
