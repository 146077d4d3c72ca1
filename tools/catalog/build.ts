// The built-in catalog from evidence: dated snapshots of the price sources (normalised by
// src/features/catalog/sources/) and the reviewed file (tools/catalog/reviewed.yml). Pure.
//
// Rules, in order:
// - Only the four direct providers (deepseek, qwen-intl, moonshot, zai). OpenRouter routes carry
//   the cost OpenRouter reports, so they stay unpriced here.
// - A (provider, model) the reviewed file prices takes its versions from there; the sources only
//   check it: where a snapshot shows other terms than the reviewed version in force on its date,
//   that is listed as a disagreement (kept in the output, printed by generate.ts).
// - Any other (provider, model) a source prices in its newest snapshot is priced from one source:
//   the first of models.dev and genai-prices that lists it there (models.dev carries cache writes,
//   reasoning and tiers per provider). LiteLLM only corroborates: it lags the providers the most
//   (test/fixtures/catalog/FORMATS.md §3), e.g. deepseek-chat at 0.28/0.42 months after 0.14/0.28.
//   Its history in that source's snapshots becomes dated versions, each effective from the day it
//   was first seen; the first from the model's release day when the source gives one before that
//   (assumed unchanged since), else from the earliest snapshot of any source showing the same price.
// - A version's `checked` is the newest snapshot date of any source showing the same price.
import type { PerMillion, PricingEntry, PriceVersionInput, RetirementInput } from '../../src/config/schema.js';
import { versionFromEntry } from '../../src/features/catalog/proposals/version.js';
import type { CatalogSourceName, SourceEntry } from '../../src/features/catalog/sources/types.js';

export const BUILTIN_PROVIDERS = ['deepseek', 'qwen-intl', 'moonshot', 'zai'] as const;
/** The sources a model is priced from, in order; LiteLLM only corroborates (it lags the providers most, FORMATS.md §3). */
const SOURCE_ORDER: readonly CatalogSourceName[] = ['models_dev', 'genai_prices'];

/** One snapshot of one source, normalised. */
export interface Evidence {
  source: CatalogSourceName;
  /** The snapshot's day, "YYYY-MM-DD" (from its file name). */
  date: string;
  /** Repo-relative path, for provenance. */
  file: string;
  entries: readonly SourceEntry[];
  /** models.dev release_date by source key ("deepseek/deepseek-v4-flash" -> "2026-04-24"). */
  releases?: ReadonlyMap<string, string>;
}

export interface Reviewed {
  /** Providers that bill all output of a thinking-mode call at the price sources list as "reasoning". */
  thinking_mode_output?: string[];
  pricing: PricingEntry[];
  retirements: RetirementInput[];
}

export interface Disagreement {
  provider: string;
  model: string;
  source: CatalogSourceName;
  date: string;
  says: Headline;
  reviewed: Headline;
}

export interface GeneratedCatalog {
  generated_by: string;
  evidence: { source: CatalogSourceName; date: string; file: string }[];
  pricing: PricingEntry[];
  retirements: RetirementInput[];
  disagreements: Disagreement[];
}

const SOURCE_NAMES: Record<CatalogSourceName, string> = { models_dev: 'models.dev', genai_prices: 'genai-prices', litellm: 'LiteLLM', openrouter: 'OpenRouter' };
const key = (provider: string, model: string) => `${provider}/${model}`;
const dayStart = (day: string) => `${day}T00:00:00.000Z`;

export interface Headline {
  input: number;
  cached_input: number;
  output: number;
}

/** What a person compares: input, cache hit and output per million. */
function headline(pm: PerMillion): Headline {
  return { input: pm.input, cached_input: pm.cached_input ?? pm.input, output: pm.output };
}
const sameHeadline = (a: PerMillion, b: PerMillion) => JSON.stringify(headline(a)) === JSON.stringify(headline(b));

/** The whole price but its dates and provenance: two versions with equal terms bill alike. */
function terms(v: PriceVersionInput): string {
  const { effective: _e, source: _s, checked: _c, ...rest } = v;
  return JSON.stringify(rest);
}

interface Seen {
  evidence: Evidence;
  entry: SourceEntry;
  version: PriceVersionInput;
}

/** Every priced sighting of each watched (provider, model), by source, oldest snapshot first. */
function sightings(evidence: readonly Evidence[]): Map<string, Map<CatalogSourceName, Seen[]>> {
  const out = new Map<string, Map<CatalogSourceName, Seen[]>>();
  const ordered = [...evidence].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  for (const ev of ordered) {
    for (const e of ev.entries) {
      if (!e.mapped || !e.priced || !(BUILTIN_PROVIDERS as readonly string[]).includes(e.provider)) continue;
      const version = versionFromEntry(e, dayStart(ev.date));
      if (!version) continue;
      const bySource = out.get(key(e.provider, e.model)) ?? new Map<CatalogSourceName, Seen[]>();
      out.set(key(e.provider, e.model), bySource);
      bySource.set(ev.source, [...(bySource.get(ev.source) ?? []), { evidence: ev, entry: e, version }]);
    }
  }
  return out;
}

const newestDate = (evidence: readonly Evidence[], source: CatalogSourceName) => evidence.filter((e) => e.source === source).reduce((d, e) => (e.date > d ? e.date : d), '');

