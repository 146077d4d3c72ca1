// The simulator's tool rule: when /ask offers its ops tools (src/features/ask/ops-tools.ts), the
// simulated model calls one for a question that asks for our own data, so the ops questions work
// end to end without a provider account. A fixed rule on the question's words, never a model:
//
// 1. Topic. The question's words are read in order; the first topic word for which an offered
//    tool's name contains the topic picks that tool:
//      spend, spent, spending, cost(s), bill(ed), budget(s)          -> a tool named *spend*
//      route(s), routing, routed                                      -> *route*
//      retire(s|d), retiring, retirement(s), deprecat…, sunset…       -> *retire*
//      price(s), pricing, priced                                      -> *price*
// 2. Our data. The question also says we / our / us / which / how much / how many / list / show,
//    or names a period (below). So "which routes serve kimi?" calls list_routes, "what is a
//    route?" does not.
// 3. Arguments, from the chosen tool's JSON schema (`parameters.properties`):
//      `period` (string)            the period named: today, yesterday, this week / week -> week,
//                                   last week -> last-week, this month / month -> month,
//                                   last month -> last-month, "N days" / Nd -> Nd, this year -> 365d,
//                                   YYYY-MM-DD..YYYY-MM-DD as is; none named: "week" if required
//      an integer whose name has "day" (within_days)  the period's days: today or yesterday 1,
//                                   a week 7, a month 31, a year 365, N days N; else left out
//      a string with an `enum`      the value after "by" or "per" ("by model"); else left out
//      any other string (query)     the first provider, profile or model name in the question
//                                   (deepseek, qwen, qwen-intl, kimi, moonshot, glm, zai,
//                                   openrouter, or a model id the simulator serves)
//    A required property with nothing to fill it gets "week", 30, the first enum value or "".
//
// The answer after the tool result comes back is tool-summary.ts.
import { PROFILE_NAMES, PROVIDER_OF } from './profile.js';
import { PROFILES } from './profiles.js';

type Property = { type?: unknown; enum?: unknown };
interface OfferedTool {
  name: string;
  properties: Record<string, Property>;
  required: string[];
}

const TOPICS: ReadonlyArray<{ words: RegExp; inToolName: string }> = [
  { words: /^(spend|spent|spending|costs?|bill|billed|budgets?)$/, inToolName: 'spend' },
  { words: /^(routes?|routing|routed)$/, inToolName: 'route' },
  { words: /^(retire[sd]?|retiring|retirements?|deprecat\w*|sunset\w*)$/, inToolName: 'retire' },
  { words: /^(prices?|pricing|priced)$/, inToolName: 'price' },
];

const OUR_DATA = /\b(we|our|ours|us|which|how much|how many|list|show)\b/i;

/** The question's words, lower-case: letters, digits and the . _ / - inside names (kimi-k2.5, qwen/qwen-plus). */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}](?:[\p{L}\p{N}._/-]*[\p{L}\p{N}])?/gu) ?? [];
}

/** The provider, profile and model names the simulator knows. */
const KNOWN_NAMES = new Set<string>([
  ...PROFILE_NAMES,
  ...Object.values(PROVIDER_OF),
  ...PROFILE_NAMES.flatMap((p) => PROFILES[p].models.map((m) => m.toLowerCase())),
]);

/** The provider, profile and model names in the question, in its order. */
export function namesIn(question: string): string[] {
  return wordsOf(question).filter((w) => KNOWN_NAMES.has(w));
}

/** The period a question names, as routeops' /spend writes it, and its length in days. */
export function periodIn(question: string): { period: string; days: number | undefined } | undefined {
  const q = question.toLowerCase();
  const range = /\b(\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2})\b/.exec(q);
  if (range) return { period: range[1]!, days: undefined };
  const nDays = /\b(\d{1,4})\s*(?:d|days?)\b/.exec(q);
  if (nDays && Number(nDays[1]) > 0) return { period: `${Number(nDays[1])}d`, days: Number(nDays[1]) };
  if (/\blast[\s-]week\b/.test(q)) return { period: 'last-week', days: 7 };
  if (/\blast[\s-]month\b/.test(q)) return { period: 'last-month', days: 31 };
  if (/\byesterday\b/.test(q)) return { period: 'yesterday', days: 1 };
  if (/\btoday\b/.test(q)) return { period: 'today', days: 1 };
  if (/\bweek\b/.test(q)) return { period: 'week', days: 7 };
  if (/\bmonth\b/.test(q)) return { period: 'month', days: 31 };
  if (/\byear\b/.test(q)) return { period: '365d', days: 365 };
  return undefined;
}

/** The tools of a chat request, as far as their JSON schema goes (entries of another shape are skipped). */
function offeredTools(tools: unknown[]): OfferedTool[] {
  const out: OfferedTool[] = [];
  for (const t of tools) {
    const fn = (t as { function?: { name?: unknown; parameters?: unknown } } | null)?.function;
    if (!fn || typeof fn.name !== 'string') continue;
    const params = (fn.parameters ?? {}) as { properties?: unknown; required?: unknown };
    const properties = params.properties && typeof params.properties === 'object' ? (params.properties as Record<string, Property>) : {};
    const required = Array.isArray(params.required) ? params.required.filter((r): r is string => typeof r === 'string') : [];
    out.push({ name: fn.name, properties, required });
  }
  return out;
}

/** The tool the rule picks for a question (steps 1 and 2 above), or undefined. */
function toolFor(tools: OfferedTool[], question: string): OfferedTool | undefined {
  if (!OUR_DATA.test(question) && !periodIn(question)) return undefined;
  for (const word of wordsOf(question)) {
    for (const topic of TOPICS) {
      if (!topic.words.test(word)) continue;
      const tool = tools.find((t) => t.name.toLowerCase().includes(topic.inToolName));
      if (tool) return tool;
    }
  }
  return undefined;
}

/** The arguments for a tool from its schema and the question (step 3 above). */
function argumentsFor(tool: OfferedTool, question: string): Record<string, unknown> {
  const period = periodIn(question);
  const words = wordsOf(question);
  const args: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(tool.properties)) {
    const required = tool.required.includes(key);
    let value: unknown;
    if (Array.isArray(prop.enum)) {
      const values = prop.enum.filter((v): v is string => typeof v === 'string');
      const by = words.findIndex((w, i) => i > 0 && (words[i - 1] === 'by' || words[i - 1] === 'per') && values.includes(w));
      value = by >= 0 ? words[by] : required ? values[0] : undefined;
    } else if (prop.type === 'string' && /period/i.test(key)) {
      value = period?.period ?? (required ? 'week' : undefined);
    } else if ((prop.type === 'integer' || prop.type === 'number') && /day/i.test(key)) {
      value = period?.days ?? (required ? 30 : undefined);
    } else if (prop.type === 'string') {
      value = namesIn(question)[0] ?? (required ? '' : undefined);
    }
    if (value !== undefined) args[key] = value;
  }
  return args;
}

/** The call the rule makes for this question with these tools, or null when it makes none. */
export function ruleToolCall(tools: unknown[], question: string): { name: string; arguments: string } | null {
  const tool = toolFor(offeredTools(tools), question);
  return tool ? { name: tool.name, arguments: JSON.stringify(argumentsFor(tool, question)) } : null;
}
