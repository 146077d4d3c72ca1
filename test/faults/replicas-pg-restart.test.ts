// PostgreSQL restarted (pg_ctl -m fast, then started again on the same port) under two routeops
// replicas serving the gateway. Calls that end while the server is down have their rows kept
// (in memory and in each replica's journal: src/store/postgres/retry-writes.ts, usage-meter.ts)
// and written once it is back; a replica stopped while it is down keeps them in its journal and
// writes them at its next start. The replicas reconnect by themselves. Nothing is lost: every
// call the provider received is one ledger row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPO_ROOT, type BotProcess } from '../support/bot-process.js';
import { rigConfig, until } from '../support/fault-rig.js';
import { servedCallIds } from '../support/ledger-invariants.js';
import { assertPgLedgerInvariants, untilRecorded } from '../support/pg-ledger-invariants.js';
import { completeCall, createKeyWithCli, gatewayClient, startReplicaRig } from '../support/replicas.js';

/** scripts/postgres-server.js's server: this test stops and starts its own, never the suite's. */
interface PgServer {
  url: string;
  stop(): void;
  pause(): Promise<void>;
  resume(): Promise<void>;
}

async function startOwnPostgres(): Promise<PgServer> {
  const { startPostgres } = (await import(`${REPO_ROOT}scripts/postgres-server.js`)) as { startPostgres(): Promise<PgServer> };
  return startPostgres();
}

const KEY_NAME = 'orders-svc';
const unreachable = (bot: BotProcess, mark: number) => bot.waitForLog((l) => l.msg === 'database unreachable: usage rows wait in memory and are retried' && bot.logs.indexOf(l) >= mark, 'the meter waiting for the database');

test('PostgreSQL restarted under two replicas: rows of calls that ended while it was down are written once it is back (and from the journal of a replica stopped meanwhile), the replicas reconnect, rows equal calls received', { timeout: 120_000 }, async (t) => {
  const server = await startOwnPostgres();
  t.after(() => server.stop());
  const rig = await startReplicaRig(t, {
    databaseUrl: server.url,
    config: (sim) =>
      rigConfig(sim, {
        gateway: { enabled: true },
        models: {
          held: { routes: [{ provider: 'deepseek', model: 'deepseek-v4-flash' }] },
          quick: { routes: [{ provider: 'qwen-intl', model: 'qwen-plus' }] },
        },
      }),
  });
  rig.sim.setFaults('deepseek', { neverEnd: true });
  const key = await createKeyWithCli(rig, KEY_NAME);
  const replicas = await Promise.all([0, 1].map((i) => rig.start(i)));
  const clients = replicas.map((r) => gatewayClient(r, key));
  const burst = (from: number, on: typeof clients) => Promise.all(Array.from({ length: 8 }, (_, i) => completeCall(on[i % on.length]!, 'quick', from + i, i % 4 >= 2)));

  const before = await burst(0, clients);
  assert.ok(before.every((o) => o.ok), 'answered before the restart');
  // Calls under way when the server goes down: each replica streams 3, the client ends them while it is down.
  const HELD = 3;
  const stops = replicas.map(() => new AbortController());
  const held = replicas.flatMap((_, r) => Array.from({ length: HELD }, (_, i) => completeCall(clients[r]!, 'held', 100 + r * 10 + i, i !== 0, stops[r]!.signal)));
  await until(() => rig.sim.requests.filter((q) => q.profile === 'deepseek').length >= HELD * replicas.length);

  await server.pause();
  const marks = replicas.map((b) => b.logs.length);
  for (const s of stops) s.abort();
  assert.ok((await Promise.all(held)).every((o) => !o.ok), 'the held calls ended by the client');
  // Each replica's gateway recorded its calls' rows; the database cannot take them.
  await Promise.all(replicas.map((b, i) => unreachable(b, marks[i]!)));
  // A call that comes while the server is down is refused before it reaches a provider (the key cannot be checked).
  const receivedBefore = rig.sim.requests.length;
  const refused = await fetch(`${replicas[0]!.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'quick', messages: [{ role: 'user', content: 'while the database is down' }] }) });
  const refusal = await refused.text();
  t.diagnostic(`a call while the database is down: HTTP ${refused.status} ${refusal}`);
  assert.match(refusal, /"code":"database_unavailable"/);
  assert.equal(refused.status, 503, 'refused as unavailable, which clients retry');
  assert.equal(refused.headers.get('retry-after'), '5');
  assert.equal(rig.sim.requests.length, receivedBefore, 'nothing sent upstream');
  // Replica 1 is stopped meanwhile: its rows stay in its journal.
  assert.deepEqual(await replicas[1]!.kill('SIGTERM'), { code: 0, signal: null });
  const kept = replicas[1]!.logs.find((l) => l.msg === 'database unreachable at stop: usage rows kept in the journal, recorded at the next start');
  assert.equal(kept?.rows, HELD, `replica 1 kept its ${HELD} rows in its journal`);

  await server.resume();
  // Replica 0 writes what waited in memory by itself; replica 1 replays its journal at its start.
  await replicas[0]!.waitForLog((l) => l.msg === 'usage rows waiting for the database are recorded', 'the waiting rows written');
  const second = await rig.start(1);
  const replay = await second.waitForLog((l) => l.msg === 'journal of a stopped process replayed', 'the journal replay');
  assert.equal(replay.rows, HELD, 'the rows journaled at the stop');

  const after = await burst(50, [gatewayClient(replicas[0]!, key), gatewayClient(second, key)]);
  assert.deepEqual(after.filter((o) => !o.ok), [], 'both replicas answer after the restart');

  const served = servedCallIds(rig.sim.requests);
  await untilRecorded(server.url, served);
  const facts = await assertPgLedgerInvariants(server.url, served, { noKills: true });
  const heldIds = rig.sim.requests.filter((q) => q.profile === 'deepseek').map((q) => q.headers['x-client-request-id']!);
  const byId = new Map(facts.rows.map((r) => [r.call_id, r]));
  for (const id of heldIds) assert.deepEqual([byId.get(id)?.source, byId.get(id)?.route], ['gateway', 'held'], `the held call ${id} has its row`);
  t.diagnostic(`calls received ${served.length}, rows ${facts.rows.length}; held rows: ${heldIds.map((id) => byId.get(id)?.status).join(', ')}`);

  for (const b of [replicas[0]!, second]) assert.deepEqual(await b.kill('SIGTERM'), { code: 0, signal: null });
  assert.equal((await assertPgLedgerInvariants(server.url, served, { noKills: true })).rows.length, facts.rows.length, 'the stops added nothing');
});
