// The part of the services that does not depend on the store behind them (SQLite: services.ts,
// PostgreSQL: pg-services.ts): clock, this process's name among those sharing the store,
// provider clients, balance sources, /ask turns, the route checker and the gateway's keys.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Repositories } from '../store/repositories.js';
import type { LedgerStore } from '../store/ledger.js';
import type { UsageMeter } from '../store/usage-meter.js';
import { replayJournals } from '../store/replay-journal.js';
import type { Zone } from '../domain/time/zone.js';
import type { CatalogHolder } from '../features/catalog/catalog-holder.js';
import { createProviderClients } from '../upstream/providers/client.js';
import { createBalanceSources } from '../upstream/balances/index.js';
import { RouteChecker } from '../features/routecheck/runner.js';
import { UserTurns } from '../features/ask/user-turns.js';
import { leaseDeps } from '../features/lease.js';
import { createGatewayKeys, type GatewayKeys } from '../features/gateway/keys.js';
import type { Config } from '../config/load.js';
import type { Clock } from '../domain/time/clock.js';
import type { Services } from '../features/services.js';

export interface ServiceOptions {

  config: Config;
  dbPath: string;
  log: Logger;
  clock?: Clock;
  /** The raw environment, where provider API keys are read (by each provider's api_key_env). */
  secrets?: NodeJS.ProcessEnv;
}

export interface StoreParts {
  store: Repositories;
  ledger: LedgerStore;
  usage: UsageMeter;
  zone: Zone;
  catalogs: CatalogHolder;
  close(): Promise<void>;
  isOpen(): boolean;
}

/** What stopped processes left in their journals goes in through this process's meter (src/store/replay-journal.ts); a failure leaves it for the next start. */
export function replayLeftJournals(dir: string | null, parts: Pick<StoreParts, 'usage' | 'store'>, log: Logger): void {
  if (dir === null) return;
  try {
    replayJournals(dir, { usage: parts.usage, slack: parts.store.slack, log });
  } catch (err) {
    log.error({ err: (err as Error).message, journal: dir }, 'journal could not be replayed');
  }
}

export function assembleServices(parts: StoreParts, opts: ServiceOptions): Services {
  const { store, ledger, usage, zone, catalogs } = parts;
  const clock = opts.clock ?? (() => new Date());
  const instance = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const providers = createProviderClients(opts.config.providers, opts.secrets ?? {});
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
    close: parts.close,
    isOpen: parts.isOpen,
  };
}
