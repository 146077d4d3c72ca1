// POST {base}/chat/completions: the request checked against each provider's rules (the 400s
// of docs/PROVIDERS.md §1), then answered from a plan (plan.ts), streamed or as one body, and
// charged to the profile's balance once answered (balances.ts).
import type { ServerResponse } from 'node:http';
import type { Faults } from './faults.js';
import { sendError } from './http-io.js';
import { makePlan, textOf, type Msg } from './plan.js';
import { isKimiThinkingModel, type Profile } from './profile.js';
import { sendPlan, streamPlan } from './respond.js';
import type { SimState } from './state.js';
import type { SimTimers } from './timers.js';

export async function handleChat(
  state: SimState,
  timers: SimTimers,
  res: ServerResponse,
  profile: Profile,
  body: unknown,
  reqId: string,
  faults: Faults | null,
): Promise<void> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return sendError(res, profile, 'bad_request', { message: 'Request body must be a JSON object' }, reqId);
  }
  const b = body as Record<string, unknown>;
  const model = typeof b['model'] === 'string' ? b['model'] : '';
  const messages = Array.isArray(b['messages']) ? (b['messages'] as Msg[]) : [];
  // docs/PROVIDERS.md §1: "Model ids are case-sensitive (Qwen: `Qwen-Plus` does not exist)".
  if (!state.modelsOf(profile.name).includes(model)) {
    const status = faults?.unknownModelStatus;
    return sendError(res, profile, 'model_not_found', { model, ...(status !== undefined ? { status } : {}) }, reqId);
  }
  if (messages.length === 0) return sendError(res, profile, 'bad_request', { message: 'messages must not be empty' }, reqId);

  const thinking = profile.thinks(model, b);
  const tools = Array.isArray(b['tools']) ? (b['tools'] as unknown[]) : [];
  const toolChoice = b['tool_choice'];
  // docs/PROVIDERS.md §1: "GLM accepts only `tool_choice:"auto"`."
  if (profile.name === 'glm' && toolChoice !== undefined && toolChoice !== 'auto') {
    return sendError(res, profile, 'bad_request', { message: 'tool_choice only supports auto' }, reqId);
  }
  // docs/PROVIDERS.md §1: "Kimi fixes `temperature` (1.0 with thinking, 0.6 without); other values give 400."
  if (profile.name === 'kimi' && isKimiThinkingModel(model) && b['temperature'] !== undefined && b['temperature'] !== null) {
    const allowed = thinking ? 1.0 : 0.6;
    if (b['temperature'] !== allowed) {
      return sendError(res, profile, 'bad_request', { message: `invalid temperature: only ${allowed} is allowed for this model` }, reqId);
    }
  }
  // docs/PROVIDERS.md §1: "DeepSeek and Kimi require `reasoning_content` to be sent back on assistant turns that made tool calls, else 400."
  if ((profile.name === 'deepseek' || profile.name === 'kimi') && thinking) {
    const i = messages.findIndex((m) => m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 && typeof m.reasoning_content !== 'string');
    if (i >= 0) {
      return sendError(res, profile, 'bad_request', { message: `Missing \`reasoning_content\` field in the assistant message at message index ${i}` }, reqId);
    }
  }
  const rf = b['response_format'];
  const jsonMode = !!rf && typeof rf === 'object' && (rf as { type?: unknown }).type === 'json_object';
  const mentionsJson = messages.some((m) => /json/i.test(textOf(m.content)));
  // docs/PROVIDERS.md §1: JSON mode "needs the word "json" in the prompt (DeepSeek, Qwen; Qwen returns 400 otherwise)".
  if (jsonMode && !mentionsJson && profile.name === 'qwen') {
    return sendError(res, profile, 'bad_request', { message: "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'." }, reqId);
  }

  const plan = makePlan(state, { profile, model, body: b, messages, tools, toolChoice, thinking, jsonMode, mentionsJson, faults });
  if (faults?.fixedRequestId) plan.id = faults.fixedRequestId;
  const respHeaders: Record<string, string> = profile.requestIdHeader ? { 'x-request-id': reqId } : {};
  const sent = b['stream'] === true ? await streamPlan(timers, res, profile, plan, b, faults, respHeaders) : await sendPlan(timers, res, profile, plan, faults, respHeaders);
  // A call answered to its end is billed at the simulator's prices, usage sent or not (balances.ts).
  if (sent) state.balances.charge(profile.name, plan.costFemto, 'calls');
}
