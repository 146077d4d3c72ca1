// What the simulated model answers: content, reasoning or a tool call, token counts (cached
// tokens from message-list prefixes seen before) and the finish reason, derived from the request
// text so that every run gives the same answer. Sent by respond.ts, streamed or as one body.
// A tool is called when tool_choice forces it, a test's script names it, the user asks for the
// only tool by the word "tool", or the question asks for our data (the rule in tool-rule.ts);
// once results are back, the answer reads them back (tool-summary.ts).
import type { Faults } from './faults.js';
import type { Profile, SimUsage } from './profile.js';
import { exactAmount } from './amounts.js';
import type { Script, SimState } from './state.js';
import { ruleToolCall } from './tool-rule.js';
import { summariseToolResult } from './tool-summary.js';

export type Msg = { role?: unknown; content?: unknown; tool_calls?: unknown; reasoning_content?: unknown; tool_call_id?: unknown };

export interface Plan {
  id: string;
  created: number;
  model: string;
  reasoning: string;
  content: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  finish: 'stop' | 'length' | 'tool_calls';
  usage: SimUsage;
  /** What the call costs at the simulator's price list (prices.ts), in femto-units: deducted from the balance once sent. */
  costFemto: bigint;
  /** The same as a number (OpenRouter reports it as `usage.cost`). */
  cost: number;
}

/** A chat request, checked (see chat.ts). */
export interface ChatInput {
  profile: Profile;
  model: string;
  body: Record<string, unknown>;
  messages: Msg[];
  tools: unknown[];
  toolChoice: unknown;
  thinking: boolean;
  jsonMode: boolean;
  /** Some message mentions "json". */
  mentionsJson: boolean;
  faults: Faults | null;
}

export const tokens = (s: string) => Math.ceil(s.length / 4);

export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : ''))
      .join('');
  }
  return '';
}

export function makePlan(state: SimState, input: ChatInput): Plan {
  const { profile, model, body: b, messages, tools, toolChoice, thinking, jsonMode, mentionsJson, faults } = input;
  const st = state.of(profile.name);
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

  const lastUserAt = messages.map((m) => m.role).lastIndexOf('user');
  const lastUser = messages[lastUserAt];
  const question = textOf(lastUser?.content);
  const userText = question.slice(0, 200);
  // The tool results that answer this question (those of earlier turns answered earlier ones).
  const results = messages.slice(lastUserAt + 1).filter((m) => m.role === 'tool');
  const lastTool = results[results.length - 1];

  let reasoning = thinking ? `The user asks: "${userText.slice(0, 80)}". I will answer briefly.` : '';
  let content: string;
  let finish: Plan['finish'] = 'stop';
  const toolCalls: Plan['toolCalls'] = [];

  const call = tools.length > 0 && toolChoice !== 'none' && !lastTool ? chooseCall(tools, toolChoice, st.script?.toolCall, question) : null;
  if (call) {
    let args = call.arguments;
    if (faults?.toolArgsNotJson) args = `{"query": "${userText.slice(0, 20)}"`;
    toolCalls.push({ id: `call_${profile.name}_${state.nextSeq()}`, name: call.name, arguments: args });
    content = '';
    finish = 'tool_calls';
  } else if (lastTool) {
    content = results.map((r) => summariseToolResult(textOf(r.content), toolNameOf(messages, r.tool_call_id), question)).join('\n');
  } else {
    // A long-context "needle" question is answered the way a capable model would: with the
    // fact found anywhere in the prompt (what /routecheck --long looks for).
    const needle = /The secret code is ([A-Z0-9-]+)\./.exec(textOf(lastUser?.content));
    content = needle && /secret code/i.test(userText) ? `Simulated ${profile.name} answer: the secret code is ${needle[1]}.` : `Simulated ${profile.name} answer to: ${userText}`;
    if (st.script?.content !== undefined) content = st.script.content;
  }
  if (jsonMode && toolCalls.length === 0) {
    if (!mentionsJson && profile.name === 'deepseek') content = '\n\n  \n'; // docs/PROVIDERS.md §1: "DeepSeek may return whitespace-only content."
    else if (!faults?.jsonModeProse) content = JSON.stringify({ answer: content, profile: profile.name, model });
  }

  // max_tokens: reasoning is spent first (docs/PROVIDERS.md §1: "A small `max_tokens` can be spent entirely on
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
  const usage: SimUsage = { prompt, cached, completion, reasoning: reasoningTokens };
  const costFemto = state.balances.costOf(profile.name, model, usage);
  return {
    id: profile.newId(),
    created: Math.floor(Date.now() / 1000),
    model,
    reasoning,
    content,
    toolCalls,
    finish,
    usage,
    costFemto,
    cost: Number(exactAmount(costFemto)),
  };
}

/**
 * The call to make when tools may be called, or null: the tool tool_choice forces, else the
 * script's, else the only tool when the user asks for it by the word "tool" (under "auto", as a
 * real model would; GLM accepts only "auto", so forced calls reach it this way), else the one
 * the question asks for by tool-rule.ts.
 */
function chooseCall(tools: unknown[], toolChoice: unknown, script: Script['toolCall'], question: string): { name: string; arguments: string } | null {
  const userText = question.slice(0, 200);
  const forced = toolChoice && typeof toolChoice === 'object' ? (toolChoice as { function?: { name?: unknown } }).function?.name : undefined;
  const askedForTool = tools.length === 1 && /\btool\b/i.test(userText) ? (tools[0] as { function?: { name?: unknown } }).function?.name : undefined;
  const name = typeof forced === 'string' ? forced : script ? script.name : typeof askedForTool === 'string' ? askedForTool : undefined;
  if (name === undefined) return ruleToolCall(tools, question);
  return { name, arguments: script && script.name === name ? script.arguments : defaultArgs(tools, name, userText) };
}

/** The name of the tool an assistant message called under this id. */
function toolNameOf(messages: Msg[], id: unknown): string | undefined {
  for (const m of messages) {
    if (!Array.isArray(m.tool_calls)) continue;
    const call = (m.tool_calls as Array<{ id?: unknown; function?: { name?: unknown } }>).find((c) => c?.id === id);
    if (call && typeof call.function?.name === 'string') return call.function.name;
  }
  return undefined;
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
