// The usage meters' journal bookkeeping (README "The ledger keeps every call"), shared by SQLite's
// meter (usage-meter.ts) and PostgreSQL's (postgres/usage-meter.ts): a call is journaled before it
// is sent, its rows when it ends (which settles the call's entry), and the rows' entry is settled
// once the ledger has them. A journal the disk refuses never costs the answer.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { UsageInput, UsageSource } from './ledger.js';
import type { Journal } from './journal.js';

/** Rows journaled by `journalEnded`, waiting to be recorded. */
export interface EndedRows {
  readonly rows: readonly UsageInput[];
  /** Their journal entry (null: no journal, or it failed). */
  readonly entry: number | null;
}

export interface MeterJournal {
  begin(interrupted: UsageInput, source: UsageSource): Promise<void>;
  journalEnded(rows: readonly UsageInput[], source: UsageSource): EndedRows;
  /** The ledger has the rows of this entry. */
  settle(entry: number | null): void;
}

export function createMeterJournal(journal: Journal | undefined, log: Logger): MeterJournal {
  if (journal) journal.onError = (err) => log.error({ err: err.message }, 'usage journal write failed: calls go on without it');
  /** Journal entries of calls under way, by call_id. */
  const calls = new Map<string, number>();
  const journaled = (write: () => number): number | null => {
    if (!journal) return null;
    try {
      return write();
    } catch (err) {
      log.error({ err: (err as Error).message }, 'usage journal could not be written: rows are recorded without it');
      return null;
    }
  };
  const settle = (entry: number | null) => {
    if (entry !== null) journal!.settle(entry);
  };
  return {
    begin(interrupted, source) {
      const callId = interrupted.call_id;
      if (!callId) return Promise.reject(new Error('UsageMeter.begin needs the call_id of the call'));
      const entry = journaled(() => journal!.append({ kind: 'call', source, row: interrupted }));
      if (entry === null) return Promise.resolve();
      calls.set(callId, entry);
      return journal!.durable();
    },
    journalEnded(rows, source) {
      if (rows.length === 0) return { rows, entry: null };
      // Every row has a call_id, so replaying the journal after a crash adds nothing twice.
      const withIds = rows.map((r) => (r.call_id ? r : { ...r, call_id: randomUUID() }));
      const entry = journaled(() => journal!.append({ kind: 'rows', source, rows: withIds }));
      for (const r of withIds) {
        const call = calls.get(r.call_id!);
        if (call === undefined) continue;
        calls.delete(r.call_id!);
        settle(call);
      }
      return { rows: withIds, entry };
    },
    settle,
  };
}
