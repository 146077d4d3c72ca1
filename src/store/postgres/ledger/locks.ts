// The ledger's advisory locks on PostgreSQL (transaction-scoped, so a crashed replica's locks go
// with its connection). SQLite has one writer at a time; PostgreSQL lets writers run together,
// and these serialise only what must not interleave across replicas:
// - REWRITE: every write holds it shared; what rewrites stored rows (a time zone change, a
//   re-pricing, a rollup rebuild) holds it exclusively, so no write lands halfway through one,
//   and a write that starts after one sees what it did (its beforeWrite runs after the lock).
// - REQUEST_IDS: the duplicate check by request_id spans a day either side (no unique index can
//   say that), so writes that check request ids take turns; routeops' own calls are found by
//   call_id through a unique index instead and need no turn.
import type { PgQuery } from '../pool.js';

/** pg_advisory_xact_lock's first key for the ledger ("ledg" in ASCII); the second names the lock. */
const LEDGER_CLASS = 0x6c656467;
const REWRITE = 1;
const REQUEST_IDS = 2;

/** A write's locks: the rewrite lock shared, and the request-id turn when the write checks request ids. */
export async function lockForWrite(q: PgQuery, checksRequestIds: boolean): Promise<void> {
  await q.query(
    checksRequestIds
      ? 'SELECT pg_advisory_xact_lock_shared($1, $2), pg_advisory_xact_lock($1, $3)'
      : 'SELECT pg_advisory_xact_lock_shared($1, $2)',
    checksRequestIds ? [LEDGER_CLASS, REWRITE, REQUEST_IDS] : [LEDGER_CLASS, REWRITE],
  );
}

/** The request-id turn alone, for a write that already holds the rewrite lock. */
export async function lockRequestIds(q: PgQuery): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1, $2)', [LEDGER_CLASS, REQUEST_IDS]);
}

/** The rewrite lock, exclusively: writes wait until the transaction ends. */
export async function lockForRewrite(q: PgQuery): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1, $2)', [LEDGER_CLASS, REWRITE]);
}
