// The gateway keys' limits on PostgreSQL (migrations/postgres/006_gateway_key_limits.sql), as
// src/store/key-limits.ts: shared by every replica, so three replicas do not allow three times a
// key's rate or budget. An admission is one round trip (the function gateway_key_admit: a lock
// on the key name, the budget's calls in flight, the rate ring, the hold); a settle is one.
import type { KeyAdmitResult, KeyLimitStore } from '../key-limits.js';
import type { PgDb } from './pool.js';

interface AdmitRow {
  outcome: 'ok' | 'budget' | 'unpriced' | 'rate';
  hold_id: number | null;
  avg_nano: number | null;
  in_flight: number;
  free_at_ms: number | null;
}

export function createPgKeyLimitStore(db: PgDb): KeyLimitStore {
  return {
    async admit(r) {
      const [row] = await db.query<AdmitRow>('SELECT * FROM gateway_key_admit($1, $2, $3, $4, $5, $6, $7, $8)', [
        r.name,
        r.nowMs,
        r.holder,
        r.rpm,
        r.windowMs,
        r.roomNano === null ? null : r.roomNano.toString(),
        r.unpricedInFlight,
        r.holdUntilMs,
      ]);
      return resultOf(row!);
    },
    async settle(hold, name, nano) {
      if (nano === null) {
        await db.query('DELETE FROM gateway_key_holds WHERE id = $1', [hold]);
        return;
      }
      // One statement: the hold ends and the average moves (1/8 towards the cost, truncated).
      await db.query(
        `WITH ended AS (DELETE FROM gateway_key_holds WHERE id = $1)
         INSERT INTO gateway_key_costs (name, avg_nano) VALUES ($2, $3)
         ON CONFLICT (name) DO UPDATE SET avg_nano = gateway_key_costs.avg_nano + (excluded.avg_nano - gateway_key_costs.avg_nano) / 8`,
        [hold, name, nano.toString()],
      );
    },
  };
}

function resultOf(row: AdmitRow): KeyAdmitResult {
  switch (row.outcome) {
    case 'ok':
      return { ok: true, hold: row.hold_id };
    case 'rate':
      return { ok: false, reason: 'rate', freeAtMs: row.free_at_ms! };
    default:
      return { ok: false, reason: row.outcome, avgNano: row.avg_nano === null ? null : BigInt(row.avg_nano), inFlight: row.in_flight };
  }
}
