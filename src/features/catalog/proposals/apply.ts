// Applying and ignoring price proposals (docs/ARCHITECTURE.md §3.1 `routeops prices`).
//
// Apply: the proposal must still be open, not priced by the config file (config wins), and still
// match what its source shows (its accepted entry, or the change it is now seeing); a suspect one
// only by a person. Then ONE transaction (the store's proposals.apply) sets the status to applied,
// re-prices the ledger from the effective time (rows and rollup) with the catalog that now
// includes the version, and writes the audit entry (who, when, what, the money effect): all of it
// or, if anything throws, none of it. Only after the commit is the catalog in force replaced (new
// rows take the price at once; other connections follow the applied mark, src/app/ledger.ts).
// A retirement proposal is applied by retire-apply.ts (no price, no re-pricing), by a person only.
// Ignore: the status becomes ignored and the audit says who; nothing else changes.
import type { Catalog } from '../../../domain/catalog/catalog.js';
import { formatUsd } from '../../../domain/money/units.js';
import type { AuditEntry, StoredProposal } from '../../../store/price-proposals.js';
import type { Services } from '../../services.js';
import { appliedLayer, catalogWith } from '../catalog-holder.js';
import { fingerprintOf } from '../price-changes.js';
import { loadDetectionState } from '../snapshots.js';
import { entryKey } from '../sources/types.js';
import { pricerOf } from './propose.js';
import { applyRetirement } from './retire-apply.js';

export type ApplyOutcome =
  /** `done`: what applying did, in words ("re-priced 12 rows of …", "applied retirement of …"). */
  | { kind: 'applied'; proposal: StoredProposal; rows: number; before_nusd: bigint; after_nusd: bigint; audit: AuditEntry; done: string }
  | { kind: 'already'; proposal: StoredProposal }
  | { kind: 'refused'; reason: string };

export type ApplyDeps = Pick<Services, 'config' | 'catalogs' | 'ledger' | 'store' | 'clock'>;

export interface DecideOptions {
  /** Who: a person's name (CLI: the OS user or --by), or 'auto_apply'. */
  by: string;
  /** Applied by catalog.auto_apply rather than a person: a suspect proposal is refused. */
  automatic?: boolean;
}

const name = (p: Pick<StoredProposal, 'provider' | 'model'>) => `${p.provider}/${p.model}`;
/** "2026-09-10 16:00 UTC" */
const minuteOf = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** "re-priced 12,345 rows of deepseek/deepseek-v4-flash since 2026-09-10 16:00 UTC: $1,234.56 → $1,302.11, +$67.55" */
export function repricedText(p: Pick<StoredProposal, 'provider' | 'model' | 'effective'>, rows: number, before: bigint, after: bigint): string {
  const delta = after - before;
  const sign = delta < 0n ? '-' : '+';
  return `re-priced ${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'} of ${name(p)} since ${minuteOf(p.effective)}: ${formatUsd(before)} → ${formatUsd(after)}, ${sign}${formatUsd(delta < 0n ? -delta : delta)}`;
}

/** Why the proposal no longer matches its source, or null when it still does. */
async function staleness(deps: ApplyDeps, p: StoredProposal): Promise<string | null> {
  const [state] = [...(await loadDetectionState(deps.store.catalog, [p.source])).values()];
  const key = entryKey(p.provider, p.model);
  const pending = state?.pending.get(key);
  const shows = pending ? pending.fingerprint : fingerprintOf(state?.accepted.get(key));
  if (shows === p.fingerprint) return null;
  if (pending) return `${p.source} now shows another price for ${name(p)} (seen since ${pending.first_seen})`;
  return state?.accepted.has(key) ? `${p.source} no longer shows this price for ${name(p)}` : `${p.source} no longer lists ${name(p)}`;
}

async function refusal(deps: ApplyDeps, p: StoredProposal, opts: DecideOptions): Promise<string | null> {
  if (p.status === 'ignored' || p.status === 'expired') return `proposal ${p.id} is ${p.status}: nothing applied`;
  if (p.version === null) return `proposal ${p.id} holds no price: nothing applied`;
  if (p.suspect && opts.automatic) return `proposal ${p.id} is suspect (a change of more than 10x): only a person applies it`;
  if (deps.config.pricing.some((e) => e.provider === p.provider && e.model === p.model)) return `${name(p)} is priced in the config file, which wins over sources: nothing applied`;
  const stale = await staleness(deps, p);
  return stale === null ? null : `proposal ${p.id} no longer matches its source: ${stale}. Nothing applied.`;
}

