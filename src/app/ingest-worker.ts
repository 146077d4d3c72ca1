// The ingest worker thread (started by ingest.ts): POST /v1/usage bodies are decoded, parsed and
// written here, on a connection of its own, so the bot's event loop never waits for them. It
// waits for the write lock at most INGEST_LOCK_WAIT_MS (docs/ARCHITECTURE.md §3.3): a database
// locked longer than that is answered `busy` and nothing is written.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/load.js';
import { makeZone } from '../domain/time/zone.js';
import { openDatabase } from '../store/open.js';
import { bodyText, ingestUsageText } from '../features/ledger/ingest.js';
import { buildCatalog, pricedLedger } from './ledger.js';
import type { Catalog } from '../domain/catalog/catalog.js';
import { createPriceProposalStore } from '../store/price-proposals.js';
import { appliedLayer } from '../features/catalog/catalog-holder.js';
import type { IngestReply, IngestRequest, IngestWorkerData } from './ingest.js';

const { dbPath, config, lockWaitMs } = workerData as IngestWorkerData;
// On Linux the nice value is per thread (setpriority(2)): this thread yields the CPU to the bot's
// when both want it, so on a busy machine an ingest slows down rather than the acks. (Elsewhere
// it would lower the whole process: left alone.)
if (process.platform === 'linux') {
  try {
    setPriority(0, 10);
  } catch {
    /* not permitted: run at the normal priority */
  }
}
const port = parentPort!;
const db = openDatabase(dbPath, { busyTimeoutMs: lockWaitMs });
// The bot's connection migrated the database and set the ledger's time zone before this started.
// Applied price proposals are part of the catalog: looked up before each body (a count and a max
// id), and the catalog rebuilt when one was applied since, so rows are priced as the bot prices them.
const proposals = createPriceProposalStore(db);
let appliedMark = '';
let catalog: Catalog | null = null;
const currentCatalog = (): Catalog => {
  const mark = proposals.appliedMark();
  if (catalog === null || mark !== appliedMark) {
    catalog = buildCatalog(config as Config, appliedLayer(proposals.appliedNow()));
    appliedMark = mark;
  }
  return catalog;
};
let batchCatalog = currentCatalog();
const ledger = pricedLedger(db, () => batchCatalog, makeZone(config.timezone));

// One body at a time, in the order they arrive (messages are handled one after another).
port.on('message', (m: IngestRequest | 'close') => {
  if (m === 'close') {
    db.close();
    port.close();
    return;
  }
  const reply = (r: IngestReply) => port.postMessage(r);
  try {
    batchCatalog = currentCatalog();
  } catch (err) {
    reply({ id: m.id, error: (err as Error).message });
    return;
  }
  ingestUsageText(ledger, bodyText(m.body)).then(
    (outcome) => reply({ id: m.id, outcome }),
    (err: unknown) => reply({ id: m.id, error: (err as Error).message ?? String(err) }),
  );
});
