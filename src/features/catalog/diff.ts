// Pure diff between two normalised snapshots, and what `routeops catalog diff OLD NEW [--json]`
// (commands/catalog-diff.ts) shows of it.
//
// JSON output of `catalog diff --json` (stable; fields may be added, these stay):
//   {
//     "old": {"path": "…", "format": "openrouter|litellm|models_dev|genai_prices", "entries": n},
//     "new": {"path": "…", "format": "openrouter|litellm|models_dev|genai_prices", "entries": n},
//     "common_only": bool,          // true when the formats differ: only (provider, model) pairs
//                                   // present in both are compared, so no added/removed
//     "summary": {"price": n, "added": n, "removed": n, "context": n, "expiry": n, "terms": n},
//     "changes": [                  // sorted by provider, model, then kind and component
//       {"kind": "price", "provider": "openrouter", "model": "qwen/qwen-plus",
//        "component": "input|cached_input|cache_write|output|reasoning_output",
//        "old": n|null, "new": n|null,       // US dollars per 1M tokens; null = no price given
//        "pct": n|null},                      // % change, 1 decimal; null when old or new is null or old is 0
//       {"kind": "added", "provider", "model", "priced": bool,
//        "per_million": {"input", "cached_input", "cache_write", "output", "reasoning_output"} (USD per 1M or null),
//        "per_request_usd": n|null, "context": n|null, "expires_at": "ISO"|null, "deprecated": bool},
//       {"kind": "removed", "provider", "model"},
//       {"kind": "context", "provider", "model", "old": n|null, "new": n|null, "pct": n|null},   // tokens
//       {"kind": "expiry", "provider", "model", "old": "ISO"|null, "new": "ISO"|null},
//       {"kind": "terms", "provider", "model",                        // the rest of what is billed
//        "what": "tiers|windows|per_request|effective_from|upcoming|deprecated", "old": "…", "new": "…"}
//     ]
//   }
// Errors (unreadable file, unknown format): CatalogSourceError; the command makes them exit code 2.
import { formatRate, nusdToUsd } from '../../domain/money/units.js';
import { detectFormat, normalizeDocument, type DocFormat } from './sources/normalize.js';
import { readSourceJson, displayLocation } from './sources/fetch.js';
import { ratesText, termsText, TERMS_LABEL, type TermsPart } from './terms-text.js';
import { CatalogSourceError, PRICE_COMPONENTS, cmpStr, entryKey, type PriceComponent, type SourceEntry } from './sources/types.js';

export type CatalogChange =
  | { kind: 'price'; provider: string; model: string; component: PriceComponent; old: number | null; new: number | null; pct: number | null }
  | { kind: 'added'; provider: string; model: string; entry: SourceEntry }
  | { kind: 'removed'; provider: string; model: string; entry: SourceEntry }
  | { kind: 'context'; provider: string; model: string; old: number | null; new: number | null; pct: number | null }
  | { kind: 'expiry'; provider: string; model: string; old: string | null; new: string | null }
  | { kind: 'terms'; provider: string; model: string; what: TermsPart; old: string; new: string };


export type { TermsPart };
export type ChangeKind = CatalogChange['kind'];
const KIND_ORDER: Record<ChangeKind, number> = { removed: 0, added: 1, price: 2, context: 3, expiry: 4, terms: 5 };
const COMPONENT_ORDER: Record<PriceComponent, number> = { input: 0, cached_input: 1, cache_write: 2, output: 3, reasoning_output: 4 };
const TERMS_ORDER: readonly TermsPart[] = ['tiers', 'windows', 'per_request', 'effective_from', 'upcoming', 'deprecated'];

/** Percent change rounded to 0.1; null when either side is unknown or old is 0. */
export function pctChange(old: number | null, now: number | null): number | null {
  if (old === null || now === null || old === 0) return null;
  return Math.round(((now - old) / old) * 1000) / 10;
}

/** The changes of one (provider, model) present on both sides. */
export function diffEntry(a: SourceEntry, b: SourceEntry): CatalogChange[] {
  const out: CatalogChange[] = [];
  const { provider, model } = b;
  for (const c of PRICE_COMPONENTS) {
    const o = a.rates[c];
    const n = b.rates[c];
    if (o !== n) out.push({ kind: 'price', provider, model, component: c, old: o, new: n, pct: pctChange(o, n) });
  }
  if (a.context !== b.context) out.push({ kind: 'context', provider, model, old: a.context, new: b.context, pct: pctChange(a.context, b.context) });
  if (a.expires_at !== b.expires_at) out.push({ kind: 'expiry', provider, model, old: a.expires_at, new: b.expires_at });
  for (const what of TERMS_ORDER) {
    const o = termsText(a, what);
    const n = termsText(b, what);
    if (o !== n) out.push({ kind: 'terms', provider, model, what, old: o, new: n });
  }
  return out;
}

