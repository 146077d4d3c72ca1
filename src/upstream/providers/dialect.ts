// Which provider's wire rules apply (docs/PROVIDERS.md §1 "Other wire quirks"), and how a ChatRequest is
// shaped into an OpenAI-compatible request body for it. Pure functions.
import type { ChatMessage, ChatRequest } from './types.js';

export type Dialect = 'deepseek' | 'qwen' | 'kimi' | 'glm' | 'openrouter' | 'generic';

const RULES: Array<[Dialect, RegExp]> = [
  ['openrouter', /openrouter/],
  ['deepseek', /deepseek/],
  ['qwen', /dashscope|qwen|aliyuncs|compatible-mode/],
  ['kimi', /moonshot|kimi/],
  ['glm', /(^|[./-])z\.ai|(^|[^a-z])zai([^a-z]|$)|bigmodel|glm|zhipu|\/api\/paas\//],
];

function match(text: string): Dialect | null {
  const t = text.toLowerCase();
  for (const [d, re] of RULES) if (re.test(t)) return d;
  return null;
}

/**
 * The dialect of a provider: decided by the base URL's host (api.deepseek.com,
 * dashscope-intl.aliyuncs.com, api.moonshot.ai, api.z.ai, open.bigmodel.cn, openrouter.ai),
 * then, for local hosts (the simulator: http://127.0.0.1:PORT/kimi/v1), by the URL path, then by
 * the configured provider name. 'generic' = plain OpenAI rules.
 */
export function dialectOf(name: string, baseUrl: string): Dialect {
  let host = '';
  let path = '';
  try {
    const u = new URL(baseUrl);
    host = u.hostname;
    path = u.pathname;
  } catch {
    /* not a URL: name only */
  }
  const local = host === 'localhost' || /^[\d.]+$/.test(host) || host.includes(':') || host.endsWith('.local');
  if (host && !local) {
    const byHost = match(host);
    if (byHost) return byHost;
  }
  return (path && match(path)) || match(name) || 'generic';
}

/** Models that think by default (docs/PROVIDERS.md §1 "Thinking on by default for …"). */
export function thinksByDefault(dialect: Dialect, model: string): boolean {
  const m = model.toLowerCase();
  switch (dialect) {
    case 'deepseek':
      return m !== 'deepseek-chat';
    case 'qwen':
      return !/^qwen-(plus|flash|turbo|max)/.test(m);
    case 'kimi':
      return isKimiThinking(m);
    case 'glm':
      return /^glm-(4\.[7-9]|[5-9])/.test(m);
    case 'openrouter':
      return /deepseek-v4|deepseek-r|kimi-k2\.[5-9]|glm-(4\.[7-9]|[5-9])|qwen3\.[5-9]/.test(m);
    case 'generic':
      return false;
  }
}

function isKimiThinking(model: string): boolean {
  const m = /kimi-k(\d+)\.(\d+)/.exec(model);
  if (!m) return false;
  const major = Number(m[1]);
  return major > 2 || (major === 2 && Number(m[2]) >= 5);
}

export interface ShapedRequest {
  /** The request body (without `stream` / `stream_options`). */
  body: Record<string, unknown>;
  /** Adjustments made for the provider, for the caller to show or log. */
  notes: string[];
}

function shapeMessage(dialect: Dialect, m: ChatMessage): Record<string, unknown> {
  if (m.role === 'tool') return { role: 'tool', content: m.content, tool_call_id: m.tool_call_id ?? '' };
  const out: Record<string, unknown> = { role: m.role, content: m.content };
  if (m.role === 'assistant' && m.tool_calls?.length) {
    out['tool_calls'] = m.tool_calls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }));
    // docs/PROVIDERS.md §1: "DeepSeek and Kimi require `reasoning_content` to be sent back on assistant
    // turns that made tool calls, else 400." An empty string when the caller has none.
    if (dialect === 'deepseek' || dialect === 'kimi') out['reasoning_content'] = m.reasoning_content ?? '';
  }
  return out;
}

/** Builds the provider-specific body for a ChatRequest. */
export function shapeRequest(dialect: Dialect, req: ChatRequest): ShapedRequest {
  const notes: string[] = [];
  const body: Record<string, unknown> = {
    model: req.model,
    messages: req.messages.map((m) => shapeMessage(dialect, m)),
  };
  if (req.maxTokens !== undefined) body['max_tokens'] = req.maxTokens;

  // Thinking switch.
  if (req.thinking !== undefined) {
    switch (dialect) {
      case 'deepseek':
      case 'kimi':
      case 'glm':
        body['thinking'] = { type: req.thinking ? 'enabled' : 'disabled' };
        break;
      case 'qwen':
        body['enable_thinking'] = req.thinking;
        break;
      case 'openrouter':
        // OpenRouter's own switch (its docs; docs/PROVIDERS.md §1 is silent on gateways).
        body['reasoning'] = { enabled: req.thinking };
        break;
      case 'generic':
        notes.push('thinking switch not sent: unknown provider dialect');
        break;
    }
  }

  // Temperature. docs/PROVIDERS.md §1: "Kimi fixes `temperature` (1.0 with thinking, 0.6 without); other values give 400."
  if (req.temperature !== undefined) {
    if (dialect === 'kimi' && isKimiThinking(req.model.toLowerCase())) {
      const thinking = req.thinking ?? true;
      const allowed = thinking ? 1.0 : 0.6;
      if (req.temperature !== allowed) notes.push(`temperature ${req.temperature} is not allowed by Kimi ${thinking ? 'with' : 'without'} thinking; sent ${allowed}`);
      body['temperature'] = allowed;
    } else body['temperature'] = req.temperature;
  }

  // Tools. docs/PROVIDERS.md §1: "GLM accepts only `tool_choice:"auto"`."
  const toolChoice = req.toolChoice ?? 'auto';
  if (req.tools?.length) {
    const tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
    if (dialect === 'glm') {
      if (toolChoice === 'none') {
        notes.push('GLM accepts only tool_choice "auto": tools not sent instead of tool_choice "none"');
      } else {
        body['tools'] = tools;
        body['tool_choice'] = 'auto';
        if (typeof toolChoice === 'object') notes.push(`GLM accepts only tool_choice "auto": tool "${toolChoice.name}" could not be forced`);
      }
    } else {
      body['tools'] = tools;
      body['tool_choice'] = typeof toolChoice === 'object' ? { type: 'function', function: { name: toolChoice.name } } : toolChoice;
    }
  }

  // JSON mode. docs/PROVIDERS.md §1: needs the word "json" in the prompt (DeepSeek, Qwen; Qwen returns 400
  // otherwise; DeepSeek may return whitespace-only content). Not rewritten: noted.
  if (req.responseFormat === 'json_object') {
    body['response_format'] = { type: 'json_object' };
    if ((dialect === 'deepseek' || dialect === 'qwen') && !req.messages.some((m) => /json/i.test(m.content))) {
      notes.push(`JSON mode without the word "json" in the messages: ${dialect === 'qwen' ? 'Qwen answers 400' : 'DeepSeek may answer whitespace only'}`);
    }
  }
  return { body, notes };
}
