// Balance history (migrations/012_balances.sql): a snapshot per good reading of a provider's
// balance, and the top-ups and grants that a rise between consecutive snapshots of the same
// provider and currency shows (src/domain/money/balance.ts balanceEvents). A snapshot and its
// events are written in one transaction that also finds the previous snapshot, so two pollers
// (the bot's job and a `routeops balance poll`) cannot both count one rise. Amounts are read back
// as bigint (safeIntegers): exact whatever their size.
import type { Db } from './open.js';
import { createModelSpend } from './ledger/model-spend.js';
import { balanceEvents, type BalanceEventKind, type BalanceReading } from '../domain/money/balance.js';

/** A snapshot as stored: the reading's fields, its id, and `at_ms`. */
export interface StoredBalanceSnapshot {
  id: number;
  provider: string;
  kind: BalanceReading['kind'];
  at: string;
  at_ms: number;
  currency: string;
  balance_nano: bigint;
  available: boolean | null;
  granted_nano: bigint | null;
  topped_up_nano: bigint | null;
  voucher_nano: bigint | null;
  cash_nano: bigint | null;
  usage_nano: bigint | null;
  limit_nano: bigint | null;
  detail: Record<string, string | number | boolean | null>;
}

export interface StoredBalanceEvent {
  id: number;
  provider: string;
  currency: string;
  kind: BalanceEventKind;
  amount_nano: bigint;
  /** The later snapshot's time. */
  at: string;
  at_ms: number;
  snapshot_id: number;
  previous_id: number;
}

export interface RecordedBalance {
  snapshot: StoredBalanceSnapshot;
  /** The snapshot just before it (same provider and currency); null for the first. */
  previous: StoredBalanceSnapshot | null;
  /** Top-ups and grants since `previous` (empty when the balance only fell). */
  events: StoredBalanceEvent[];
}

export interface BalanceStore {
  /** Records a good reading and the money added since the provider's previous snapshot in its currency. */
  record(reading: BalanceReading): Promise<RecordedBalance>;
  /** The newest snapshot of each provider (one per provider, whatever its currency), by provider name. */
  latest(): Promise<StoredBalanceSnapshot[]>;
  /** The newest snapshot of a provider in a currency at or before `atMs` (e.g. a day or a week ago); null if none. */
  atOrBefore(provider: string, currency: string, atMs: number): Promise<StoredBalanceSnapshot | null>;
  /** A provider's snapshots with fromMs ≤ at_ms < toMs, oldest first. */
  snapshots(provider: string, fromMs: number, toMs: number): Promise<StoredBalanceSnapshot[]>;
  /** Top-ups and grants with fromMs ≤ at_ms < toMs (of one provider, or all when null), oldest first. */
  events(provider: string | null, fromMs: number, toMs: number): Promise<StoredBalanceEvent[]>;
  /** Records a failed poll of a provider (migrations/014_balance_failures.sql): its short, key-free message. */
  recordFailure(provider: string, at: string, message: string): Promise<void>;
  /** A provider's failed polls after its newest snapshot (all of them when it has none), newest first: the failures in a row. */
  failuresSinceLastSnapshot(provider: string): Promise<BalanceFailure[]>;
  /** The ledger's effective cost (ours, else the provider's) per model of a provider with fromMs < ts_ms ≤ toMs, nano-USD: the bill check's hours. */
  ledgerSpendByModel(provider: string, fromMs: number, toMs: number): Promise<Map<string, bigint>>;
  /** Per provider, its calls refused for lack of money (ledger status 'balance') with fromMs ≤ ts_ms < toMs, and the episode they belong to. */
  refusals(fromMs: number, toMs: number): Promise<BalanceRefusals[]>;
}

export interface BalanceRefusals {
  provider: string;
  /** Refusals of this episode in the span. */
  count: number;
  last_ms: number;
  /** The latest refusal's error text (as recorded: short, key-free). */
  error: string | null;
  /** The first refusal after the provider's last answered call on the refused models: the episode's start. */
  episode_ms: number;
  /** A refused model answered a call after the latest refusal. */
  recovered: boolean;
}

export interface BalanceFailure {
  provider: string;
  at: string;
  at_ms: number;
  message: string;
}

type SnapshotRow = Omit<StoredBalanceSnapshot, 'id' | 'at_ms' | 'available' | 'detail'> & { id: bigint; at_ms: bigint; available: bigint | null; detail: string };
type EventRow = Omit<StoredBalanceEvent, 'id' | 'at_ms' | 'snapshot_id' | 'previous_id'> & { id: bigint; at_ms: bigint; snapshot_id: bigint; previous_id: bigint };

const SNAPSHOT_COLUMNS =
  'id, provider, kind, at, at_ms, currency, balance_nano, available, granted_nano, topped_up_nano, voucher_nano, cash_nano, usage_nano, limit_nano, detail';

