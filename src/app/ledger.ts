// The SQLite ledger as routeops prices it: the built-in catalog, the applied proposals (prices and
// retirements) and the config's pricing and retirements, over one open connection. Built the same way for the bot's services
// (services.ts) and for the ingest worker's own connection (ingest-worker.ts), so an ingested row
// is priced as any other.
import { ConfigError, type Config } from '../config/load.js';
import { CatalogError, type Catalog } from '../domain/catalog/catalog.js';
import { priceUsage, usageForCost } from '../domain/money/cost.js';
import { usdToNusd } from '../domain/money/units.js';
import type { Zone } from '../domain/time/zone.js';
import type { Db } from '../store/open.js';
import { SqliteLedger } from '../store/ledger/sqlite-ledger.js';
import { catalogWith, type AppliedLayer } from '../features/catalog/catalog-holder.js';

/** The built-in catalog, applied proposals and the config's pricing; its problems are config problems (exit 2). */
export function buildCatalog(config: Config, applied: AppliedLayer = { pricing: [], retirements: [] }): Catalog {
  try {
    return catalogWith(config, applied);
  } catch (err) {
    if (err instanceof CatalogError) throw new ConfigError(err.problems, config.source);
    throw err;
  }
}

/** The ledger over `db`, pricing rows with the catalog `catalog` gives at each row, its days in `zone`. */
export function pricedLedger(db: Db, catalog: Catalog | (() => Catalog), zone: Zone): SqliteLedger {
  const current = typeof catalog === 'function' ? catalog : () => catalog;
  return new SqliteLedger({
    db,
    zone,
    price: (row) => priceUsage(current(), row.provider, row.model, usageForCost(row, row.tsMs)),
    usdToNusd,
  });
}
