// Confirmed source changes -> price proposals (docs/ARCHITECTURE.md §3.1 `routeops prices`).
//
// - Only a MAPPED entry the source prices, of a (provider, model) the config file does not price
//   (config prices always win), and only when its price differs from the one in force now.
// - kind `price` when routeops has a price for the model, `new_model` when it has none. A new
//   model is effective from its first row in the ledger (or when the source was first seen with
//   it, if earlier): its rows stop being "not priced" when it is applied, and the alert says how
//   much spend that is. A `price` proposal is effective from the source's own date when it gives
//   one, else from when the change was first seen.
// - `suspect` for a change of more than 10x (price-changes.ts): never applied automatically.
// - Once per real change: the store keeps one proposal per (source, provider, model, entry, first
//   seen); a watched model without a price that has rows "not priced" (no provider-reported cost
//   either) is proposed from the source's accepted entry, once ever.
import { normalizeVersion } from '../../../domain/catalog/catalog.js';
import { priceUsage, usageForCost } from '../../../domain/money/cost.js';
import type { PriceVersionInput } from '../../../config/schema.js';
import type { Pricer } from '../../../store/ledger.js';
import type { StoredProposal } from '../../../store/price-proposals.js';
import type { Services } from '../../services.js';
import { appliedLayer, catalogWith, type AppliedLayer } from '../catalog-holder.js';
import { fingerprintOf, type DetectionState } from '../price-changes.js';
import type { ModelChange } from '../price-alert.js';
import type { SourceEntry } from '../sources/types.js';
import { perMillionFromRates, sameTerms, versionFromEntry } from './version.js';
import type { RetirementNotice } from './retirement-version.js';

export interface Candidate {
  source: string;
  entry: SourceEntry;
  /** When the change (or the entry) was first seen. */
  seen_at: string;
  suspect: boolean;
  /** Proposed from the accepted entry of an unpriced model: once ever, not once per change. */
  onceEver: boolean;
}

export interface CreatedProposal {
  proposal: StoredProposal;
  /** new_model: the rows that were not priced and what they come to at the proposed price. */
  unpriced: { rows: number; nusd: bigint } | null;
  /** retirement: the aliases still on the model and its traffic (retire.ts). */
  retirement?: RetirementNotice;
}

export type ProposalDeps = Pick<Services, 'config' | 'catalog' | 'ledger' | 'store' | 'log'>;

const EPOCH = new Date(0).toISOString();

/** Confirmed changes of this run as candidates (a gone model or a suspect still held is none). */
export function candidatesFromChanges(changes: readonly ModelChange[]): Candidate[] {
  return changes.flatMap((c) => (c.status === 'confirmed' && c.entry ? [{ source: c.source, entry: c.entry, seen_at: c.first_seen, suspect: c.suspect, onceEver: false }] : []));
}

/** Watched models routeops has no price for, that a source prices (its accepted entry). */
export function candidatesForUnpriced(state: DetectionState, watched: (provider: string, model: string) => boolean, isPriced: (provider: string, model: string) => boolean): Candidate[] {
  const out: Candidate[] = [];
  for (const st of state.values()) {
    for (const e of st.accepted.values()) {
      if (!e.mapped || !e.priced || !watched(e.provider, e.model) || isPriced(e.provider, e.model)) continue;
      out.push({ source: st.source, entry: e, seen_at: e.fetched_at, suspect: false, onceEver: true });
    }
  }
  return out;
}

/** Which source wins when several propose for one (provider, model); LiteLLM lags the most (test/fixtures/catalog/FORMATS.md §3). */
const SOURCE_PREFERENCE = ['openrouter', 'models_dev', 'genai_prices', 'litellm'];

/**
 * One candidate per (provider, model): where a source is trusted for the provider
 * (catalog.auto_apply, e.g. OpenRouter for openrouter routes) and configured, only it proposes
 * for that provider; otherwise the first of SOURCE_PREFERENCE. Two sources proposing for one
 * model would make two open proposals, the second undoing the first when applied.
 */
