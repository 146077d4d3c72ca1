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
import type { SqlitePriceProposalStore } from '../store/price-proposals.js';
import { appliedLayer, CatalogHolder, catalogWith, type AppliedLayer } from '../features/catalog/catalog-holder.js';

/** The built-in catalog, applied proposals and the config's pricing; its problems are config problems (exit 2). */
export function buildCatalog(config: Config, applied: AppliedLayer = { pricing: [], retirements: [] }): Catalog {
  try {
    return catalogWith(config, applied);
  } catch (err) {
    if (err instanceof CatalogError) throw new ConfigError(err.problems, config.source);
    throw err;
  }
}

/**
 * The ledger over `db`, pricing rows with the catalog `catalog` gives at each row, its days in
 * `zone`; `beforeWrite` runs first inside each write transaction (followAppliedProposals).
 */
export function pricedLedger(db: Db, catalog: Catalog | (() => Catalog), zone: Zone, beforeWrite?: () => void): SqliteLedger {
  const current = typeof catalog === 'function' ? catalog : () => catalog;
  return new SqliteLedger({
    db,
    zone,
    price: (row) => priceUsage(current(), row.provider, row.model, usageForCost(row, row.tsMs)),
    usdToNusd,
    ...(beforeWrite ? { beforeWrite } : {}),
  });
}

/**
 * The catalog in force with the price proposals applied in the database, and `refresh`, which
 * rebuilds it when one was applied since it last looked (a count and a max id: cheap), by this
 * connection or another (`routeops prices apply` while the bot runs, the bot while the ingest
 * worker runs). Given to pricedLedger as its beforeWrite it runs inside each write transaction,
 * which sees every committed apply: so no row is priced with a catalog that an apply committed
 * before the row's write has replaced. A catalog that will not build is `onError`'s (the catalog
 * in force stays) or, without it, thrown (the write fails, nothing written).
 */
export function followAppliedProposals(
  config: Config,
  proposals: Pick<SqlitePriceProposalStore, 'appliedMarkNow' | 'appliedNow'>,
  onError?: (err: Error) => void,
): { catalogs: CatalogHolder; refresh: () => void } {
  // The mark before the list: an apply in between is seen as new at the next refresh.
  let mark = proposals.appliedMarkNow();
  const catalogs = new CatalogHolder(buildCatalog(config, appliedLayer(proposals.appliedNow())));
  const refresh = () => {
    const now = proposals.appliedMarkNow();
    if (now === mark) return;
    try {
      catalogs.replace(buildCatalog(config, appliedLayer(proposals.appliedNow())));
    } catch (err) {
      if (!onError) throw err;
      onError(err as Error);
    }
    mark = now;
  };
  return { catalogs, refresh };
}
