// The /spend side of the re-pricing benchmark (bench/reprice.ts): a worker thread with its own
// connection asks for a week's spend by provider over and over until told to stop, and reports
// how long each answer took. Under WAL a reader is never blocked by the writer's transaction.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../src/store/open.js';
import { SqliteLedger } from '../src/store/ledger/sqlite-ledger.js';
import { makeZone } from '../src/domain/time/zone.js';
import { usdToNusd } from '../src/domain/money/units.js';

const { dbPath, fromDay, toDay } = workerData as { dbPath: string; fromDay: string; toDay: string };
const db = openDatabase(dbPath);
const ledger = new SqliteLedger({ db, zone: makeZone('UTC'), price: () => ({ cost_nusd: null, price_version: null }), usdToNusd });
const times: number[] = [];
let stop = false;
parentPort!.on('message', (m) => {
  if (m === 'stop') stop = true;
});
parentPort!.postMessage('ready');
const loop = async (): Promise<void> => {
  while (!stop) {
    const t0 = performance.now();
    await ledger.spendRollup('provider', fromDay, toDay);
    await ledger.totals(fromDay, toDay);
    times.push(performance.now() - t0);
    await new Promise((r) => setImmediate(r));
  }
  db.close();
  parentPort!.postMessage(times);
};
void loop();
