// The "prices" alert's message: the watched models' confirmed (or held suspect) changes, one
// block per model with its monthly impact, and counts of the rest. Its key is derived from the
// changes and the fetch times that confirmed them.
import { createHash } from 'node:crypto';
import { formatUsd } from '../../domain/money/units.js';
import { changeLine, type CatalogChange } from './diff.js';
import type { MonthlyImpact } from './price-impact.js';
import type { SourceEntry } from './sources/types.js';

export interface ModelChange {
  /** Stable per-change keys, e.g. "price:openrouter/qwen/qwen-plus:input:400000->300000". */
  keys: string[];
  source: string;
  provider: string;
  model: string;
  /** confirmed: announced and accepted; suspect_held: over 10x, said once, still pending. */
  status: 'confirmed' | 'suspect_held';
  suspect: boolean;
  /** Largest factor between old and new of a price component (Infinity for 0 <-> non-zero); 1 when no price moved. */
  ratio: number;
  changes: CatalogChange[];
  impact: MonthlyImpact | null;
  first_seen: string;
  /** Fetch time of the snapshot that confirmed it (or noted it as suspect). */
  at: string;
  watched: boolean;
  /** What the source shows now (null: the model is gone from it). */
  entry: SourceEntry | null;
}

export interface PriceAlert {
  key: string;
  kind: 'price';
  text: string;
  /** The watched models' changes in the message. */
  changes: ModelChange[];
}

export interface OtherCounts {
  added: number;
  removed: number;
  changed: number;
  suspect: number;
}

/** Model ids come from outside sources: keep them to a plain character set in message text. */
export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._:/@+\- ]/g, '?').slice(0, 160);
}

/** Past 2^53 nano-USD ($9,007,199.25) a number is no longer exact: said as a bound, never thrown on. */
const usdOrBound = (nusd: number) => (Number.isSafeInteger(nusd) ? formatUsd(nusd) : 'over $9,007,199');

export function impactLine(i: MonthlyImpact): string {
  const money = (n: number | null) => (n === null ? 'not priced' : usdOrBound(n));
  const delta = i.delta_nusd === null ? '' : ` (${i.delta_nusd >= 0 ? '+' : '-'}${usdOrBound(Math.abs(i.delta_nusd))})`;
  return `  monthly at last 30 days' use: ${money(i.old_nusd)} -> ${money(i.new_nusd)}${delta}`;
}

function alertKey(changes: readonly ModelChange[]): string {
  const parts = changes.flatMap((m) => (m.status === 'suspect_held' ? m.keys.map((k) => `suspect:${k}`) : m.keys).map((k) => `${k}@${m.at}`)).sort();
  if (parts.length === 1) return parts[0]!;
  return `price:batch:${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16)}`;
}

export function buildAlert(watched: readonly ModelChange[], others: OtherCounts, suspectHold = 4, suspectRatio = 10): PriceAlert {
  const sorted = [...watched].sort((a, b) => (a.status === b.status ? 0 : a.status === 'confirmed' ? -1 : 1));
  const confirmed = sorted.filter((m) => m.status === 'confirmed').length;
  const lines: string[] = [];
  lines.push(confirmed > 0 ? `Catalog changes for ${confirmed} model(s) you use` : 'Catalog: suspect price changes held');
  for (const m of sorted) {
    const tag = m.source === m.provider ? '' : ` (${m.source})`;
    let head = `${safeName(m.provider)}/${safeName(m.model)}${tag}`;
    if (m.status === 'suspect_held') head += `: SUSPECT (over ${suspectRatio}x), held until seen in ${suspectHold} fetches`;
    else if (m.suspect) head += `: confirmed after being held as suspect (over ${suspectRatio}x)`;
    lines.push(head);
    for (const c of m.changes) lines.push(`  ${changeLine(c)}`);
    if (m.impact) lines.push(impactLine(m.impact));
  }
  const o = others;
  if (o.added + o.removed + o.changed + o.suspect > 0) {
    const bits = [`${o.added} added`, `${o.removed} removed`, `${o.changed} changed`];
    if (o.suspect) bits.push(`${o.suspect} suspect held`);
    lines.push(`Other models: ${bits.join(', ')}`);
  }
  return { key: alertKey(sorted), kind: 'price', text: lines.join('\n'), changes: sorted };
}
