// A local OpenAI-compatible provider simulator (node:http). It imitates the five providers'
// wire formats from /work/shared/DOMAIN.md §1 ("D§1" in comments) so the provider client can be
// tested with the real openai SDK, and so a user can point routeops at it (`routeops sim`).
// Deterministic: answers, token counts and cache hits are derived from the request text.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Socket } from 'node:net';
import { PROFILES, PROFILE_NAMES, SIM_PRICE, isKimiThinkingModel, isProfileName, type ErrorCategory, type Profile, type ProfileName, type SimUsage } from './profiles.js';

export { PROFILE_NAMES, type ProfileName } from './profiles.js';

export interface Faults {
  /** Answer with this status in the provider's error body shape (429, 500, 502, 503, 402, 401, 403; any other 4xx/5xx is sent as-is in the same shape). */
  status?: number;
  /** Adds `Retry-After: N` to status faults. */
  retryAfterSeconds?: number;
  /** How many requests the fault applies to (default: all). */
  times?: number;
  /** Delay before the first token; DeepSeek/OpenRouter send their SSE comments meanwhile. */
  slowFirstTokenMs?: number;
  /** Destroy the socket after this many data chunks (non-stream: after part of the body). */
  cutAfterChunks?: number;
  /** A non-JSON `data:` line after the first chunk (non-stream: a non-JSON body). */
  malformedChunk?: boolean;
  /** Send headers, then nothing. */
  hang?: boolean;
  /** OpenRouter style: a `data:` event with an `error` field on HTTP 200 after two chunks. */
  midStreamError?: boolean;
  /** No usage anywhere. */
  omitUsage?: boolean;
  /** Stream the content, then only keep-alive comments: no final chunk, no [DONE]. */
  neverEnd?: boolean;
  /** Tool-call arguments that are not valid JSON. */
  toolArgsNotJson?: boolean;
  /** JSON mode answered with prose. */
  jsonModeProse?: boolean;
  /** Status for the model-not-found error instead of the provider's documented one. */
  unknownModelStatus?: number;
  /** The provider's out-of-balance error. */
  balanceExhausted?: boolean;
}

/** Where a simulator run by hand takes its faults (see control()). */
export const CONTROL_PREFIX = '/_sim';

const status = z.number().int().min(400).max(599);
const ms = z.number().int().min(0).max(600_000);
const faultsSchema = z.strictObject({
  status: status.optional(),
  retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
  times: z.number().int().min(1).optional(),
  slowFirstTokenMs: ms.optional(),
  cutAfterChunks: z.number().int().min(0).optional(),
  malformedChunk: z.boolean().optional(),
  hang: z.boolean().optional(),
  midStreamError: z.boolean().optional(),
  omitUsage: z.boolean().optional(),
  neverEnd: z.boolean().optional(),
  toolArgsNotJson: z.boolean().optional(),
  jsonModeProse: z.boolean().optional(),
  unknownModelStatus: status.optional(),
  balanceExhausted: z.boolean().optional(),
}) satisfies z.ZodType<Faults>;
// Every fault can be set over HTTP: a field added to Faults but not here fails to compile.
const FAULT_FIELDS: Record<keyof Faults, unknown> = faultsSchema.shape;
/** The faults a simulator run by hand takes over HTTP. */
export const FAULT_NAMES = Object.keys(FAULT_FIELDS);

export interface Script {
  /** When tools are offered and no tool result is in the messages yet, call this tool. */
  toolCall?: { name: string; arguments: string };
}

export interface RecordedRequest {
  method: string;
  path: string;
  profile: ProfileName | null;
  body: unknown;
  /** Request headers without `authorization`. */
  headers: Record<string, string>;
  /** Whether an `Authorization: Bearer …` header was present (its value is not kept). */
  hasBearer: boolean;
}

