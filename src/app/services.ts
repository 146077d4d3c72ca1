// Composition root for the services (src/features/services.ts): opens the store, builds the
// catalog, clients and meter, and hands each feature what it needs.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { openDatabase } from '../store/open.js';
import { migrate } from '../store/migrate.js';
import { createUsageMeter } from '../store/usage-meter.js';
import { Journal, journalDir } from '../store/journal.js';
import { replayJournals } from '../store/replay-journal.js';
import { buildCatalog, followAppliedProposals, pricedLedger } from './ledger.js';
import { makeZone } from '../domain/time/zone.js';
import type { Clock } from '../domain/time/clock.js';
import type { Services } from '../features/services.js';

export type { Services, Clock };
import { createSqliteRepositories } from '../store/repositories.js';
import { createPriceProposalStore } from '../store/price-proposals.js';
import { createProviderClients } from '../upstream/providers/client.js';
import { createBalanceSources } from '../upstream/balances/index.js';
import { RouteChecker } from '../features/routecheck/runner.js';
import { UserTurns } from '../features/ask/user-turns.js';
import { leaseDeps } from '../features/lease.js';
import { createGatewayKeys, type GatewayKeys } from '../features/gateway/keys.js';

export { buildCatalog };

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
    // Applied price proposals are part of the catalog (src/features/catalog/catalog-holder.ts),
    // also those another process applies: each write looks (src/app/ledger.ts).
    const { catalogs, refresh } = followAppliedProposals(opts.config, createPriceProposalStore(db), (err) =>
      opts.log.error({ err: err.message }, 'applied price proposals do not build a catalog: prices stay as they were'),
    );
    const ledger = pricedLedger(db, () => catalogs.current, zone, refresh);
    if (ledger.ensureTimezone(zone.name)) opts.log.info({ timezone: zone.name }, 'ledger days recomputed for the configured timezone');
    const providers = createProviderClients(opts.config.providers, opts.secrets ?? {});
    // Calls and rows a stop or crash could not write are journaled beside the database; what
    // stopped processes left is replayed now (src/store/journal.ts).
    const dir = journalDir(opts.dbPath);
    const journal = dir === null ? undefined : new Journal(dir);
    const usage = createUsageMeter({ db, ledger, log: opts.log, ...(journal ? { journal } : {}) });
    const store = createSqliteRepositories(db, opts.log, journal);
    if (dir !== null) {
      try {
        replayJournals(dir, { usage, slack: store.slack, log: opts.log });
      } catch (err) {
        // Left in place for the next start; routeops still starts.
        opts.log.error({ err: (err as Error).message, journal: dir }, 'journal could not be replayed');
      }
    }
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
    const clock = opts.clock ?? (() => new Date());
    const instance = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    let gatewayKeys: GatewayKeys | undefined;
    return {
      config: opts.config,
      store,
      get catalog() {
        return catalogs.current;
      },
      catalogs,
      ledger,
      usage,
      zone,
      clock,
      instance,
      log: opts.log,
      providers,
      balances: createBalanceSources(opts.config.balances, opts.secrets ?? {}),
      userTurns: new UserTurns({ lease: leaseDeps(store.leases, instance, clock, opts.log, '/ask turn') }),
      routecheck: new RouteChecker({
        config: opts.config,
        get catalog() {
          return catalogs.current;
        },
        clock,
        providers,
        usage,
        history: store.routecheck,
        lease: leaseDeps(store.leases, instance, clock, opts.log, 'route check'),
      }),
      // Its key cache and spend copy live as long as the services; most commands never need them.
      get gatewayKeys() {
        return (gatewayKeys ??= createGatewayKeys({ store, ledger, zone, clock, holder: instance, log: opts.log }));
      },
      close,
      isOpen: () => db.open,
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
