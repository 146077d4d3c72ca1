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
import { followAppliedProposals, pricedLedger } from './ledger.js';
import { createPriceProposalStore } from '../store/price-proposals.js';
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
// Applied price proposals are part of the catalog: looked up inside each body's write transaction
// (a count and a max id), and the catalog rebuilt when one was applied since, so rows are priced
// as the bot prices them, even a body that waited for the lock while a proposal was applied.
const { catalogs, refresh } = followAppliedProposals(config as Config, createPriceProposalStore(db));
const ledger = pricedLedger(db, () => catalogs.current, makeZone(config.timezone), refresh);

// One body at a time, in the order they arrive (messages are handled one after another).
port.on('message', (m: IngestRequest | 'close') => {
  if (m === 'close') {
    db.close();
    port.close();
    return;
  }
  const reply = (r: IngestReply) => port.postMessage(r);
  ingestUsageText(ledger, bodyText(m.body)).then(
    (outcome) => reply({ id: m.id, outcome }),
    (err: unknown) => reply({ id: m.id, error: (err as Error).message ?? String(err) }),
  );
});
