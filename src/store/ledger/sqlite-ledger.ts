// The ledger on SQLite (LedgerStore, src/store/ledger.ts): writes (writer.ts), reads (reads.ts)
// and the time zone of the stored days (timezone.ts) over one connection. The LedgerStore
// methods are async for the sake of networked implementations; here the work is done
// synchronously inside the call, and the promise is already settled when it is returned.
// recordNow is the synchronous write the usage meter (src/store/usage-meter.ts) needs to wait
// out a locked database.
//
// The `day` column and the rollup depend on the timezone: call ensureTimezone(config.timezone)
// once after migrating. Writes refuse a ledger whose days were computed in another zone.
import type { Db } from '../open.js';
import type { DayString, Zone } from '../../domain/time/zone.js';
import type { LedgerStore, Pricer, RecordResult, RepricePreview, RepriceResult, RepriceScope, SpendRow, SpendTotals, UsageInput, UsageRow, UsageSource, UsdToNusd } from '../ledger.js';
import type { SpendDim } from '../../domain/spend.js';
import { LocalDays } from './local-days.js';
import { LedgerReads } from './reads.js';
import { LedgerTimezone } from './timezone.js';
import { LedgerWriter } from './writer.js';
import { LedgerRepricer } from './reprice.js';
import { LedgerCostDrift } from './cost-drift.js';
import { createGatewayTraffic, type GatewayTrafficRow } from './gateway-traffic.js';
import type { DriftGroup } from '../../domain/money/drift.js';

export interface SqliteLedgerDeps {
  db: Db;
  zone: Zone;
  price: Pricer;
  usdToNusd: UsdToNusd;
  /** Called first inside each write transaction (LedgerWriterDeps.beforeWrite). */
  beforeWrite?: () => void;
}

/** What the usage meter writes through: a write that throws SQLITE_BUSY while the lock is held. */
export interface SyncUsageWriter {
  recordNow(rows: readonly UsageInput[], source: UsageSource): RecordResult;
}

export class SqliteLedger implements LedgerStore, SyncUsageWriter {
  private readonly days: LocalDays;
  private readonly timezone: LedgerTimezone;
  private readonly writer: LedgerWriter;
  private readonly reads: LedgerReads;
  private readonly repricer: LedgerRepricer;
  private readonly drift: LedgerCostDrift;
  private readonly traffic: (fromMs: number, toMs: number) => GatewayTrafficRow[];

  constructor(deps: SqliteLedgerDeps) {
    this.days = new LocalDays(deps.zone);
    this.timezone = new LedgerTimezone(deps.db, this.days);
    this.writer = new LedgerWriter({ db: deps.db, days: this.days, timezone: this.timezone, price: deps.price, usdToNusd: deps.usdToNusd, ...(deps.beforeWrite ? { beforeWrite: deps.beforeWrite } : {}) });
    this.reads = new LedgerReads(deps.db);
    this.repricer = new LedgerRepricer(deps.db);
    this.drift = new LedgerCostDrift(deps.db);
    this.traffic = createGatewayTraffic(deps.db);
  }

  get zone(): Zone {
    return this.days.zone;
  }

  recordNow(rows: readonly UsageInput[], source: UsageSource): RecordResult {
    return this.writer.record(rows, source);
  }

  async record(rows: readonly UsageInput[], source: UsageSource): Promise<RecordResult> {
    return this.writer.record(rows, source);
  }

  async recordBatches(batches: Iterable<readonly UsageInput[]>, source: UsageSource): Promise<RecordResult> {
    return this.writer.recordBatches(batches, source);
  }

  async spendRollup(dim: SpendDim, fromDay: DayString, toDay: DayString): Promise<SpendRow[]> {
    return this.reads.spendRollup(dim, fromDay, toDay);
  }

  async totals(fromDay: DayString, toDay: DayString): Promise<SpendTotals> {
    return this.reads.totals(fromDay, toDay);
  }

  async firstDay(): Promise<DayString | null> {
    return this.reads.firstDay();
  }

  async lastDay(): Promise<DayString | null> {
    return this.reads.lastDay();
  }

  async count(): Promise<number> {
    return this.reads.count();
  }

  async recentRows(limit?: number): Promise<UsageRow[]> {
    return this.reads.recentRows(limit);
  }

  async spendRaw(dim: SpendDim, fromDay: DayString, toDay: DayString): Promise<SpendRow[]> {
    return this.reads.spendRaw(dim, fromDay, toDay);
  }

  async totalsRaw(fromDay: DayString, toDay: DayString): Promise<SpendTotals> {
    return this.reads.totalsRaw(fromDay, toDay);
  }

  async reprice(scope: RepriceScope, price: Pricer): Promise<RepriceResult> {
    return this.repricer.reprice(scope, price);
  }

  async previewReprice(scope: RepriceScope, price: Pricer): Promise<RepricePreview> {
    return this.repricer.preview(scope, price);
  }

  costDriftGroups(day: DayString): Promise<DriftGroup[]> {
    return this.drift.groups(day);
  }

  gatewayTraffic(fromMs: number, toMs: number): Promise<GatewayTrafficRow[]> {
    return Promise.resolve(this.traffic(fromMs, toMs));
  }

  /** The timezone the stored days were computed in (null before the first write). */
  storedTimezone(): string | null {
    return this.timezone.stored();
  }

  /**
   * Makes the stored days follow `zoneName` (default: the ledger's zone; another name switches
   * the ledger to it); true when the rows' days and the rollup were recomputed. At start-up.
   */
  ensureTimezone(zoneName?: string): boolean {
    return this.timezone.ensure(zoneName);
  }

  /** Recomputes spend_daily from the usage table (one transaction). */
  rebuildRollup(): void {
    this.timezone.rebuildRollup();
  }
}
