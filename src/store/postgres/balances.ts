// Balance history on PostgreSQL (migrations/postgres/004_routecheck_balances_keys.sql): the same
// interface and answers as src/store/balances.ts, with its reads over the ledger's usage and
// spend_daily (migrations/postgres/001_ledger.sql). Amounts are read as text and made bigint:
// exact whatever their size. Providers come in byte order (COLLATE "C"), SQLite's order.
//
// A snapshot and its events are written in one transaction that first takes an advisory lock
// for the provider: a second replica polling the same provider at once waits, then finds the
// first's snapshot as its previous one, so one rise is counted once (SQLite gets this from its
// single writer).
import { balanceEvents, type BalanceReading } from '../../domain/money/balance.js';
import type { BalanceFailure, BalanceRefusals, BalanceStore, StoredBalanceEvent, StoredBalanceSnapshot } from '../balances.js';
import { createPgModelSpend } from './ledger/model-spend.js';
import type { PgDb, PgQuery } from './pool.js';

type Nano = string | null;
interface SnapshotRow {
  id: number;
  provider: string;
  kind: BalanceReading['kind'];
  at: string;
  at_ms: number;
  currency: string;
  balance_nano: string;
  available: number | null;
  granted_nano: Nano;
  topped_up_nano: Nano;
  voucher_nano: Nano;
  cash_nano: Nano;
  usage_nano: Nano;
  limit_nano: Nano;
  detail: string;
}
type EventRow = Omit<StoredBalanceEvent, 'amount_nano'> & { amount_nano: string };

const SNAPSHOT_COLUMNS = `id, provider, kind, at, at_ms, currency, balance_nano::text AS balance_nano, available, granted_nano::text AS granted_nano,
  topped_up_nano::text AS topped_up_nano, voucher_nano::text AS voucher_nano, cash_nano::text AS cash_nano, usage_nano::text AS usage_nano,
  limit_nano::text AS limit_nano, detail`;
const EVENT_COLUMNS = 'id, provider, currency, kind, amount_nano::text AS amount_nano, at, at_ms, snapshot_id, previous_id';

const nano = (v: Nano): bigint | null => (v === null ? null : BigInt(v));

function toSnapshot(r: SnapshotRow): StoredBalanceSnapshot {
  return {
    ...r,
    balance_nano: BigInt(r.balance_nano),
    available: r.available === null ? null : r.available === 1,
    granted_nano: nano(r.granted_nano),
    topped_up_nano: nano(r.topped_up_nano),
    voucher_nano: nano(r.voucher_nano),
    cash_nano: nano(r.cash_nano),
    usage_nano: nano(r.usage_nano),
    limit_nano: nano(r.limit_nano),
    detail: JSON.parse(r.detail) as StoredBalanceSnapshot['detail'],
  };
}

const toEvent = (r: EventRow): StoredBalanceEvent => ({ ...r, amount_nano: BigInt(r.amount_nano) });

