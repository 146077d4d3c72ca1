// The ledger's writes on PostgreSQL: rows checked, de-duplicated, priced and inserted, and their
// sums added to spend_daily in the same transaction (the SQLite writer's contract,
// src/store/ledger/writer.ts). Per chunk of rows: one lookup of the call ids and request keys
// already stored, then one statement that inserts the rows and adds their aggregate (computed by
// PostgreSQL from the rows the INSERT returns: a row another replica stored a moment earlier is
// not returned, so it adds nothing).
//
// Across replicas: a call id is unique (ON CONFLICT DO NOTHING); a request id is looked up under
// the request-id turn (locks.ts), so two writes of the same provider export, at the same moment
// on two replicas, store each row once.
import { LedgerError, USAGE_SOURCES, type Pricer, type RecordResult, type UsageInput, type UsageSource, type UsdToNusd } from '../../ledger.js';
import { KEY_DAY } from '../../ledger/request-keys.js';
import type { LocalDays } from '../../ledger/local-days.js';
import type { PgDb, PgQuery } from '../pool.js';
import { lockForWrite, lockRequestIds } from './locks.js';
import { checkRows, Columns, INSERT_SQL, type CheckedRow } from './rows.js';
import { RollupDeltas, rowsIn, type AggregateText } from './rollup.js';
import { AGGREGATE_INPUT, allDimsSql, SUMS_AS_TEXT, upsertRollupSql } from './sql.js';
import type { PgLedgerTimezone } from './timezone.js';

/** Rows per INSERT (a larger write is several, its rollup written once at the end). */
const CHUNK = 10_000;
/** recordBatches writes its rollup when it holds this many aggregates (and at the end), as SQLite's does. */
const ROLLUP_FLUSH = 50_000;
/** A write that PostgreSQL chose as a deadlock's victim is run again this many times at most. */
const DEADLOCK_RETRIES = 3;

/** Called first inside each write transaction (after the write's locks), with the transaction. */
export type BeforeWrite = (q: PgQuery) => Promise<void> | void;

function checkSource(source: string): asserts source is UsageSource {
  if (!(USAGE_SOURCES as readonly string[]).includes(source)) throw new LedgerError(`unknown usage source "${source}"`);
}

/** Rows that are found by request_id (no call_id): their write takes the request-id turn. */
const checksRequestId = (r: UsageInput): boolean => (r.call_id === undefined || r.call_id === null) && r.request_id !== undefined && r.request_id !== null;

export interface PgLedgerWriterDeps {
  db: PgDb;
  days: LocalDays;
  timezone: PgLedgerTimezone;
  price: Pricer;
  usdToNusd: UsdToNusd;
  beforeWrite?: BeforeWrite;
}

/** One write transaction under way. */
interface WriteState {
  q: PgQuery;
  source: UsageSource;
  zoneChecked: boolean;
  requestTurn: boolean;
  /** enable_seqscan is off for the transaction (lookUp). */
  probesOnly: boolean;
}

export class PgLedgerWriter {
  constructor(private readonly deps: PgLedgerWriterDeps) {}

