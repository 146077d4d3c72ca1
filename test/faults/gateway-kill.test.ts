// Through the real routeops process serving the gateway (no Slack tokens, stdin not a terminal:
// a server on PORT): SIGKILL while gateway calls are in flight. Each call's journal line is
// written before it is sent (docs/ARCHITECTURE.md "Nothing lost"), so the next start records
// every call the provider received as exactly one ledger row: an interrupted one for a call
// under way, its normal row for a call whose reply the client already had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { peekDb } from '../support/db.js';
import { rigConfig, startFaultRig, until, type FaultRig } from '../support/fault-rig.js';
import { runCli, type BotProcess } from '../support/bot-process.js';
import { assertLedgerInvariants, servedCallIds } from '../support/ledger-invariants.js';

const KEY_NAME = 'orders-svc';
const ask = (i: number) => [{ role: 'user' as const, content: `gateway call ${i}: summarise the order history of customer ${i} in one line` }];

type Row = { call_id: string; source: string; user: string; route: string; status: string; usage_status: string; input_tokens: number; output_tokens: number; cost_nusd: number | null };

/** `held` never ends (the simulator's deepseek is told so); `quick` answers at once (qwen). */
async function startGatewayRig(): Promise<FaultRig> {
  return startFaultRig({
    slack: false,
    config: (sim) =>
      rigConfig(sim, {
        gateway: { enabled: true },
        models: {
          held: { routes: [{ provider: 'deepseek', model: 'deepseek-v4-flash' }] },
          quick: { routes: [{ provider: 'qwen-intl', model: 'qwen-plus' }] },
        },
      }),
  });
}

/** A gateway key made with the real CLI against the rig's database. */
async function createKey(rig: FaultRig): Promise<string> {
  const out = await runCli(['keys', 'create', KEY_NAME, '--json'], rig.env);
  assert.equal(out.code, 0, out.stderr);
  return (JSON.parse(out.stdout) as { key: string }).key;
}

const clientOf = (bot: BotProcess, key: string) => new OpenAI({ apiKey: key, baseURL: `${bot.url}/v1`, maxRetries: 0 });

/** A call that will never end: resolves with what the client got when its connection died. */
function callUntilKilled(client: OpenAI, i: number, stream: boolean): Promise<{ failed: boolean; text: string }> {
  const run = async () => {
    if (!stream) {
      await client.chat.completions.create({ model: 'held', messages: ask(i) });
      return '';
    }
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: 'held', messages: ask(i), stream: true })) text += chunk.choices[0]?.delta.content ?? '';
    return text;
  };
  return run().then(
    (text) => ({ failed: false, text }),
    () => ({ failed: true, text: '' }),
  );
}

const ledgerRows = (rig: FaultRig) => peekDb(rig.dbPath, (db) => db.prepare(`SELECT call_id, source, "user", route, status, usage_status, input_tokens, output_tokens, cost_nusd FROM usage ORDER BY id`).all()) as Row[];

/** Starts the process again on the same database and journal; resolves once it replayed the dead one's journal. */
async function restartAfterKill(rig: FaultRig, interrupted: number): Promise<BotProcess> {
  const bot = await rig.startBot();
  const replay = await bot.waitForLog((l) => l.msg === 'journal of a stopped process replayed', 'the journal replay');
  assert.equal(replay.interrupted, interrupted, 'calls under way at the kill, replayed as interrupted');
  return bot;
}

function assertInterrupted(r: Row, route: string) {
  assert.equal(r.status, 'interrupted', r.call_id);
  assert.equal(r.source, 'gateway');
  assert.equal(r.user, KEY_NAME, 'the key name is the user');
  assert.equal(r.route, route);
  assert.equal(r.usage_status, 'estimated', 'output unknown: the prompt estimated, flagged');
  assert.ok(r.input_tokens > 0, 'the prompt the gateway forwarded is estimated, not 0');
  assert.equal(r.output_tokens, 0);
  assert.ok(r.cost_nusd !== null && r.cost_nusd > 0, `an interrupted call on a priced model is never $0 (cost_nusd ${r.cost_nusd})`);
}

