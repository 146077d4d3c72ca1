// The chunks of a streamed answer, in each profile's shape: where usage rides, how tool-call
// continuations look, which fields a chunk may omit (docs/PROVIDERS.md §1).
import type { Faults } from './faults.js';
import type { Profile } from './profile.js';
import type { Plan } from './plan.js';

/** Splits text into small pieces at code-point boundaries (concatenation gives the text back). */
function pieces(text: string, size = 16): string[] {
  const cps = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += size) out.push(cps.slice(i, i + size).join(''));
  return out;
}

export function chunkBase(profile: Profile, plan: Plan): Record<string, unknown> {
  // docs/PROVIDERS.md §1 GLM: "chunks may omit `object`".
  const base: Record<string, unknown> = { id: plan.id };
  if (profile.name !== 'glm') base['object'] = 'chat.completion.chunk';
  base['created'] = plan.created;
  base['model'] = plan.model;
  return base;
}

/** The usage a reply carries in the profile's shape (null when omitted), with the usage patch laid over it. */
export function usageBody(profile: Profile, plan: Plan, faults: Faults | null): Record<string, unknown> | null {
  if (faults?.omitUsage) return null;
  return { ...profile.usage(plan.usage, plan.cost), ...faults?.usagePatch };
}

export function buildChunks(profile: Profile, plan: Plan, b: Record<string, unknown>, faults: Faults | null): { chunks: Record<string, unknown>[]; tail: Record<string, unknown>[] } {
  const so = b['stream_options'];
  const includeUsage = !!so && typeof so === 'object' && (so as { include_usage?: unknown }).include_usage === true;
  const usage = usageBody(profile, plan, faults);
  // docs/PROVIDERS.md §1 DeepSeek: "`usage:null` on the others when `include_usage` is set" (Qwen: same, assumed).
  const nullUsage = includeUsage && (profile.name === 'deepseek' || profile.name === 'qwen');
  const mk = (delta: Record<string, unknown>, finish: string | null = null) => {
    const c: Record<string, unknown> = { ...chunkBase(profile, plan), choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
    if (nullUsage) c['usage'] = null;
    return c;
  };
  const chunks: Record<string, unknown>[] = [];
  chunks.push(mk({ role: 'assistant', content: '' }));
  // docs/PROVIDERS.md §1: "Reasoning arrives as `reasoning_content` deltas."
  for (const p of pieces(plan.reasoning)) chunks.push(mk({ content: null, reasoning_content: p }));
  for (const p of pieces(plan.content)) chunks.push(mk({ content: p }));
  plan.toolCalls.forEach((tc, index) => {
    chunks.push(mk({ tool_calls: [{ index, id: tc.id, type: 'function', function: { name: tc.name, arguments: '' } }] }));
    for (const p of pieces(tc.arguments, 12)) {
      // docs/PROVIDERS.md §1: "Streamed tool-call continuation deltas: DeepSeek omits `id`/`name`; Qwen and GLM send them as empty strings."
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
      case 'deepseek': // docs/PROVIDERS.md §1: "usage rides on the final chunk (the one with `finish_reason`)"
      case 'glm': // docs/PROVIDERS.md §1: "usage always on the final chunk"
        final['usage'] = usage;
        tail.push(final);
        break;
      case 'kimi': // docs/PROVIDERS.md §1: "streaming usage inside `choices[0].usage` of the final chunk"
        choice0['usage'] = usage;
        tail.push(final);
        break;
      case 'qwen': // docs/PROVIDERS.md §1: "usage only with `stream_options:{include_usage:true}`, in a separate last chunk with `"choices":[]`"
        tail.push(final);
        if (includeUsage) tail.push({ ...chunkBase(profile, plan), choices: [], usage });
        break;
      case 'openrouter': // docs/PROVIDERS.md §1: "usage always sent …; `include_usage` is ignored" (separate last chunk, assumed)
        tail.push(final);
        tail.push({ ...chunkBase(profile, plan), choices: [], usage });
        break;
    }
  } else tail.push(final);
  return { chunks, tail };
}
