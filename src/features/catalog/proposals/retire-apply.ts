// Applying a retirement proposal (docs/ARCHITECTURE.md §3.1 `prices apply`): it must still be
// open, the config file must not retire the model itself (config wins), and its source must
// still say so: a provider listing that lists the model again, or a source that no longer marks
// it (or gives another date), refuses it and nothing changes. Then the status becomes applied
// (the ingest worker reloads on that), the catalog in force is rebuilt with it (built-in <
// applied < config), so routing moves the model's calls to the replacement from the retirement
// on and the retirement alerts and /models show it; and the audit says who, when and what. No
// ledger row changes: a retirement re-prices nothing.
import type { AuditEntry, StoredProposal } from '../../../store/price-proposals.js';
import type { Services } from '../../services.js';
import { routesPointingAt } from '../../alerts/jobs/deprecations.js';
import { appliedLayer, catalogWith } from '../catalog-holder.js';
import { loadDetectionState } from '../snapshots.js';
import { entryKey } from '../sources/types.js';
import { GONE, aliasesText, markOf, proposedRetirement, type ProposedRetirement } from './retirement-version.js';

export type RetirementDeps = Pick<Services, 'config' | 'catalogs' | 'store' | 'clock'>;

export type RetirementOutcome = { kind: 'applied'; proposal: StoredProposal; audit: AuditEntry; done: string } | { kind: 'already'; proposal: StoredProposal } | { kind: 'refused'; reason: string };

const name = (p: Pick<StoredProposal, 'provider' | 'model'>) => `${p.provider}/${p.model}`;
/** "2026-09-10 16:00 UTC" */
const minuteOf = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** "applied retirement of deepseek/deepseek-v4-flash at 2026-11-21 00:00 UTC, replacement deepseek-flash; aliases still on it: …" */
export function retiredText(p: Pick<StoredProposal, 'provider' | 'model'>, r: ProposedRetirement, aliases: string): string {
  return `applied retirement of ${name(p)} at ${minuteOf(r.at)}, ${r.replacement ? `replacement ${r.replacement}` : 'no replacement named'}; aliases still on it: ${aliases}`;
}

/** Why the proposal no longer matches its source, or null when it still does. */
async function staleness(deps: RetirementDeps, p: StoredProposal): Promise<string | null> {
  const [state] = [...(await loadDetectionState(deps.store.catalog, [p.source])).values()];
  const key = entryKey(p.provider, p.model);
  const pending = state?.pending.get(key);
  // What the source's latest fetch showed: a pending observation, else the accepted entry.
  const shows = pending ? pending.observed : (state?.accepted.get(key) ?? null);
  if (p.fingerprint === GONE) return shows ? `${p.source} lists ${name(p)} again (fetched ${shows.fetched_at})` : null;
  // A marked model gone from the source altogether is still retiring: the mark stands.
  if (!shows) return null;
  const mark = markOf(shows);
  if (mark === p.fingerprint) return null;
  return mark === null ? `${p.source} no longer marks ${name(p)} as deprecated or expiring` : `${p.source} now gives another retirement for ${name(p)} (${shows.expires_at ?? 'deprecated, no date'})`;
}

export async function applyRetirement(deps: RetirementDeps, p: StoredProposal, by: string): Promise<RetirementOutcome> {
  const r = proposedRetirement(p);
  if (!r) return { kind: 'refused', reason: `proposal ${p.id} holds no retirement that can be read: nothing applied` };
  if (p.status !== 'proposed') return { kind: 'refused', reason: `proposal ${p.id} is ${p.status}: nothing applied` };
  if (deps.config.retirements.some((x) => x.provider === p.provider && x.model === p.model)) return { kind: 'refused', reason: `${name(p)} is retired in the config file, which wins over sources: nothing applied` };
  const stale = await staleness(deps, p);
  if (stale) return { kind: 'refused', reason: `proposal ${p.id} no longer matches its source: ${stale}. Nothing applied.` };

  const now = deps.clock().toISOString();
  if (!(await deps.store.proposals.decide(p.id, 'proposed', 'applied', now, by))) {
    const again = (await deps.store.proposals.get(p.id))!;
    return again.status === 'applied' ? { kind: 'already', proposal: again } : { kind: 'refused', reason: `proposal ${p.id} is ${again.status}: nothing applied` };
  }
  try {
    deps.catalogs.replace(catalogWith(deps.config, appliedLayer(await deps.store.proposals.applied())));
  } catch (err) {
    await deps.store.proposals.decide(p.id, 'applied', 'proposed', now, null);
    throw err;
  }
  const text = retiredText(p, r, aliasesText(routesPointingAt(deps.config.models, p.provider, p.model)));
  const audit = await deps.store.proposals.addAudit({
    at: now,
    by,
    action: 'applied',
    proposal_id: p.id,
    provider: p.provider,
    model: p.model,
    rows: 0,
    before_nusd: 0,
    after_nusd: 0,
    text: `${by} applied proposal ${p.id} (retirement from ${p.source}): ${text}`,
  });
  return { kind: 'applied', proposal: (await deps.store.proposals.get(p.id))!, audit, done: text };
}
