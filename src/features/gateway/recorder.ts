// The gateway's ledger rows go in batches (docs/ARCHITECTURE.md §3.3 gateway): a call's rows are
// journaled at once, before its reply is sent (a process killed after the client has its reply
// replays them, not an interrupted row: test/faults/gateway-kill.test.ts), then written with the
// others of the next few milliseconds in one transaction through the usage meter
// (src/store/usage-meter.ts: kept while the database is locked), so a request never waits for
// SQLite and a busy gateway does not pay a commit per call.
import type { UsageInput } from '../../domain/usage-rows/rows.js';
import type { EndedRows, UsageMeter } from '../../store/usage-meter.js';

export interface BatchedRecorder {
  record(rows: readonly UsageInput[]): void;
  /** Rows queued, not yet handed to the meter. */
  readonly queued: number;
  /** Hands what is queued to the meter now (at stop, before the meter flushes). */
  flush(): void;
}

/** Rows are handed over after `delayMs` from the first queued, or at once past `maxRows`. */
export function createBatchedRecorder(meter: UsageMeter, opts: { delayMs?: number; maxRows?: number } = {}): BatchedRecorder {
  // 20 ms: at 500 calls/s a transaction takes ~10 calls' rows (at 5 ms, ~2: each transaction
  // also costs its BEGIN/COMMIT, busy-timeout pragmas and rollup upsert; bench/gateway.ts).
  const delayMs = opts.delayMs ?? 20;
  const maxRows = opts.maxRows ?? 500;
  let ended: EndedRows[] = [];
  let rows = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!ended.length) return;
    const batch = ended;
    ended = [];
    rows = 0;
    meter.recordEnded(batch, 'gateway');
  };
  return {
    record(more) {
      if (more.length === 0) return;
      ended.push(meter.journalEnded(more, 'gateway'));
      rows += more.length;
      if (rows >= maxRows) flush();
      else timer ??= setTimeout(flush, delayMs);
    },
    get queued() {
      return rows;
    },
    flush,
  };
}