export interface Simulator {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The base URL to give the openai SDK for a profile, e.g. http://127.0.0.1:PORT/kimi/v1 */
  baseUrl(profile: ProfileArg): string;
  setFaults(profile: ProfileArg, faults: Faults | null): void;
  setScript(profile: ProfileArg, script: Script | null): void;
  /** Clears every profile's faults and script (between tests). */
  reset(): void;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A profile name; plain strings are accepted (and checked at run time). */
export type ProfileArg = ProfileName | (string & {});

function profileOf(p: string): ProfileName {
  if (!isProfileName(p)) throw new Error(`unknown simulator profile "${p}" (known: ${PROFILE_NAMES.join(', ')})`);
  return p;
}

/** The key the simulator rejects (any other non-empty bearer is accepted). */
export const SIM_BAD_KEY = 'bad-key';

interface ProfileState {
  faults: Faults | null;
  faultUses: number;
  script: Script | null;
  /** Message-list prefixes seen (for cached tokens). */
  seenPrefixes: Set<string>;
}

type Msg = { role?: unknown; content?: unknown; tool_calls?: unknown; reasoning_content?: unknown };

const tokens = (s: string) => Math.ceil(s.length / 4);

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : ''))
      .join('');
  }
  return '';
}

/** Splits text into small pieces at code-point boundaries (concatenation gives the text back). */
function pieces(text: string, size = 16): string[] {
  const cps = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += size) out.push(cps.slice(i, i + size).join(''));
  return out;
}

interface Plan {
  id: string;
  created: number;
  model: string;
  reasoning: string;
  content: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  finish: 'stop' | 'length' | 'tool_calls';
  usage: SimUsage;
  cost: number;
}