  async record(rows: readonly UsageInput[], source: UsageSource): Promise<RecordResult> {
    checkSource(source);
    if (rows.length === 0) return { inserted: 0, skipped: 0 };
    const requestTurn = rows.some(checksRequestId);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.db.tx(async (q) => {
          const w = await this.begin(q, source, requestTurn);
          if (rows.length <= CHUNK) return this.writeChunk(w, rows, null);
          const deltas = new RollupDeltas();
          let inserted = 0;
          for (let i = 0; i < rows.length; i += CHUNK) inserted += (await this.writeChunk(w, rows.slice(i, i + CHUNK), deltas)).inserted;
          await deltas.flush(q);
          return { inserted, skipped: rows.length - inserted };
        });
      } catch (err) {
        // Two writes of the same calls in different orders can wait on each other's call ids;
        // PostgreSQL rolls one back (40P01), and its rows are still here to write again.
        if ((err as { code?: string }).code !== '40P01' || attempt >= DEADLOCK_RETRIES) throw err;
      }
    }
  }

  async recordBatches(batches: Iterable<readonly UsageInput[]>, source: UsageSource): Promise<RecordResult> {
    checkSource(source);
    return this.deps.db.tx(async (q) => {
      // A file import: the request-id turn from the start (its rows are found by request_id), so
      // it never waits for the turn while holding call ids another write waits for.
      const w = await this.begin(q, source, true);
      let deltas = new RollupDeltas();
      let inserted = 0;
      let total = 0;
      for (const rows of batches) {
        total += rows.length;
        for (let i = 0; i < rows.length; i += CHUNK) inserted += (await this.writeChunk(w, rows.slice(i, i + CHUNK), deltas)).inserted;
        if (deltas.size >= ROLLUP_FLUSH) {
          await deltas.flush(q);
          deltas = new RollupDeltas();
        }
      }
      await deltas.flush(q);
      return { inserted, skipped: total - inserted };
    });
  }

  /** The write's locks, then beforeWrite: what it reads is what the write sees (src/app/ledger.ts). */
  private async begin(q: PgQuery, source: UsageSource, requestTurn: boolean): Promise<WriteState> {
    await lockForWrite(q, requestTurn);
    await this.deps.beforeWrite?.(q);
    return { q, source, zoneChecked: false, requestTurn, probesOnly: false };
  }

  /**
   * Records rows inside the write's transaction. With `deltas`, their aggregate is added there for
   * the caller to write; without, it is added to spend_daily by the same statement.
   */
  private async writeChunk(w: WriteState, rows: readonly UsageInput[], deltas: RollupDeltas | null): Promise<RecordResult> {
    if (rows.length === 0) return { inserted: 0, skipped: 0 };
    const { q } = w;
    if (!w.zoneChecked) {
      await this.deps.timezone.check(q);
      w.zoneChecked = true;
    }
    const { checked, bad } = checkRows(rows);
    if (!w.requestTurn && checked.some((c) => c.callId === null && c.requestId !== null)) {
      await lockRequestIds(q);
      w.requestTurn = true;
    }
    const stored = await lookUp(w, checked);
    const { price, usdToNusd, days } = this.deps;
    const columns = new Columns(price, usdToNusd, days);
    const calls = new Set<string>();
    for (const c of checked) {
      // routeops' own calls by call_id; other rows by request_id within a day of their time, in
      // the ledger or earlier in this write (writer.ts on SQLite says why).
      if (c.callId !== null) {
        if (calls.has(c.callId) || stored.calls.has(c.callId)) continue;
        calls.add(c.callId);
      } else if (c.requestId !== null && stored.holds(c.key!, c.requestId)) continue;
      columns.push(c);
      if (c.key !== null) stored.add(c.key, c.requestId!);
    }
    if (bad) throw bad;
    if (columns.length === 0) return { inserted: 0, skipped: rows.length };
    const insert = `WITH ins AS (${INSERT_SQL} RETURNING ${AGGREGATE_INPUT})`;
    let inserted: number;
    if (deltas === null) {
      const res = await q.query<{ inserted: number }>(
        `${insert}, up AS (${upsertRollupSql(allDimsSql('ins'))} RETURNING 1) SELECT (SELECT COUNT(*) FROM ins) AS inserted`,
        columns.params(w.source),
      );
      inserted = Number(res[0]!.inserted);
    } else {
      const agg = await q.query<AggregateText>(`${insert} SELECT dim, day, key, ${SUMS_AS_TEXT} FROM (${allDimsSql('ins')}) AS agg`, columns.params(w.source));
      deltas.addText(agg);
      inserted = rowsIn(agg);
    }
    return { inserted, skipped: rows.length - inserted };
  }
}

/** The call ids and request keys of a chunk that the ledger already holds (one query). */
async function lookUp(w: WriteState, checked: readonly CheckedRow[]): Promise<{ calls: Set<string>; holds(key: number, id: string): boolean; add(key: number, id: string): void }> {
  const { q } = w;
  const callIds: string[] = [];
  const keys: number[] = [];
  for (const c of checked) {
    if (c.callId !== null) callIds.push(c.callId);
    else if (c.requestId !== null) keys.push(c.key! - KEY_DAY, c.key!, c.key! + KEY_DAY);
  }
  const calls = new Set<string>();
  const pairs = new Set<string>();
  if (callIds.length > 0 || keys.length > 0) {
    // Probes of the two indexes (the request ids are compared here). A table that grew in this
    // transaction (an import) still has the statistics of before, by which a scan of the whole
    // table looks cheaper than thousands of probes: scans are ruled out for the transaction.
    if (!w.probesOnly) {
      await q.query(`SELECT set_config('enable_seqscan', 'off', true)`);
      w.probesOnly = true;
    }
    const found = await q.query<{ call_id: string | null; request_key: number | null; request_id: string | null }>(
      `SELECT call_id, NULL::bigint AS request_key, NULL::text AS request_id FROM usage WHERE call_id = ANY($1::text[])
       UNION ALL
       SELECT NULL, request_key, request_id FROM usage WHERE request_key = ANY($2::bigint[])`,
      [callIds, keys],
    );
    for (const f of found) {
      if (f.call_id !== null) calls.add(f.call_id);
      else pairs.add(`${f.request_key}|${f.request_id}`);
    }
  }
  return {
    calls,
    holds: (key, id) => pairs.has(`${key}|${id}`) || pairs.has(`${key - KEY_DAY}|${id}`) || pairs.has(`${key + KEY_DAY}|${id}`),
    add: (key, id) => void pairs.add(`${key}|${id}`),
  };
}