export function oneSourceEach(candidates: readonly Candidate[], trusted: (source: string, provider: string) => boolean, configured: (source: string) => boolean): Candidate[] {
  const rank = (c: Candidate) => (trusted(c.source, c.entry.provider) ? -1 : SOURCE_PREFERENCE.indexOf(c.source));
  const hasTrusted = (provider: string) => SOURCE_PREFERENCE.some((s) => configured(s) && trusted(s, provider));
  const best = new Map<string, Candidate>();
  for (const c of candidates) {
    if (hasTrusted(c.entry.provider) && !trusted(c.source, c.entry.provider)) continue;
    const key = `${c.entry.provider}\u0000${c.entry.model}`;
    const cur = best.get(key);
    if (!cur || rank(c) < rank(cur)) best.set(key, c);
  }
  return [...best.values()];
}

export const pricerOf =
  (catalog: ReturnType<typeof catalogWith>): Pricer =>
  (row) =>
    priceUsage(catalog, row.provider, row.model, usageForCost(row, row.tsMs));

/** Records the candidates that make a proposal; returns those new this run. */
export async function recordProposals(deps: ProposalDeps, candidates: readonly Candidate[], now: Date): Promise<CreatedProposal[]> {
  const { config, store, ledger, log } = deps;
  const configPriced = new Set(config.pricing.map((p) => `${p.provider}/${p.model}`));
  const created: CreatedProposal[] = [];
  // The applied proposals, read once when a candidate first needs them (adding one applies none).
  let layer: AppliedLayer | undefined;
  const appliedNow = async () => (layer ??= appliedLayer(await store.proposals.applied()));
  for (const c of candidates) {
    const { provider, model } = c.entry;
    if (!c.entry.mapped || !c.entry.priced || configPriced.has(`${provider}/${model}`)) continue;
    const catalog = deps.catalog;
    const isNew = catalog.versions(provider, model).length === 0;
    let effective = c.entry.effective_from ?? c.seen_at;
    let unpriced: CreatedProposal['unpriced'] = null;
    if (isNew) {
      // What the rows not priced come to at this price, and from when they are.
      const probe = versionFromEntry(c.entry, EPOCH);
      if (!probe) continue;
      const trial = tryCatalog(deps, await appliedNow(), { provider, model, versions: [probe] });
      if (!trial) continue;
      const preview = await ledger.previewReprice({ provider, model, fromMs: 0 }, pricerOf(trial));
      // From the accepted entry, only for rows that are truly "not priced": rows that carry the
      // provider's reported cost (OpenRouter's, deliberately unpriced in builtin.ts) are costed.
      if (c.onceEver && preview.unpriced_rows === 0) continue;
      if (preview.first_ms !== null && preview.first_ms < Date.parse(effective)) effective = new Date(preview.first_ms).toISOString();
      unpriced = { rows: preview.unpriced_rows, nusd: preview.unpriced_after_nusd };
    }
    const version = versionFromEntry(c.entry, new Date(Date.parse(effective)).toISOString());
    if (!version) continue;
    const problems: string[] = [];
    const proposed = normalizeVersion(provider, model, version, '', `${c.source} ${provider}/${model}`, problems);
    if (!proposed || !tryCatalog(deps, await appliedNow(), { provider, model, versions: [version] })) {
      log.warn({ source: c.source, provider, model, problems }, 'a source price cannot be a price version: no proposal');
      continue;
    }
    const inForce = catalog.priceAt(provider, model, now.getTime());
    if (inForce && sameTerms(inForce, proposed)) continue;
    const proposal = await store.proposals.add(
      {
        source: c.source,
        provider,
        model,
        kind: isNew ? 'new_model' : 'price',
        fingerprint: fingerprintOf(c.entry),
        seen_at: c.seen_at,
        effective: version.effective,
        version,
        previous: inForce ? perMillionFromRates(inForce.base) : null,
        suspect: c.suspect,
        created_at: now.toISOString(),
      },
      // The older open proposals it replaces expire with it, in its transaction.
      { onceEver: c.onceEver, replaces: true },
    );
    if (!proposal) continue;
    created.push({ proposal, unpriced });
  }
  return created;
}

/** The catalog with the applied versions and one more, or null when it would not build (logged). */
function tryCatalog(deps: ProposalDeps, layer: AppliedLayer, extra: { provider: string; model: string; versions: PriceVersionInput[] }) {
  try {
    return catalogWith(deps.config, { ...layer, pricing: [...layer.pricing, extra] });
  } catch (err) {
    deps.log.warn({ provider: extra.provider, model: extra.model, err: (err as Error).message }, 'a source price cannot be a price version');
    return null;
  }
}