export async function startSimulator(opts: { port?: number; host?: string } = {}): Promise<Simulator> {
  const host = opts.host ?? '127.0.0.1';
  const state = new Map<ProfileName, ProfileState>(
    PROFILE_NAMES.map((p) => [p, { faults: null, faultUses: 0, script: null, seenPrefixes: new Set<string>() }]),
  );
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  // A random start, so request ids do not repeat across restarts (see profiles.ts).
  let reqSeq = Math.floor(Math.random() * 2 ** 32);

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (closed) return; // never resolves: the server is gone
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const every = (ms: number, fn: () => boolean) => {
    // Calls fn every ms until it returns false or the simulator closes.
    const t = setInterval(() => {
      if (closed || !fn()) {
        clearInterval(t);
        timers.delete(t);
      }
    }, ms);
    timers.add(t);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('simulator error');
      } else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  /**
   * Faults on demand for a simulator run by hand (`routeops sim`): POST /_sim/faults/PROFILE with
   * a JSON Faults object sets them, DELETE /_sim/faults/PROFILE (or /_sim/faults) clears them.
   */
  function control(res: ServerResponse, method: string, rest: string, body: unknown) {
    const [what, name, ...extra] = rest.split('/');
    if (what !== 'faults' || extra.length || (name !== undefined && name !== '' && !isProfileName(name))) {
      return sendJson(res, 404, { error: `unknown control path; use POST or DELETE ${CONTROL_PREFIX}/faults/{${PROFILE_NAMES.join('|')}}` });
    }
    const profiles = name ? [name as ProfileName] : [...PROFILE_NAMES];
    if (method === 'DELETE') {
      for (const p of profiles) state.get(p)!.faults = null;
      return sendJson(res, 200, { ok: true, cleared: profiles });
    }
    if (method !== 'POST' || !name) return sendJson(res, 405, { error: `POST ${CONTROL_PREFIX}/faults/PROFILE with a JSON body, or DELETE` });
    const parsed = faultsSchema.safeParse(body);
    if (!parsed.success) {
      return sendJson(res, 400, { error: `bad faults: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`, accepted: FAULT_NAMES });
    }
    const st = state.get(name as ProfileName)!;
    st.faults = parsed.data as Faults;
    st.faultUses = 0;
    return sendJson(res, 200, { ok: true, profile: name, faults: parsed.data });
  }

  function takeFaults(p: ProfileName): Faults | null {
    const st = state.get(p)!;
    const f = st.faults;
    if (!f) return null;
    if (f.times !== undefined && st.faultUses >= f.times) return null;
    st.faultUses++;
    return f;
  }

  function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  }

  function sendError(res: ServerResponse, profile: Profile, cat: ErrorCategory, ctx: { model?: string; message?: string; status?: number }, reqId: string, extraHeaders: Record<string, string> = {}) {
    const r = profile.error(cat, { ...ctx, requestId: reqId });
    const status = ctx.status ?? r.status;
    const body = r.body;
    const headers: Record<string, string> = { ...extraHeaders };
    if (profile.requestIdHeader) headers['x-request-id'] = reqId;
    sendJson(res, status, body, headers);
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      const b = c as Buffer;
      size += b.length;
      if (size > 10 * 1024 * 1024) throw new Error('body too large');
      chunks.push(b);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sim.local');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const firstSeg = path.split('/')[1] ?? '';
    const profileName = isProfileName(firstSeg) ? firstSeg : null;
    const rawBody = method === 'POST' ? await readBody(req) : '';
    let body: unknown = rawBody;
    try {
      if (rawBody) body = JSON.parse(rawBody);
    } catch {
      /* kept as text */
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (k === 'authorization' || v === undefined) continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const auth = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(.*)$/i.exec(auth)?.[1]?.trim() ?? '';
    requests.push({ method, path, profile: profileName, body: rawBody ? body : null, headers, hasBearer: bearer !== '' });
    if (path.startsWith(`${CONTROL_PREFIX}/`)) return control(res, method, path.slice(CONTROL_PREFIX.length + 1), body);

    // Route: {base}/chat/completions and {base}/models; anything else (e.g. D§1 GLM "a `/v1` base gives 404") is a 404.
    const profile = profileName ? PROFILES[profileName] : null;
    const base = profile?.bases.filter((b) => path.startsWith(`${b}/`)).sort((a, b) => b.length - a.length)[0];
    const endpoint = base ? path.slice(base.length) : null;
    const known = (endpoint === '/chat/completions' && method === 'POST') || (endpoint === '/models' && method === 'GET');
    if (!profile || !known) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found');
      return;
    }
    const reqId = `sim-${profile.name}-${++reqSeq}`;

    // Auth: no bearer or the bad key -> 401 in the provider's error body shape.
    if (!bearer || bearer === SIM_BAD_KEY) return sendError(res, profile, 'auth', {}, reqId);

    const faults = takeFaults(profile.name);
    if (faults?.status !== undefined || faults?.balanceExhausted) {
      const extra: Record<string, string> = {};
      // D§1: "some send `Retry-After` (OpenRouter on 429/503)": OpenRouter always (1 s unless
      // the fault names a wait; the value is ours), any profile on demand.
      const retryAfter = faults.retryAfterSeconds ?? (profile.name === 'openrouter' && (faults.status === 429 || faults.status === 503) ? 1 : undefined);
      if (retryAfter !== undefined) extra['retry-after'] = String(retryAfter);
      const cat: ErrorCategory = faults.balanceExhausted ? 'balance' : statusCategory(faults.status!);
      return sendError(res, profile, cat, faults.balanceExhausted ? {} : { status: faults.status! }, reqId, extra);
    }

    if (endpoint === '/models') {
      const data = profile.models.map((id) => ({ id, object: 'model', created: 1767225600, owned_by: profile.name }));
      return sendJson(res, 200, { object: 'list', data }, profile.requestIdHeader ? { 'x-request-id': reqId } : {});
    }

    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return sendError(res, profile, 'bad_request', { message: 'Request body must be a JSON object' }, reqId);
    }
    const b = body as Record<string, unknown>;
    const model = typeof b['model'] === 'string' ? b['model'] : '';
    const messages = Array.isArray(b['messages']) ? (b['messages'] as Msg[]) : [];
    // D§1: "Model ids are case-sensitive (Qwen: `Qwen-Plus` does not exist)".
    if (!profile.models.includes(model)) {
      const status = faults?.unknownModelStatus;
      return sendError(res, profile, 'model_not_found', { model, ...(status !== undefined ? { status } : {}) }, reqId);
    }
    if (messages.length === 0) return sendError(res, profile, 'bad_request', { message: 'messages must not be empty' }, reqId);

    const thinking = profile.thinks(model, b);
    const tools = Array.isArray(b['tools']) ? (b['tools'] as unknown[]) : [];
    const toolChoice = b['tool_choice'];
    // D§1: "GLM accepts only `tool_choice:"auto"`."
    if (profile.name === 'glm' && toolChoice !== undefined && toolChoice !== 'auto') {
      return sendError(res, profile, 'bad_request', { message: 'tool_choice only supports auto' }, reqId);
    }
    // D§1: "Kimi fixes `temperature` (1.0 with thinking, 0.6 without); other values give 400."
    if (profile.name === 'kimi' && isKimiThinkingModel(model) && b['temperature'] !== undefined && b['temperature'] !== null) {
      const allowed = thinking ? 1.0 : 0.6;
      if (b['temperature'] !== allowed) {
        return sendError(res, profile, 'bad_request', { message: `invalid temperature: only ${allowed} is allowed for this model` }, reqId);
      }
    }
    // D§1: "DeepSeek and Kimi require `reasoning_content` to be sent back on assistant turns that made tool calls, else 400."
    if ((profile.name === 'deepseek' || profile.name === 'kimi') && thinking) {
      const i = messages.findIndex((m) => m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 && typeof m.reasoning_content !== 'string');
      if (i >= 0) {
        return sendError(res, profile, 'bad_request', { message: `Missing \`reasoning_content\` field in the assistant message at message index ${i}` }, reqId);
      }
    }
    const rf = b['response_format'];
    const jsonMode = !!rf && typeof rf === 'object' && (rf as { type?: unknown }).type === 'json_object';
    const mentionsJson = messages.some((m) => /json/i.test(textOf(m.content)));
    // D§1: JSON mode "needs the word "json" in the prompt (DeepSeek, Qwen; Qwen returns 400 otherwise)".
    if (jsonMode && !mentionsJson && profile.name === 'qwen') {
      return sendError(res, profile, 'bad_request', { message: "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'." }, reqId);
    }

    const plan = makePlan(profile, model, b, messages, tools, toolChoice, thinking, jsonMode, mentionsJson, faults);
    const respHeaders: Record<string, string> = profile.requestIdHeader ? { 'x-request-id': reqId } : {};
    if (b['stream'] === true) await stream(res, profile, plan, b, faults, respHeaders);
    else await nonStream(res, profile, plan, faults, respHeaders);
  }

  function makePlan(
    profile: Profile,
    model: string,
    b: Record<string, unknown>,
    messages: Msg[],
    tools: unknown[],
    toolChoice: unknown,
    thinking: boolean,
    jsonMode: boolean,
    mentionsJson: boolean,
    faults: Faults | null,
  ): Plan {
    const st = state.get(profile.name)!;
    const texts = messages.map((m) => textOf(m.content) + (m.tool_calls ? JSON.stringify(m.tool_calls) : ''));
    const prompt = texts.reduce((n, t) => n + tokens(t), 0);
    // Cached tokens: the longest earlier-seen prefix of the message list (all but the last message at most).
    let cached = 0;
    const keys = messages.map((_, i) => `${model}\u0000${JSON.stringify(messages.slice(0, i + 1))}`);
    for (let i = messages.length - 2; i >= 0; i--) {
      if (st.seenPrefixes.has(keys[i]!)) {
        cached = texts.slice(0, i + 1).reduce((n, t) => n + tokens(t), 0);
        break;
      }
    }
    for (const k of keys) st.seenPrefixes.add(k);

    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    const userText = textOf(lastUser?.content).slice(0, 200);
    const toolMsgs = messages.filter((m) => m.role === 'tool');
    const lastTool = toolMsgs[toolMsgs.length - 1];

    let reasoning = thinking ? `The user asks: "${userText.slice(0, 80)}". I will answer briefly.` : '';
    let content: string;
    let finish: Plan['finish'] = 'stop';
    const toolCalls: Plan['toolCalls'] = [];

    const forced = toolChoice && typeof toolChoice === 'object' ? (toolChoice as { function?: { name?: unknown } }).function?.name : undefined;
    const script = st.script?.toolCall;
    // Under "auto", a user who explicitly asks to use the only tool gets it called, as a real
    // model would (GLM accepts only "auto", so forced calls reach it this way).
    const askedForTool = tools.length === 1 && /\btool\b/i.test(userText) ? (tools[0] as { function?: { name?: unknown } }).function?.name : undefined;
    if (tools.length > 0 && toolChoice !== 'none' && !lastTool && (script || typeof forced === 'string' || typeof askedForTool === 'string')) {
      const name = typeof forced === 'string' ? forced : script ? script.name : String(askedForTool);
      let args = script && script.name === name ? script.arguments : defaultArgs(tools, name, userText);
      if (faults?.toolArgsNotJson) args = `{"query": "${userText.slice(0, 20)}"`;
      toolCalls.push({ id: `call_${profile.name}_${++reqSeq}`, name, arguments: args });
      content = '';
      finish = 'tool_calls';
    } else if (lastTool) {
      content = `Based on the data: ${textOf(lastTool.content)}`;
    } else {
      // A long-context "needle" question is answered the way a capable model would: with the
      // fact found anywhere in the prompt (what /routecheck --long looks for).
      const needle = /The secret code is ([A-Z0-9-]+)\./.exec(textOf(lastUser?.content));
      content = needle && /secret code/i.test(userText) ? `Simulated ${profile.name} answer: the secret code is ${needle[1]}.` : `Simulated ${profile.name} answer to: ${userText}`;
    }
    if (jsonMode && toolCalls.length === 0) {
      if (!mentionsJson && profile.name === 'deepseek') content = '\n\n  \n'; // D§1: "DeepSeek may return whitespace-only content."
      else if (!faults?.jsonModeProse) content = JSON.stringify({ answer: content, profile: profile.name, model });
    }

    // max_tokens: reasoning is spent first (D§1: "A small `max_tokens` can be spent entirely on
    // reasoning: `content:""` with `finish_reason:"length"`").
    const maxRaw = b['max_tokens'] ?? b['max_completion_tokens'];
    const max = typeof maxRaw === 'number' && maxRaw > 0 ? Math.floor(maxRaw) : Infinity;
    let reasoningTokens = tokens(reasoning);
    let contentTokens = tokens(content) + toolCalls.reduce((n, t) => n + tokens(t.arguments) + tokens(t.name), 0);
    if (reasoningTokens >= max) {
      reasoning = Array.from(reasoning).slice(0, max * 4).join('');
      reasoningTokens = max;
      content = '';
      contentTokens = 0;
      toolCalls.length = 0;
      finish = 'length';
    } else if (reasoningTokens + contentTokens > max) {
      const left = max - reasoningTokens;
      content = Array.from(content).slice(0, left * 4).join('');
      contentTokens = left;
      toolCalls.length = 0;
      finish = 'length';
    }
    const completion = reasoningTokens + contentTokens;
    const cost = (prompt - cached) * SIM_PRICE.input + cached * SIM_PRICE.cachedInput + completion * SIM_PRICE.output;
    return {
      id: profile.newId(),
      created: Math.floor(Date.now() / 1000),
      model,
      reasoning,
      content,
      toolCalls,
      finish,
      usage: { prompt, cached, completion, reasoning: reasoningTokens },
      cost: Number(cost.toPrecision(6)),
    };
  }

  function chunkBase(profile: Profile, plan: Plan): Record<string, unknown> {
    // D§1 GLM: "chunks may omit `object`".
    const base: Record<string, unknown> = { id: plan.id };
    if (profile.name !== 'glm') base['object'] = 'chat.completion.chunk';
    base['created'] = plan.created;
    base['model'] = plan.model;
    return base;
  }

  function buildChunks(profile: Profile, plan: Plan, b: Record<string, unknown>, faults: Faults | null): { chunks: Record<string, unknown>[]; tail: Record<string, unknown>[] } {
    const so = b['stream_options'];
    const includeUsage = !!so && typeof so === 'object' && (so as { include_usage?: unknown }).include_usage === true;
    const usage = faults?.omitUsage ? null : profile.usage(plan.usage, plan.cost);
    // D§1 DeepSeek: "`usage:null` on the others when `include_usage` is set" (Qwen: same, assumed).
    const nullUsage = includeUsage && (profile.name === 'deepseek' || profile.name === 'qwen');
    const mk = (delta: Record<string, unknown>, finish: string | null = null) => {
      const c: Record<string, unknown> = { ...chunkBase(profile, plan), choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
      if (nullUsage) c['usage'] = null;
      return c;
    };
    const chunks: Record<string, unknown>[] = [];
    chunks.push(mk({ role: 'assistant', content: '' }));
    // D§1: "Reasoning arrives as `reasoning_content` deltas."
    for (const p of pieces(plan.reasoning)) chunks.push(mk({ content: null, reasoning_content: p }));
    for (const p of pieces(plan.content)) chunks.push(mk({ content: p }));
    plan.toolCalls.forEach((tc, index) => {
      chunks.push(mk({ tool_calls: [{ index, id: tc.id, type: 'function', function: { name: tc.name, arguments: '' } }] }));
      for (const p of pieces(tc.arguments, 12)) {
        // D§1: "Streamed tool-call continuation deltas: DeepSeek omits `id`/`name`; Qwen and GLM send them as empty strings."
        if (profile.name === 'qwen' || profile.name === 'glm') {
          chunks.push(mk({ tool_calls: [{ index, id: '', type: 'function', function: { name: '', arguments: p } }] }));
        } else {
          chunks.push(mk({ tool_calls: [{ index, function: { arguments: p } }] }));
        }
      }
    });

    const tail: Record<string, unknown>[] = [];
    const final = mk({}, plan.finish);
    const choice0 = (final['choices'] as Record<string, unknown>[])[0]!;
    if (usage) {
      switch (profile.name) {
        case 'deepseek': // D§1: "usage rides on the final chunk (the one with `finish_reason`)"
        case 'glm': // D§1: "usage always on the final chunk"
          final['usage'] = usage;
          tail.push(final);
          break;
        case 'kimi': // D§1: "streaming usage inside `choices[0].usage` of the final chunk"
          choice0['usage'] = usage;
          tail.push(final);
          break;
        case 'qwen': // D§1: "usage only with `stream_options:{include_usage:true}`, in a separate last chunk with `"choices":[]`"
          tail.push(final);
          if (includeUsage) tail.push({ ...chunkBase(profile, plan), choices: [], usage });
          break;
        case 'openrouter': // D§1: "usage always sent …; `include_usage` is ignored" (separate last chunk, assumed)
          tail.push(final);
          tail.push({ ...chunkBase(profile, plan), choices: [], usage });
          break;
      }
    } else tail.push(final);
    return { chunks, tail };
  }

  function commentFor(profile: Profile): string | null {
    // D§1: "DeepSeek sends `: keep-alive` while waiting under load …; OpenRouter sends `: OPENROUTER PROCESSING`."
    if (profile.name === 'deepseek') return ': keep-alive\n\n';
    if (profile.name === 'openrouter') return ': OPENROUTER PROCESSING\n\n';
    return null;
  }

  const write = (res: ServerResponse, text: string) => {
    if (res.destroyed || res.writableEnded) return false;
    res.write(text);
    return true;
  };

  /** Waits for what was written to reach the socket, lets the client read it, then destroys it. */
  function cut(res: ServerResponse) {
    res.write('', () => {
      void wait(20).then(() => res.socket?.destroy());
    });
  }

  async function stream(res: ServerResponse, profile: Profile, plan: Plan, b: Record<string, unknown>, faults: Faults | null, headers: Record<string, string>) {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
    res.flushHeaders();
    const comment = commentFor(profile);
    if (profile.name === 'openrouter') write(res, comment!);
    if (faults?.hang) return;
    const interval = (ms: number) => Math.max(20, Math.min(1000, Math.floor(ms / 4)));
    if (faults?.slowFirstTokenMs) {
      const ms = faults.slowFirstTokenMs;
      const start = Date.now();
      if (comment) {
        write(res, comment);
        every(interval(ms), () => !res.destroyed && (Date.now() < start + ms) && write(res, comment));
      }
      await wait(ms);
    }
    const { chunks, tail } = buildChunks(profile, plan, b, faults);
    const all = faults?.neverEnd ? chunks : [...chunks, ...tail];
    let sent = 0;
    for (const c of all) {
      if (faults?.cutAfterChunks !== undefined && sent >= faults.cutAfterChunks) return cut(res);
      if (faults?.midStreamError && sent === 2) {
        // D§1 OpenRouter: "after streaming starts, errors arrive as a `data:` event with an `error` field on an HTTP 200"
        const err = {
          ...chunkBase(profile, plan),
          error: { code: 502, message: 'Provider disconnected unexpectedly', metadata: { provider_name: 'Upstream' } },
          choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }],
        };
        write(res, `data: ${JSON.stringify(err)}\n\n`);
        write(res, 'data: [DONE]\n\n');
        res.end();
        return;
      }
      write(res, `data: ${JSON.stringify(c)}\n\n`);
      sent++;
      if (faults?.malformedChunk && sent === 1) write(res, 'data: {"id": "oops", this is not json\n\n');
    }
    if (faults?.neverEnd) {
      const ka = comment ?? ': keep-alive\n\n';
      every(interval(1000), () => write(res, ka));
      return;
    }
    write(res, 'data: [DONE]\n\n');
    res.end();
  }

  async function nonStream(res: ServerResponse, profile: Profile, plan: Plan, faults: Faults | null, headers: Record<string, string>) {
    const message: Record<string, unknown> = { role: 'assistant', content: plan.content };
    if (plan.reasoning) message['reasoning_content'] = plan.reasoning;
    if (plan.toolCalls.length) {
      message['tool_calls'] = plan.toolCalls.map((t, index) => ({ index, id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }));
    }
    const out: Record<string, unknown> = {
      id: plan.id,
      object: 'chat.completion',
      created: plan.created,
      model: plan.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: plan.finish }],
    };
    if (!faults?.omitUsage) out['usage'] = profile.usage(plan.usage, plan.cost);
    const text = faults?.malformedChunk ? '{"id": "oops", this is not json' : JSON.stringify(out);
    const slow = faults?.slowFirstTokenMs ?? 0;
    const blankLines = profile.name === 'deepseek' || faults?.neverEnd;
    if (faults?.hang || faults?.neverEnd || (slow && blankLines) || faults?.cutAfterChunks !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.flushHeaders();
      if (faults?.hang) return;
      if (faults?.neverEnd) {
        every(200, () => write(res, '\n'));
        return;
      }
      if (faults?.cutAfterChunks !== undefined) {
        write(res, text.slice(0, Math.floor(text.length / 2)));
        return cut(res);
      }
      // D§1: "non-streaming requests get blank lines before the JSON body" (DeepSeek under load).
      write(res, '\n');
      const until = Date.now() + slow;
      every(Math.max(20, Math.min(1000, Math.floor(slow / 4))), () => Date.now() < until && write(res, '\n'));
      await wait(slow);
      write(res, text);
      res.end();
      return;
    }
    if (slow) await wait(slow);
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;

  return {
    url,
    baseUrl: (p) => `${url}${PROFILES[profileOf(p)].bases[0]}`,
    setFaults(p, faults) {
      const st = state.get(profileOf(p))!;
      st.faults = faults ? { ...faults } : null;
      st.faultUses = 0;
    },
    setScript(p, script) {
      state.get(profileOf(p))!.script = script ? { ...script } : null;
    },
    reset() {
      for (const st of state.values()) {
        st.faults = null;
        st.faultUses = 0;
        st.script = null;
      }
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function statusCategory(status: number): ErrorCategory {
  switch (status) {
    case 401: return 'auth';
    case 403: return 'forbidden';
    case 402: return 'payment';
    case 429: return 'rate_limited';
    case 500: return 'server';
    case 502: return 'bad_gateway';
    case 503: return 'overloaded';
    default: return status >= 500 ? 'server' : 'bad_request';
  }
}

function defaultArgs(tools: unknown[], name: string, userText: string): string {
  // Fills the tool's required string arguments with the user's text; others are left out.
  const tool = tools.find((t) => (t as { function?: { name?: unknown } })?.function?.name === name) as { function?: { parameters?: unknown } } | undefined;
  const params = tool?.function?.parameters as { properties?: Record<string, { type?: unknown }>; required?: unknown } | undefined;
  const out: Record<string, string> = {};
  const required = Array.isArray(params?.required) ? (params.required as unknown[]) : [];
  for (const key of required) {
    if (typeof key === 'string' && params?.properties?.[key]?.type === 'string') out[key] = userText.slice(0, 100);
  }
  return JSON.stringify(out);
}
