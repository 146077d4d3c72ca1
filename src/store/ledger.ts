// The spend ledger: records usage rows (one per upstream call, or imported/ingested) and answers
// spend queries. Costs are integer nano-USD; the pricing function and the USD -> nano-USD
// conversion are injected (src/money and src/catalog own them), so this module only stores and
// sums integers.
//
// Effective cost of a row (migrations/001_ledger.sql): cost_nusd when we priced it, else
// provider_cost_nusd when the provider reported one, else the row is "unpriced" (counted in
// `unpriced`, adds 0). spend_daily holds per-day sums by dim and is updated in the same
// transaction as every insert, so reports never scan `usage`.
//
// The `day` column and the rollup depend on the timezone: call ensureTimezone(config.timezone)
// once after migrating. record() refuses to write into a ledger whose days were computed in
// another zone than its own.
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from './open.js';
import { makeZone, type DayString, type Zone } from '../domain/time/zone.js';
import { RequestKeyCache } from './request-keys.js';
import { detectFormat, parseIsoInstant, parseUsageText, UsageStreamParser, type RowError, type UsageFormat, type UsageInput } from '../domain/usage-rows/rows.js';

export type { UsageInput, RowError, UsageFormat } from '../domain/usage-rows/rows.js';

export const USAGE_SOURCES = ['import', 'ingest', 'ask', 'routecheck'] as const;
export type UsageSource = (typeof USAGE_SOURCES)[number];

export const SPEND_DIMS = ['provider', 'model', 'user', 'route'] as const;
export type SpendDim = (typeof SPEND_DIMS)[number];

/** The key a row without a user has in dim 'user'. */
export const NO_USER = '(none)';

export type PricedRow = UsageInput & { tsMs: number };
/** Our cost of a row: nano-USD, or null when the catalog has no price for it at tsMs. */
export type Pricer = (row: PricedRow) => { cost_nusd: number | null; price_version: string | null };
/** Exact conversion of a decimal USD amount to integer nano-USD (src/money). */
export type UsdToNusd = (usd: string | number) => number;

export interface LedgerDeps {
  db: Db;
  zone: Zone;
  price: Pricer;
  usdToNusd: UsdToNusd;
}

/** A stored row, as the database has it (ts derived from ts_ms). */
export interface UsageRow {
  id: number;
  /** ISO-8601 UTC, e.g. 2026-03-01T12:00:00.000Z: new Date(ts_ms).toISOString(). */
  ts: string;
  ts_ms: number;
  day: DayString;
  provider: string;
  model: string;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  thinking: 0 | 1;
  cost_nusd: number | null;
  provider_cost_nusd: number | null;
  price_version: string | null;
  user: string | null;
  channel: string | null;
  route: string | null;
  source: UsageSource;
  request_id: string | null;
  status: string;
  error: string | null;
  latency_ms: number | null;
  ttft_ms: number | null;
}

export interface SpendRow {
  day: DayString;
  key: string;
  requests: number;
  /** Rows with neither our cost nor a provider-reported one. */
  unpriced: number;
  /** Sum of effective costs, nano-USD. */
  cost_nusd: number;
  /** Sum of provider-reported costs (rows without one add 0), nano-USD. */
  provider_cost_nusd: number;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
}

export interface SpendTotals {
  requests: number;
  unpriced: number;
  cost_nusd: number;
}

export interface RecordResult {
  inserted: number;
  /** Rows whose request_id was already in the ledger (or earlier in the same batch). */
  skipped: number;
}

export type ImportResult =
  | ({ ok: true; format: UsageFormat; rows: number } & RecordResult)
  | { ok: false; format: UsageFormat; errors: RowError[]; errorCount: number };

export class LedgerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerError';
  }
}

/** SQL for each dim's key over the usage table; must match keyOf below. */
const KEY_SQL: Record<SpendDim, string> = {
  provider: 'provider',
  model: `provider || '/' || model`,
  user: `COALESCE("user", '${NO_USER}')`,
  route: `COALESCE(route, provider || '/' || model)`,
};

