// The ledger on PostgreSQL (LedgerStore, src/store/ledger.ts), with the SQLite ledger's behaviour
// (src/store/ledger/sqlite-ledger.ts): writes (writer.ts), reads (reads.ts), the time zone of the
// stored days (timezone.ts), re-pricing (reprice.ts) and the alerts' reads, over one pool shared
// by every replica. Where SQLite relies on its single writer, this relies on a unique index and
// advisory locks (locks.ts).
//
// The `day` column and the rollup depend on the timezone: call ensureTimezone() once after migrating.
import type { DayString, Zone } from '../../../domain/time/zone.js';
import type { SpendDim } from '../../../domain/spend.js';
import type { DriftGroup } from '../../../domain/money/drift.js';
import type { LedgerStore, Pricer, RecordResult, RepricePreview, RepriceResult, RepriceScope, SpendRow, SpendTotals, UsageInput, UsageRow, UsageSource, UsdToNusd } from '../../ledger.js';
import type { GatewayTrafficRow } from '../../ledger/gateway-traffic.js';
import { LocalDays } from '../../ledger/local-days.js';
import type { PgDb, PgQuery } from '../pool.js';
import { costDriftGroups } from './cost-drift.js';
import { gatewayTraffic } from './gateway-traffic.js';
import { PgLedgerReads } from './reads.js';
import { previewIn, repriceIn } from './reprice.js';
import { PgLedgerTimezone } from './timezone.js';
import { PgLedgerWriter, type BeforeWrite } from './writer.js';

export type { BeforeWrite } from './writer.js';

export interface PostgresLedgerDeps {
  db: PgDb;
  zone: Zone;
  price: Pricer;
  usdToNusd: UsdToNusd;
  /**
   * Run first inside each write transaction (after the write's locks, before any row is priced),
   * given that transaction: what it reads is what the write sees (src/app/ledger.ts).
   */
  beforeWrite?: BeforeWrite;
}

export class PostgresLedger implements LedgerStore {
  private readonly db: PgDb;
  private readonly days: LocalDays;
  private readonly timezone: PgLedgerTimezone;
  private readonly writer: PgLedgerWriter;
  private readonly reads: PgLedgerReads;

  constructor(deps: PostgresLedgerDeps) {
    this.db = deps.db;
    this.days = new LocalDays(deps.zone);
    this.timezone = new PgLedgerTimezone(deps.db, this.days);
    this.writer = new PgLedgerWriter({ db: deps.db, days: this.days, timezone: this.timezone, price: deps.price, usdToNusd: deps.usdToNusd, ...(deps.beforeWrite ? { beforeWrite: deps.beforeWrite } : {}) });
    this.reads = new PgLedgerReads(deps.db);
  }

  get zone(): Zone {
    return this.days.zone;
  }

  record(rows: readonly UsageInput[], source: UsageSource): Promise<RecordResult> {
    return this.writer.record(rows, source);
  }

  recordBatches(batches: Iterable<readonly UsageInput[]>, source: UsageSource): Promise<RecordResult> {
    return this.writer.recordBatches(batches, source);
  }

  spendRollup(dim: SpendDim, fromDay: DayString, toDay: DayString): Promise<SpendRow[]> {
    return this.reads.spendRollup(dim, fromDay, toDay);
  }

  totals(fromDay: DayString, toDay: DayString): Promise<SpendTotals> {
    return this.reads.totals(fromDay, toDay);
  }

  firstDay(): Promise<DayString | null> {
    return this.reads.firstDay();
  }

  lastDay(): Promise<DayString | null> {
    return this.reads.lastDay();
  }

  count(): Promise<number> {
    return this.reads.count();
  }

  recentRows(limit?: number): Promise<UsageRow[]> {
    return this.reads.recentRows(limit);
  }

  spendRaw(dim: SpendDim, fromDay: DayString, toDay: DayString): Promise<SpendRow[]> {
    return this.reads.spendRaw(dim, fromDay, toDay);
  }

  totalsRaw(fromDay: DayString, toDay: DayString): Promise<SpendTotals> {
    return this.reads.totalsRaw(fromDay, toDay);
  }

  reprice(scope: RepriceScope, price: Pricer): Promise<RepriceResult> {
    return this.db.tx((q) => repriceIn(q, scope, price));
  }

  /**
   * reprice inside a transaction the caller holds (the price-proposal store's apply, which marks
   * the proposal applied in the same transaction). Takes the ledger's rewrite lock (locks.ts).
   */
  repriceWith(q: PgQuery, scope: RepriceScope, price: Pricer): Promise<RepriceResult> {
    return repriceIn(q, scope, price);
  }

  previewReprice(scope: RepriceScope, price: Pricer): Promise<RepricePreview> {
    // One snapshot for every page: the preview adds up one state of the ledger.
    return this.db.tx(async (q) => {
      await q.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return previewIn(q, scope, price);
    });
  }

  costDriftGroups(day: DayString): Promise<DriftGroup[]> {
    return costDriftGroups(this.db, day);
  }

  gatewayTraffic(fromMs: number, toMs: number): Promise<GatewayTrafficRow[]> {
    return gatewayTraffic(this.db, fromMs, toMs);
  }

  /** The timezone the stored days were computed in (null before the first write). */
  storedTimezone(): Promise<string | null> {
    return this.timezone.stored();
  }

  /**
   * Makes the stored days follow `zoneName` (default: the ledger's zone; another name switches
   * the ledger to it); true when the rows' days and the rollup were recomputed. At start-up.
   */
  ensureTimezone(zoneName?: string): Promise<boolean> {
    return this.timezone.ensure(zoneName);
  }

  /** Recomputes spend_daily from the usage table (one transaction). */
  rebuildRollup(): Promise<void> {
    return this.timezone.rebuildRollup();
  }
}
