// The ledger's time zone: the `day` column and the rollup are local days, so the zone they were
// computed in is stored (meta 'timezone'). A writer refuses to add rows to a ledger whose days
// are in another zone (check); ensure() recomputes every row's day and the rollup when the
// configured zone changed. Called once at start-up, after migrating.
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../open.js';
import { makeZone } from '../../domain/time/zone.js';
import { LedgerError } from '../ledger.js';
import { SPEND_DIMS } from '../../domain/spend.js';
import type { LocalDays } from './local-days.js';
import { aggregateSql, SPEND_COLUMNS } from './sql.js';

export class LedgerTimezone {
  private checked = false;
  private readonly getMeta: BetterSqlite3.Statement;
  private readonly setMeta: BetterSqlite3.Statement;
  private readonly rebuildTx: BetterSqlite3.Transaction<() => void>;

  constructor(
    private readonly db: Db,
    private readonly days: LocalDays,
  ) {
    this.getMeta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    this.setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.rebuildTx = db.transaction(() => {
      db.prepare('DELETE FROM spend_daily').run();
      for (const dim of SPEND_DIMS) {
        db.prepare(`INSERT INTO spend_daily (dim, ${SPEND_COLUMNS}) SELECT '${dim}', * FROM (${aggregateSql(dim, '')})`).run();
      }
    });
  }

  /** The timezone the stored days were computed in (null before the first write). */
  stored(): string | null {
    return (this.getMeta.get('timezone') as string | undefined) ?? null;
  }

  /**
   * Makes the stored days follow `zoneName` (default: the ledger's zone; another name switches
   * the ledger to it). When the ledger's rows were computed in another zone, recomputes `day`
   * for every row and rebuilds spend_daily in one transaction and returns true.
   */
  ensure(zoneName: string = this.days.zone.name): boolean {
    if (zoneName !== this.days.zone.name) this.days.switchTo(makeZone(zoneName));
    const zone = this.days.zone;
    this.db.function('routeops_local_day', { deterministic: true }, (ms: unknown) => this.days.dayOf(Number(ms)));
    // Already in this zone: no write lock taken (another process may hold it for a long import).
    if (this.stored() === zone.name) {
      this.checked = true;
      return false;
    }
    const rebuilt = this.db
      .transaction((): boolean => {
        if (this.stored() === zone.name) return false;
        const hasRows = this.db.prepare('SELECT EXISTS (SELECT 1 FROM usage)').pluck().get() === 1;
        if (hasRows) {
          this.db.prepare('UPDATE usage SET day = routeops_local_day(ts_ms) WHERE day IS NOT routeops_local_day(ts_ms)').run();
          this.rebuildTx();
        }
        this.setMeta.run('timezone', zone.name);
        return hasRows;
      })
      .immediate();
    this.checked = true;
    return rebuilt;
  }

  /** Recomputes spend_daily from the usage table (one transaction). */
  rebuildRollup(): void {
    this.rebuildTx.immediate();
  }

  /** Record-time guard, inside the write's transaction: the stored days must be in the ledger's zone. */
  check(): void {
    if (this.checked) return;
    const stored = this.stored();
    const name = this.days.zone.name;
    if (stored === null) {
      // Not cached: if this transaction rolls back, the next write stores it again.
      this.setMeta.run('timezone', name);
      return;
    }
    if (stored !== name) {
      throw new LedgerError(`the ledger's days were computed in time zone ${stored}, not ${name}; call ensureTimezone() before recording`);
    }
    this.checked = true;
  }
}