/** Changes of one key, either side possibly absent. */
export function diffPair(a: SourceEntry | undefined, b: SourceEntry | undefined): CatalogChange[] {
  if (a && b) return diffEntry(a, b);
  if (b) return [{ kind: 'added', provider: b.provider, model: b.model, entry: b }];
  if (a) return [{ kind: 'removed', provider: a.provider, model: a.model, entry: a }];
  return [];
}

export function compareChanges(x: CatalogChange, y: CatalogChange): number {
  return (
    cmpStr(x.provider, y.provider) ||
    cmpStr(x.model, y.model) ||
    KIND_ORDER[x.kind] - KIND_ORDER[y.kind] ||
    (x.kind === 'price' && y.kind === 'price' ? COMPONENT_ORDER[x.component] - COMPONENT_ORDER[y.component] : 0) ||
    (x.kind === 'terms' && y.kind === 'terms' ? TERMS_ORDER.indexOf(x.what) - TERMS_ORDER.indexOf(y.what) : 0)
  );
}

export interface DiffOptions {
  /** Compare only (provider, model) pairs present on both sides (cross-source diffs). Default false. */
  commonOnly?: boolean;
}

/** Every change from `oldEntries` to `newEntries`, sorted (see compareChanges). */
export function diffSnapshots(oldEntries: readonly SourceEntry[], newEntries: readonly SourceEntry[], opts: DiffOptions = {}): CatalogChange[] {
  const before = new Map<string, SourceEntry>();
  for (const e of oldEntries) before.set(entryKey(e.provider, e.model), e);
  const out: CatalogChange[] = [];
  const seen = new Set<string>();
  for (const b of newEntries) {
    const k = entryKey(b.provider, b.model);
    seen.add(k);
    const a = before.get(k);
    if (!a && opts.commonOnly) continue;
    out.push(...diffPair(a, b));
  }
  if (!opts.commonOnly) for (const [k, a] of before) if (!seen.has(k)) out.push(...diffPair(a, undefined));
  return out.sort(compareChanges);
}

export interface DiffSummary {
  price: number;
  added: number;
  removed: number;
  context: number;
  expiry: number;
  terms: number;
}

