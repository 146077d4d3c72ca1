// The services every command and job receives (the ctx of ARCHITECTURE §2): passed in,
// never imported as singletons, so tests build them around a temp database and a fixed clock.
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import { ConfigError, type Config } from './config/load.js';
import { Catalog, CatalogError } from './catalog/catalog.js';
import { BUILTIN_CATALOG } from './catalog/builtin.js';
import { openDatabase } from './db/open.js';
import { migrate } from './db/migrate.js';
import { Ledger } from './ledger/ledger.js';
import { createUsageMeter, type UsageMeter } from './ledger/meter.js';
import { priceUsage, usageForCost } from './money/cost.js';
import { usdToNusd } from './money/units.js';
import { makeZone, type Zone } from './time/zone.js';
import { createProviderClients } from './providers/client.js';
import type { ProviderClient } from './providers/types.js';
import { RouteChecker } from './routecheck/runner.js';
import { UserTurns } from './ask/user-turns.js';

export type Clock = () => Date;

export interface Services {
  config: Config;
  db: Database;
  catalog: Catalog;
  ledger: Ledger;
  /** Where upstream calls made while running record their usage (survives a locked database). */
  usage: UsageMeter;
  zone: Zone;
  clock: Clock;
  log: Logger;
  /** One OpenAI-compatible client per configured provider. */
  providers: Map<string, ProviderClient>;
  /** Each user's /ask questions in turn when a per-user budget is set (src/ask/user-turns.ts). */
  userTurns: UserTurns;
  /** Runs /routecheck (one run per target at a time, so it lives as long as the services). */
  routecheck: RouteChecker;
  /** Writes usage rows still waiting, then closes the database. */
  close(): void;
}

/** The built-in catalog plus the config's pricing; its problems are config problems (exit 2). */
export function buildCatalog(config: Config): Catalog {
  try {
    return new Catalog(BUILTIN_CATALOG, config.pricing, config.retirements);
  } catch (err) {
    if (err instanceof CatalogError) throw new ConfigError(err.problems, config.source);
    throw err;
  }
}

export interface ServiceOptions {
  config: Config;
  dbPath: string;
  log: Logger;
  clock?: Clock;
  /** The raw environment, where provider API keys are read (by each provider's api_key_env). */
  secrets?: NodeJS.ProcessEnv;
}

/** Opens and migrates the database and wires the services around it. */
export function createServices(opts: ServiceOptions): Services {
  const db = openDatabase(opts.dbPath);
  try {
    migrate(db);
    const zone = makeZone(opts.config.timezone);
    const catalog = buildCatalog(opts.config);
    const ledger = new Ledger({
      db,
      zone,
      price: (row) => priceUsage(catalog, row.provider, row.model, usageForCost(row, row.tsMs)),
      usdToNusd,
    });
    if (ledger.ensureTimezone(zone.name)) opts.log.info({ timezone: zone.name }, 'ledger days recomputed for the configured timezone');
    const providers = createProviderClients(opts.config.providers, opts.secrets ?? {});
    const usage = createUsageMeter({ db, ledger, log: opts.log });
    const close = () => {
      if (!db.open) return;
      usage.flush();
      usage.stop();
      db.close();
    };
    const services: Omit<Services, 'routecheck'> & { routecheck?: RouteChecker } = {
      config: opts.config,
      db,
      catalog,
      ledger,
      usage,
      zone,
      clock: opts.clock ?? (() => new Date()),
      log: opts.log,
      providers,
      userTurns: new UserTurns(),
      close,
    };
    services.routecheck = new RouteChecker(services as Services);
    return services as Services;
  } catch (err) {
    db.close();
    throw err;
  }
}