/** The per-day aggregate of usage rows for one dim, straight from the usage table. */
function aggregateSql(dim: SpendDim, where: string): string {
  const key = KEY_SQL[dim];
  return `SELECT day, ${key} AS key,
      COUNT(*) AS requests,
      SUM(cost_nusd IS NULL AND provider_cost_nusd IS NULL) AS unpriced,
      SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)) AS cost_nusd,
      SUM(COALESCE(provider_cost_nusd, 0)) AS provider_cost_nusd,
      SUM(input_tokens) AS input_tokens,
      SUM(cached_input_tokens) AS cached_input_tokens,
      SUM(output_tokens) AS output_tokens,
      SUM(reasoning_tokens) AS reasoning_tokens
    FROM usage ${where}
    GROUP BY day, key`;
}

const SPEND_COLUMNS =
  'day, key, requests, unpriced, cost_nusd, provider_cost_nusd, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens';

interface Agg {
  dim: SpendDim;
  day: string;
  key: string;
  requests: number;
  unpriced: number;
  cost: number;
  providerCost: number;
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

const newAgg = (dim: SpendDim, day: string, key: string): Agg => ({
  dim, day, key, requests: 0, unpriced: 0, cost: 0, providerCost: 0, input: 0, cached: 0, output: 0, reasoning: 0,
});

/** One day's aggregates of a batch, one map per dim (nested where the key has two parts). */
interface DaySums {
  day: string;
  provider: Map<string, Agg>;
  /** provider -> model; key provider/model. */
  model: Map<string, Map<string, Agg>>;
  user: Map<string, Agg>;
  route: Map<string, Agg>;
  /** Rows without a route: provider -> model, key provider/model (dim 'route'). */
  routeOfModel: Map<string, Map<string, Agg>>;
}

function bump(a: Agg, unpriced: number, cost: number, providerCost: number, input: number, cached: number, output: number, reasoning: number): void {
  a.requests++;
  a.unpriced += unpriced;
  a.cost += cost;
  a.providerCost += providerCost;
  a.input += input;
  a.cached += cached;
  a.output += output;
  a.reasoning += reasoning;
}

/**
 * The rollup of one batch: every inserted row adds to one aggregate per dim (keys as in
 * KEY_SQL). Rows are summed straight into the per-dim aggregates through maps keyed by the
 * row's own strings (no per-row string building). Two aggregates may share a (dim, day, key)
 * (a route named like a provider/model): both are upserted, and upserts add.
 */
class BatchRollup {
  private readonly days = new Map<string, DaySums>();
  private last: DaySums | undefined;
  /** Aggregates held (the spend_daily rows to upsert). */
  size = 0;

  private aggIn(map: Map<string, Agg>, dim: SpendDim, day: string, key: string): Agg {
    let a = map.get(key);
    if (a === undefined) {
      map.set(key, (a = newAgg(dim, day, key)));
      this.size++;
    }
    return a;
  }

  private modelAggIn(map: Map<string, Map<string, Agg>>, dim: SpendDim, day: string, provider: string, model: string): Agg {
    let byModel = map.get(provider);
    if (byModel === undefined) map.set(provider, (byModel = new Map()));
    let a = byModel.get(model);
    if (a === undefined) {
      byModel.set(model, (a = newAgg(dim, day, `${provider}/${model}`)));
      this.size++;
    }
    return a;
  }