/** The versions of one (provider, model) from its chosen source's snapshots. */
function versionsFrom(source: CatalogSourceName, seen: readonly Seen[], all: Map<CatalogSourceName, Seen[]>): PriceVersionInput[] {
  const out: { v: PriceVersionInput; files: string[] }[] = [];
  for (const s of seen) {
    const last = out[out.length - 1];
    if (last && terms(last.v) === terms(s.version)) {
      last.files.push(s.evidence.date);
      continue;
    }
    out.push({ v: { ...s.version }, files: [s.evidence.date] });
  }
  const everySighting = [...all.values()].flat();
  return out.map(({ v, files }, i) => {
    const agreeing = everySighting.filter((s) => sameHeadline(s.version.per_million, v.per_million)).map((s) => s.evidence.date);
    const checked = [...agreeing, ...files].sort().at(-1)!;
    let effective = v.effective;
    let since = `first seen ${files[0]}`;
    if (i === 0) {
      const release = seen[0]!.evidence.releases?.get(seen[0]!.entry.source_key);
      const earliest = [...agreeing, files[0]!].sort()[0]!;
      // models.dev writes "2026-01" for a month: its first day.
      const released = release && /^\d{4}-\d{2}(-\d{2})?$/.test(release) ? (release.length === 7 ? `${release}-01` : release) : null;
      if (released && released < earliest) {
        effective = dayStart(released);
        since = `assumed unchanged since its release ${release}`;
      } else if (earliest < files[0]!) {
        effective = dayStart(earliest);
        since = `the same price seen on ${earliest}`;
      }
    }
    const sourceKey = seen[0]!.entry.source_key;
    const span = files.length > 1 ? `snapshots ${files[0]} … ${files[files.length - 1]}` : `snapshot ${files[0]}`;
    return { ...v, effective, source: `${SOURCE_NAMES[source]} (${sourceKey}), ${span}; ${since}`, checked };
  });
}

/** The reviewed version in force at `ms`, or null before the first. */
function reviewedAt(entry: PricingEntry, ms: number): PriceVersionInput | null {
  let best: PriceVersionInput | null = null;
  for (const v of entry.versions) if (Date.parse(v.effective) <= ms && (!best || Date.parse(v.effective) >= Date.parse(best.effective))) best = v;
  return best;
}

/** Where the snapshots show other headline prices than the reviewed version in force on their day. */
function disagreementsWith(entry: PricingEntry, bySource: Map<CatalogSourceName, Seen[]> | undefined): Disagreement[] {
  const out: Disagreement[] = [];
  for (const [source, seen] of bySource ?? []) {
    for (const s of seen) {
      const inForce = reviewedAt(entry, Date.parse(dayStart(s.evidence.date)) + 86_399_999);
      // A scheduled or windowed version's base is its off-peak price, which no source shows.
      if (!inForce || inForce.schedule || inForce.windows || sameHeadline(inForce.per_million, s.version.per_million)) continue;
      out.push({ provider: entry.provider, model: entry.model, source, date: s.evidence.date, says: headline(s.version.per_million), reviewed: headline(inForce.per_million) });
    }
  }
  return out;
}

/** The source's "reasoning" price as the price of all output in thinking mode (tiers alike). */
function asThinkingPrice(v: PriceVersionInput): PriceVersionInput {
  const move = <T extends PerMillion>(pm: T): T => {
    const { reasoning_output, ...rest } = pm;
    return (reasoning_output === undefined ? pm : { ...rest, thinking_output: reasoning_output }) as T;
  };
  const out: PriceVersionInput = { ...v, per_million: move(v.per_million) };
  if (v.tiers) out.tiers = v.tiers.map(move);
  return out;
}

export function buildCatalog(evidence: readonly Evidence[], reviewed: Reviewed): GeneratedCatalog {
  const seen = sightings(evidence);
  const reviewedBy = new Map(reviewed.pricing.map((p) => [key(p.provider, p.model), p]));
  const pricing: PricingEntry[] = [];
  const disagreements: Disagreement[] = [];
  for (const [k, bySource] of seen) {
    if (reviewedBy.has(k)) continue;
    const source = SOURCE_ORDER.find((s) => bySource.get(s)?.at(-1)?.evidence.date === newestDate(evidence, s));
    if (!source) continue;
    const first = bySource.get(source)![0]!.entry;
    let versions = versionsFrom(source, bySource.get(source)!, bySource);
    if (reviewed.thinking_mode_output?.includes(first.provider)) versions = versions.map(asThinkingPrice);
    pricing.push({ provider: first.provider, model: first.model, versions });
  }
  for (const entry of reviewed.pricing) {
    pricing.push(entry);
    disagreements.push(...disagreementsWith(entry, seen.get(key(entry.provider, entry.model))));
  }
  pricing.sort((a, b) => (key(a.provider, a.model) < key(b.provider, b.model) ? -1 : 1));
  return {
    generated_by: 'tools/catalog/generate.ts from tools/catalog/reviewed.yml and the snapshots below; do not edit (npm run catalog:generate)',
    evidence: evidence.map((e) => ({ source: e.source, date: e.date, file: e.file })),
    pricing,
    retirements: reviewed.retirements,
    disagreements,
  };
}
