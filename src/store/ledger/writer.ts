// The ledger's writes: usage rows checked, priced, de-duplicated by request_id and inserted, and
// their sums added to spend_daily in the same transaction, so reports never scan `usage`.
// Synchronous: nothing else runs on the connection while a write is under way.
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../open.js';
import { isCanonicalInstant, parseIsoInstant } from '../../domain/time/iso.js';
import { USAGE_STATUSES, type UsageStatus } from '../../domain/usage-rows/rows.js';
import { ourCost } from '../../domain/money/cost.js';
import { LedgerError, USAGE_SOURCES, type Pricer, type RecordResult, type UsageInput, type UsageSource, type UsdToNusd } from '../ledger.js';
import { BatchRollup, emptyRowSums, RollupUpsert, rowSumsOf, type RowFacts } from './rollup.js';
import { KEY_DAY, keyDay, requestHash, RequestIndex } from './request-keys.js';
import type { LocalDays } from './local-days.js';
import type { LedgerTimezone } from './timezone.js';

/** recordBatches writes its rollup to spend_daily when it holds this many aggregates (and at the end). */
const ROLLUP_FLUSH = 50_000;

const isCount = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isNusd = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

function checkSource(source: string): asserts source is UsageSource {
  if (!(USAGE_SOURCES as readonly string[]).includes(source)) throw new LedgerError(`unknown usage source "${source}"`);
}

export interface LedgerWriterDeps {
  db: Db;
  days: LocalDays;
  timezone: LedgerTimezone;
  price: Pricer;
  usdToNusd: UsdToNusd;
  /**
   * Called first inside each write transaction, before any row is priced: what it reads is what
   * the write sees (src/app/ledger.ts follows applied price proposals with it).
   */
  beforeWrite?: () => void;
}

export class LedgerWriter {
  private readonly days: LocalDays;
  private readonly timezone: LedgerTimezone;
  private readonly price: Pricer;
  private readonly usdToNusd: UsdToNusd;
  private readonly requests: RequestIndex;
  private readonly insertUsage: BetterSqlite3.Statement;
  private readonly findCall: BetterSqlite3.Statement;
  private readonly upsertDaily: RollupUpsert;
  private readonly recordTx: BetterSqlite3.Transaction<(rows: readonly UsageInput[], source: UsageSource) => RecordResult>;
  private readonly batchesTx: BetterSqlite3.Transaction<(batches: Iterable<readonly UsageInput[]>, source: UsageSource) => RecordResult>;

