// Key limits benchmark (`npm run bench:key-limits`): what holding a gateway key's requests a
// minute and budget in the store (src/store/key-limits.ts) costs an admission, on SQLite and on
// PostgreSQL, printed beside a key without limits (no store call). Prints, asserts nothing.
// Each case runs GatewayKeys.admit (and, for a budgeted key, settle) CONCURRENCY at a time:
// - SQLite: one connection (one process), and three connections on one file;
// - PostgreSQL: one pool (one replica) and three pools (three replicas) on one database, all
//   admitting for the same key, so they take turns at its lock: the cost of coordination.
// Figures: admissions/s, this process's CPU a call (µs), the PostgreSQL backends' CPU a call (µs,
// from /proc: the server runs on this machine), and the latency of an admission (p50/p99).
// PostgreSQL: KEY_LIMITS_BENCH_DATABASE_URL or ROUTEOPS_TEST_DATABASE_URL (a server the bench
// may create a database on; `node scripts/postgres-server.js` starts one); without it, SQLite only.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createGatewayKeys, type GatewayKeyInfo, type GatewayKeys } from '../src/features/gateway/keys.js';
import { makeZone } from '../src/domain/time/zone.js';
import { createGatewayKeyStore } from '../src/store/gateway-keys.js';
import { createKeyLimitStore } from '../src/store/key-limits.js';
import { SqliteLedger } from '../src/store/ledger/sqlite-ledger.js';
import { openDatabase } from '../src/store/open.js';
import { migrate } from '../src/store/migrate.js';
import { createPgGatewayKeyStore } from '../src/store/postgres/gateway-keys.js';
import { createPgKeyLimitStore } from '../src/store/postgres/key-limits.js';
import { PostgresLedger } from '../src/store/postgres/ledger/postgres-ledger.js';
import { openPostgres, type PgDb } from '../src/store/postgres/pool.js';
import { fakePrice, usdToNusd } from '../test/support/ledger-fixtures.js';
import { tempPg } from '../test/support/postgres.js';
import { tempDir } from '../test/support/temp.js';
import { percentile } from './stats.js';

const CALLS = Number(process.env.KEY_LIMITS_BENCH_CALLS ?? 20_000);
const CONCURRENCY = Number(process.env.KEY_LIMITS_BENCH_CONCURRENCY ?? 8);
const zone = makeZone('UTC');
const NOW = Date.now();

const key = (over: Partial<GatewayKeyInfo>): GatewayKeyInfo => ({ id: 1, name: 'bench', owner: null, aliases: [], providerModels: false, budgetDailyNano: null, budgetMonthlyNano: null, rpm: null, expiresAtMs: null, ...over });
const KEYS = {
  'no limits': key({}),
  // An rpm no bench reaches in its minute: every admission takes a slot, none is refused.
  'rpm': key({ rpm: 10_000_000 }),
  'rpm + budget': key({ rpm: 10_000_000, budgetDailyNano: 10n ** 15n }),
};

const cpuTicksOf = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
};

interface Row {
  store: string;
  replicas: number;
  key: string;
  perS: number;
  cpuUs: number;
  serverUs: number | null;
  p50: number;
  p99: number;
}

async function run(store: string, replicas: GatewayKeys[], keyName: keyof typeof KEYS, serverCpuMs: () => Promise<number | null>): Promise<Row> {
  const k = { ...KEYS[keyName], name: `bench-${store}-${replicas.length}-${keyName}` };
  const lat: number[] = [];
  let next = 0;
  const worker = async (w: number, calls: number) => {
    while (next < calls) {
      const i = next++;
      const t0 = performance.now();
      const a = await replicas[(w + i) % replicas.length]!.admit(k, NOW + i);
      if (!a.ok) throw new Error(`refused: ${a.message}`);
      await a.settle(1_000n);
      lat.push(performance.now() - t0);
    }
  };
  // One call first, so a budgeted key's average cost is known (else 4 in flight at most); a
  // warm-up; then the measured calls.
  await worker(0, 1);
  next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w, 500)));
  next = 0;
  lat.length = 0;
  const server0 = await serverCpuMs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w, CALLS)));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const server1 = await serverCpuMs();
  return {
    store,
    replicas: replicas.length,
    key: keyName,
    perS: Math.round((CALLS / wall) * 1000),
    cpuUs: Math.round((cpu.user + cpu.system) / CALLS),
    serverUs: server0 === null || server1 === null ? null : Math.round(((server1 - server0) * 1000) / CALLS),
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
  };
}