  add(
    day: string,
    provider: string,
    model: string,
    user: string | null | undefined,
    route: string | null | undefined,
    unpriced: number,
    cost: number,
    providerCost: number,
    input: number,
    cached: number,
    output: number,
    reasoning: number,
  ): void {
    let d = this.last;
    if (d === undefined || d.day !== day) {
      d = this.days.get(day);
      if (d === undefined) {
        d = { day, provider: new Map(), model: new Map(), user: new Map(), route: new Map(), routeOfModel: new Map() };
        this.days.set(day, d);
      }
      this.last = d;
    }
    const p = this.aggIn(d.provider, 'provider', day, provider);
    const m = this.modelAggIn(d.model, 'model', day, provider, model);
    const u = this.aggIn(d.user, 'user', day, user ?? NO_USER);
    const r = route === undefined || route === null ? this.modelAggIn(d.routeOfModel, 'route', day, provider, model) : this.aggIn(d.route, 'route', day, route);
    bump(p, unpriced, cost, providerCost, input, cached, output, reasoning);
    bump(m, unpriced, cost, providerCost, input, cached, output, reasoning);
    bump(u, unpriced, cost, providerCost, input, cached, output, reasoning);
    bump(r, unpriced, cost, providerCost, input, cached, output, reasoning);
  }

  *aggregates(): Generator<Agg> {
    for (const d of this.days.values()) {
      yield* d.provider.values();
      for (const byModel of d.model.values()) yield* byModel.values();
      yield* d.user.values();
      yield* d.route.values();
      for (const byModel of d.routeOfModel.values()) yield* byModel.values();
    }
  }
}

/** Bytes read from a file at a time by importFile (each piece is parsed and recorded at once). */
const FILE_CHUNK_BYTES = 4 * 1024 * 1024;
/** Characters of a text parsed and recorded at a time by importText. */
const TEXT_CHUNK_CHARS = 4 * 1024 * 1024;
/** An import writes its rollup to spend_daily when it holds this many aggregates (and at the end). */
const ROLLUP_FLUSH = 50_000;
/** Thrown inside an import's transaction to roll it back after a bad line. */
const ROLLBACK = Symbol('rollback');

/**
 * A 31-bit hash of a request_id, from two 32-bit multiplicative hashes of the UTF-16 code units.
 * Equal hashes of different ids are expected now and then and are told apart by comparing
 * request_id. Part of the stored request_key: changing it needs a migration that recomputes the
 * column (migrations/006_request_key.sql relies on it being the low 31 bits of the former hash).
 */
export function requestHash(id: string): number {
  let a = 0x811c9dc5 ^ id.length;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return fmix32(a ^ (b >>> 16)) & 0x7fff_ffff;
}

const DAY_MS = 86_400_000;
/** request_key = UTC day number * KEY_DAY + requestHash: safe integers for any year 0000-9999. */
const KEY_DAY = 2 ** 31;

/** Days since 1970-01-01 UTC, truncated toward zero as SQLite's integer division does. */
const keyDay = (tsMs: number): number => (tsMs - (tsMs % DAY_MS)) / DAY_MS;

/**
 * The stored key a request_id is found by (column request_key, indexed): the UTC day of the
 * row's time, then the id's hash. Keys of rows near in time are near in the index, so inserts
 * arriving in time order touch a few cached pages (migrations/006_request_key.sql).
 */
export function requestKey(id: string, tsMs: number): number {
  return keyDay(tsMs) * KEY_DAY + requestHash(id);
}

/** MurmurHash3's 32-bit finaliser. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const CANONICAL_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SLOT_MS = 15 * 60 * 1000;

const isCount = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isNusd = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

function checkSource(source: string): asserts source is UsageSource {
  if (!(USAGE_SOURCES as readonly string[]).includes(source)) throw new LedgerError(`unknown usage source "${source}"`);
}

function assertDim(dim: string): asserts dim is SpendDim {
  if (!(SPEND_DIMS as readonly string[]).includes(dim)) throw new LedgerError(`unknown spend dimension "${dim}" (use one of ${SPEND_DIMS.join(', ')})`);
}

export class Ledger {
  private readonly db: Db;
  private zoneRef: Zone;
  private readonly price: Pricer;
  private readonly usdToNusd: UsdToNusd;
  private zoneChecked = false;
  /**
   * Local day per 15-minute UTC slot. Zone offsets are whole quarter hours and change only on
   * quarter-hour instants, so a local midnight never falls inside a slot: one day per slot.
   */
  private dayBySlot = new Map<number, DayString>();
  private lastSlot = NaN;
  private lastSlotDay: DayString = '';

