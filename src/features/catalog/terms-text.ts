// Words for what a source says a model costs: its rates, and beyond them its tiers, time
// windows, per-request fee, dated prices and lifecycle (the `terms` changes of diff.ts, shown in
// `catalog diff` and in the price alert).
import { formatRate, formatUsdExact } from '../../domain/money/units.js';
import type { SourceEntry, SourcePrice, SourceRates, SourceTier, SourceWindow } from './sources/types.js';

export type TermsPart = 'tiers' | 'windows' | 'per_request' | 'effective_from' | 'upcoming' | 'deprecated';

export const TERMS_LABEL: Readonly<Record<TermsPart, string>> = Object.freeze({
  tiers: 'tiers',
  windows: 'time windows',
  per_request: 'per-request fee',
  effective_from: 'price dated from',
  upcoming: 'dated prices',
  deprecated: 'status',
});

const rate = (r: number | null) => (r === null ? 'none' : formatRate(r));

/**
 * "in $0.40 / cached $0.08 / write $0.50 / out $1.20 / reasoning $4.00 per 1M". Input and output
 * are always named ("none" when unknown); the others only when the source gives them.
 */
export function ratesText(r: SourceRates, priced = true): string {
  if (!priced) return 'not priced';
  const parts = [`in ${rate(r.input)}`];
  if (r.cached_input !== null) parts.push(`cached ${rate(r.cached_input)}`);
  if (r.cache_write !== null) parts.push(`write ${rate(r.cache_write)}`);
  parts.push(`out ${rate(r.output)}`);
  if (r.reasoning_output !== null) parts.push(`reasoning ${rate(r.reasoning_output)}`);
  return `${parts.join(' / ')} per 1M`;
}

const tierText = (t: SourceTier) => `${t.inclusive ? '>=' : '>'} ${t.above.toLocaleString('en-US')} tokens: ${ratesText(t)}`;
const feeText = (nusd: number) => `${formatUsdExact(nusd)} per request`;

function priceText(p: SourcePrice): string {
  const bits = [ratesText(p.rates)];
  if (p.tiers.length > 0) bits.push(`tiers ${p.tiers.map(tierText).join('; ')}`);
  if (p.per_request_nusd !== null) bits.push(feeText(p.per_request_nusd));
  return bits.join(', ');
}

const windowsText = (ws: readonly SourceWindow[]) => ws.map((w) => `${w.utc} UTC: ${priceText(w)}`).join('; ');
const dayText = (iso: string) => (iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso);

/** One part of an entry's terms in words ("none" when the source says nothing of it). */
export function termsText(e: SourceEntry, part: TermsPart): string {
  switch (part) {
    case 'tiers':
      return e.tiers.length > 0 ? e.tiers.map(tierText).join('; ') : 'none';
    case 'windows':
      return e.windows.length > 0 ? windowsText(e.windows) : 'none';
    case 'per_request':
      return e.per_request_nusd === null ? 'none given' : feeText(e.per_request_nusd);
    case 'effective_from':
      return e.effective_from === null ? 'none' : dayText(e.effective_from);
    case 'upcoming':
      return e.upcoming.length > 0
        ? e.upcoming.map((p) => `from ${dayText(p.effective_from)}: ${priceText(p)}${p.windows.length > 0 ? `; then ${windowsText(p.windows)}` : ''}`).join(' | ')
        : 'none';
    case 'deprecated':
      return e.deprecated ? 'deprecated' : 'not deprecated';
  }
}
