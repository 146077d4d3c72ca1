// The rows of one day that carry both our cost and the provider's reported cost, grouped for the
// drift check (src/domain/money/drift.ts): per (provider, model), whether they have cache or
// reasoning tokens, and our cost ÷ theirs in thousandths. `usage` has no index on `day` (one
// would slow every insert), so the table is read in slices of ids with a turn of the event loop
// between them: a daily check over a large ledger never holds up a Slack ack (docs/ARCHITECTURE.md §4).
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../open.js';
import type { DayString } from '../../domain/time/zone.js';
import type { DriftGroup } from '../../domain/money/drift.js';

/** Ids read per statement (a few tens of milliseconds of scanning). */
const SLICE = 100_000;

interface RawGroup {
  provider: string;
  model: string;
  cache: bigint;
  reasoning: bigint;
  ratio_permille: bigint | null;
  rows: bigint;
  ours_nusd: bigint;
  theirs_nusd: bigint;
}

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class LedgerCostDrift {
  private readonly slice: BetterSqlite3.Statement<[number, number, string], RawGroup>;
  private readonly maxId: BetterSqlite3.Statement<[], bigint | null>;

  /** `slice`: ids per statement (tests make it small to cross slices). */
  constructor(
    db: Db,
    private readonly sliceIds = SLICE,
  ) {
    // cost_nusd · 1000 stays below 2^63 for any cost the writer accepts (a safe integer).
    this.slice = db
      .prepare<[number, number, string], RawGroup>(
        `SELECT provider, model,
           (cached_input_tokens > 0 OR cache_write_tokens > 0) AS cache,
           (reasoning_tokens > 0 OR thinking = 1) AS reasoning,
           CASE WHEN provider_cost_nusd > 0 THEN (cost_nusd * 1000 + provider_cost_nusd / 2) / provider_cost_nusd END AS ratio_permille,
           COUNT(*) AS rows, SUM(cost_nusd) AS ours_nusd, SUM(provider_cost_nusd) AS theirs_nusd
         FROM usage
         WHERE id > ? AND id <= ? AND day = ? AND cost_nusd IS NOT NULL AND provider_cost_nusd IS NOT NULL
         GROUP BY provider, model, cache, reasoning, ratio_permille`,
      )
      .safeIntegers(true);
    this.maxId = db.prepare<[], bigint | null>('SELECT MAX(id) FROM usage').pluck().safeIntegers(true);
  }

  async groups(day: DayString): Promise<DriftGroup[]> {
    const last = Number(this.maxId.get() ?? 0n);
    const merged = new Map<string, DriftGroup>();
    for (let from = 0; from < last; from += this.sliceIds) {
      if (from > 0) await yieldTurn();
      for (const r of this.slice.all(from, Math.min(from + this.sliceIds, last), day)) {
        const g: DriftGroup = {
          provider: r.provider,
          model: r.model,
          cache: r.cache !== 0n,
          reasoning: r.reasoning !== 0n,
          ratio_permille: r.ratio_permille === null ? null : Number(r.ratio_permille),
          rows: Number(r.rows),
          ours_nusd: r.ours_nusd,
          theirs_nusd: r.theirs_nusd,
        };
        const key = JSON.stringify([g.provider, g.model, g.cache, g.reasoning, g.ratio_permille]);
        const seen = merged.get(key);
        if (!seen) merged.set(key, g);
        else {
          seen.rows += g.rows;
          seen.ours_nusd += g.ours_nusd;
          seen.theirs_nusd += g.theirs_nusd;
        }
      }
    }
    return [...merged.values()];
  }
}
