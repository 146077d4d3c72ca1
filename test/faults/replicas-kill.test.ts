// Three real routeops replicas on one PostgreSQL database serving the gateway; one is killed
// (SIGKILL) in the middle of a burst of calls spread over all three, and started again on its
// own machine's folder. Each replica journals a call before sending it (docs/ARCHITECTURE.md
// "Nothing lost"), so the restarted one records what its predecessor had under way as
// interrupted rows; the others write their rows as usual. Every call the provider received is
// one row of the one ledger, and the spend report is the same from any replica.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedCallIds } from '../support/ledger-invariants.js';
import { assertPgLedgerInvariants, untilRecorded } from '../support/pg-ledger-invariants.js';
import { tempPg } from '../support/postgres.js';
import { completeCall, createKeyWithCli, gatewayClient, startReplicaRig } from '../support/replicas.js';
import { rigConfig, until } from '../support/fault-rig.js';

const KEY_NAME = 'orders-svc';

test('three replicas on one database, one SIGKILLed mid-burst and restarted: every call received is one ledger row, its calls under way interrupted, spend the same from every replica', { timeout: 60_000 }, async (t) => {
  const pg = await tempPg(t);
  const rig = await startReplicaRig(t, {
    databaseUrl: pg.url,
    config: (sim) =>
      rigConfig(sim, {
        gateway: { enabled: true },
        models: {
          // `held` never ends (the simulator's deepseek is told so); `quick` answers at once (qwen).
          held: { routes: [{ provider: 'deepseek', model: 'deepseek-v4-flash' }] },
          quick: { routes: [{ provider: 'qwen-intl', model: 'qwen-plus' }] },
        },
      }),
  });
  rig.sim.setFaults('deepseek', { neverEnd: true });
  const key = await createKeyWithCli(rig, KEY_NAME);
  const replicas = await Promise.all([0, 1, 2].map((i) => rig.start(i)));
  const clients = replicas.map((r) => gatewayClient(r, key));
  const victim = replicas[0]!;

  // Calls held open on the replica that will die: under way at the kill, whatever the burst does.
  const HELD = 4;
  const held = Array.from({ length: HELD }, (_, i) => completeCall(clients[0]!, 'held', 1000 + i, i % 2 === 1));
  // The burst: 4 lanes a replica, one call after another, plain and streamed in turn, 8 calls a lane.
  const LANES = 4;
  const PER_LANE = 8;
  let done = 0;
  const burst = replicas.flatMap((_, r) =>
    Array.from({ length: LANES }, async (_, lane) => {
      const outcomes = [];
      for (let n = 0; n < PER_LANE; n++) {
        const i = (r * LANES + lane) * PER_LANE + n;
        outcomes.push({ replica: r, ...(await completeCall(clients[r]!, 'quick', i, i % 2 === 1)) });
        done++;
      }
      return outcomes;
    }),
  );
  const total = replicas.length * LANES * PER_LANE;
  // Mid-burst: the held calls reached the provider and a quarter of the burst is answered.
  await until(() => rig.sim.requests.filter((q) => q.profile === 'deepseek').length >= HELD && done >= total / 4);
  assert.ok(done < total, 'the kill comes while the burst is still running');
  assert.deepEqual(await victim.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
  const outcomes = (await Promise.all(burst)).flat();
  assert.ok((await Promise.all(held)).every((o) => !o.ok), 'no held call ended before the kill');
  for (const o of outcomes.filter((o) => o.replica !== 0)) assert.ok(o.ok, `a call on a replica left running is answered (${o.ok ? '' : o.error})`);
  assert.ok(outcomes.some((o) => o.replica === 0 && !o.ok), 'calls to the killed replica failed from the kill on');

  // Started again on its own folder: the journal of the killed process is replayed.
  const restarted = await rig.start(0);
  const replay = await restarted.waitForLog((l) => l.msg === 'journal of a stopped process replayed', 'the journal replay');
  assert.ok((replay.interrupted as number) >= HELD, `the calls under way at the kill are replayed as interrupted (${String(replay.interrupted)})`);

  const served = servedCallIds(rig.sim.requests);
  const heldIds = rig.sim.requests.filter((q) => q.profile === 'deepseek').map((q) => q.headers['x-client-request-id']!);
  assert.equal(heldIds.length, HELD);
  await untilRecorded(pg.url, served);
  const facts = await assertPgLedgerInvariants(pg.url, served);
  t.diagnostic(`calls received ${served.length}, rows ${facts.rows.length}, interrupted ${facts.interrupted} (replayed ${String(replay.interrupted)}), burst calls answered ${outcomes.filter((o) => o.ok).length} of ${total}`);
  const byId = new Map(facts.rows.map((r) => [r.call_id, r]));
  for (const id of heldIds) {
    const r = byId.get(id)!;
    assert.deepEqual([r.status, r.usage_status, r.source, r.user, r.route], ['interrupted', 'estimated', 'gateway', KEY_NAME, 'held'], `held call ${id}`);
    assert.ok(r.input_tokens > 0 && r.cost_nusd !== null && r.cost_nusd > 0, 'an interrupted call is estimated from its prompt, never $0');
  }
  const answered = outcomes.filter((o) => o.ok).map((o) => (o.ok ? o.callId : ''));
  for (const id of answered) assert.equal(byId.get(id)?.status, 'ok', `answered call ${id} has its normal row`);

  // `spend` from each replica's machine (the CLI on the shared database): one report.
  const reports = await Promise.all([0, 1, 2].map((i) => rig.cli(['spend', 'today', 'by', 'key', '--json'], i)));
  for (const rep of reports) assert.equal(rep.code, 0, rep.stderr);
  const json = reports.map((rep) => JSON.parse(rep.stdout) as { requests: number; interrupted_calls: number });
  assert.equal(json[0]!.requests, facts.rows.length, 'every row is counted');
  assert.equal(json[0]!.interrupted_calls, facts.interrupted);
  assert.deepEqual(json[1], json[0], 'the same report from replica 1');
  assert.deepEqual(json[2], json[0], 'the same report from replica 2');

  // Clean stops write what is left and add nothing.
  for (const r of [restarted, replicas[1]!, replicas[2]!]) assert.deepEqual(await r.kill('SIGTERM'), { code: 0, signal: null });
  const after = await assertPgLedgerInvariants(pg.url, served);
  assert.equal(after.rows.length, facts.rows.length, 'no row added by the stops');
});
