// The price alert run against SQLite: record the fetched snapshots (changes only), load the
// detection state, detect, save the state, all in one IMMEDIATE transaction so a second process
// waits, and a crash leaves either the whole run or none of it. After a restart the pending
// changes are still there (counted toward their hold) and nothing accepted is announced again.
import type { Db } from '../../store/open.js';
import { detectPriceChanges, type DetectOptions, type DetectionResult, type Volume, type VolumeLookup } from './price-changes.js';
import { loadDetectionState, recordSnapshot, saveDetectionState, type RecordedFetch } from './snapshots.js';
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

export function runPriceCheck(db: Db, snapshots: readonly Snapshot[], opts: PriceCheckOptions): PriceCheckResult {
  const sources = [...new Set(snapshots.map((s) => s.source))];
  const run = db.transaction((): PriceCheckResult => {
    const before = loadDetectionState(db, sources);
    const result = detectPriceChanges(before, snapshots, opts);
    const recorded: RecordedFetch[] = [];
    if (!opts.dryRun) {
      if (opts.recordHistory !== false) {
        const skipped = new Set(result.skipped.map((s) => `${s.source}\u0000${s.fetched_at}`));
        const ordered = [...snapshots].sort((a, b) => Date.parse(a.fetched_at) - Date.parse(b.fetched_at));
        for (const s of ordered) if (!skipped.has(`${s.source}\u0000${s.fetched_at}`)) recorded.push(recordSnapshot(db, s));
      }
      saveDetectionState(db, before, result.state);
    }
    return { ...result, recorded };
  });
  return run.immediate();
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
