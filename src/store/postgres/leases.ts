// Named leases on PostgreSQL (migrations/postgres/005_leases.sql), as src/store/leases.ts: the
// conditional upsert is one statement, so of replicas asking at once exactly one gets a free or
// expired lease (the row lock orders them; the later ones see the winner's deadline).
import type { LeaseHolder, LeaseStore } from '../leases.js';
import type { PgDb } from './pool.js';

export function createPgLeaseStore(db: PgDb): LeaseStore {
  return {
    async acquire(name, holder, nowMs, ttlMs) {
      const rows = await db.query(
        `INSERT INTO leases (name, holder, until_ms, since_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET
           since_ms = CASE WHEN leases.holder = excluded.holder THEN leases.since_ms ELSE excluded.since_ms END,
           holder = excluded.holder, until_ms = excluded.until_ms
         WHERE leases.holder = excluded.holder OR leases.until_ms <= $4
         RETURNING holder`,
        [name, holder, nowMs + ttlMs, nowMs],
      );
      return rows.length === 1;
    },
    async release(name, holder) {
      await db.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]);
    },
    async current(name, nowMs) {
      const rows = await db.query<LeaseHolder>('SELECT holder, until_ms, since_ms FROM leases WHERE name = $1 AND until_ms > $2', [name, nowMs]);
      return rows[0] ?? null;
    },
  };
}