  constructor(deps: LedgerWriterDeps) {
    const { db } = deps;
    this.days = deps.days;
    this.timezone = deps.timezone;
    this.price = deps.price;
    this.usdToNusd = deps.usdToNusd;
    this.requests = new RequestIndex(db);
    this.insertUsage = db.prepare(
      `INSERT INTO usage (ts_ms, day, provider, model, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
         reasoning_tokens, thinking, cost_nusd, provider_cost_nusd, price_version, "user", channel, route, source,
         request_id, request_key, call_id, usage_status, status, error, latency_ms, ttft_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.findCall = db.prepare('SELECT 1 FROM usage WHERE call_id = ?').pluck();
    this.upsertDaily = new RollupUpsert(db);
    const before = deps.beforeWrite ?? (() => {});
    this.recordTx = db.transaction((rows: readonly UsageInput[], source: UsageSource) => {
      before();
      return this.recordRows(rows, source);
    });
    this.batchesTx = db.transaction((batches: Iterable<readonly UsageInput[]>, source: UsageSource) => {
      before();
      return this.recordEach(batches, source);
    });
  }

  /** LedgerStore.record, synchronously. */
  record(rows: readonly UsageInput[], source: UsageSource): RecordResult {
    checkSource(source);
    if (rows.length === 0) return { inserted: 0, skipped: 0 };
    return this.recordTx.immediate(rows, source);
  }

  /** LedgerStore.recordBatches, synchronously. */
  recordBatches(batches: Iterable<readonly UsageInput[]>, source: UsageSource): RecordResult {
    checkSource(source);
    return this.batchesTx.immediate(batches, source);
  }

  private recordEach(batches: Iterable<readonly UsageInput[]>, source: UsageSource): RecordResult {
    // The batches' sums are written to spend_daily together (a file spanning many days would
    // otherwise upsert each day's rows again for every batch), bounded in memory.
    let rollup = new BatchRollup();
    let inserted = 0;
    let skipped = 0;
    for (const rows of batches) {
      if (rows.length === 0) continue;
      const r = this.recordRows(rows, source, rollup);
      inserted += r.inserted;
      skipped += r.skipped;
      if (rollup.size >= ROLLUP_FLUSH) {
        this.flushRollup(rollup);
        rollup = new BatchRollup();
      }
    }
    this.flushRollup(rollup);
    return { inserted, skipped };
  }

  /**
   * Records rows inside the caller's transaction. With `into`, the rows' sums are added to that
   * rollup and left for the caller to flush (recordBatches sums many batches before writing).
   */
  private recordRows(rows: readonly UsageInput[], source: UsageSource, into?: BatchRollup): RecordResult {
    this.timezone.check();
    const rollup = into ?? new BatchRollup();
    // Held in locals for the loop (it runs once a row).
    const { requests, days, insertUsage } = this;
    requests.beginWrite();
    /** call_ids inserted by this write (a batch may repeat one: the first is kept). */
    let calls: Set<string> | undefined;
    /** What each row is and adds to the rollup: objects refilled per row (no allocation per row). */
    const sums = emptyRowSums();
    const facts: RowFacts = { source, status: 'ok', model: '', usageKnown: true, costNusd: null, providerCostNusd: null, input: 0, cached: 0, output: 0, reasoning: 0 };

    let inserted = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      // Parsed rows already carry canonical UTC times (…T12:00:00.000Z): keep those as they are.
      let ts = row.ts;
      let tsMs: number;
      if (typeof ts === 'string' && ts.length === 24 && isCanonicalInstant(ts)) tsMs = Date.parse(ts);
      else {
        tsMs = typeof ts === 'string' ? parseIsoInstant(ts) : NaN;
        if (Number.isNaN(tsMs)) throw new LedgerError(`row ${i + 1}: ts: expected an ISO-8601 time with a zone, got ${JSON.stringify(row.ts)}`);
        ts = new Date(tsMs).toISOString();
      }
      const cacheWrite = row.cache_write_tokens ?? 0;
      if (!isCount(row.input_tokens) || !isCount(row.cached_input_tokens) || !isCount(cacheWrite) || !isCount(row.output_tokens) || !isCount(row.reasoning_tokens)) {
        throw new LedgerError(`row ${i + 1}: token counts must be non-negative integers`);
      }
      const usageStatus: UsageStatus = row.usage_status ?? 'ok';
      if (!(USAGE_STATUSES as readonly string[]).includes(usageStatus)) {
        throw new LedgerError(`row ${i + 1}: usage_status must be one of ${USAGE_STATUSES.join(', ')}, got ${JSON.stringify(row.usage_status)}`);
      }
      // routeops' own calls are found by routeops' own id (a provider may reuse its ids, so five
      // calls would be one row); other rows by request_id, already in the ledger within a day of
      // this row's time (or earlier in this write): skipped before any pricing work. The row's
      // own day first: a file imported again hits there. The request key is stored either way, so
      // a provider export imported later skips the calls routeops recorded itself.
      const callId = row.call_id ?? null;
      const requestId = row.request_id ?? null;
      let key: number | null = null;
      let keyDayOf = 0;
      let hash = 0;
      if (requestId !== null) {
        keyDayOf = keyDay(tsMs);
        hash = requestHash(requestId);
        key = keyDayOf * KEY_DAY + hash;
      }
      if (callId !== null) {
        if (typeof callId !== 'string' || callId === '') throw new LedgerError(`row ${i + 1}: call_id must be a non-empty string`);
        if (calls?.has(callId) || this.findCall.get(callId) !== undefined) continue;
        (calls ??= new Set()).add(callId);
      } else if (requestId !== null && requests.isRecorded(requestId, keyDayOf, hash)) continue;
      // A fixed-shape literal: much cheaper per row than spreading the input.
      // Usage that was missing or impossible is not priced as if the call used no tokens: its
      // cost is "usage missing" (unless the provider reported what it billed).
      const usageKnown = usageStatus === 'ok' || usageStatus === 'estimated';
      const priced = !usageKnown ? { cost_nusd: null, price_version: null } : this.price({
        ts,
        tsMs,
        provider: row.provider,
        model: row.model,
        input_tokens: row.input_tokens,
        cached_input_tokens: row.cached_input_tokens,
        cache_write_tokens: cacheWrite,
        output_tokens: row.output_tokens,
        reasoning_tokens: row.reasoning_tokens,
        thinking: row.thinking,
        cost_usd: row.cost_usd,
        user: row.user,
        request_id: row.request_id,
        route: row.route,
        status: row.status,
        latency_ms: row.latency_ms,
        channel: row.channel,
        error: row.error,
        ttft_ms: row.ttft_ms,
      });
      if (priced.cost_nusd !== null && !isNusd(priced.cost_nusd)) {
        throw new LedgerError(`row ${i + 1}: the pricer returned ${String(priced.cost_nusd)}; expected a non-negative integer of nano-USD or null`);
      }
      let providerCost: number | null = null;
      if (row.cost_usd !== undefined && row.cost_usd !== null && row.cost_usd !== '') {
        providerCost = this.usdToNusd(row.cost_usd);
        if (!isNusd(providerCost)) throw new LedgerError(`row ${i + 1}: cost_usd ${JSON.stringify(row.cost_usd)} did not convert to nano-USD`);
      }
      const costNusd = ourCost(priced, providerCost);
      const day = days.dayOf(tsMs);
      const status = row.status ?? 'ok';
      insertUsage.run(
        tsMs,
        day,
        row.provider,
        row.model,
        row.input_tokens,
        row.cached_input_tokens,
        cacheWrite,
        row.output_tokens,
        row.reasoning_tokens,
        row.thinking ? 1 : 0,
        costNusd,
        providerCost,
        priced.price_version,
        row.user ?? null,
        row.channel ?? null,
        row.route ?? null,
        source,
        requestId,
        key,
        callId,
        usageStatus,
        status,
        row.error ?? null,
        row.latency_ms ?? null,
        row.ttft_ms ?? null,
      );
      inserted++;
      if (key !== null) requests.added(keyDayOf, hash);
      facts.status = status;
      facts.model = row.model;
      facts.usageKnown = usageKnown;
      facts.costNusd = costNusd;
      facts.providerCostNusd = providerCost;
      facts.input = row.input_tokens;
      facts.cached = row.cached_input_tokens;
      facts.output = row.output_tokens;
      facts.reasoning = row.reasoning_tokens;
      rollup.add(day, row.provider, row.model, row.user, row.route, rowSumsOf(facts, sums));
    }
    // (flushRollup marks the end of the write after its own writes.)
    if (into === undefined) this.flushRollup(rollup);
    else requests.endWrite();
    return { inserted, skipped: rows.length - inserted };
  }

  /** Adds a rollup's sums to spend_daily (inside the transaction that recorded the rows). */
  private flushRollup(rollup: BatchRollup): void {
    this.upsertDaily.add(rollup, 1);
    this.requests.endWrite();
  }
}
