// The gateway keys' limits on PostgreSQL (migrations/postgres/006_gateway_key_limits.sql), as
// src/store/key-limits.ts: shared by every replica, so three replicas do not allow three times a
// key's rate or budget. An admission is one round trip (the function gateway_key_admit: a lock
// on the key name, the budget's calls in flight, the rate ring, the hold); a settle is one.
import type { KeyAdmitResult, KeyLimitStore } from '../key-limits.js';
import type { PgDb } from './pool.js';

interface AdmitRow {
  outcome: 'ok' | 'budget' | 'unpriced' | 'rate';
  avg_nano: string | null;
  in_flight: number;
  free_at_ms: number | null;
}

export function createPgKeyLimitStore(db: PgDb): KeyLimitStore {
  return {
    async admit(r) {
      const [row] = await db.query<AdmitRow>('SELECT outcome, avg_nano::text AS avg_nano, in_flight, free_at_ms FROM gateway_key_admit($1, $2, $3, $4, $5, $6, $7, $8)', [
        r.name,
        r.nowMs,
        r.holder,
        r.rpm,
        r.windowMs,
        r.roomNano === null ? null : r.roomNano.toString(),
        r.unpricedInFlight,
        r.holdUntilMs,
      ]);
      const result = resultOf(row!);
      return result.ok && r.roomNano !== null ? { ok: true, hold: { name: r.name, holder: r.holder } } : result;
    },
    async settle(hold, nano, still) {
      const unhold = 'UPDATE gateway_key_holds SET in_flight = greatest(0, least(in_flight - 1, $3)) WHERE name = $1 AND holder = $2';
      if (nano === null) {
        await db.query(unhold, [hold.name, hold.holder, still]);
        return;
      }
      // One statement: the count goes down and the average moves (1/8 towards the cost, truncated).
      await db.query(
        `WITH ended AS (${unhold})
         INSERT INTO gateway_key_limits AS l (name, avg_nano) VALUES ($1, $4)
         ON CONFLICT (name) DO UPDATE SET avg_nano = coalesce(l.avg_nano + (excluded.avg_nano - l.avg_nano) / 8, excluded.avg_nano)`,
        [hold.name, hold.holder, still, nano.toString()],
      );
    },
  };
}

function resultOf(row: AdmitRow): KeyAdmitResult {
  switch (row.outcome) {
    case 'ok':
      return { ok: true, hold: null };
    case 'rate':
      return { ok: false, reason: 'rate', freeAtMs: row.free_at_ms! };
    default:
      return { ok: false, reason: row.outcome, avgNano: row.avg_nano === null ? null : BigInt(row.avg_nano), inFlight: row.in_flight };
  }
}
