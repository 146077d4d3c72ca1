// The ledger's time zone on PostgreSQL (as src/store/ledger/timezone.ts on SQLite): the zone the
// `day` column and the rollup were computed in is meta 'timezone'; writes refuse a ledger in
// another zone, and ensure() recomputes the days (in JavaScript, by the writer's own LocalDays,
// one answer per 15-minute slot) and rebuilds the rollup, under the rewrite lock (locks.ts).
import { makeZone } from '../../../domain/time/zone.js';
import { LedgerError } from '../../ledger.js';
import type { LocalDays } from '../../ledger/local-days.js';
import type { PgDb, PgQuery } from '../pool.js';
import { lockForRewrite } from './locks.js';
import { allDimsSql, SPEND_COLUMNS } from './sql.js';

const SLOT_MS = 15 * 60 * 1000;
/** floor(ts_ms / SLOT_MS) in integers (bigint division truncates toward zero). */
const SLOT_SQL = `(CASE WHEN ts_ms >= 0 THEN ts_ms / ${SLOT_MS} ELSE (ts_ms - ${SLOT_MS - 1}) / ${SLOT_MS} END)`;

async function storedIn(q: PgQuery): Promise<string | null> {
  const rows = await q.query<{ value: string }>(`SELECT value FROM meta WHERE key = 'timezone'`);
  return rows[0]?.value ?? null;
}

/** Recomputes spend_daily from usage (inside the caller's transaction, under the rewrite lock). */
export async function rebuildRollupIn(q: PgQuery): Promise<void> {
  await q.query('DELETE FROM spend_daily');
  await q.query(`INSERT INTO spend_daily (dim, ${SPEND_COLUMNS}) ${allDimsSql('usage')}`);
}

export class PgLedgerTimezone {
  constructor(
    private readonly db: PgDb,
    private readonly days: LocalDays,
  ) {}

  stored(): Promise<string | null> {
    return storedIn(this.db);
  }

  /** Makes the stored days follow `zoneName` (default: the ledger's zone); true when rows were recomputed. */
  async ensure(zoneName: string = this.days.zone.name): Promise<boolean> {
    if (zoneName !== this.days.zone.name) this.days.switchTo(makeZone(zoneName));
    const name = this.days.zone.name;
    // Already in this zone: no lock taken (another replica may be importing).
    if ((await this.stored()) === name) return false;
    return this.db.tx(async (q) => {
      await lockForRewrite(q);
      if ((await storedIn(q)) === name) return false;
      const slots = await q.query<{ slot: number }>(`SELECT DISTINCT ${SLOT_SQL} AS slot FROM usage`);
      if (slots.length > 0) {
        const days = slots.map((s) => this.days.dayOf(s.slot * SLOT_MS));
        await q.query(
          `UPDATE usage SET day = s.day FROM unnest($1::bigint[], $2::text[]) AS s(slot, day) WHERE ${SLOT_SQL} = s.slot AND usage.day <> s.day`,
          [slots.map((s) => s.slot), days],
        );
        await rebuildRollupIn(q);
      }
      await q.query(`INSERT INTO meta (key, value) VALUES ('timezone', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [name]);
      return slots.length > 0;
    });
  }

  async rebuildRollup(): Promise<void> {
    await this.db.tx(async (q) => {
      await lockForRewrite(q);
      await rebuildRollupIn(q);
    });
  }

  /**
   * Record-time guard inside the write's transaction (which holds the rewrite lock shared, so the
   * zone cannot change before it commits): the stored days must be in the ledger's zone; the
   * first write stores it.
   */
  async check(q: PgQuery): Promise<void> {
    const name = this.days.zone.name;
    let stored = await storedIn(q);
    if (stored === null) {
      await q.query(`INSERT INTO meta (key, value) VALUES ('timezone', $1) ON CONFLICT (key) DO NOTHING`, [name]);
      stored = await storedIn(q);
    }
    if (stored !== name) {
      throw new LedgerError(`the ledger's days were computed in time zone ${stored}, not ${name}; call ensureTimezone() before recording`);
    }
  }
}