test('SIGKILL with 12 gateway calls in flight (plain and streamed): after a restart each is one interrupted row of the key, and a second restart adds none', { timeout: 120_000 }, async (t) => {
  const rig = await startGatewayRig();
  t.after(() => rig.close());
  // The answer streams its text, then only keep-alives (plain: blank lines): no call ends by itself.
  rig.sim.setFaults('deepseek', { neverEnd: true });
  const key = await createKey(rig);
  const bot = await rig.startBot();
  const client = clientOf(bot, key);

  const N = 12;
  const calls = Array.from({ length: N }, (_, i) => callUntilKilled(client, i, i % 2 === 1));
  await until(() => servedCallIds(rig.sim.requests).length >= N);
  assert.deepEqual(await bot.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
  const outcomes = await Promise.all(calls);
  assert.ok(outcomes.every((o) => o.failed), 'no call had ended when the process died');
  const served = servedCallIds(rig.sim.requests);
  assert.equal(served.length, N);
  assert.deepEqual(ledgerRows(rig), [], 'nothing was in the ledger before the kill');

  const restarted = await restartAfterKill(rig, N);
  const facts = assertLedgerInvariants(rig.dbPath, { served, begun: N });
  assert.equal(facts.rows, N, 'one row per call the provider received, no more');
  assert.deepEqual(facts.bySource, { gateway: N });
  const rows = ledgerRows(rig);
  assert.deepEqual(rows.map((r) => r.call_id).sort(), [...served].sort(), 'the rows are the calls the provider received');
  for (const r of rows) assertInterrupted(r, 'held');

  // `spend … by key` counts them as the key's interrupted calls.
  const spend = await runCli(['spend', 'today', 'by', 'key', '--json'], rig.env);
  assert.equal(spend.code, 0, spend.stderr);
  const json = JSON.parse(spend.stdout) as { requests: number; interrupted_calls: number; groups: Array<{ key: string; requests: number; interrupted_calls: number }> };
  assert.equal(json.requests, N);
  assert.equal(json.interrupted_calls, N);
  assert.deepEqual(json.groups.map((g) => [g.key, g.requests, g.interrupted_calls]), [[KEY_NAME, N, N]]);

  // A second restart (after a clean stop) replays nothing again.
  assert.deepEqual(await restarted.kill('SIGTERM'), { code: 0, signal: null });
  const third = await rig.startBot();
  assert.equal(assertLedgerInvariants(rig.dbPath, { served, begun: N }).rows, N);
  assert.deepEqual(ledgerRows(rig), rows, 'the same rows, none added');
  await third.kill('SIGTERM');
});

test('SIGKILL right after some gateway calls completed and while others are in flight: the completed keep their normal rows, the rest are interrupted, rows equal the calls received', { timeout: 120_000 }, async (t) => {
  const rig = await startGatewayRig();
  t.after(() => rig.close());
  rig.sim.setFaults('deepseek', { neverEnd: true });
  const key = await createKey(rig);
  const bot = await rig.startBot();
  const client = clientOf(bot, key);

  const HELD = 8;
  const DONE = 8;
  // Both at once: the kill comes as soon as the last completed reply is in the client's hands,
  // without waiting for the ledger.
  const held = Array.from({ length: HELD }, (_, i) => callUntilKilled(client, i, i % 2 === 0));
  const completed = Array.from({ length: DONE }, async (_, i) => {
    if (i % 2 === 0) {
      const { data, response } = await client.chat.completions.create({ model: 'quick', messages: ask(100 + i) }).withResponse();
      assert.match(data.choices[0]!.message.content ?? '', /gateway call/);
      return response.headers.get('x-request-id')!;
    }
    const { data: stream, response } = await client.chat.completions.create({ model: 'quick', messages: ask(100 + i), stream: true }).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.match(text, /gateway call/);
    return response.headers.get('x-request-id')!;
  });
  const completedIds = await Promise.all(completed);
  await until(() => servedCallIds(rig.sim.requests).length >= HELD + DONE);
  assert.deepEqual(await bot.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
  assert.ok((await Promise.all(held)).every((o) => o.failed), 'the held calls had not ended');
  const served = servedCallIds(rig.sim.requests);
  assert.equal(served.length, HELD + DONE);
  const heldIds = served.filter((id) => !completedIds.includes(id));
  assert.equal(heldIds.length, HELD, "each completed call's x-request-id is a call the provider received");

  await restartAfterKill(rig, HELD);
  const facts = assertLedgerInvariants(rig.dbPath, { served, begun: HELD + DONE });
  assert.equal(facts.rows, served.length, "the ledger's rows equal the simulator's count");
  const rows = ledgerRows(rig);
  const byId = new Map(rows.map((r) => [r.call_id, r]));
  for (const id of completedIds) {
    const r = byId.get(id)!;
    assert.deepEqual([r.status, r.usage_status, r.source, r.user, r.route], ['ok', 'ok', 'gateway', KEY_NAME, 'quick'], `completed call ${id} keeps its normal row`);
    assert.ok(r.input_tokens > 0 && r.output_tokens > 0 && r.cost_nusd !== null && r.cost_nusd > 0, 'with the usage the provider reported');
  }
  for (const id of heldIds) assertInterrupted(byId.get(id)!, 'held');
});
