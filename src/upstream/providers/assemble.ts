// Assembles streamed chat-completion chunks into one ChatResult, whatever the provider's quirks
// (docs/PROVIDERS.md §1): usage on the finish chunk (DeepSeek, GLM), in choices[0].usage (Kimi), in a
// separate `choices:[]` chunk (Qwen, OpenRouter); tool-call continuation deltas with id/name
// omitted (DeepSeek) or "" (Qwen, GLM); reasoning as `reasoning_content` (or `reasoning`).
import type { ChatResult, StreamDelta, ToolCall } from './types.js';
import { readUsage } from './usage.js';
import { isJsonObject } from '../../domain/json.js';


export class StreamAssembler {
  content = '';
  reasoning = '';
  readonly tools = new Map<number, ToolCall>();
  finishReason: string | null = null;
  rawUsage: unknown = null;
  model: string | null = null;
  lastChunkId: string | null = null;
  chunks = 0;
  /** Clock value of the first content or reasoning delta. */
  firstTokenAt: number | null = null;

  /** Takes one parsed chunk; returns the deltas it carried. */
  push(chunk: unknown, at: number): StreamDelta[] {
    this.chunks++;
    const out: StreamDelta[] = [];
    if (!isJsonObject(chunk)) return out;
    if (typeof chunk['id'] === 'string' && chunk['id']) this.lastChunkId = chunk['id'];
    if (typeof chunk['model'] === 'string' && chunk['model']) this.model = chunk['model'];
    if (isJsonObject(chunk['usage'])) this.rawUsage = chunk['usage'];
    const choices = Array.isArray(chunk['choices']) ? chunk['choices'] : [];
    for (const choice of choices) {
      if (!isJsonObject(choice)) continue;
      if ((choice['index'] ?? 0) !== 0) continue;
      if (isJsonObject(choice['usage'])) this.rawUsage = choice['usage'];
      if (typeof choice['finish_reason'] === 'string' && choice['finish_reason']) this.finishReason = choice['finish_reason'];
      const delta = isJsonObject(choice['delta']) ? choice['delta'] : isJsonObject(choice['message']) ? choice['message'] : null;
      if (!delta) continue;
      const reasoning = typeof delta['reasoning_content'] === 'string' ? delta['reasoning_content'] : typeof delta['reasoning'] === 'string' ? delta['reasoning'] : '';
      if (reasoning) {
        this.reasoning += reasoning;
        this.firstTokenAt ??= at;
        out.push({ type: 'reasoning', text: reasoning });
      }
      if (typeof delta['content'] === 'string' && delta['content']) {
        this.content += delta['content'];
        this.firstTokenAt ??= at;
        out.push({ type: 'content', text: delta['content'] });
      }
      if (Array.isArray(delta['tool_calls'])) {
        for (const tc of delta['tool_calls']) {
          if (!isJsonObject(tc)) continue;
          const index = typeof tc['index'] === 'number' ? tc['index'] : 0;
          const fn = isJsonObject(tc['function']) ? tc['function'] : {};
          let call = this.tools.get(index);
          if (!call) {
            call = { id: '', name: '', arguments: '' };
            this.tools.set(index, call);
            out.push({ type: 'tool_call', index });
          }
          // Keep the first non-empty id/name: continuation deltas omit them or send "".
          if (!call.id && typeof tc['id'] === 'string') call.id = tc['id'];
          if (!call.name && typeof fn['name'] === 'string') call.name = fn['name'];
          if (typeof fn['arguments'] === 'string') call.arguments += fn['arguments'];
        }
      }
    }
    return out;
  }

  toolCalls(): ToolCall[] {
    return [...this.tools.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => ({ ...t }));
  }

  result(meta: { requestId: string | null; startedAt: number; endedAt: number; notes?: string[]; attempts?: number; retriedAfter?: Array<number | null> }): ChatResult {
    const usage = readUsage(this.rawUsage);
    const r: ChatResult = {
      content: this.content,
      reasoning: this.reasoning,
      toolCalls: this.toolCalls(),
      finishReason: this.finishReason,
      usage: usage.usage,
      requestId: meta.requestId ?? this.lastChunkId,
      model: this.model,
      latencyMs: Math.max(0, meta.endedAt - meta.startedAt),
      ttftMs: this.firstTokenAt === null ? null : Math.max(0, this.firstTokenAt - meta.startedAt),
      chunks: this.chunks,
    };
    if (usage.invalid) r.usageInvalid = usage.invalid;
    if (meta.notes?.length) r.notes = [...meta.notes];
    if (meta.attempts !== undefined) r.attempts = meta.attempts;
    if (meta.retriedAfter?.length) r.retriedAfter = [...meta.retriedAfter];
    return r;
  }
}
