// Which routeops (provider, model) a source's entry belongs to: default rules per source, over
// which `catalog.map` rules apply (docs/ARCHITECTURE.md §3.4). Pure.
//
// A rule naming one key beats a rule naming the key's whole source provider, which beats the
// defaults. When two keys of one source land on the same (provider, model), the one named by the
// stronger rule stays and the other is left out; between equals, the source's own preference
// decides (LiteLLM: "deepseek/deepseek-chat" over the bare "deepseek-chat"), then the key.
import type { CatalogMapRule } from '../../../config/schema.js';
import { entryKey, isPriced, sortEntries, type CatalogSourceName, type SourceEntry } from './types.js';

/**
 * source -> source provider -> routeops provider, where they are the same service at the same
 * prices. Left out on purpose: models.dev `alibaba-cn`, `moonshotai-cn` and `zhipuai`, and
 * genai-prices `zhipuai` (mainland services, CNY prices or CNY converted at a fixed rate), which
 * are not qwen-intl, moonshot or zai international; a `catalog.map` rule can still name them.
 */
export const DEFAULT_PROVIDER_MAP: Readonly<Record<CatalogSourceName, Readonly<Record<string, string>>>> = Object.freeze({
  openrouter: { openrouter: 'openrouter' },
  litellm: { deepseek: 'deepseek', dashscope: 'qwen-intl', moonshot: 'moonshot', zai: 'zai', openrouter: 'openrouter' },
  models_dev: { deepseek: 'deepseek', alibaba: 'qwen-intl', moonshotai: 'moonshot', zai: 'zai', openrouter: 'openrouter' },
  genai_prices: { deepseek: 'deepseek', moonshotai: 'moonshot', zai: 'zai', openrouter: 'openrouter' },
});

/** What a normaliser read of one entry, before the mapping names its (provider, model). */
export type RawEntry = Omit<SourceEntry, 'source' | 'provider' | 'model' | 'mapped' | 'priced' | 'fetched_at' | 'legacy'> & {
  /** The source's provider: OpenRouter's own listing, LiteLLM `litellm_provider`, models.dev / genai provider id. */
  source_provider: string;
  /** The model's id under that provider: the routeops model unless a rule names another. */
  source_model: string;
  /** Between keys landing on one (provider, model) by equally strong rules, the higher stays. */
  preference: number;
};

export interface NormalizeContext {
  /** The fetch time, kept on every entry and used to tell a source's dated prices apart. Default: now. */
  fetched_at?: string;
  /** `catalog.map`; rules of other sources are ignored. */
  rules?: readonly CatalogMapRule[];
}

/** genai-prices matches model names case-insensitively (test/fixtures/catalog/FORMATS.md §2): its keys are compared so too. */
const foldFor = (source: CatalogSourceName) => (source === 'genai_prices' ? (s: string) => s.toLowerCase() : (s: string) => s);

interface Placed {
  entry: SourceEntry;
  strength: number;
  preference: number;
}

/** Names each raw entry by the rules and returns the source's entries, sorted, (provider, model) unique. */
export function mapEntries(source: CatalogSourceName, raws: readonly RawEntry[], ctx: NormalizeContext = {}): SourceEntry[] {
  const fold = foldFor(source);
  const byKey = new Map<string, CatalogMapRule>();
  const byProvider = new Map<string, CatalogMapRule>();
  for (const r of ctx.rules ?? []) {
    if (r.source !== source) continue;
    if (r.key !== undefined) byKey.set(fold(r.key), r);
    else if (r.source_provider !== undefined) byProvider.set(fold(r.source_provider), r);
  }
  const defaults = DEFAULT_PROVIDER_MAP[source];
  const fetchedAt = ctx.fetched_at ?? new Date().toISOString();
  const placed = new Map<string, Placed>();
  for (const raw of raws) {
    const keyRule = byKey.get(fold(raw.source_key));
    const rule = keyRule ?? byProvider.get(fold(raw.source_provider));
    const target = rule ? rule.provider : (defaults[raw.source_provider] ?? null);
    const mapped = target !== null;
    const provider = target ?? raw.source_provider;
    const model = (keyRule && mapped ? keyRule.model : undefined) ?? raw.source_model;
    // An entry left under the source's own name never displaces one a rule put there.
    const strength = !mapped ? 0 : keyRule ? 3 : rule ? 2 : 1;
    const preference = raw.preference;
    const k = entryKey(provider, model);
    const prev = placed.get(k);
    const wins =
      !prev ||
      strength > prev.strength ||
      (strength === prev.strength && (preference > prev.preference || (preference === prev.preference && raw.source_key <= prev.entry.source_key)));
    if (!wins) continue;
    // Written out field by field: an object rest/spread per entry is the slow path of V8 (bench/catalog.ts).
    const entry: SourceEntry = {
      source,
      provider,
      model,
      source_key: raw.source_key,
      mapped,
      context: raw.context,
      rates: raw.rates,
      priced: isPriced(raw.rates),
      tiers: raw.tiers,
      per_request_nusd: raw.per_request_nusd,
      windows: raw.windows,
      effective_from: raw.effective_from,
      upcoming: raw.upcoming,
      expires_at: raw.expires_at,
      deprecated: raw.deprecated,
      fetched_at: fetchedAt,
      checked_at: raw.checked_at,
    };
    placed.set(k, { entry, strength, preference });
  }
  return sortEntries([...placed.values()].map((p) => p.entry));
}