function toSnapshot(r: SnapshotRow): StoredBalanceSnapshot {
  return { ...r, id: Number(r.id), at_ms: Number(r.at_ms), available: r.available === null ? null : r.available === 1n, detail: JSON.parse(r.detail) as StoredBalanceSnapshot['detail'] };
}

function toEvent(r: EventRow): StoredBalanceEvent {
  return { ...r, id: Number(r.id), at_ms: Number(r.at_ms), snapshot_id: Number(r.snapshot_id), previous_id: Number(r.previous_id) };
}

export function createBalanceStore(db: Db): BalanceStore {
  const insertSnapshot = db.prepare(
    `INSERT INTO balance_snapshots (provider, kind, at, at_ms, currency, balance_nano, available, granted_nano, topped_up_nano, voucher_nano, cash_nano, usage_nano, limit_nano, detail)
     VALUES (@provider, @kind, @at, @at_ms, @currency, @balance_nano, @available, @granted_nano, @topped_up_nano, @voucher_nano, @cash_nano, @usage_nano, @limit_nano, @detail)`,
  );
  const insertEvent = db.prepare(
    'INSERT INTO balance_events (provider, currency, kind, amount_nano, at, at_ms, snapshot_id, previous_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const byId = db.prepare(`SELECT ${SNAPSHOT_COLUMNS} FROM balance_snapshots WHERE id = ?`).safeIntegers(true);
  const eventById = db.prepare('SELECT id, provider, currency, kind, amount_nano, at, at_ms, snapshot_id, previous_id FROM balance_events WHERE id = ?').safeIntegers(true);
  // The snapshot just before a time: for a new one (same instant: the one recorded earlier).
  const before = db
    .prepare(`SELECT ${SNAPSHOT_COLUMNS} FROM balance_snapshots WHERE provider = ? AND currency = ? AND at_ms <= ? AND id <> ? ORDER BY at_ms DESC, id DESC LIMIT 1`)
    .safeIntegers(true);
  const latest = db
    .prepare(
      // One index seek per provider (migrations/014_balance_failures.sql balance_snapshots_latest),
      // not a subquery per snapshot: 3,600 snapshots took ~300 ms that way (bench/balance.ts).
      `SELECT ${SNAPSHOT_COLUMNS} FROM balance_snapshots
       WHERE id IN (SELECT (SELECT id FROM balance_snapshots t WHERE t.provider = p.provider ORDER BY t.at_ms DESC, t.id DESC LIMIT 1)
                    FROM (SELECT DISTINCT provider FROM balance_snapshots) p)
       ORDER BY provider`,
    )
    .safeIntegers(true);
  const range = db.prepare(`SELECT ${SNAPSHOT_COLUMNS} FROM balance_snapshots WHERE provider = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id`).safeIntegers(true);
  const eventsOf = db
    .prepare('SELECT id, provider, currency, kind, amount_nano, at, at_ms, snapshot_id, previous_id FROM balance_events WHERE (? IS NULL OR provider = ?) AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id')
    .safeIntegers(true);

  const insertFailure = db.prepare('INSERT INTO balance_failures (provider, at, at_ms, message) VALUES (?, ?, ?, ?)');
  const failuresSince = db.prepare(
    `SELECT provider, at, at_ms, message FROM balance_failures
     WHERE provider = ? AND at_ms > COALESCE((SELECT MAX(at_ms) FROM balance_snapshots WHERE provider = ?), -1)
     ORDER BY at_ms DESC, id DESC`,
  );

  // The bill check's hours and /balance's week: the rollup's whole days, raw rows at the edges (ledger/model-spend.ts).
  const modelSpend = createModelSpend(db);

  // Refusals: the partial index usage_balance_refusals (migrations/016_balance_refusals.sql); the last
  // answered call of a model walks usage_scope back from the refusal (only that episode's rows).
  const refusedIn = db.prepare(
    `SELECT provider, COUNT(*) AS count, MAX(ts_ms) AS last_ms FROM usage INDEXED BY usage_balance_refusals
     WHERE status = 'balance' AND ts_ms >= ? AND ts_ms < ? GROUP BY provider ORDER BY provider`,
  );
  const refusedModels = db.prepare("SELECT DISTINCT model FROM usage INDEXED BY usage_balance_refusals WHERE status = 'balance' AND provider = ? AND ts_ms >= ? AND ts_ms < ?");
  const lastRefusal = db.prepare("SELECT error FROM usage INDEXED BY usage_balance_refusals WHERE status = 'balance' AND provider = ? AND ts_ms = ? LIMIT 1");
  const answeredBefore = db.prepare("SELECT ts_ms FROM usage INDEXED BY usage_scope WHERE provider = ? AND model = ? AND ts_ms < ? AND status = 'ok' ORDER BY ts_ms DESC LIMIT 1").pluck();
  const answeredAfter = db.prepare("SELECT 1 FROM usage INDEXED BY usage_scope WHERE provider = ? AND model = ? AND ts_ms > ? AND status = 'ok' LIMIT 1").pluck();
  const countSince = db.prepare("SELECT COUNT(*) FROM usage INDEXED BY usage_balance_refusals WHERE status = 'balance' AND provider = ? AND ts_ms >= ? AND ts_ms < ?").pluck();
  const firstRefusalAfter = db.prepare("SELECT MIN(ts_ms) FROM usage INDEXED BY usage_balance_refusals WHERE status = 'balance' AND provider = ? AND ts_ms > ?").pluck();

  const record = db.transaction((r: BalanceReading): RecordedBalance => {
    const atMs = Date.parse(r.at);
    if (Number.isNaN(atMs)) throw new RangeError(`a balance reading needs an ISO time, got "${r.at}"`);
    const id = Number(
      insertSnapshot.run({
        provider: r.provider,
        kind: r.kind,
        at: new Date(atMs).toISOString(),
        at_ms: atMs,
        currency: r.currency,
        balance_nano: r.balance_nano,
        available: r.available === null ? null : r.available ? 1 : 0,
        granted_nano: r.granted_nano ?? null,
        topped_up_nano: r.topped_up_nano ?? null,
        voucher_nano: r.voucher_nano ?? null,
        cash_nano: r.cash_nano ?? null,
        usage_nano: r.usage_nano ?? null,
        limit_nano: r.limit_nano ?? null,
        detail: JSON.stringify(r.detail),
      }).lastInsertRowid,
    );
    const snapshot = toSnapshot(byId.get(id) as SnapshotRow);
    const prevRow = before.get(r.provider, r.currency, atMs, id) as SnapshotRow | undefined;
    const previous = prevRow ? toSnapshot(prevRow) : null;
    const nullToUndefined = (s: StoredBalanceSnapshot) => ({
      currency: s.currency,
      balance_nano: s.balance_nano,
      ...(s.granted_nano !== null ? { granted_nano: s.granted_nano } : {}),
      ...(s.topped_up_nano !== null ? { topped_up_nano: s.topped_up_nano } : {}),
      ...(s.voucher_nano !== null ? { voucher_nano: s.voucher_nano } : {}),
      ...(s.cash_nano !== null ? { cash_nano: s.cash_nano } : {}),
    });
    const events = balanceEvents(previous && nullToUndefined(previous), nullToUndefined(snapshot)).map((e) => {
      const eid = insertEvent.run(r.provider, r.currency, e.kind, e.amount_nano, snapshot.at, atMs, id, previous!.id).lastInsertRowid;
      return toEvent(eventById.get(eid) as EventRow);
    });
    return { snapshot, previous, events };
  });

  return {
    record: (reading) => Promise.resolve(record(reading)),
    latest: () => Promise.resolve((latest.all() as SnapshotRow[]).map(toSnapshot)),
    atOrBefore(provider, currency, atMs) {
      const row = before.get(provider, currency, atMs, -1) as SnapshotRow | undefined;
      return Promise.resolve(row ? toSnapshot(row) : null);
    },
    snapshots: (provider, fromMs, toMs) => Promise.resolve((range.all(provider, fromMs, toMs) as SnapshotRow[]).map(toSnapshot)),
    events: (provider, fromMs, toMs) => Promise.resolve((eventsOf.all(provider, provider, fromMs, toMs) as EventRow[]).map(toEvent)),
    recordFailure(provider, at, message) {
      const atMs = Date.parse(at);
      if (Number.isNaN(atMs)) throw new RangeError(`a balance failure needs an ISO time, got "${at}"`);
      insertFailure.run(provider, new Date(atMs).toISOString(), atMs, message);
      return Promise.resolve();
    },
    ledgerSpendByModel: (provider, fromMs, toMs) => Promise.resolve(modelSpend(provider, fromMs, toMs)),
    refusals(fromMs, toMs) {
      const rows = refusedIn.all(fromMs, toMs) as Array<{ provider: string; count: number; last_ms: number }>;
      return Promise.resolve(
        rows.map((r) => {
          const models = (refusedModels.all(r.provider, fromMs, toMs) as Array<{ model: string }>).map((m) => m.model);
          const lastOk = Math.max(-1, ...models.map((m) => (answeredBefore.get(r.provider, m, r.last_ms) as number | undefined) ?? -1));
          const episode = firstRefusalAfter.get(r.provider, lastOk) as number;
          return {
            provider: r.provider,
            count: countSince.get(r.provider, Math.max(episode, fromMs), toMs) as number,
            last_ms: r.last_ms,
            error: ((lastRefusal.get(r.provider, r.last_ms) as { error: string | null } | undefined)?.error) ?? null,
            episode_ms: episode,
            recovered: models.some((m) => answeredAfter.get(r.provider, m, r.last_ms) !== undefined),
          };
        }),
      );
    },
    failuresSinceLastSnapshot: (provider) => Promise.resolve(failuresSince.all(provider, provider) as BalanceFailure[]),
  };
}