  private readonly findRequest: BetterSqlite3.Statement;
  /** Which request hashes each day holds, for this connection (see request-keys.ts). */
  private readonly requestKeys: RequestKeyCache;
  /** [data_version, total_changes()] after this ledger's last write: anything else wrote if they differ. */
  private readonly writeMark: BetterSqlite3.Statement;
  private lastMark: [number, number] = [-1, -1];
  private readonly insertUsage: BetterSqlite3.Statement;
  private readonly upsertDaily: BetterSqlite3.Statement;
  private readonly getMeta: BetterSqlite3.Statement;
  private readonly setMeta: BetterSqlite3.Statement;
  private readonly rollupQuery: BetterSqlite3.Statement;
  private readonly totalsQuery: BetterSqlite3.Statement;
  private readonly rawQueries: Record<SpendDim, BetterSqlite3.Statement>;
  private readonly recordTx: BetterSqlite3.Transaction<(rows: readonly UsageInput[], source: UsageSource) => RecordResult>;
  private readonly rebuildRollupTx: BetterSqlite3.Transaction<() => void>;

  constructor(deps: LedgerDeps) {
    this.db = deps.db;
    this.zoneRef = deps.zone;
    this.price = deps.price;
    this.usdToNusd = deps.usdToNusd;
    const db = this.db;
    // A request_id already stored is skipped: looked up by its key (usage_request_key) under the
    // row's UTC day and the days either side, then compared, so a different id with the same
    // key is still recorded. Writers are serialised
    // (IMMEDIATE transactions), so the check and the insert cannot interleave with another's.
    // (Two statements: an INSERT … SELECT … WHERE NOT EXISTS on the same table costs more, as
    // SQLite stages its row in a temporary table first.)
    this.findRequest = db.prepare('SELECT 1 FROM usage WHERE request_key = ? AND request_id = ?').pluck();
    const readDay = db.prepare('SELECT request_key - ? FROM usage WHERE request_key BETWEEN ? AND ? LIMIT ?').pluck();
    this.requestKeys = new RequestKeyCache((day, limit) => {
      const lo = day * KEY_DAY;
      const hashes = readDay.all(lo, lo, lo + KEY_DAY - 1, limit + 1) as number[];
      return hashes.length > limit ? null : hashes;
    });
    this.writeMark = db.prepare('SELECT data_version, total_changes() FROM pragma_data_version()').raw();
    this.insertUsage = db.prepare(
      `INSERT INTO usage (ts_ms, day, provider, model, input_tokens, cached_input_tokens, output_tokens,
         reasoning_tokens, thinking, cost_nusd, provider_cost_nusd, price_version, "user", channel, route, source,
         request_id, request_key, status, error, latency_ms, ttft_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.upsertDaily = db.prepare(
      `INSERT INTO spend_daily (dim, ${SPEND_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (dim, day, key) DO UPDATE SET
         requests = requests + excluded.requests,
         unpriced = unpriced + excluded.unpriced,
         cost_nusd = cost_nusd + excluded.cost_nusd,
         provider_cost_nusd = provider_cost_nusd + excluded.provider_cost_nusd,
         input_tokens = input_tokens + excluded.input_tokens,
         cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
         output_tokens = output_tokens + excluded.output_tokens,
         reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens`,
    );
    this.getMeta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    this.setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.rollupQuery = db.prepare(`SELECT ${SPEND_COLUMNS} FROM spend_daily WHERE dim = ? AND day BETWEEN ? AND ? ORDER BY day, key`);
    this.totalsQuery = db.prepare(
      `SELECT COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(unpriced), 0) AS unpriced, COALESCE(SUM(cost_nusd), 0) AS cost_nusd
       FROM spend_daily WHERE dim = 'provider' AND day BETWEEN ? AND ?`,
    );
    this.rawQueries = Object.fromEntries(
      SPEND_DIMS.map((dim) => [dim, db.prepare(`${aggregateSql(dim, 'WHERE day BETWEEN ? AND ?')} ORDER BY day, key`)]),
    ) as Record<SpendDim, BetterSqlite3.Statement>;
    this.recordTx = db.transaction((rows: readonly UsageInput[], source: UsageSource) => this.recordRows(rows, source));
    this.rebuildRollupTx = db.transaction(() => {
      db.prepare('DELETE FROM spend_daily').run();
      for (const dim of SPEND_DIMS) {
        db.prepare(`INSERT INTO spend_daily (dim, ${SPEND_COLUMNS}) SELECT '${dim}', * FROM (${aggregateSql(dim, '')})`).run();
      }
    });
  }

  private dayOf(ms: number): DayString {
    const slot = Math.floor(ms / SLOT_MS);
    // Rows mostly come in time order: the previous row's slot is the likeliest.
    if (slot === this.lastSlot) return this.lastSlotDay;
    let day = this.dayBySlot.get(slot);
    if (day === undefined) {
      day = this.zoneRef.dayOf(slot * SLOT_MS);
      if (this.dayBySlot.size > 100_000) this.dayBySlot.clear();
      this.dayBySlot.set(slot, day);
    }
    this.lastSlot = slot;
    this.lastSlotDay = day;
    return day;
  }

  get zone(): Zone {
    return this.zoneRef;
  }

  /**
   * Records rows in one transaction (all or nothing) and keeps spend_daily in step. A row whose
   * request_id is already stored, or appeared earlier in the batch, is skipped.
   */
  record(rows: readonly UsageInput[], source: UsageSource): RecordResult {
    checkSource(source);
    if (rows.length === 0) return { inserted: 0, skipped: 0 };
    return this.recordTx.immediate(rows, source);
  }

  /**
   * The body of record(), run inside its transaction. With `into`, the rows' sums are added to
   * that rollup and left for the caller to flush (an import sums many pieces before writing).
   */
  private recordRows(rows: readonly UsageInput[], source: UsageSource, into?: BatchRollup): RecordResult {
    this.checkZone();
    const rollup = into ?? new BatchRollup();
    // Another connection committed, or this one wrote outside this ledger: the held days may lack ids.
    const mark = this.writeMark.get() as [number, number];
    if (mark[0] !== this.lastMark[0] || mark[1] !== this.lastMark[1]) this.requestKeys.clear();

    let inserted = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      // Parsed rows already carry canonical UTC times (…T12:00:00.000Z): keep those as they are.
      let ts = row.ts;
      let tsMs: number;
      if (typeof ts === 'string' && ts.length === 24 && CANONICAL_TS.test(ts)) tsMs = Date.parse(ts);
      else {
        tsMs = typeof ts === 'string' ? parseIsoInstant(ts) : NaN;
        if (Number.isNaN(tsMs)) throw new LedgerError(`row ${i + 1}: ts: expected an ISO-8601 time with a zone, got ${JSON.stringify(row.ts)}`);
        ts = new Date(tsMs).toISOString();
      }
      if (!isCount(row.input_tokens) || !isCount(row.cached_input_tokens) || !isCount(row.output_tokens) || !isCount(row.reasoning_tokens)) {
        throw new LedgerError(`row ${i + 1}: token counts must be non-negative integers`);
      }
      // Already in the ledger within a day of this row's time (or earlier in this batch): skipped
      // before any pricing work. The row's own day first: a file imported again hits there.
      const requestId = row.request_id ?? null;
      let key: number | null = null;
      let keyDayOf = 0;
      let hash = 0;
      if (requestId !== null) {
        keyDayOf = keyDay(tsMs);
        hash = requestHash(requestId);
        key = keyDayOf * KEY_DAY + hash;
        if (this.isRecorded(requestId, keyDayOf, hash)) continue;
      }
      // A fixed-shape literal: much cheaper per row than spreading the input.
      const priced = this.price({
        ts,
        tsMs,
        provider: row.provider,
        model: row.model,
        input_tokens: row.input_tokens,
        cached_input_tokens: row.cached_input_tokens,
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
      const day = this.dayOf(tsMs);
      this.insertUsage.run(
        tsMs,
        day,
        row.provider,
        row.model,
        row.input_tokens,
        row.cached_input_tokens,
        row.output_tokens,
        row.reasoning_tokens,
        row.thinking ? 1 : 0,
        priced.cost_nusd,
        providerCost,
        priced.price_version,
        row.user ?? null,
        row.channel ?? null,
        row.route ?? null,
        source,
        requestId,
        key,
        row.status ?? 'ok',
        row.error ?? null,
        row.latency_ms ?? null,
        row.ttft_ms ?? null,
      );
      inserted++;
      if (key !== null) this.requestKeys.add(keyDayOf, hash);
      const effective = priced.cost_nusd ?? providerCost;
      rollup.add(
        day,
        row.provider,
        row.model,
        row.user,
        row.route,
        effective === null ? 1 : 0,
        effective ?? 0,
        providerCost ?? 0,
        row.input_tokens,
        row.cached_input_tokens,
        row.output_tokens,
        row.reasoning_tokens,
      );
    }
    // (flushRollup takes the mark after its own writes.)
    if (into === undefined) this.flushRollup(rollup);
    else this.lastMark = this.writeMark.get() as [number, number];
    return { inserted, skipped: rows.length - inserted };
  }

  /** Whether a row with this request_id is stored under `day` or a day either side. */
  private isRecorded(requestId: string, day: number, hash: number): boolean {
    const keys = this.requestKeys;
    const find = this.findRequest;
    const key = day * KEY_DAY + hash;
    return (
      (keys.mayHold(day, hash) && find.get(key, requestId) !== undefined) ||
      (keys.mayHold(day - 1, hash) && find.get(key - KEY_DAY, requestId) !== undefined) ||
      (keys.mayHold(day + 1, hash) && find.get(key + KEY_DAY, requestId) !== undefined)
    );
  }

  /** Adds a rollup's sums to spend_daily (inside the transaction that recorded the rows). */
  private flushRollup(rollup: BatchRollup): void {
    for (const a of rollup.aggregates()) {
      this.upsertDaily.run(a.dim, a.day, a.key, a.requests, a.unpriced, a.cost, a.providerCost, a.input, a.cached, a.output, a.reasoning);
    }
    this.lastMark = this.writeMark.get() as [number, number];
  }

  /**
   * Parses a JSONL, CSV or JSON-array text and records it (the ingest endpoint). If any line is
   * bad, nothing is written and the (line-numbered) errors are returned. JSONL and CSV are parsed
   * and recorded a piece at a time inside one transaction, as importFile does.
   */
  importText(filename: string, text: string, source: UsageSource = 'import'): ImportResult {
    checkSource(source);
    const format = detectFormat(filename, text);
    if (format === 'json') {
      const parsed = parseUsageText(text, format);
      if (!parsed.ok) return { ok: false, format, errors: parsed.errors, errorCount: parsed.errorCount };
      return { ok: true, format, rows: parsed.rows.length, ...this.record(parsed.rows, source) };
    }
    let at = 0;
    return this.importPieces(format, source, () => {
      if (at >= text.length) return null;
      const piece = text.slice(at, at + TEXT_CHUNK_CHARS);
      at += TEXT_CHUNK_CHARS;
      return piece;
    });
  }

  /**
   * Imports a JSONL or CSV file (format as importText detects it) read in chunks of
   * FILE_CHUNK_BYTES, each parsed and recorded as it arrives, all inside one transaction: memory
   * stays flat however large the file. All or nothing: a bad line anywhere rolls everything back
   * and the errors are returned, numbered by the file's lines (at most MAX_ERRORS listed, all
   * counted); a request_id already in the ledger, or earlier in the file, is skipped. A JSON array
   * (.json starting with "[") is read whole. Synchronous, like every ledger write: nothing else
   * runs on this connection during the import. File errors (ENOENT, EISDIR, …) are thrown.
   * `chunkBytes` (tests) reads smaller pieces.
   */
  importFile(path: string, source: UsageSource = 'import', opts: { chunkBytes?: number } = {}): ImportResult {
    checkSource(source);
    const chunkBytes = Math.max(1, Math.trunc(opts.chunkBytes ?? FILE_CHUNK_BYTES));
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.allocUnsafe(chunkBytes);
      const decoder = new StringDecoder('utf8');
      let eof = false;
      const read = (): string | null => {
        while (!eof) {
          const n = readSync(fd, buf, 0, buf.length, null);
          if (n === 0) {
            eof = true;
            const tail = decoder.end();
            return tail.length > 0 ? tail : null;
          }
          const piece = decoder.write(n === buf.length ? buf : buf.subarray(0, n));
          if (piece.length > 0) return piece;
        }
        return null;
      };
      let first = read();
      const format = detectFormat(path, first ?? '');
      if (format === 'json') {
        let text = first ?? '';
        for (let p = read(); p !== null; p = read()) text += p;
        return this.importText(path, text, source);
      }
      return this.importPieces(format, source, () => {
        if (first === null) return read();
        const p = first;
        first = null;
        return p;
      });
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The core of importText and importFile: `next` returns the text piece by piece (cut anywhere;
   * null at the end); each piece's complete lines are parsed and recorded at once, all in one
   * transaction that a bad line anywhere rolls back (the rest is still parsed, for the errors).
   */
  private importPieces(format: 'jsonl' | 'csv', source: UsageSource, next: () => string | null): ImportResult {
    const parser = new UsageStreamParser(format);
    let rows = 0;
    let inserted = 0;
    let skipped = 0;
    const run = this.db.transaction(() => {
      // The pieces' sums are written to spend_daily together (a file spanning many days would
      // otherwise upsert each day's rows again for every piece), bounded in memory.
      let rollup = new BatchRollup();
      for (;;) {
        const piece = next();
        const parsed = piece === null ? parser.end() : parser.push(piece);
        rows += parsed.length;
        // After a bad line nothing more is written (it is all rolled back); keep collecting errors.
        if (parser.errorCount === 0 && parsed.length > 0) {
          const r = this.recordRows(parsed, source, rollup);
          inserted += r.inserted;
          skipped += r.skipped;
          if (rollup.size >= ROLLUP_FLUSH) {
            this.flushRollup(rollup);
            rollup = new BatchRollup();
          }
        }
        if (piece === null || parser.stopped) break;
      }
      if (parser.errorCount > 0) throw ROLLBACK;
      this.flushRollup(rollup);
    });
    try {
      run.immediate();
    } catch (err) {
      if (err !== ROLLBACK) throw err;
      return { ok: false, format, errors: parser.errors, errorCount: parser.errorCount };
    }
    return { ok: true, format, rows, inserted, skipped };
  }

  /** Per-day spend by dim from the rollup (the fast path for reports). Days inclusive. */
  spendRollup(dim: SpendDim, fromDay: DayString, toDay: DayString): SpendRow[] {
    assertDim(dim);
    return this.rollupQuery.all(dim, fromDay, toDay) as SpendRow[];
  }

  /**
   * The same as spendRollup, computed from the usage table (baseline and cross-check). usage has
   * no index on day: this scans the whole table.
   */
  spendRaw(dim: SpendDim, fromDay: DayString, toDay: DayString): SpendRow[] {
    assertDim(dim);
    return this.rawQueries[dim].all(fromDay, toDay) as SpendRow[];
  }

  /** Requests, unpriced rows and effective cost over a range of days (inclusive). */
  totals(fromDay: DayString, toDay: DayString): SpendTotals {
    return this.totalsQuery.get(fromDay, toDay) as SpendTotals;
  }

  // firstDay, lastDay and count read the rollup: every usage row is in exactly one spend_daily
  // row of dim 'provider', in the same transaction, so they equal MIN/MAX(day) and COUNT(*) over
  // usage, which has no index on day (it would slow every insert) and would be scanned whole.

  firstDay(): DayString | null {
    return (this.db.prepare(`SELECT MIN(day) FROM spend_daily WHERE dim = 'provider'`).pluck().get() as string | null) ?? null;
  }

  lastDay(): DayString | null {
    return (this.db.prepare(`SELECT MAX(day) FROM spend_daily WHERE dim = 'provider'`).pluck().get() as string | null) ?? null;
  }

  /** Rows in the ledger. */
  count(): number {
    return this.db.prepare(`SELECT COALESCE(SUM(requests), 0) FROM spend_daily WHERE dim = 'provider'`).pluck().get() as number;
  }

  /** The newest rows first. */
  recentRows(limit = 20): UsageRow[] {
    const rows = this.db
      .prepare(
        `SELECT id, ts_ms, day, provider, model, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, thinking,
           cost_nusd, provider_cost_nusd, price_version, "user", channel, route, source, request_id, status, error, latency_ms, ttft_ms
         FROM usage ORDER BY id DESC LIMIT ?`,
      )
      .all(Math.max(0, Math.trunc(limit))) as Array<Omit<UsageRow, 'ts'>>;
    // The table keeps the instant once (ts_ms); its ISO text is derived here.
    return rows.map((r) => ({ ...r, ts: new Date(r.ts_ms).toISOString() }));
  }

  /** The timezone the stored days were computed in (null before the first write). */
  storedTimezone(): string | null {
    return (this.getMeta.get('timezone') as string | undefined) ?? null;
  }

  /**
   * Makes the stored days follow `zoneName` (default: the ledger's zone; another name switches
   * the ledger to it). When the ledger's rows were computed in another zone, recomputes `day`
   * for every row and rebuilds spend_daily in one transaction and returns true.
   */
  ensureTimezone(zoneName: string = this.zoneRef.name): boolean {
    if (zoneName !== this.zoneRef.name) {
      this.zoneRef = makeZone(zoneName);
      this.dayBySlot = new Map();
      this.lastSlot = NaN;
    }
    const zone = this.zoneRef;
    this.db.function('routeops_local_day', { deterministic: true }, (ms: unknown) => this.dayOf(Number(ms)));
    const rebuilt = this.db
      .transaction((): boolean => {
        const stored = this.storedTimezone();
        if (stored === zone.name) return false;
        const hasRows = this.db.prepare('SELECT EXISTS (SELECT 1 FROM usage)').pluck().get() === 1;
        if (hasRows) {
          this.db.prepare('UPDATE usage SET day = routeops_local_day(ts_ms) WHERE day IS NOT routeops_local_day(ts_ms)').run();
          this.rebuildRollupTx();
        }
        this.setMeta.run('timezone', zone.name);
        return hasRows;
      })
      .immediate();
    this.zoneChecked = true;
    return rebuilt;
  }

  /** Recomputes spend_daily from the usage table (one transaction). */
  rebuildRollup(): void {
    this.rebuildRollupTx.immediate();
  }

  /** Record-time guard: the stored days must be in this ledger's zone. */
  private checkZone(): void {
    if (this.zoneChecked) return;
    const stored = this.storedTimezone();
    if (stored === null) {
      // Not cached: if this transaction rolls back, the next record() writes it again.
      this.setMeta.run('timezone', this.zoneRef.name);
      return;
    }
    if (stored !== this.zoneRef.name) {
      throw new LedgerError(
        `the ledger's days were computed in time zone ${stored}, not ${this.zoneRef.name}; call ensureTimezone() before recording`,
      );
    }
    this.zoneChecked = true;
  }
}