const rows: Row[] = [];
const tmp = tempDir('routeops-bench-key-limits-');
{
  const dbs = [0, 1, 2].map(() => openDatabase(tmp.dbPath));
  migrate(dbs[0]!);
  const keysOn = (db: (typeof dbs)[number], i: number) =>
    createGatewayKeys({ store: { gatewayKeys: createGatewayKeyStore(db), keyLimits: createKeyLimitStore(db) }, ledger: new SqliteLedger({ db, zone, price: fakePrice, usdToNusd }), zone, clock: () => new Date(), holder: `bench-${i}` });
  for (const n of [1, 3]) {
    const replicas = dbs.slice(0, n).map(keysOn);
    for (const k of Object.keys(KEYS) as (keyof typeof KEYS)[]) rows.push(await run('sqlite', replicas, k, () => Promise.resolve(null)));
  }
  for (const db of dbs) db.close();
}
const pgUrl = process.env.KEY_LIMITS_BENCH_DATABASE_URL ?? process.env.ROUTEOPS_TEST_DATABASE_URL;
if (pgUrl) {
  process.env.ROUTEOPS_TEST_DATABASE_URL = pgUrl;
  const cleanups: (() => unknown)[] = [];
  const pg = await tempPg({ after: (fn) => cleanups.push(fn) });
  const pools: PgDb[] = [0, 1, 2].map((i) => openPostgres(pg.url, { max: CONCURRENCY, applicationName: `key-limits-bench-${i}` }));
  const backends = async () => {
    const pids = await pg.db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'key-limits-bench-%'");
    try {
      return pids.reduce((sum, p) => sum + cpuTicksOf(p.pid), 0);
    } catch {
      return null; // a backend ended between the two reads
    }
  };
  const keysOn = (db: PgDb, i: number) =>
    createGatewayKeys({ store: { gatewayKeys: createPgGatewayKeyStore(db), keyLimits: createPgKeyLimitStore(db) }, ledger: new PostgresLedger({ db, zone, price: fakePrice, usdToNusd }), zone, clock: () => new Date(), holder: `bench-${i}` });
  for (const n of [1, 3]) {
    const replicas = pools.slice(0, n).map(keysOn);
    for (const k of Object.keys(KEYS) as (keyof typeof KEYS)[]) rows.push(await run('postgres', replicas, k, backends));
  }
  await Promise.all(pools.map((p) => p.close()));
  for (const fn of cleanups.reverse()) await fn();
} else {
  console.log('PostgreSQL: skipped (set KEY_LIMITS_BENCH_DATABASE_URL or ROUTEOPS_TEST_DATABASE_URL)');
}
tmp.cleanup();

console.log(`Key limits: GatewayKeys.admit + settle, ${CALLS} calls, ${CONCURRENCY} at a time, one key`);
console.log('store     replicas  key            admits/s  client CPU µs/call  server CPU µs/call  p50 ms  p99 ms');
for (const r of rows) {
  console.log(
    `${r.store.padEnd(9)} ${String(r.replicas).padStart(8)}  ${r.key.padEnd(13)} ${String(r.perS).padStart(9)}  ${String(r.cpuUs).padStart(18)}  ${(r.serverUs === null ? '-' : String(r.serverUs)).padStart(18)}  ${r.p50.toFixed(3).padStart(6)}  ${r.p99.toFixed(3).padStart(6)}`,
  );
}
