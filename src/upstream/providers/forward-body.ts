// The body of a request forwarded as it came (the gateway, docs/ARCHITECTURE.md §3.3): an
// OpenAI-compatible client's own body, with the per-provider fixes routeops knows
// (docs/PROVIDERS.md §1) applied for the route it is sent to. Pure.
import { isJsonObject } from '../../domain/json.js';
import { thinksByDefault, type Dialect } from './dialect.js';

/** OpenAI chat-completions fields every provider is sent as given (unknown to one, it ignores or refuses them itself). */
export const OPENAI_FIELDS: ReadonlySet<string> = new Set([
  'model', 'messages', 'stream', 'stream_options', 'tools', 'tool_choice', 'parallel_tool_calls', 'response_format',
  'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'stop', 'seed', 'n', 'presence_penalty',
  'frequency_penalty', 'logit_bias', 'logprobs', 'top_logprobs', 'user',
]);

/** Provider fields beyond OpenAI's passed to a provider of that dialect only (others drop them, with a note). */
export const EXTRA_FIELDS: Readonly<Record<Dialect, readonly string[]>> = {
  deepseek: ['thinking'],
  kimi: ['thinking'],
  glm: ['thinking', 'do_sample', 'request_id'],
  qwen: ['enable_thinking', 'thinking_budget', 'enable_search', 'top_k', 'repetition_penalty'],
  openrouter: ['reasoning', 'provider', 'transforms', 'models', 'route', 'top_k', 'min_p', 'top_a', 'repetition_penalty', 'usage'],
  generic: [],
};

export interface ForwardShape {
  body: Record<string, unknown>;
  /** What was changed or dropped for the provider. */
  notes: string[];
}

/** The route's thinking switch in the provider's own field (as shapeRequest in dialect.ts sets it). */
function setThinking(dialect: Dialect, body: Record<string, unknown>, on: boolean): void {
  if (dialect === 'qwen') body['enable_thinking'] = on;
  else if (dialect === 'openrouter') body['reasoning'] = { enabled: on };
  else if (dialect !== 'generic') body['thinking'] = { type: on ? 'enabled' : 'disabled' };
}

/** Whether the request asks this provider's model to think (its switch, else the model's default). */
function asksThinking(dialect: Dialect, model: string, body: Record<string, unknown>): boolean {
  const t = body['thinking'];
  if (isJsonObject(t) && typeof t['type'] === 'string') return t['type'] !== 'disabled';
  if (typeof body['enable_thinking'] === 'boolean') return body['enable_thinking'];
  return thinksByDefault(dialect, model);
}

/**
 * The body for one route: `model` set to the route's, extras not allowed for the dialect (nor in
 * `extraFields`) dropped, and the provider's rules applied: DeepSeek and Kimi get
 * `reasoning_content` back on assistant turns that called tools; Kimi's thinking models their
 * fixed temperature; GLM only `tool_choice: "auto"`. Streaming always asks for usage.
 */
export function shapeForwardBody(dialect: Dialect, model: string, given: Record<string, unknown>, stream: boolean, extraFields: readonly string[] = [], thinking?: boolean): ForwardShape {
  const notes: string[] = [];
  const allowed = new Set([...EXTRA_FIELDS[dialect], ...extraFields]);
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given)) {
    if (OPENAI_FIELDS.has(k) || allowed.has(k)) body[k] = v;
    else notes.push(`"${k}" not sent: not a field this provider takes`);
  }
  body['model'] = model;
  if (thinking !== undefined) setThinking(dialect, body, thinking);
  if (stream) {
    body['stream'] = true;
    body['stream_options'] = { ...(isJsonObject(given['stream_options']) ? given['stream_options'] : {}), include_usage: true };
  } else {
    delete body['stream'];
    delete body['stream_options'];
  }
  if ((dialect === 'deepseek' || dialect === 'kimi') && Array.isArray(body['messages'])) {
    // docs/PROVIDERS.md §1: they answer 400 without it on assistant turns that made tool calls.
    let patched = false;
    const messages = (body['messages'] as unknown[]).map((m) => {
      if (!isJsonObject(m) || m['role'] !== 'assistant' || !Array.isArray(m['tool_calls']) || !m['tool_calls'].length || typeof m['reasoning_content'] === 'string') return m;
      patched = true;
      return { ...m, reasoning_content: '' };
    });
    if (patched) body['messages'] = messages;
  }
  if (dialect === 'kimi' && /kimi-k(\d+)\.(\d+)/.test(model.toLowerCase()) && body['temperature'] !== undefined) {
    const m = /kimi-k(\d+)\.(\d+)/.exec(model.toLowerCase())!;
    if (Number(m[1]) > 2 || (Number(m[1]) === 2 && Number(m[2]) >= 5)) {
      // docs/PROVIDERS.md §1: Kimi fixes temperature (1.0 with thinking, 0.6 without).
      const fixed = asksThinking(dialect, model, body) ? 1.0 : 0.6;
      if (body['temperature'] !== fixed) notes.push(`temperature ${String(body['temperature'])} is not allowed by Kimi here; sent ${fixed}`);
      body['temperature'] = fixed;
    }
  }
  if (dialect === 'glm' && body['tool_choice'] !== undefined && body['tool_choice'] !== 'auto') {
    // docs/PROVIDERS.md §1: GLM accepts only tool_choice "auto".
    if (body['tool_choice'] === 'none') {
      delete body['tools'];
      notes.push('GLM accepts only tool_choice "auto": tools not sent instead of "none"');
    } else notes.push('GLM accepts only tool_choice "auto": the tool could not be forced');
    delete body['tool_choice'];
    if (body['tools'] !== undefined) body['tool_choice'] = 'auto';
  }
  return { body, notes };
}