export function summarize(changes: readonly CatalogChange[]): DiffSummary {
  const s: DiffSummary = { price: 0, added: 0, removed: 0, context: 0, expiry: 0, terms: 0 };
  for (const c of changes) s[c.kind]++;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** Integer rate -> US dollars per 1M tokens as a JSON number (one division: exact decimal). */
export const ratePerMillion = (rate: number | null): number | null => (rate === null ? null : rate / 1e6);

export function renderRate(rate: number | null): string {
  return rate === null ? 'none' : formatRate(rate);
}

const COMPONENT_LABEL: Record<PriceComponent, string> = {
  input: 'input',
  cached_input: 'cached input',
  cache_write: 'cache write',
  output: 'output',
  reasoning_output: 'reasoning',
};

function pctText(pct: number | null): string {
  return pct === null ? '' : ` (${pct > 0 ? '+' : ''}${pct}%)`;
}

const dateText = (iso: string | null) => (iso === null ? 'none' : iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso);

/** One short line per change, without the provider/model name. */
export function changeLine(c: CatalogChange): string {
  switch (c.kind) {
    case 'price':
      return `${COMPONENT_LABEL[c.component]} ${renderRate(c.old)} -> ${renderRate(c.new)} per 1M${pctText(c.pct)}`;
    case 'added':
      return `added: ${ratesText(c.entry.rates, c.entry.priced)}${c.entry.context ? `, context ${c.entry.context}` : ''}`;
    case 'removed':
      return 'removed';
    case 'context':
      return `context ${c.old ?? 'unknown'} -> ${c.new ?? 'unknown'} tokens${pctText(c.pct)}`;
    case 'expiry':
      return c.new === null ? `expiry date removed (was ${dateText(c.old)})` : c.old === null ? `expires ${dateText(c.new)}` : `expiry ${dateText(c.old)} -> ${dateText(c.new)}`;
    case 'terms':
      return `${TERMS_LABEL[c.what]} ${c.old} -> ${c.new}`;
  }
}

export function changeToJson(c: CatalogChange): Record<string, unknown> {
  const head = { kind: c.kind, provider: c.provider, model: c.model };
  switch (c.kind) {
    case 'price':
      return { ...head, component: c.component, old: ratePerMillion(c.old), new: ratePerMillion(c.new), pct: c.pct };
    case 'added':
      return {
        ...head,
        priced: c.entry.priced,
        per_million: {
          input: ratePerMillion(c.entry.rates.input),
          cached_input: ratePerMillion(c.entry.rates.cached_input),
          cache_write: ratePerMillion(c.entry.rates.cache_write),
          output: ratePerMillion(c.entry.rates.output),
          reasoning_output: ratePerMillion(c.entry.rates.reasoning_output),
        },
        per_request_usd: c.entry.per_request_nusd === null ? null : nusdToUsd(c.entry.per_request_nusd),
        context: c.entry.context,
        expires_at: c.entry.expires_at,
        deprecated: c.entry.deprecated,
      };
    case 'removed':
      return head;
    case 'context':
      return { ...head, old: c.old, new: c.new, pct: c.pct };
    case 'expiry':
      return { ...head, old: c.old, new: c.new };
    case 'terms':
      return { ...head, what: c.what, old: c.old, new: c.new };
  }
}

/** Text: one header line per (provider, model), indented change lines, then a summary line. */
export function renderDiffText(changes: readonly CatalogChange[]): string {
  const lines: string[] = [];
  let current = '';
  for (const c of changes) {
    const name = `${c.provider}/${c.model}`;
    if (name !== current) {
      lines.push(name);
      current = name;
    }
    lines.push(`  ${changeLine(c)}`);
  }
  const s = summarize(changes);
  const terms = s.terms > 0 ? `, ${s.terms} other terms` : '';
  lines.push(changes.length === 0 ? 'no changes' : `${s.price} price, ${s.added} added, ${s.removed} removed, ${s.context} context, ${s.expiry} expiry${terms} change(s)`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Saved documents

export interface LoadedDocument {
  path: string;
  format: DocFormat;
  entries: SourceEntry[];
}

/** Reads a saved OpenRouter, LiteLLM, models.dev or genai-prices document (format auto-detected, .gz ok) and normalises it. */
export async function loadSavedDocument(path: string, opts: { timeoutMs?: number } = {}): Promise<LoadedDocument> {
  const doc = await readSourceJson(path, opts);
  const shown = displayLocation(path);
  const format = detectFormat(doc);
  if (!format) {
    throw new CatalogSourceError(
      `${shown}: not an OpenRouter /models response ({"data":[…]}), a LiteLLM price map ({"<model>":{…}}), a models.dev api.json ({"<provider>":{"models":{…}}}) nor genai-prices data ([{"id","models":[…]}])`,
      shown,
    );
  }
  try {
    return { path: shown, format, entries: normalizeDocument(doc, format) };
  } catch (err) {
    throw new CatalogSourceError(`${shown}: ${err instanceof Error ? err.message : 'cannot read the document'}`, shown, { cause: err });
  }
}

export interface SavedDiff {
  old: LoadedDocument;
  new: LoadedDocument;
  /** The formats differ (e.g. OpenRouter vs LiteLLM): only models present in both were compared. */
  commonOnly: boolean;
  changes: CatalogChange[];
}

/** Loads two saved documents (throws CatalogSourceError for an unreadable or unknown one) and diffs them. */
export async function diffSavedDocuments(oldPath: string, newPath: string): Promise<SavedDiff> {
  const [a, b] = await Promise.all([loadSavedDocument(oldPath), loadSavedDocument(newPath)]);
  const commonOnly = a.format !== b.format;
  return { old: a, new: b, commonOnly, changes: diffSnapshots(a.entries, b.entries, { commonOnly }) };
}

/** The stable JSON document of `catalog diff --json` (described at the top of this file). */
export function savedDiffJson(d: SavedDiff) {
  return {
    old: { path: d.old.path, format: d.old.format, entries: d.old.entries.length },
    new: { path: d.new.path, format: d.new.format, entries: d.new.entries.length },
    common_only: d.commonOnly,
    summary: summarize(d.changes),
    changes: d.changes.map(changeToJson),
  };
}

/** The text of `catalog diff`: which files, then one block per (provider, model) and a summary line. */
export function savedDiffText(d: SavedDiff): string {
  const head = [`old: ${d.old.path} (${d.old.format}, ${d.old.entries.length} models)`, `new: ${d.new.path} (${d.new.format}, ${d.new.entries.length} models)`];
  if (d.commonOnly) head.push('formats differ: comparing only the models present in both');
  return `${head.join('\n')}\n${renderDiffText(d.changes)}`;
}
