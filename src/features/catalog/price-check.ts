// The price alert run against the store: load the detection state, detect, record the fetched
// snapshots (changes only) and save the state, all as one write transaction so a second process
// waits, and a crash leaves either the whole run or none of it. After a restart the pending
// changes are still there (counted toward their hold) and nothing accepted is announced again.
import type { CatalogSnapshotStore, RecordedFetch } from '../../store/catalog-snapshots.js';
import { detectPriceChanges, type DetectOptions, type DetectionResult, type Volume, type VolumeLookup } from './price-changes.js';
import { detectionWrites, fetchToRecord, toDetectionState } from './snapshots.js';
import type { Snapshot } from './sources/types.js';

export interface PriceCheckOptions extends DetectOptions {
  /** Compute and return the alert without writing anything (history or state). Default false. */
  dryRun?: boolean;
  /** Also keep the fetch history in catalog_fetches/catalog_entries. Default true. */
  recordHistory?: boolean;
}

export interface PriceCheckResult extends DetectionResult {
  recorded: RecordedFetch[];
}

export async function runPriceCheck(store: CatalogSnapshotStore, snapshots: readonly Snapshot[], opts: PriceCheckOptions): Promise<PriceCheckResult> {
  const sources = [...new Set(snapshots.map((s) => s.source))];
  const { result, recorded } = await store.updateDetection(sources, (rows) => {
    const before = toDetectionState(rows);
    const detected = detectPriceChanges(before, snapshots, opts);
    if (opts.dryRun) return { result: detected, record: [], writes: [] };
    const skipped = new Set(detected.skipped.map((s) => `${s.source}\u0000${s.fetched_at}`));
    const ordered = [...snapshots].sort((a, b) => Date.parse(a.fetched_at) - Date.parse(b.fetched_at));
    const record = opts.recordHistory === false ? [] : ordered.filter((s) => !skipped.has(`${s.source}\u0000${s.fetched_at}`)).map(fetchToRecord);
    return { result: detected, record, writes: detectionWrites(before, detected.state) };
  });
  return { ...result, recorded };
}

/**
 * A VolumeLookup from ledger rows grouped by model (Ledger#spendRollup('model', from, to) over the
 * last 30 days: key = provider + '/' + model, one row per day). Provider names never contain '/',
 * so the key splits at its first '/'.
 */
export function volumeLookupFromRollup(
  rows: ReadonlyArray<{ key: string; input_tokens: number; cached_input_tokens: number; output_tokens: number }>,
): VolumeLookup {
  const sums = new Map<string, Volume>();
  for (const r of rows) {
    const v = sums.get(r.key) ?? { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0 };
    v.input_tokens += r.input_tokens;
    v.cached_input_tokens += r.cached_input_tokens;
    v.output_tokens += r.output_tokens;
    sums.set(r.key, v);
  }
  return (provider, model) => sums.get(`${provider}/${model}`) ?? null;
}
