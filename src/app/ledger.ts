// The SQLite ledger as routeops prices it: the built-in catalog plus the config's pricing, over
// one open connection. Built the same way for the bot's services (services.ts) and for the
// ingest worker's own connection (ingest-worker.ts), so an ingested row is priced as any other.
import { ConfigError, type Config } from '../config/load.js';
import { Catalog, CatalogError } from '../domain/catalog/catalog.js';
import { BUILTIN_CATALOG } from '../domain/catalog/builtin.js';
import { priceUsage, usageForCost } from '../domain/money/cost.js';
import { usdToNusd } from '../domain/money/units.js';
import type { Zone } from '../domain/time/zone.js';
import type { Db } from '../store/open.js';
import { SqliteLedger } from '../store/ledger/sqlite-ledger.js';

/** The built-in catalog plus the config's pricing; its problems are config problems (exit 2). */
export function buildCatalog(config: Config): Catalog {
  try {
    return new Catalog(BUILTIN_CATALOG, config.pricing, config.retirements);
  } catch (err) {
    if (err instanceof CatalogError) throw new ConfigError(err.problems, config.source);
    throw err;
  }
}

/** The ledger over `db`, pricing rows with `catalog`, its days in `zone`. */
export function pricedLedger(db: Db, catalog: Catalog, zone: Zone): SqliteLedger {
  return new SqliteLedger({
    db,
    zone,
    price: (row) => priceUsage(catalog, row.provider, row.model, usageForCost(row, row.tsMs)),
    usdToNusd,
  });
}
