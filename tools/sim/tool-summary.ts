// What the simulated model answers once tool results are back (see tool-rule.ts): each result
// read back in words, so the answer carries the tool's real figures. A JSON result becomes
// "Based on the data from get_spend: from: 2026-07-19; …; total_usd: 0.4; groups (1): {key:
// qwen-intl; total_usd: 0.4; …}" — fields in the order sent, nulls left out, an empty list
// "none", at most 5 items per list (those naming a provider or model the question names first),
// at most 1,500 characters. Any other result is quoted: "Based on the data: <text>".
import { namesIn } from './tool-rule.js';

const MAX_ITEMS = 5;
const MAX_DEPTH = 3;
const MAX_CHARS = 1500;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function describe(value: Json, depth: number, names: string[]): string {
  if (value === null) return 'none';
  if (typeof value !== 'object') return String(value);
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    // Items that name what the question asked about come first ("spend on qwen": the qwen-intl group).
    const named = (v: Json) => names.some((n) => JSON.stringify(v).toLowerCase().includes(n));
    const items = [...value.filter(named), ...value.filter((v) => !named(v))];
    const shown = items.slice(0, MAX_ITEMS).map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? `{${fields(v, depth + 1, names)}}` : describe(v, depth + 1, names)));
    const more = value.length > MAX_ITEMS ? `, and ${value.length - MAX_ITEMS} more` : '';
    return `(${value.length}) ${shown.join(' | ')}${more}`;
  }
  return `{${fields(value, depth + 1, names)}}`;
}

function fields(obj: { [k: string]: Json }, depth: number, names: string[]): string {
  return Object.entries(obj)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => (Array.isArray(v) ? `${k} ${describe(v, depth, names)}` : `${k}: ${describe(v, depth, names)}`))
    .join('; ');
}

function cut(text: string): string {
  const cps = Array.from(text);
  return cps.length > MAX_CHARS ? `${cps.slice(0, MAX_CHARS).join('')}…` : text;
}

/** The answer to a question from one tool result (`toolName` from the assistant's call, if found). */
export function summariseToolResult(content: string, toolName: string | undefined, question: string): string {
  let value: Json;
  try {
    value = JSON.parse(content) as Json;
  } catch {
    return `Based on the data: ${content}`;
  }
  if (value === null || typeof value !== 'object') return `Based on the data: ${content}`;
  const names = namesIn(question);
  const body = Array.isArray(value) ? describe(value, 0, names) : fields(value, 0, names);
  return cut(`Based on the data${toolName ? ` from ${toolName}` : ''}: ${body}`);
}
