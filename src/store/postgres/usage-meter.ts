// The usage meter over the PostgreSQL ledger (the UsageMeter interface of src/store/usage-meter.ts,
// same journal bookkeeping: src/store/meter-journal.ts). Rows are written in order through
// retry-writes.ts: while the server is unreachable (a restart, a failover) they wait in memory and
// in this process's journal, and go in once it is back; a stop before that leaves them in the
// journal for the next start. Every row carries its call_id, so a row journaled and also
// written is recorded once however often it is replayed, on whichever replica.
import type { Logger } from 'pino';
import { LedgerError, type LedgerStore, type UsageInput, type UsageSource } from '../ledger.js';
import type { Journal } from '../journal.js';
import { createMeterJournal } from '../meter-journal.js';
import type { UsageMeter } from '../usage-meter.js';
import { createPgRetryWrites, isUnreachable } from './retry-writes.js';

export interface PgUsageMeterDeps {
  ledger: Pick<LedgerStore, 'record'>;
  log: Logger;
  journal?: Journal;
  retryMs?: number;
  maxRetryMs?: number;
}

/** How long `written()` waits for the rows' try at the server before the answer goes on without it. */
const WRITTEN_WAIT_MS = 1000;

interface Batch {
  rows: readonly UsageInput[];
  source: UsageSource;
  entries: ReadonlyArray<number | null>;
  /** Resolves `tried` (UsageMeter.written): the batch had its try at the server. */
  tried(): void;
}

export function createPgUsageMeter(deps: PgUsageMeterDeps): UsageMeter {
  const { ledger, log, journal } = deps;
  const { begin, journalEnded, settle } = createMeterJournal(journal, log);
  const refuse = (rows: readonly UsageInput[], err: unknown) => log.error({ err, rows }, 'usage rows could not be recorded');

  const writes = createPgRetryWrites<Batch>({
    log,
    what: 'usage rows',
    async apply(b) {
      try {
        await ledger.record(b.rows, b.source);
      } catch (err) {
        if (!(err instanceof LedgerError) && isUnreachable(err)) {
          // Out of reach: every batch waiting has had its try (they wait for the server now).
          for (const w of writes.items()) w.tried();
          throw err;
        }
        // One bad row (a hand-edited journal) must not cost the others: row by row; the ones in
        // already are skipped by call_id if the server goes away half way and this runs again.
        const refused: UsageInput[] = [];
        for (const row of b.rows) {
          try {
            await ledger.record([row], b.source);
          } catch (e) {
            if (!(e instanceof LedgerError) && isUnreachable(e)) throw e;
            refused.push(row);
          }
        }
        if (refused.length) refuse(refused, err);
      }
      for (const e of b.entries) settle(e);
      b.tried();
    },
    dropped(batches, err) {
      refuse(batches.flatMap((b) => b.rows), err);
      for (const b of batches) {
        for (const e of b.entries) settle(e);
        b.tried();
      }
    },
    ...(deps.retryMs !== undefined ? { retryMs: deps.retryMs } : {}),
    ...(deps.maxRetryMs !== undefined ? { maxRetryMs: deps.maxRetryMs } : {}),
  });

  /** Resolves when the last batch pushed had its try (batches are tried in order). */
  let lastTried: Promise<void> = Promise.resolve();
  let stopped = false;
  const push = (rows: readonly UsageInput[], source: UsageSource, entries: ReadonlyArray<number | null>) => {
    // After a stop the rows stay in the journal (journalEnded wrote them): nothing to wait for.
    if (stopped) return;
    let tried!: () => void;
    lastTried = new Promise<void>((resolve) => (tried = resolve));
    writes.push({ rows, source, entries, tried });
  };

  return {
    begin,
    record(rows, source) {
      if (rows.length === 0) return;
      const { rows: withIds, entry } = journalEnded(rows, source);
      push(withIds, source, [entry]);
    },
    journalEnded,
    recordEnded(ended, source) {
      const rows = ended.flatMap((e) => e.rows);
      if (rows.length) push(rows, source, ended.map((e) => e.entry));
    },
    // At most WRITTEN_WAIT_MS: a server that stopped answering (no error yet) must not hold the answer.
    written: () => Promise.race([lastTried, new Promise<void>((resolve) => setTimeout(resolve, WRITTEN_WAIT_MS).unref())]),
    waitingRows: () => writes.items().flatMap((b) => b.rows),
    get pending() {
      return writes.items().reduce((n, b) => n + b.rows.length, 0);
    },
    flush: () => writes.drain(),
    stop() {
      // What was not written stays open in the journal: replayed at the next start.
      stopped = true;
      const left = writes.stop();
      for (const b of left) b.tried();
      const rows = left.reduce((n, b) => n + b.rows.length, 0);
      if (rows > 0) log.warn({ rows, journal: journal?.file ?? null }, 'database unreachable at stop: usage rows kept in the journal, recorded at the next start');
    },
  };
}
