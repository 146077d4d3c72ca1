// Composition root for the services (src/features/services.ts): opens the store, builds the
// catalog, clients and meter, and hands each feature what it needs.
import { assembleServices, replayLeftJournals, type ServiceOptions } from './assemble-services.js';

export type { ServiceOptions };
import { openDatabase } from '../store/open.js';
import { migrate } from '../store/migrate.js';
import { createUsageMeter } from '../store/usage-meter.js';
import { Journal, journalDir } from '../store/journal.js';
import { buildCatalog, followAppliedProposals, pricedLedger } from './ledger.js';
import { makeZone } from '../domain/time/zone.js';
import type { Clock } from '../domain/time/clock.js';
import type { Services } from '../features/services.js';

export type { Services, Clock };
import { createSqliteRepositories } from '../store/repositories.js';
import { createPriceProposalStore } from '../store/price-proposals.js';

export { buildCatalog };

/** Opens and migrates the database and wires the services around it. */
export function createServices(opts: ServiceOptions): Services {
  const db = openDatabase(opts.dbPath);
  try {
    migrate(db);
    const zone = makeZone(opts.config.timezone);
    // Applied price proposals are part of the catalog (src/features/catalog/catalog-holder.ts),
    // also those another process applies: each write looks (src/app/ledger.ts).
    const { catalogs, refresh } = followAppliedProposals(opts.config, createPriceProposalStore(db), (err) =>
      opts.log.error({ err: err.message }, 'applied price proposals do not build a catalog: prices stay as they were'),
    );
    const ledger = pricedLedger(db, () => catalogs.current, zone, refresh);
    if (ledger.ensureTimezone(zone.name)) opts.log.info({ timezone: zone.name }, 'ledger days recomputed for the configured timezone');
      // Calls and rows a stop or crash could not write are journaled beside the database; what
    // stopped processes left is replayed now (src/store/journal.ts).
    const dir = journalDir(opts.dbPath);
    const journal = dir === null ? undefined : new Journal(dir);
    const usage = createUsageMeter({ db, ledger, log: opts.log, ...(journal ? { journal } : {}) });
    const store = createSqliteRepositories(db, opts.log, journal);
    replayLeftJournals(dir, { usage, store }, opts.log);
    const close = () => {
      if (!db.open) return Promise.resolve();
      usage.flushNow();
      usage.stop();
      store.slack.close();
      try {
        journal?.close();
      } catch (err) {
        opts.log.error({ err: (err as Error).message }, 'journal could not be closed');
      }
      db.close();
      return Promise.resolve();
    };
    return assembleServices({ store, ledger, usage, zone, catalogs, close, isOpen: () => db.open }, opts);
  } catch (err) {
    db.close();
    throw err;
  }
}
