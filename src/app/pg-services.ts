// The services over PostgreSQL (ROUTEOPS_DATABASE_URL), for several replicas sharing one store
// (docs/ARCHITECTURE.md §3.8): the same Services as src/app/services.ts builds over SQLite, with
// the PostgreSQL repositories, ledger and usage meter. The journal of calls and rows not yet
// written stays a local folder (beside ROUTEOPS_DB's path): it is this machine's, replayed by the
// next process started here.
import { hostname } from 'node:os';
import { assembleServices, replayLeftJournals } from './assemble-services.js';
import { ConfigError } from '../config/load.js';
import { makeZone } from '../domain/time/zone.js';
import { priceUsage, usageForCost } from '../domain/money/cost.js';
import { usdToNusd } from '../domain/money/units.js';
import { openPostgres, type PgDb } from '../store/postgres/pool.js';
import { migratePostgres } from '../store/postgres/migrate.js';
import { MigrationError } from '../store/migrate.js';
import { PostgresLedger } from '../store/postgres/ledger/postgres-ledger.js';
import { repriceIn } from '../store/postgres/ledger/reprice.js';
import { createPostgresRepositories } from '../store/postgres/repositories.js';
import { createPgUsageMeter } from '../store/postgres/usage-meter.js';
import { Journal, journalDir } from '../store/journal.js';
import { appliedLayer, CatalogHolder } from '../features/catalog/catalog-holder.js';
import { buildCatalog } from './ledger.js';
import type { ServiceOptions, Services } from './services.js';

/** Connects (exit 2 naming the URL, never its password, when the server cannot be reached), migrates and wires the services. */
export async function createPostgresServices(opts: ServiceOptions & { databaseUrl: string }): Promise<Services> {
  const db = openPostgres(opts.databaseUrl, { applicationName: `routeops ${hostname()}:${process.pid}` });
  try {
    await db.query('SELECT 1');
  } catch (err) {
    await db.close().catch(() => {});
    throw new ConfigError([`ROUTEOPS_DATABASE_URL: cannot reach the database at ${db.safeUrl} (${reason(err)})`], 'environment');
  }
  try {
    return await wire(db, opts);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}

/** The server's words without anything of the URL (pg's messages carry host and user, never the password). */
function reason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = String(e.message ?? err).replace(/postgres(ql)?:\/\/\S+/gi, '(the URL)');
  return typeof e.code === 'string' && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

async function wire(db: PgDb, opts: ServiceOptions): Promise<Services> {
  try {
    await migratePostgres(db);
  } catch (err) {
    // Not a routeops problem but the database's (rights, a full disk): say where, exit 2.
    const why = err instanceof MigrationError ? err.message : reason(err);
    throw new ConfigError([`ROUTEOPS_DATABASE_URL: the database at ${db.safeUrl} could not be migrated (${why})`], 'environment');
  }
  const zone = makeZone(opts.config.timezone);
  const dir = journalDir(opts.dbPath);
  const journal = dir === null ? undefined : new Journal(dir);
  // The ledger's rows are priced with the catalog in force, applied proposals included; each
  // write looks whether one was applied since (by any replica) before it prices a row.
  const store = createPostgresRepositories(db, opts.log, { reprice: repriceIn, ...(journal ? { journal } : {}) });
  let mark = await store.proposals.appliedMark();
  const catalogs = new CatalogHolder(buildCatalog(opts.config, appliedLayer(await store.proposals.applied())));
  const refresh = async () => {
    const now = await store.proposals.appliedMark();
    if (now === mark) return;
    try {
      catalogs.replace(buildCatalog(opts.config, appliedLayer(await store.proposals.applied())));
    } catch (err) {
      opts.log.error({ err: (err as Error).message }, 'applied price proposals do not build a catalog: prices stay as they were');
    }
    mark = now;
  };
  const ledger = new PostgresLedger({
    db,
    zone,
    price: (row) => priceUsage(catalogs.current, row.provider, row.model, usageForCost(row, row.tsMs)),
    usdToNusd,
    beforeWrite: refresh,
  });
  if (await ledger.ensureTimezone(zone.name)) opts.log.info({ timezone: zone.name }, 'ledger days recomputed for the configured timezone');
  const usage = createPgUsageMeter({ ledger, log: opts.log, ...(journal ? { journal } : {}) });
  replayLeftJournals(dir, { usage, store }, opts.log);
  let open = true;
  return assembleServices({
    store,
    ledger,
    usage,
    zone,
    catalogs,
    async close() {
      if (!open) return;
      open = false;
      // What the server takes now goes in; what it cannot stays in the journal for the next start.
      await usage.flush();
      usage.stop();
      await store.slack.drain();
      store.slack.close();
      try {
        journal?.close();
      } catch (err) {
        opts.log.error({ err: (err as Error).message }, 'journal could not be closed');
      }
      await db.close();
    },
    isOpen: () => open,
  }, opts);
}
