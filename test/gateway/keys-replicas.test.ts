// The gateway's admission (src/features/gateway/keys.ts) held across replicas: three GatewayKeys
// on one store — three connections to one SQLite file, or three pools on one PostgreSQL
// database — are three processes serving the gateway, and a key's requests a minute and budget
// hold for all of them together (src/store/key-limits.ts), not three times over. Time is the
// caller's nowMs: no sleeps.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createGatewayKeys, type GatewayKeyInfo, type GatewayKeys } from '../../src/features/gateway/keys.js';
import { makeZone } from '../../src/domain/time/zone.js';
import type { LedgerStore } from '../../src/store/ledger.js';
import { createGatewayKeyStore } from '../../src/store/gateway-keys.js';
import { createKeyLimitStore } from '../../src/store/key-limits.js';
import { SqliteLedger } from '../../src/store/ledger/sqlite-ledger.js';
import { openDatabase } from '../../src/store/open.js';
import { createPgGatewayKeyStore } from '../../src/store/postgres/gateway-keys.js';
import { createPgKeyLimitStore } from '../../src/store/postgres/key-limits.js';
import { PostgresLedger } from '../../src/store/postgres/ledger/postgres-ledger.js';
import { openPostgres } from '../../src/store/postgres/pool.js';
import { row } from '../support/alerts.js';
import { storeTest, type StoreKind } from '../support/both-stores.js';
import { fakePrice, tempDb, usdToNusd } from '../support/ledger-fixtures.js';
import { tempPg } from '../support/postgres.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const zone = makeZone('UTC');

interface Replica {
  keys: GatewayKeys;
  ledger: LedgerStore;
  /** Its connection closes, as when the process is killed (what it held stays in the store). */
  die(): Promise<void>;
}

/** `n` replicas on one store, each on its own connection; spend read fresh at every admission. */
async function replicas(kind: StoreKind, t: TestContext, n: number, holdMs?: number): Promise<Replica[]> {
  const opts = { cacheMs: 0, ...(holdMs === undefined ? {} : { holdMs }) };
  const clock = () => new Date(NOW);
  if (kind === 'sqlite') {
    const tmp = tempDb(t);
    return Array.from({ length: n }, (_, i) => {
      const db = i === 0 ? tmp.db : openDatabase(tmp.path);
      let open = true;
      const die = () => {
        if (open && i > 0) db.close();
        open = false;
        return Promise.resolve();
      };
      t.after(die);
      const ledger = new SqliteLedger({ db, zone, price: fakePrice, usdToNusd });
      const store = { gatewayKeys: createGatewayKeyStore(db), keyLimits: createKeyLimitStore(db) };
      return { keys: createGatewayKeys({ store, ledger, zone, clock, holder: `replica-${i}` }, opts), ledger, die };
    });
  }
  const pg = await tempPg(t);
  return Array.from({ length: n }, (_, i) => {
    const db = openPostgres(pg.url, { max: 4 });
    let open = true;
    const die = async () => {
      if (open) await db.close();
      open = false;
    };
    t.after(die);
    const ledger = new PostgresLedger({ db, zone, price: fakePrice, usdToNusd });
    const store = { gatewayKeys: createPgGatewayKeyStore(db), keyLimits: createPgKeyLimitStore(db) };
    return { keys: createGatewayKeys({ store, ledger, zone, clock, holder: `replica-${i}` }, opts), ledger, die };
  });
}

const key = (over: Partial<GatewayKeyInfo>): GatewayKeyInfo => ({
  id: 1,
  name: 'checkout',
  owner: null,
  aliases: [],
  providerModels: false,
  budgetDailyNano: null,
  budgetMonthlyNano: null,
  rpm: null,
  expiresAtMs: null,
  ...over,
});

/** A gateway call of key `name` costing `nano` in the ledger (the fake pricer: input tokens in nano-USD). */
const spent = (r: Replica, name: string, nano: number) => r.ledger.record([row('2026-11-23T11:00:00Z', 'sim', 'paid-model', { user: name, input_tokens: nano, output_tokens: 0 })], 'gateway');

storeTest('three replicas admit a key with rpm 10 exactly 10 times in a minute, together; the next minute 10 again', async (kind, t) => {
  const rs = await replicas(kind, t, 3);
  const k = key({ rpm: 10 });
  const first = await Promise.all(Array.from({ length: 30 }, (_, i) => rs[i % 3]!.keys.admit(k, NOW + i * 100)));
  assert.equal(first.filter((a) => a.ok).length, 10, 'not 10 per replica');
  const late = await rs[2]!.keys.admit(k, NOW + 59_999);
  assert.ok(!late.ok && late.type === 'rate_limit_exceeded');
  assert.match(late.message, /^Key "checkout" is limited to 10 requests a minute; retry in \d+ s\.$/);
  // Every admission above is 60 s old by NOW + 62,900.
  const next = await Promise.all(Array.from({ length: 30 }, (_, i) => rs[i % 3]!.keys.admit(k, NOW + 62_900 + i)));
  assert.equal(next.filter((a) => a.ok).length, 10);
});

storeTest('a budget held by calls in flight on two replicas refuses on the third, and admits there once they end', async (kind, t) => {
  const [a, b, c] = await replicas(kind, t, 3);
  const k = key({ budgetDailyNano: 1_000_000_000n });
  // One call of $0.30 so far: its cost is the key's average, and the ledger has its row.
  const past = await a!.keys.admit(k, NOW);
  assert.ok(past.ok);
  await past.settle(300_000_000n);
  await spent(a!, 'checkout', 300_000_000);
  // $0.70 left: two calls in flight on a and one on b are expected to take $0.90 of it.
  const inFlight = [await a!.keys.admit(k, NOW + 1), await a!.keys.admit(k, NOW + 2), await b!.keys.admit(k, NOW + 3)];
  assert.ok(inFlight.every((x) => x.ok));
  const refused = await c!.keys.admit(k, NOW + 4);
  assert.deepEqual(refused, {
    ok: false,
    status: 429,
    type: 'insufficient_quota',
    code: 'budget_exceeded',
    message: 'Key "checkout" has its daily budget taken: $0.30 spent on 2026-11-23 and about $0.90 held by calls in flight, of $1.00; retry in a moment.',
    retryAfterS: 1,
  });
  // a's two calls fail (no cost): b's one call holds $0.30 of the $0.70.
  for (const x of inFlight.slice(0, 2)) if (x.ok) await x.settle(null);
  assert.equal((await c!.keys.admit(k, NOW + 5)).ok, true);
});

storeTest('a replica killed holding calls of a budgeted key stops holding them once their holds lapse', async (kind, t) => {
  const [a, b] = await replicas(kind, t, 2, 30_000);
  const k = key({ budgetMonthlyNano: 50_000_000_000n });
  // No cost known yet: at most 4 in flight, all of them on a, which then dies without ending them.
  for (let i = 0; i < 4; i++) assert.equal((await a!.keys.admit(k, NOW + i)).ok, true);
  await a!.die();
  const held = await b!.keys.admit(k, NOW + 29_000);
  assert.deepEqual(held, {
    ok: false,
    status: 429,
    type: 'rate_limit_exceeded',
    code: 'rate_limit_exceeded',
    message: 'Key "checkout" has a budget and 4 calls in flight whose cost is not known yet; retry in 1 s.',
    retryAfterS: 1,
  });
  // Admitted at NOW .. NOW + 3, held 30 s each.
  assert.equal((await b!.keys.admit(k, NOW + 30_003)).ok, true);
});