export async function applyProposal(deps: ApplyDeps, id: number, opts: DecideOptions): Promise<ApplyOutcome> {
  const { store, catalogs } = deps;
  const p = await store.proposals.get(id);
  if (!p) return { kind: 'refused', reason: `no price proposal ${id} (routeops prices list shows them)` };
  if (p.status === 'applied') return { kind: 'already', proposal: p };
  if (p.kind === 'retirement') {
    if (opts.automatic) return { kind: 'refused', reason: `proposal ${p.id} is a retirement: only a person applies it` };
    const out = await applyRetirement(deps, p, opts.by);
    return out.kind === 'applied' ? { ...out, rows: 0, before_nusd: 0n, after_nusd: 0n } : out;
  }
  const why = await refusal(deps, p, opts);
  if (why) return { kind: 'refused', reason: why };

  const now = deps.clock().toISOString();
  const built: { catalog?: Catalog } = {};
  const outcome = await store.proposals.apply(
    p.id,
    { at: now, by: opts.by },
    { provider: p.provider, model: p.model, fromMs: Date.parse(p.effective) },
    // Inside the transaction, the status already applied: the catalog with this version in it.
    (applied) => pricerOf((built.catalog = catalogWith(deps.config, appliedLayer(applied)))),
    (result) => ({
      at: now,
      by: opts.by,
      action: 'applied',
      proposal_id: p.id,
      provider: p.provider,
      model: p.model,
      rows: result.changed,
      before_nusd: Number(result.before_nusd),
      after_nusd: Number(result.after_nusd),
      text: `${opts.by} applied proposal ${p.id} (${p.kind} from ${p.source}, effective ${p.effective}): ${repricedText(p, result.changed, result.before_nusd, result.after_nusd)}`,
    }),
  );
  if (outcome === null) {
    const again = (await store.proposals.get(id))!;
    return again.status === 'applied' ? { kind: 'already', proposal: again } : { kind: 'refused', reason: `proposal ${id} is ${again.status}: nothing applied` };
  }
  catalogs.replace(built.catalog!);
  const { proposal: applied, result, audit } = outcome;
  const text = repricedText(p, result.changed, result.before_nusd, result.after_nusd);
  return { kind: 'applied', proposal: applied, rows: result.changed, before_nusd: result.before_nusd, after_nusd: result.after_nusd, audit, done: text };
}

/** What an ignored retirement changed. */
export const RETIREMENT_IGNORED = 'nothing retired, routing unchanged';

export type IgnoreOutcome = { kind: 'ignored'; proposal: StoredProposal; audit: AuditEntry } | { kind: 'refused'; reason: string };

export async function ignoreProposal(deps: Pick<Services, 'store' | 'clock'>, id: number, opts: DecideOptions): Promise<IgnoreOutcome> {
  const p = await deps.store.proposals.get(id);
  if (!p) return { kind: 'refused', reason: `no price proposal ${id} (routeops prices list shows them)` };
  const now = deps.clock().toISOString();
  if (p.status !== 'proposed' || !(await deps.store.proposals.decide(p.id, 'proposed', 'ignored', now, opts.by))) {
    const cur = (await deps.store.proposals.get(id))!;
    return { kind: 'refused', reason: `proposal ${id} is ${cur.status}: nothing changed` };
  }
  const audit = await deps.store.proposals.addAudit({
    at: now,
    by: opts.by,
    action: 'ignored',
    proposal_id: p.id,
    provider: p.provider,
    model: p.model,
    rows: 0,
    before_nusd: 0,
    after_nusd: 0,
    text: `${opts.by} ignored proposal ${p.id} (${p.kind} from ${p.source} for ${name(p)}, effective ${p.effective}): ${p.kind === 'retirement' ? RETIREMENT_IGNORED : 'prices unchanged'}`,
  });
  return { kind: 'ignored', proposal: (await deps.store.proposals.get(id))!, audit };
}
