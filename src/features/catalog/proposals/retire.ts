// Retirement proposals from the catalog sources (docs/ARCHITECTURE.md §3.1 `prices list`).
//
// - A model gone from a provider's own /models listing, confirmed like a price change (gone in
//   two fetches in a row: price-changes.ts; never from a listing that failed, was empty or lost
//   half its models, which is not read at all), is proposed retired from when it was first seen
//   gone. Its replacement is a model of the same provider that appeared in the same change, by
//   name (renames.ts: deepseek-v4-flash -> deepseek-flash), else none; never another provider's.
// - A mapped entry a source marks (OpenRouter expiration_date, LiteLLM deprecation_date: the
//   entry's `expires_at`; models.dev status deprecated, genai-prices deprecated) is proposed
//   retired at the source's date, or from when the mark was first seen when the source gives
//   none; no replacement (no source names one). Once per source, model and mark.
// - Only for models routeops cares about (routed by an alias, priced in the config file, or used in the last 30
//   days: the caller's predicate) and not already retired in the catalog in force.
// A retirement has no price: `per_million` and `previous` are null, and it is decided by a
// person (catalog.auto_apply applies prices only).
import { addDays } from '../../../domain/time/zone.js';
import type { Services } from '../../services.js';
import { routesPointingAt } from '../../alerts/jobs/deprecations.js';
import type { ModelChange } from '../price-alert.js';
import type { DetectionState } from '../price-changes.js';
import type { SourceEntry } from '../sources/types.js';
import type { CreatedProposal } from './propose.js';
import { renamedTo } from './renames.js';
import { GONE, markOf, type ProposedRetirement, type RetirementNotice } from './retirement-version.js';


/** What the source calls its mark, for the proposal's provenance. */
function markText(e: SourceEntry): string {
  const field = e.source === 'openrouter' ? 'expiration_date' : e.source === 'litellm' ? 'deprecation_date' : 'expiry date';
  if (e.expires_at !== null) return `${field} ${e.expires_at.slice(0, 10)}`;
  return e.source === 'models_dev' ? 'status deprecated' : 'deprecated';
}

export interface RetirementCandidate {
  source: string;
  provider: string;
  model: string;
  fingerprint: string;
  /** When the change was first seen. */
  seen_at: string;
  proposed: ProposedRetirement;
  /** A mark is proposed once ever per source, model and mark; a gone model once per time it went. */
  onceEver: boolean;
}

const isListing = (source: string) => source.startsWith('models:');
const has = (c: ModelChange, kind: 'added' | 'removed') => c.changes.some((x) => x.kind === kind);

/**
 * Models gone from a provider's /models listing in a change confirmed this run, each with its
 * replacement if one can be named: first among the models that appeared in the same change, else
 * among those the listing still shows (DeepSeek listed deepseek-flash before deepseek-v4-flash went).
 */
export function goneFromListings(changes: readonly ModelChange[], state?: DetectionState): RetirementCandidate[] {
  const confirmed = changes.filter((c) => c.status === 'confirmed' && isListing(c.source));
  return confirmed
    .filter((c) => c.entry === null && has(c, 'removed'))
    .map((c) => {
      const appeared = confirmed.filter((a) => a.source === c.source && a.entry !== null && has(a, 'added') && a.first_seen === c.first_seen).map((a) => a.model);
      const listed = [...(state?.get(c.source)?.accepted.values() ?? [])].filter((e) => e.provider === c.provider && e.model !== c.model).map((e) => e.model);
      return {
        source: c.source,
        provider: c.provider,
        model: c.model,
        fingerprint: GONE,
        seen_at: c.first_seen,
        proposed: { at: c.first_seen, replacement: renamedTo(c.model, appeared) ?? renamedTo(c.model, listed), source: `gone from ${c.provider}'s /models since ${c.first_seen} (${c.source}, confirmed ${c.at})` },
        onceEver: false,
      };
    });
}

/** Mapped entries a source marks deprecated or expiring: from this run's confirmed changes, then what each source shows as accepted. */
export function markedInSources(changes: readonly ModelChange[], state: DetectionState): RetirementCandidate[] {
  const out: RetirementCandidate[] = [];
  const add = (source: string, e: SourceEntry, seen: string) => {
    const mark = e.mapped && !isListing(source) ? markOf(e) : null;
    if (mark === null) return;
    const at = e.expires_at ?? seen;
    out.push({ source, provider: e.provider, model: e.model, fingerprint: mark, seen_at: seen, proposed: { at, replacement: null, source: `${e.source} (${e.source_key}) ${markText(e)}, fetched ${e.fetched_at}` }, onceEver: true });
  };
  for (const c of changes) if (c.status === 'confirmed' && c.entry) add(c.source, c.entry, c.first_seen);
  for (const st of state.values()) for (const e of st.accepted.values()) add(st.source, e, e.fetched_at);
  return out;
}

export type RetireDeps = Pick<Services, 'config' | 'catalog' | 'ledger' | 'store' | 'zone'>;

/** Requests and cost per "provider/model" over the last 7 days (the daily rollup). */
async function lastWeek(deps: RetireDeps, now: Date) {
  const to = deps.zone.dayOf(now.getTime());
  const from = addDays(to, -6);
  const byModel = new Map<string, { calls: number; nusd: bigint }>();
  for (const r of await deps.ledger.spendRollup('model', from, to)) {
    const t = byModel.get(r.key) ?? { calls: 0, nusd: 0n };
    t.calls += r.requests;
    t.nusd += r.cost_nusd;
    byModel.set(r.key, t);
  }
  return { from, to, byModel };
}

/** Records the candidates that make a retirement proposal; returns those new this run, with what their alert says. */
export async function recordRetirements(deps: RetireDeps, candidates: readonly RetirementCandidate[], cares: (provider: string, model: string) => boolean, now: Date): Promise<CreatedProposal[]> {
  const created: CreatedProposal[] = [];
  let week: Awaited<ReturnType<typeof lastWeek>> | null = null;
  for (const c of candidates) {
    if (!cares(c.provider, c.model) || deps.catalog.retirementOf(c.provider, c.model) !== null) continue;
    const proposal = await deps.store.proposals.add(
      {
        source: c.source,
        provider: c.provider,
        model: c.model,
        kind: 'retirement',
        fingerprint: c.fingerprint,
        seen_at: c.seen_at,
        effective: c.proposed.at,
        version: c.proposed,
        previous: null,
        suspect: false,
        created_at: now.toISOString(),
      },
      // The older open retirements it replaces expire with it, in its transaction.
      { onceEver: c.onceEver, replaces: true },
    );
    if (!proposal) continue;
    week ??= await lastWeek(deps, now);
    const traffic = week.byModel.get(`${c.provider}/${c.model}`) ?? { calls: 0, nusd: 0n };
    const notice: RetirementNotice = { aliases: routesPointingAt(deps.config.models, c.provider, c.model), calls: traffic.calls, spend_nusd: traffic.nusd, from: week.from, to: week.to };
    created.push({ proposal, unpriced: null, retirement: notice });
  }
  return created;
}
