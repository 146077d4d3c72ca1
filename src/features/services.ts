// The services every command and job receives: passed in, never imported as singletons, so
// tests build them around a temp database and a fixed clock. Built in src/app/services.ts.
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { Catalog } from '../domain/catalog/catalog.js';
import type { Clock } from '../domain/time/clock.js';
import type { Zone } from '../domain/time/zone.js';
import type { LedgerStore } from '../store/ledger.js';
import type { UsageMeter } from '../store/usage-meter.js';
import type { Repositories } from '../store/repositories.js';
import type { ProviderClient } from '../upstream/providers/types.js';
import type { BalanceSource } from '../upstream/balances/types.js';
import type { RouteChecker } from './routecheck/runner.js';
import type { UserTurns } from './ask/user-turns.js';
import type { CatalogHolder } from './catalog/catalog-holder.js';
import type { GatewayKeys } from './gateway/keys.js';

export type { Clock };

export interface Services {
  config: Config;
  /** The catalog in force (catalogs.current): read it at each use, an applied proposal replaces it. */
  readonly catalog: Catalog;
  /** Holds the catalog in force; applying a price proposal replaces it (catalog-holder.ts). */
  catalogs: CatalogHolder;
  ledger: LedgerStore;
  /** Where upstream calls made while running record their usage (survives a locked database). */
  usage: UsageMeter;
  zone: Zone;
  clock: Clock;
  /** This process among those sharing the store (hostname:pid:random): who holds a lease. */
  instance: string;
  log: Logger;
  /** One OpenAI-compatible client per configured provider. */
  providers: Map<string, ProviderClient>;
  /** One prepaid-balance source per provider that has one (config.balances), keys bound. */
  balances: Map<string, BalanceSource>;
  /** Each user's /ask questions in turn when a per-user budget is set (src/features/ask/user-turns.ts). */
  userTurns: UserTurns;
  /** Where features keep their other state: alerts and outbox, job runs, catalog history, route check history, Slack bookkeeping. */
  store: Repositories;
  /** Runs /routecheck (one run per target at a time, so it lives as long as the services). */
  routecheck: RouteChecker;
  /** The gateway's key check and admission (src/features/gateway/keys.ts); made on first use. */
  readonly gatewayKeys: GatewayKeys;
  /** Writes usage rows still waiting, then closes the database (SQLite: done before it returns). */
  close(): Promise<void>;
  /** False once close() ran. */
  isOpen(): boolean;
}