/** The newest snapshot of a provider in a currency at or before `atMs`, other than `notId` (same instant: the one recorded earlier). */
async function before(q: PgQuery, provider: string, currency: string, atMs: number, notId: number): Promise<StoredBalanceSnapshot | null> {
  const [r] = await q.query<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLUMNS} FROM balance_snapshots WHERE provider = $1 AND currency = $2 AND at_ms <= $3 AND id <> $4 ORDER BY at_ms DESC, id DESC LIMIT 1`,
    [provider, currency, atMs, notId],
  );
  return r ? toSnapshot(r) : null;
}

/** Parts a top-up or grant can be seen in; absent where the snapshot did not report them. */
const eventInput = (s: StoredBalanceSnapshot) => ({
  currency: s.currency,
  balance_nano: s.balance_nano,
  ...(s.granted_nano !== null ? { granted_nano: s.granted_nano } : {}),
  ...(s.topped_up_nano !== null ? { topped_up_nano: s.topped_up_nano } : {}),
  ...(s.voucher_nano !== null ? { voucher_nano: s.voucher_nano } : {}),
  ...(s.cash_nano !== null ? { cash_nano: s.cash_nano } : {}),
});

export function createPgBalanceStore(db: PgDb): BalanceStore {
  const modelSpend = createPgModelSpend(db);

  const record = (r: BalanceReading) => {
    const atMs = Date.parse(r.at);
    if (Number.isNaN(atMs)) throw new RangeError(`a balance reading needs an ISO time, got "${r.at}"`);
    return db.tx(async (q) => {
      await q.query("SELECT pg_advisory_xact_lock(hashtext('routeops balance_snapshots'), hashtext($1))", [r.provider]);
      const [row] = await q.query<SnapshotRow>(
        `INSERT INTO balance_snapshots (provider, kind, at, at_ms, currency, balance_nano, available, granted_nano, topped_up_nano, voucher_nano, cash_nano, usage_nano, limit_nano, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ${SNAPSHOT_COLUMNS}`,
        [
          r.provider, r.kind, new Date(atMs).toISOString(), atMs, r.currency, r.balance_nano, r.available === null ? null : r.available ? 1 : 0,
          r.granted_nano ?? null, r.topped_up_nano ?? null, r.voucher_nano ?? null, r.cash_nano ?? null, r.usage_nano ?? null, r.limit_nano ?? null, JSON.stringify(r.detail),
        ],
      );
      const snapshot = toSnapshot(row!);
      const previous = await before(q, r.provider, r.currency, atMs, snapshot.id);
      const events: StoredBalanceEvent[] = [];
      for (const e of balanceEvents(previous && eventInput(previous), eventInput(snapshot))) {
        const [ev] = await q.query<EventRow>(
          `INSERT INTO balance_events (provider, currency, kind, amount_nano, at, at_ms, snapshot_id, previous_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${EVENT_COLUMNS}`,
          [r.provider, r.currency, e.kind, e.amount_nano, snapshot.at, atMs, snapshot.id, previous!.id],
        );
        events.push(toEvent(ev!));
      }
      return { snapshot, previous, events };
    });
  };

  /** One provider's refusals in [fromMs, toMs) and their episode (src/store/balances.ts refusals). */
  const refusalsOf = async (r: { provider: string; last_ms: number }, fromMs: number, toMs: number): Promise<BalanceRefusals> => {
    const models = (await db.query<{ model: string }>("SELECT DISTINCT model FROM usage WHERE status = 'balance' AND provider = $1 AND ts_ms >= $2 AND ts_ms < $3", [r.provider, fromMs, toMs])).map((m) => m.model);
    const perModel = await Promise.all(
      models.map(async (m) => {
        const [okBefore] = await db.query<{ ts_ms: number }>("SELECT ts_ms FROM usage WHERE provider = $1 AND model = $2 AND ts_ms < $3 AND status = 'ok' ORDER BY ts_ms DESC LIMIT 1", [r.provider, m, r.last_ms]);
        const okAfter = await db.query("SELECT 1 FROM usage WHERE provider = $1 AND model = $2 AND ts_ms > $3 AND status = 'ok' LIMIT 1", [r.provider, m, r.last_ms]);
        return { lastOk: okBefore?.ts_ms ?? -1, recovered: okAfter.length > 0 };
      }),
    );
    const lastOk = Math.max(-1, ...perModel.map((p) => p.lastOk));
    const [episode] = await db.query<{ ms: number }>("SELECT MIN(ts_ms) AS ms FROM usage WHERE status = 'balance' AND provider = $1 AND ts_ms > $2", [r.provider, lastOk]);
    const episodeMs = episode!.ms;
    const [count] = await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM usage WHERE status = 'balance' AND provider = $1 AND ts_ms >= $2 AND ts_ms < $3", [r.provider, Math.max(episodeMs, fromMs), toMs]);
    const [last] = await db.query<{ error: string | null }>("SELECT error FROM usage WHERE status = 'balance' AND provider = $1 AND ts_ms = $2 ORDER BY id LIMIT 1", [r.provider, r.last_ms]);
    return {
      provider: r.provider,
      count: count!.n,
      last_ms: r.last_ms,
      error: last?.error ?? null,
      episode_ms: episodeMs,
      recovered: perModel.some((p) => p.recovered),
    };
  };

  return {
    record,
    async latest() {
      // DISTINCT ON reads balance_snapshots_latest's newest entry per provider.
      const rows = await db.query<SnapshotRow>(
        `SELECT * FROM (SELECT DISTINCT ON (provider) ${SNAPSHOT_COLUMNS} FROM balance_snapshots ORDER BY provider, at_ms DESC, id DESC) s ORDER BY provider COLLATE "C"`,
      );
      return rows.map(toSnapshot);
    },
    atOrBefore: (provider, currency, atMs) => before(db, provider, currency, atMs, -1),
    async snapshots(provider, fromMs, toMs) {
      const rows = await db.query<SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS} FROM balance_snapshots WHERE provider = $1 AND at_ms >= $2 AND at_ms < $3 ORDER BY at_ms, id`, [provider, fromMs, toMs]);
      return rows.map(toSnapshot);
    },
    async events(provider, fromMs, toMs) {
      const rows = await db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM balance_events WHERE ($1::text IS NULL OR provider = $1) AND at_ms >= $2 AND at_ms < $3 ORDER BY at_ms, id`, [provider, fromMs, toMs]);
      return rows.map(toEvent);
    },
    recordFailure(provider, at, message) {
      const atMs = Date.parse(at);
      if (Number.isNaN(atMs)) throw new RangeError(`a balance failure needs an ISO time, got "${at}"`);
      return db.query('INSERT INTO balance_failures (provider, at, at_ms, message) VALUES ($1, $2, $3, $4)', [provider, new Date(atMs).toISOString(), atMs, message]).then(() => undefined);
    },
    failuresSinceLastSnapshot: (provider) =>
      db.query<BalanceFailure>(
        `SELECT provider, at, at_ms, message FROM balance_failures
         WHERE provider = $1 AND at_ms > COALESCE((SELECT MAX(at_ms) FROM balance_snapshots WHERE provider = $1), -1)
         ORDER BY at_ms DESC, id DESC`,
        [provider],
      ),
    ledgerSpendByModel: (provider, fromMs, toMs) => modelSpend(provider, fromMs, toMs),
    async refusals(fromMs, toMs) {
      const rows = await db.query<{ provider: string; last_ms: number }>(
        `SELECT provider, MAX(ts_ms) AS last_ms FROM usage WHERE status = 'balance' AND ts_ms >= $1 AND ts_ms < $2 GROUP BY provider ORDER BY provider COLLATE "C"`,
        [fromMs, toMs],
      );
      return Promise.all(rows.map((r) => refusalsOf(r, fromMs, toMs)));
    },
  };
}
