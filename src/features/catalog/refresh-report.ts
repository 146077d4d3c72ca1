// What one run of the prices job read and decided, as `routeops catalog refresh` reports it
// (docs/ARCHITECTURE.md §3.1): each source read (entries, the source's own date) or not (why),
// the changes confirmed or held, the proposals made. The job hands over its detail
// (src/features/alerts/jobs/prices.ts, `pricesDetail`); summarising it here is pure.
import { CATALOG_SOURCES, type CatalogSourceName } from '../../config/schema.js';
import type { StoredProposal } from '../../store/price-proposals.js';
import type { ModelChange } from './price-alert.js';
import type { PriceCheckResult } from './price-check.js';
import type { CreatedProposal } from './proposals/propose.js';
import type { FetchCatalogResult } from './sources/fetch.js';

export interface PricesRunDetail {
  fetched: FetchCatalogResult;
  check: PriceCheckResult;
  /** Proposals new this run. */
  created: readonly CreatedProposal[];
  /**
   * What catalog.auto_apply did with them, by proposal id (proposals/apply.ts ApplyOutcome; only
   * its kind is read here: naming that type from here would make an import cycle, through
   * proposals/retire-apply.ts and the deprecations job, back to the alert types).
   */
  auto: ReadonlyMap<number, { kind: string }>;
}

export interface SourceOutcome {
  /** `openrouter`, `litellm`, `models_dev`, `genai_prices`, or `models:<provider>`. */
  source: string;
  /** Read and used this run. */
  ok: boolean;
  /** Entries read (also when the listing was then ignored); null when it could not be read. */
  entries: number | null;
  /** The source's own date for its prices (the newest one it gives), if it gives one. */
  checked_at: string | null;
  /** The first fetch of this source: its listing became the baseline, nothing is compared yet. */
  baseline: boolean;
  /** Why it was not read, or why its listing was ignored; null when ok. */
  error: string | null;
}

export interface RefreshReport {
  sources: SourceOutcome[];
  /** Changes that held across two fetches this run (four for a suspect one). */
  confirmed: ModelChange[];
  /** Changes of more than 10x seen twice and held as suspect. */
  held: ModelChange[];
  /** Changes seen once, waiting for the next fetch (every source). */
  pending: number;
  proposals: Array<{ proposal: StoredProposal; applied: boolean }>;
}

/** The four catalog sources first, in their order; provider listings after, by name. */
function sourceOrder(a: string, b: string): number {
  const rank = (s: string) => {
    const i = (CATALOG_SOURCES as readonly string[]).indexOf(s);
    return i < 0 ? CATALOG_SOURCES.length : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

export function summarizeRun(detail: PricesRunDetail): RefreshReport {
  const { fetched, check } = detail;
  const ignored = new Map(check.skipped.map((s) => [s.source, s.reason]));
  const baseline = new Set(check.baseline);
  const sources: SourceOutcome[] = [
    ...fetched.snapshots.map((s) => {
      const why = ignored.get(s.source);
      return { source: s.source, ok: why === undefined, entries: s.entries.length, checked_at: s.checked_at ?? null, baseline: baseline.has(s.source), error: why === undefined ? null : `ignored: ${why}` };
    }),
    ...fetched.errors.map((e) => ({ source: e.source, ok: false, entries: null, checked_at: null, baseline: false, error: e.message })),
  ].sort((a, b) => sourceOrder(a.source, b.source));
  return {
    sources,
    confirmed: check.all.filter((c) => c.status === 'confirmed'),
    held: check.all.filter((c) => c.status === 'suspect_held'),
    pending: check.pending,
    proposals: detail.created.map(({ proposal }) => ({ proposal, applied: detail.auto.get(proposal.id)?.kind === 'applied' })),
  };
}

/** The catalog sources the config leaves off (null), in their order. */
export function sourcesOff(sources: Readonly<Record<CatalogSourceName, string | null>>): CatalogSourceName[] {
  return CATALOG_SOURCES.filter((s) => !sources[s]);
}
